/**
 * The full run's step 3: one pass over the tenant's users: seats recounted and repaired, over-assignment
 * flagged, lost audit records re-created, reclaim candidates found, inactive licensed users counted.
 */
import {
  auditCheckSince,
  heldSince,
  INACTIVITY_WINDOWS,
  keepDateOf,
  inactiveLicensed,
  NewestHolders,
  pendingReleases,
  reclaimCandidate,
} from '../../../domain/reconciliation';
import { reclaimMarkId } from '../../../storage/reclaimMarks';
import { ScannedUser, userPages, WithTs } from '../../../storage/reconciliation';
import { AuditDoc, SubscriptionDoc } from '../../../storage/documents';
import { subscriptions } from '../../../storage/subscriptions';
import { Run, runSubscriptions, subscriptionsChanged } from '../run';
import { REPORT_LIST_CAP } from '../report';
import { recreateMissingAudit } from './audit';
import { flagOverAssignment, secondsSince, settleSeats, USER_PAGE } from './seats';

const inc = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);

export async function scanStep(run: Run, previousAuditFrom: string | undefined): Promise<void> {
  const report = run.report;
  const before = (await subscriptions.list(run.tenantId)) as WithTs<SubscriptionDoc>[]; // S1
  const bySku = new Map(before.map((d) => [d.skuId, d]));
  const holders = new Map<string, number>();
  const pending = new Map<string, number>();
  const newest = new Map(before.map((d) => [d.skuId, new NewestHolders(REPORT_LIST_CAP)]));
  const since = auditCheckSince(previousAuditFrom, run.now);
  report.auditRecords.checkedSince = since;
  const subscriptionOf = (skuId: string) => bySku.get(skuId);
  let unreadable = 0;

  for await (const page of userPages(run.tenantId, USER_PAGE)) {
    const recheck: AuditDoc[] = [];
    for (const u of page) {
      if (u.assignedSkuIds === undefined) run.uncounted++; // a recount by the store cannot see it (see seats.ts)
      try {
        const held = heldSince(u.licenseAssignments);
        for (const [skuId, at] of held) {
          inc(holders, skuId);
          newest.get(skuId)?.add({ userId: u.id, userPrincipalName: u.userPrincipalName, displayName: u.displayName, assignedDateTime: at });
        }
        for (const skuId of pendingReleases(u.lastLicenseChange, new Set(held.keys()), secondsSince(u._ts), run.graceSeconds)) inc(pending, skuId);
        const last = u.lastLicenseChange;
        if (last?.id && last.activityDateTime >= since) recheck.push(last);
        noteReclaim(run, u, subscriptionOf);
        for (const days of INACTIVITY_WINDOWS) if (inactiveLicensed(u, run.now, days)) report.inactiveLicensedUsers[String(days)]++;
      } catch {
        // a broken document (bad data from elsewhere): reported; the counters are then never lowered
        unreadable++;
        if (report.unreadableUsers.length < REPORT_LIST_CAP) report.unreadableUsers.push(u.id);
      }
    }
    if (recheck.length) await recreateMissingAudit(run, recheck);
    await run.lease.keepAlive();
  }
  run.auditChecked = true;

  const after = (await subscriptions.list(run.tenantId)) as WithTs<SubscriptionDoc>[]; // S2
  const afterBySku = new Map(after.map((d) => [d.skuId, d]));
  for (const s1 of before) {
    const scanned = { holders: holders.get(s1.skuId) ?? 0, pending: pending.get(s1.skuId) ?? 0, unreadable };
    report.seats.push(await settleSeats(run, s1, { s2: afterBySku.get(s1.skuId), ...scanned }));
    await run.lease.keepAlive();
  }

  // over-assignment, on the subscriptions as they are now and the holders as counted (the newest from the pass)
  subscriptionsChanged(run);
  for (const doc of await runSubscriptions(run)) {
    const counted = report.seats.find((e) => e.skuId === doc.skuId)?.holders ?? holders.get(doc.skuId) ?? 0;
    await flagOverAssignment(run, doc, counted, newest.get(doc.skuId));
  }
}

export function noteReclaim(run: Run, u: ScannedUser, subscription: (skuId: string) => SubscriptionDoc | undefined): void {
  const policy = run.policy;
  if (!policy.enabled) return;
  if (u.accountEnabled === false && !u.disabledDateTime) {
    if (run.disabledWithoutDate.length < REPORT_LIST_CAP) run.disabledWithoutDate.push(u.id);
    return;
  }
  const candidate = reclaimCandidate(u, policy, run.now, subscription, (skuId) => keptAt(run, u.id, skuId));
  if (!candidate) return;
  const r = run.report.reclaim;
  r.candidates++;
  if (r.users.length < REPORT_LIST_CAP)
    r.users.push({
      userId: u.id,
      userPrincipalName: u.userPrincipalName,
      displayName: u.displayName,
      disabledDateTime: u.disabledDateTime ?? null,
      ...candidate,
    });
}

/** When the user kept this product (ask-first reclaim), if they did. */
export function keptAt(run: Run, userId: string, skuId: string): string | null | undefined {
  return keepDateOf(run.marks.get(reclaimMarkId(userId, skuId)));
}
