/**
 * The incremental run's seats: the counters are kept exact by conditional writes, so only what the write
 * engine may have left open is counted again, each product on its own (its holders, not every user):
 * - products named by a seat intent older than the grace period (a run that died between moving a counter
 *   and settling it: a reservation without its user write, a user write without its release);
 * - products with a bulk-job chunk's hold whose job has ended or is gone (a hold never settled);
 * - products bought since the last run (a self-service purchase counts its buyer's seat before the buyer
 *   is written);
 * - products whose counter is above their enabled units: the over-assignment is judged on the holders (the
 *   counter may count a seat nobody holds), and reported with the users over the line. A product whose
 *   window is open but whose counter is within its units is back within them (so are its holders): the
 *   window closes without a count.
 * An intent whose products are all settled is removed; one whose product is left for later (a counter
 * still moving, a job still running) stays for the next run. The users an intent names get their audit
 * records checked.
 */
import { settings } from '../../../config';
import { prepaidUnits } from '../../../domain/licensing';
import { holdJobId } from '../../../domain/reconciliation';
import { SubscriptionDoc } from '../../../storage/documents';
import { SeatIntentDoc, seatIntents } from '../../../storage/seatIntents';
import { users } from '../../../storage/users';
import { Run, runSubscriptions } from '../run';
import { recreateMissingAuditOf } from './audit';
import { closeOverAssignment, flagOverAssignment, jobStatesFor, newestHolders, secondsSince, settleSeats } from './seats';

export async function openSeatsStep(run: Run): Promise<void> {
  const [subs, intents] = await Promise.all([runSubscriptions(run), seatIntents.open(run.tenantId)]);
  const stale = intents.filter((i) => secondsSince(i._ts) >= run.graceSeconds);
  run.report.seatIntents = { open: intents.length, recounted: stale.length, closed: 0 };
  const bySku = new Map(subs.map((d) => [d.skuId, d]));
  const recount = new Set<string>(stale.flatMap((i) => i.skuIds).filter((s) => bySku.has(s)));
  // a purchase's date is the app's clock, the checkpoint the store's: the change set's margin either way
  const boughtSince = run.from!.since - settings().RECONCILIATION_CHANGE_MARGIN_SECONDS;
  for (const doc of subs) {
    if ((await hasStaleHold(run, doc)) || Date.parse(doc.createdDateTime) / 1000 >= boughtSince || mayBeOverAssigned(doc)) recount.add(doc.skuId);
    else if (doc.overAssignedSince) await closeOverAssignment(run, doc); // (a product recounted is judged below)
  }

  const settled = new Set<string>();
  for (const skuId of recount) {
    const entry = await settleSeats(run, bySku.get(skuId)!);
    run.report.seats.push(entry);
    if (entry.action === 'none' || entry.action === 'repaired') settled.add(skuId);
    // over-assignment on the holders as counted (never on a count a moving counter left undone), the
    // subscription as listed (a repair moves only the counter, never the units or the window)
    if (entry.action !== 'deferred' || entry.reason !== 'busy') {
      const doc = bySku.get(skuId)!;
      const over = entry.holders > enabledUnits(doc);
      await flagOverAssignment(run, doc, entry.holders, over ? await newestHolders(run, skuId) : undefined);
    }
    await run.lease.keepAlive();
  }

  await closeIntents(run, stale, settled);
}

/** A chunk hold whose job has ended or is gone: its seats are counted again (the repair drops it). */
async function hasStaleHold(run: Run, doc: SubscriptionDoc): Promise<boolean> {
  const holds = doc.seat.holds ?? {};
  if (!Object.keys(holds).length) return false;
  const state = await jobStatesFor(run, holds);
  return Object.keys(holds).some((key) => state(holdJobId(key)) !== 'running');
}

const enabledUnits = (doc: SubscriptionDoc) => prepaidUnits({ capabilityStatus: doc.capabilityStatus, totalLicenses: doc.totalLicenses }).enabled;

/** The counter never counts fewer than the holders: within the enabled units, so are they. */
const mayBeOverAssigned = (doc: SubscriptionDoc) => doc.capabilityStatus !== 'Deleted' && doc.seat.consumed > enabledUnits(doc);

/**
 * Stale intents whose products are all settled are removed, after the audit records of their users'
 * changes since the intent (a run that died after a user write, before its records) are checked.
 */
async function closeIntents(run: Run, stale: SeatIntentDoc[], settled: Set<string>): Promise<void> {
  const since = new Map<string, string>();
  for (const i of stale) for (const u of i.userIds) if (!since.has(u) || i.createdDateTime < since.get(u)!) since.set(u, i.createdDateTime);
  if (since.size) {
    const read = await users.getMany(run.tenantId, [...since.keys()]);
    const changes = [...read.values()]
      .filter((u) => u.lastLicenseChange?.id && u.lastLicenseChange.activityDateTime >= since.get(u.id)!)
      .map((u) => ({ userId: u.id, recordId: u.lastLicenseChange!.id }));
    if (changes.length) await recreateMissingAuditOf(run, changes);
  }
  for (const intent of stale) {
    if (!intent.skuIds.every((s) => settled.has(s) || !run.report.seats.some((e) => e.skuId === s))) continue;
    if (await seatIntents.remove(run.tenantId, intent.id)) run.report.seatIntents.closed++;
  }
}
