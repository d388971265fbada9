/**
 * The scheduled license reconciliation, the pure part (no I/O): which lifecycle transitions are due by
 * date, what a product's seat counter should read and whether it may be changed now, who is over the
 * line when a subscription has more holders than enabled units; the reclaim policy's rules are in
 * reclaim.ts (re-exported here). shared/usecases/reconciliation.ts reads, decides here, and writes.
 */
import { CapabilityStatus, effectiveLicenses, isActive, LicenseAssignment, prepaidUnits } from './licensing';

import { DAY_MS } from './reclaim';

// the reclaim policy's rules (and DAY_MS) live in reclaim.ts; the reconciliation's callers find them here too
export * from './reclaim';

// ---------------- subscription lifecycle by date ----------------

/** Days a subscription spends in each state after its lifecycle date passes (licensing-reference.md). */
export const WARNING_PERIOD_DAYS = 30;
export const SUSPENDED_PERIOD_DAYS = 90;

/** A new subscription's first lifecycle date: the end of its term, one year after purchase. */
export function firstLifecycleDate(created: string): string {
  const d = new Date(created);
  d.setUTCFullYear(d.getUTCFullYear() + 1);
  return d.toISOString();
}

export interface LifecycleTransition {
  from: CapabilityStatus;
  to: CapabilityStatus;
  /** The date that made the transition due. */
  dueDateTime: string;
  /** The subscription's lifecycle date after the transition (null: nothing further is scheduled). */
  nextLifecycleDateTime: string | null;
}

/** Enabled -> Warning (+30 days) -> Suspended (+90 days) -> Deleted. */
const NEXT_BY_DATE: Partial<Record<CapabilityStatus, { to: CapabilityStatus; days: number | null }>> = {
  Enabled: { to: 'Warning', days: WARNING_PERIOD_DAYS },
  Warning: { to: 'Suspended', days: SUSPENDED_PERIOD_DAYS },
  Suspended: { to: 'Deleted', days: null },
};

/**
 * The transitions due at `now`, in order. Each next date counts from the previous date, not from `now`:
 * a run that comes late (or a subscription whose dates passed long ago) lands in the state the dates say,
 * through every state in between, and the next date does not drift with the run time.
 */
export function dueTransitions(s: { capabilityStatus: CapabilityStatus; nextLifecycleDateTime?: string | null }, now: string): LifecycleTransition[] {
  const out: LifecycleTransition[] = [];
  const nowMs = Date.parse(now);
  let state = s.capabilityStatus;
  let due = s.nextLifecycleDateTime ?? null;
  while (due !== null) {
    const dueMs = Date.parse(due);
    const step = NEXT_BY_DATE[state];
    if (!Number.isFinite(dueMs) || dueMs > nowMs || !step) break;
    const next = step.days === null ? null : new Date(dueMs + step.days * DAY_MS).toISOString();
    out.push({ from: state, to: step.to, dueDateTime: new Date(dueMs).toISOString(), nextLifecycleDateTime: next });
    state = step.to;
    due = next;
  }
  return out;
}

// ---------------- seat counter ----------------

/** A chunk hold's key is `{jobId}_{chunk}`: the job it belongs to. */
export const holdJobId = (key: string) => (key.includes('_') ? key.slice(0, key.lastIndexOf('_')) : key);

export type HoldJobState = 'running' | 'final' | 'missing';

export interface SeatCount {
  /** The counter as read (it moved neither while the holders were counted nor until the write). */
  consumed: number;
  holds: Record<string, number>;
  /** Users holding the product by an active path, counted between two reads of the counter. */
  holders: number;
  /**
   * Users who no longer hold the product but whose last license change removed it within the grace period:
   * that change's seat release may still be on its way (user written first, seat released after).
   */
  pendingReleases: number;
  /** The state of each hold's job (keyed by job id). */
  jobState: (jobId: string) => HoldJobState;
  /** Seconds since the counter document last changed. */
  stillSeconds: number;
  /** How long the counter must have been still before it may be lowered (RECONCILIATION_SEAT_GRACE_SECONDS). */
  graceSeconds: number;
  /** User documents that could not be read: the holders may be more than counted. */
  unreadableUsers: number;
}

export interface HoldInfo {
  key: string;
  jobId: string;
  seats: number;
}

export interface SeatDecision {
  action: 'none' | 'repair' | 'deferred';
  reason?: 'jobRunning' | 'recentSeatActivity' | 'unreadableUsers';
  /** The counter after the repair (action 'repair'). */
  consumed: number;
  /** The holds after the repair: stale ones dropped. */
  holds: Record<string, number>;
  staleHolds: (HoldInfo & { reason: 'jobFinished' | 'jobMissing' })[];
  liveHolds: HoldInfo[];
}

/**
 * What the seat counter of one product should read, and whether it may be written now.
 *
 * Every writer keeps `consumed >= seats actually held` at all times: a seat is reserved before the user
 * is written and released after; a bulk-job chunk holds its seats (`seat.holds`) until it settles them.
 * So, between two equal reads of the counter, the count `holders` satisfies
 *   holders <= consumed - (reservations whose user write has not landed) - (live chunk holds' seats)
 *             + (pending releases),
 * and the decision below never takes the counter under what the seats actually held need:
 * - a chunk hold of a running job makes the product's count ambiguous (users the chunk has already written
 *   are both holders and covered by the hold): the product is left alone until the job ends;
 * - holds of finished or missing jobs are stale: dropped (their seats are recounted from the users);
 * - too low (consumed < holders): raised at once to holders + pendingReleases. Raising is always safe; the
 *   pending releases are counted so that a release landing after the write cannot take it under again
 *   (at worst an over-count by those few seats, lowered by the next run);
 * - too high (consumed > holders + pendingReleases): lowered to holders + pendingReleases only when the
 *   counter has been still for the grace period — longer than any request holds a reserved seat before its
 *   user write lands — so no reservation can be in flight; and never while a user could not be read;
 * - in between: pending releases explain the difference; nothing to do.
 */
export function decideSeats(c: SeatCount): SeatDecision {
  const staleHolds: SeatDecision['staleHolds'] = [];
  const liveHolds: HoldInfo[] = [];
  const kept: Record<string, number> = {};
  for (const [key, seats] of Object.entries(c.holds ?? {})) {
    const jobId = holdJobId(key);
    const state = c.jobState(jobId);
    const info = { key, jobId, seats: typeof seats === 'number' ? seats : 0 };
    if (state === 'running') {
      liveHolds.push(info);
      kept[key] = seats;
    } else staleHolds.push({ ...info, reason: state === 'final' ? 'jobFinished' : 'jobMissing' });
  }
  const unchanged = { consumed: c.consumed, holds: c.holds ?? {}, staleHolds, liveHolds };
  if (liveHolds.length) return { action: 'deferred', reason: 'jobRunning', ...unchanged };
  const low = c.holders;
  const high = c.holders + c.pendingReleases;
  if (c.consumed < low) return { action: 'repair', consumed: high, holds: kept, staleHolds, liveHolds };
  if (c.consumed > high) {
    if (c.unreadableUsers > 0) return { action: 'deferred', reason: 'unreadableUsers', ...unchanged };
    if (c.stillSeconds < c.graceSeconds) return { action: 'deferred', reason: 'recentSeatActivity', ...unchanged };
    return { action: 'repair', consumed: high, holds: kept, staleHolds, liveHolds };
  }
  // within what pending releases explain: only stale holds (if any) to drop, the count stays
  if (staleHolds.length) return { action: 'repair', consumed: c.consumed, holds: kept, staleHolds, liveHolds };
  return { action: 'none', ...unchanged };
}

/** Products a user holds (by an active path), and since when: the earliest active path of each. */
export function heldSince(assignments: LicenseAssignment[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const l of effectiveLicenses(assignments)) {
    const dates = assignments.filter((a) => a.skuId === l.skuId && isActive(a)).map((a) => a.assignedDateTime);
    out.set(
      l.skuId,
      dates.reduce((min, d) => (d < min ? d : min)),
    );
  }
  return out;
}

/**
 * Products whose seat release may still be pending for this user: the user's last license change removed
 * them and was written within the grace period (the release follows the user write).
 */
export function pendingReleases(
  lastChange: { before: { skuId: string }[]; after: { skuId: string }[] } | undefined,
  held: ReadonlySet<string>,
  writtenSecondsAgo: number,
  graceSeconds: number,
): string[] {
  if (!lastChange || writtenSecondsAgo >= graceSeconds) return [];
  const after = new Set(lastChange.after.map((l) => l.skuId));
  return [...new Set(lastChange.before.map((l) => l.skuId))].filter((s) => !after.has(s) && !held.has(s));
}

// ---------------- deleted products ----------------

/**
 * A deleted product leaves its user: the direct path and active group paths go (they hold the seat). A
 * group path already in error for it stays: it holds nothing, and it is the group engine's record that the
 * group's product fails for this member (the group engine would only add it back). `held`: the user held
 * the product, so a seat is released after the write.
 */
export function withoutDeletedProduct(assignments: LicenseAssignment[], skuId: string): { next: LicenseAssignment[]; changed: boolean; held: boolean } {
  const goes = (a: LicenseAssignment) => a.skuId === skuId && (a.assignedByGroup === null || isActive(a));
  const next = assignments.filter((a) => !goes(a));
  return { next, changed: next.length !== assignments.length, held: assignments.some((a) => a.skuId === skuId && isActive(a)) };
}

// ---------------- over-assignment ----------------

export const OVER_ASSIGNMENT_WINDOW_DAYS = 90;

export interface Holder {
  userId: string;
  userPrincipalName: string;
  displayName: string;
  /** When the user got the product (earliest active path). */
  assignedDateTime: string;
}

/** Most recently assigned first (ties: higher user id first, so the order is total and stable). */
export const newestFirst = (a: Holder, b: Holder) =>
  a.assignedDateTime === b.assignedDateTime ? (a.userId < b.userId ? 1 : a.userId > b.userId ? -1 : 0) : a.assignedDateTime < b.assignedDateTime ? 1 : -1;

/**
 * The `cap` most recently assigned holders seen so far, newest first, in bounded memory (a product may
 * have 100,000 holders; only those over the line are reported).
 */
export class NewestHolders {
  private readonly list: Holder[] = [];
  constructor(readonly cap: number) {}

  add(h: Holder): void {
    const l = this.list;
    if (this.cap <= 0 || (l.length >= this.cap && newestFirst(h, l[l.length - 1]) >= 0)) return;
    let lo = 0;
    let hi = l.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (newestFirst(l[mid], h) <= 0) lo = mid + 1;
      else hi = mid;
    }
    l.splice(lo, 0, h);
    if (l.length > this.cap) l.pop();
  }

  newest(n: number): Holder[] {
    return this.list.slice(0, Math.max(0, n));
  }
}

export interface OverAssignment {
  enabledUnits: number;
  holders: number;
  /** Holders beyond the enabled units (0: not over-assigned). */
  over: number;
  /** The most recently assigned `over` holders (up to the list's cap), newest first. */
  users: Holder[];
  /** Start of the 90-day window: kept while over-assigned, null once back within the enabled units. */
  overAssignedSince: string | null;
  windowEndsDateTime: string | null;
  daysLeft: number | null;
}

/**
 * Over-assignment: more users hold the product than the subscription has enabled units (seats reduced
 * below the assigned count by the commerce side, or a lapse to Suspended). It is flagged, never undone:
 * the admin has a fixed window to bring it back. Counted on the actual holders, not on the seat counter
 * (which may carry a seat nobody holds). A deleted subscription is not over-assigned: its assignments are
 * removed.
 */
export function overAssignment(input: {
  capabilityStatus: CapabilityStatus;
  totalLicenses: number;
  holders: number;
  newest: Holder[];
  since: string | null | undefined;
  now: string;
}): OverAssignment {
  const enabledUnits = prepaidUnits({ capabilityStatus: input.capabilityStatus, totalLicenses: input.totalLicenses }).enabled;
  const over = input.capabilityStatus === 'Deleted' ? 0 : Math.max(0, input.holders - enabledUnits);
  if (!over) return { enabledUnits, holders: input.holders, over: 0, users: [], overAssignedSince: null, windowEndsDateTime: null, daysLeft: null };
  const since = input.since && Number.isFinite(Date.parse(input.since)) ? new Date(input.since).toISOString() : new Date(input.now).toISOString();
  const ends = Date.parse(since) + OVER_ASSIGNMENT_WINDOW_DAYS * DAY_MS;
  return {
    enabledUnits,
    holders: input.holders,
    over,
    users: [...input.newest].sort(newestFirst).slice(0, over),
    overAssignedSince: since,
    windowEndsDateTime: new Date(ends).toISOString(),
    daysLeft: Math.max(0, Math.ceil((ends - Date.parse(input.now)) / DAY_MS)),
  };
}

// ---------------- audit records lost to a crash ----------------

/** How far before the previous run's start the audit check looks again (clock skew, changes in flight). */
export const AUDIT_MARGIN_MS = 60 * 60_000;
/** The first run, without a previous one, looks this far back. */
export const AUDIT_FIRST_LOOKBACK_DAYS = 7;

/** Changes at or after this time are checked for a missing audit record. */
export function auditCheckSince(previousRunStarted: string | undefined | null, now: string): string {
  const prev = previousRunStarted ? Date.parse(previousRunStarted) : NaN;
  const from = Number.isFinite(prev) ? prev - AUDIT_MARGIN_MS : Date.parse(now) - AUDIT_FIRST_LOOKBACK_DAYS * DAY_MS;
  return new Date(Math.min(from, Date.parse(now))).toISOString();
}
