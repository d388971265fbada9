/** Step 3: one pass over the tenant's users: seats recounted and repaired, over-assignment flagged, lost audit records re-created, reclaim candidates found. */
import { FINAL_STATUSES } from '../../../domain/jobs';
import {
  auditCheckSince,
  decideSeats,
  heldSince,
  HoldJobState,
  holdJobId,
  INACTIVITY_WINDOWS,
  keepDateOf,
  inactiveLicensed,
  NewestHolders,
  overAssignment,
  pendingReleases,
  reclaimCandidate,
} from '../../../domain/reconciliation';
import { jobs } from '../../../storage/jobs';
import { reclaimMarkId } from '../../../storage/reclaimMarks';
import { existingAuditIds, ScannedUser, seatCounter, userPages, WithTs } from '../../../storage/reconciliation';
import { audit } from '../../../storage/audit';
import { AuditDoc, SubscriptionDoc } from '../../../storage/documents';
import { subscriptions } from '../../../storage/subscriptions';
import { Run, sleep } from '../run';
import { REPORT_LIST_CAP, SeatReport } from '../report';

const USER_PAGE = 500;
const SEAT_ATTEMPTS = 3;

const inc = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
/**
 * Seconds since a document was written, on the safe side: `_ts` is whole seconds, rounded down; without
 * one, "just now" (a counter is then not lowered, a user's removal counts as a pending release).
 */
const secondsSince = (ts: number | undefined) => (typeof ts === 'number' ? Date.now() / 1000 - (ts + 1) : 0);

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
    report.seats.push(await settleSeats(run, s1, afterBySku.get(s1.skuId), holders.get(s1.skuId) ?? 0, pending.get(s1.skuId) ?? 0, unreadable));
    await run.lease.keepAlive();
  }

  // over-assignment, on the subscriptions as they are now and the holders as counted
  const fresh = await subscriptions.list(run.tenantId);
  run.subscriptionsAfterScan = fresh;
  for (const doc of fresh) {
    const counted = report.seats.find((s) => s.skuId === doc.skuId)?.holders ?? holders.get(doc.skuId) ?? 0;
    const oa = overAssignment({
      capabilityStatus: doc.capabilityStatus,
      totalLicenses: doc.totalLicenses,
      holders: counted,
      newest: newest.get(doc.skuId)?.newest(REPORT_LIST_CAP) ?? [],
      since: doc.overAssignedSince,
      now: run.now,
    });
    if (oa.over > 0) {
      if (!doc.overAssignedSince) await seatCounter.markOverAssigned(doc, oa.overAssignedSince);
      report.overAssignments.push({ skuId: doc.skuId, skuPartNumber: doc.skuPartNumber, capabilityStatus: doc.capabilityStatus, ...oa });
    } else if (doc.overAssignedSince) {
      await seatCounter.markOverAssigned(doc, null);
      report.overAssignmentsResolved.push({ skuId: doc.skuId, skuPartNumber: doc.skuPartNumber, overAssignedSince: doc.overAssignedSince });
    }
  }
}

/** Audit records of these changes that the audit trail lacks (a crash after the user write): written again, same id. */
async function recreateMissingAudit(run: Run, records: AuditDoc[]): Promise<void> {
  for (let i = 0; i < records.length; i += 100) {
    const batch = records.slice(i, i + 100);
    const existing = await existingAuditIds(
      run.tenantId,
      batch.map((r) => r.id),
    );
    const missing = batch.filter((r) => !existing.has(r.id));
    if (missing.length) await audit.write(missing);
    const a = run.report.auditRecords;
    a.checked += batch.length;
    a.recreated += missing.length;
    for (const r of missing) if (a.recreatedIds.length < REPORT_LIST_CAP) a.recreatedIds.push(r.id);
  }
}

async function jobStatesFor(run: Run, holds: Record<string, number>): Promise<(jobId: string) => HoldJobState> {
  for (const key of Object.keys(holds)) {
    const jobId = holdJobId(key);
    if (run.jobStates.has(jobId)) continue;
    const job = await jobs.get(run.tenantId, jobId).catch(() => undefined);
    run.jobStates.set(jobId, !job ? 'missing' : FINAL_STATUSES.includes(job.status) ? 'final' : 'running');
  }
  // a job not looked up (cannot happen: every key was) counts as running: never drop a hold on a guess
  return (jobId) => run.jobStates.get(jobId) ?? 'running';
}

/** Recounts one product between two equal reads of its counter (after the full pass found it moved). */
async function recount(run: Run, skuId: string): Promise<{ doc: WithTs<SubscriptionDoc>; holders: number; pending: number; unreadable: number } | undefined> {
  const first = await subscriptions.get(run.tenantId, skuId);
  if (!first) return undefined;
  let holders = 0;
  let pending = 0;
  let unreadable = 0;
  // holders of the product, and users written within the grace period (a release of theirs may be pending)
  for await (const page of userPages(run.tenantId, USER_PAGE, skuId, Math.floor(Date.now() / 1000 - run.graceSeconds) - 1)) {
    for (const u of page) {
      try {
        const held = heldSince(u.licenseAssignments);
        if (held.has(skuId)) holders++;
        else if (pendingReleases(u.lastLicenseChange, new Set(held.keys()), secondsSince(u._ts), run.graceSeconds).includes(skuId)) pending++;
      } catch {
        unreadable++;
      }
    }
    await run.lease.keepAlive();
  }
  const second = await subscriptions.get(run.tenantId, skuId);
  return second && second._etag === first._etag ? { doc: first, holders, pending, unreadable } : undefined;
}

async function settleSeats(
  run: Run,
  s1: WithTs<SubscriptionDoc>,
  s2: WithTs<SubscriptionDoc> | undefined,
  holders: number,
  pending: number,
  unreadable: number,
): Promise<SeatReport> {
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
  let stable = !!s2 && s2._etag === s1._etag;
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
      unreadableUsers: unreadable + extraUnreadable,
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
    if (await seatCounter.repair(base, decision)) {
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

function noteReclaim(run: Run, u: ScannedUser, subscription: (skuId: string) => SubscriptionDoc | undefined): void {
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
