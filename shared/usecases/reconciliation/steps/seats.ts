/**
 * One product's seat counter, settled against its holders (the full pass's counts, or a recount of that
 * product alone), and its over-assignment flagged or closed: shared by the full and the incremental run.
 * The argument for why a repair never under-counts is in ../index.ts.
 */
import { FINAL_STATUSES } from '../../../domain/jobs';
import { decideSeats, heldSince, HoldJobState, holdJobId, NewestHolders, overAssignment, pendingReleases } from '../../../domain/reconciliation';
import { jobs } from '../../../storage/jobs';
import { productRecount, seatCounter, WithTs } from '../../../storage/reconciliation';
import { SubscriptionDoc } from '../../../storage/documents';
import { subscriptions } from '../../../storage/subscriptions';
import { Run, sleep, subscriptionsChanged } from '../run';
import { REPORT_LIST_CAP, SeatReport } from '../report';

export const USER_PAGE = 500;
const SEAT_ATTEMPTS = 3;

/**
 * Seconds since a document was written, on the safe side: `_ts` is whole seconds, rounded down; without
 * one, "just now" (a counter is then not lowered, a user's removal counts as a pending release).
 */
export const secondsSince = (ts: number | undefined) => (typeof ts === 'number' ? Date.now() / 1000 - (ts + 1) : 0);

/** The state of each job whose chunk holds seats of the product (looked up once per run). */
export async function jobStatesFor(run: Run, holds: Record<string, number>): Promise<(jobId: string) => HoldJobState> {
  for (const key of Object.keys(holds)) {
    const jobId = holdJobId(key);
    if (run.jobStates.has(jobId)) continue;
    const job = await jobs.get(run.tenantId, jobId).catch(() => undefined);
    run.jobStates.set(jobId, !job ? 'missing' : FINAL_STATUSES.includes(job.status) ? 'final' : 'running');
  }
  // a job not looked up (cannot happen: every key was) counts as running: never drop a hold on a guess
  return (jobId) => run.jobStates.get(jobId) ?? 'running';
}

interface Recount {
  doc: WithTs<SubscriptionDoc>;
  holders: number;
  pending: number;
  unreadable: number;
}

/**
 * Recounts one product between two equal reads of its counter, without reading its holders: the store
 * counts them (productRecount.holders, by the query field every write derives); the users written within
 * the grace period are read for releases that may still be on their way. A user without the query fields
 * (written by a version of the app from before them) is not counted by the store: while the run has seen
 * one (run.uncounted), nothing is lowered, and the userQueryFields step gives it the fields.
 */
async function recount(run: Run, skuId: string): Promise<Recount | undefined> {
  const first = await subscriptions.get(run.tenantId, skuId);
  if (!first) return undefined;
  const holders = await productRecount.holders(run.tenantId, skuId);
  let pending = 0;
  let unreadable = run.uncounted;
  const writtenSince = Math.floor(Date.now() / 1000 - run.graceSeconds) - 1;
  for await (const page of productRecount.writtenSince(run.tenantId, writtenSince, USER_PAGE)) {
    for (const u of page) {
      try {
        if (u.assignedSkuIds === undefined) unreadable++;
        else if (!u.assignedSkuIds.includes(skuId)) {
          const held = new Set(heldSince(u.licenseAssignments).keys());
          if (pendingReleases(u.lastLicenseChange, held, secondsSince(u._ts), run.graceSeconds).includes(skuId)) pending++;
        }
      } catch {
        unreadable++;
      }
    }
    await run.lease.keepAlive();
  }
  const second = await subscriptions.get(run.tenantId, skuId);
  return second && second._etag === first._etag ? { doc: first, holders, pending, unreadable } : undefined;
}

/** The product's most recently assigned holders (read only for an over-assignment: its report lists them). */
export async function newestHolders(run: Run, skuId: string): Promise<NewestHolders> {
  const newest = new NewestHolders(REPORT_LIST_CAP);
  for await (const page of productRecount.holderPages(run.tenantId, skuId, USER_PAGE)) {
    for (const u of page) {
      const at = heldSince(u.licenseAssignments).get(skuId);
      if (at) newest.add({ userId: u.id, userPrincipalName: u.userPrincipalName, displayName: u.displayName, assignedDateTime: at });
    }
    await run.lease.keepAlive();
  }
  return newest;
}

/**
 * Settles one product's counter. `counted`: the full pass's count, taken between the reads `s1` and `s2`
 * (stable when they are the same version); without it, or when the counter moved, the product is counted
 * again on its own. Returns the report's entry (with the holders last counted).
 */
export async function settleSeats(
  run: Run,
  s1: WithTs<SubscriptionDoc>,
  counted?: { s2: WithTs<SubscriptionDoc> | undefined; holders: number; pending: number; unreadable: number },
): Promise<SeatReport> {
  let holders = counted?.holders ?? 0;
  let pending = counted?.pending ?? 0;
  const entry: SeatReport = {
    skuId: s1.skuId,
    skuPartNumber: s1.skuPartNumber,
    capabilityStatus: s1.capabilityStatus,
    consumedBefore: s1.seat.consumed,
    consumedAfter: s1.seat.consumed,
    holders,
    pendingReleases: pending,
    action: 'none',
    staleHoldsRemoved: [],
    liveHolds: [],
  };
  let base = s1;
  let stable = !!counted?.s2 && counted.s2._etag === s1._etag;
  let extraUnreadable = 0;
  for (let attempt = 0; attempt < SEAT_ATTEMPTS; attempt++) {
    if (!stable) {
      if (attempt > 0) await sleep(100 * 2 ** attempt + Math.random() * 100);
      const again = await recount(run, s1.skuId);
      if (!again) continue;
      ({ doc: base, holders, pending } = again);
      extraUnreadable = again.unreadable;
    }
    const holds = base.seat.holds ?? {};
    const decision = decideSeats({
      consumed: base.seat.consumed,
      holds,
      holders,
      pendingReleases: pending,
      jobState: await jobStatesFor(run, holds),
      stillSeconds: secondsSince(base._ts),
      graceSeconds: run.graceSeconds,
      unreadableUsers: (counted?.unreadable ?? 0) + extraUnreadable,
    });
    Object.assign(entry, {
      capabilityStatus: base.capabilityStatus,
      consumedBefore: base.seat.consumed,
      consumedAfter: base.seat.consumed,
      holders,
      pendingReleases: pending,
      liveHolds: decision.liveHolds,
    });
    if (decision.action === 'none') return entry;
    if (decision.action === 'deferred') {
      entry.action = 'deferred';
      entry.reason = decision.reason;
      entry.message = {
        jobRunning: 'A running bulk job holds seats of this product; it is counted again once the job has ended.',
        recentSeatActivity: `The counter reads ${base.seat.consumed} for ${holders} holder(s), but it changed less than ${run.graceSeconds} s ago (a reservation may still be on its way); it is lowered once it has been still that long.`,
        unreadableUsers: 'Some user documents could not be read, so the counter is not lowered.',
      }[decision.reason!];
      return entry;
    }
    const repaired = await seatCounter.repair(base, decision);
    if (repaired) {
      subscriptionsChanged(run, repaired);
      entry.action = 'repaired';
      entry.consumedAfter = decision.consumed;
      entry.staleHoldsRemoved = decision.staleHolds;
      return entry;
    }
    stable = false; // the counter moved after it was counted: count again
  }
  entry.action = 'deferred';
  entry.reason = 'busy';
  entry.message = 'The seat counter kept moving while it was counted (admins or jobs at work); the next run counts again.';
  return entry;
}

/**
 * Over-assignment of one product, on the subscription as it is now and its holders as counted: flagged
 * (its window's start kept on the subscription) or, back within the enabled units, closed.
 */
export async function flagOverAssignment(run: Run, doc: SubscriptionDoc, holders: number, newest: NewestHolders | undefined): Promise<void> {
  const oa = overAssignment({
    capabilityStatus: doc.capabilityStatus,
    totalLicenses: doc.totalLicenses,
    holders,
    newest: newest?.newest(REPORT_LIST_CAP) ?? [],
    since: doc.overAssignedSince,
    now: run.now,
  });
  if (oa.over > 0) {
    if (!doc.overAssignedSince && (await seatCounter.markOverAssigned(doc, oa.overAssignedSince))) subscriptionsChanged(run);
    run.report.overAssignments.push({ skuId: doc.skuId, skuPartNumber: doc.skuPartNumber, capabilityStatus: doc.capabilityStatus, ...oa });
  } else if (doc.overAssignedSince) await closeOverAssignment(run, doc);
}

/** The product is back within its enabled units: its window is closed (reported by the run that closes it). */
export async function closeOverAssignment(run: Run, doc: SubscriptionDoc): Promise<void> {
  if (!(await seatCounter.markOverAssigned(doc, null))) return;
  subscriptionsChanged(run);
  run.report.overAssignmentsResolved.push({ skuId: doc.skuId, skuPartNumber: doc.skuPartNumber, overAssignedSince: doc.overAssignedSince! });
}
