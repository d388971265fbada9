/**
 * The reconciliation's pure rules (shared/domain/reconciliation.ts): lifecycle transitions by date, the
 * seat-counter decision (drift, stale and live chunk holds, when lowering is safe), who is over the line,
 * reclaim candidates, the audit window; plus the hook other modules register steps with, and the schedule
 * setting.
 */
import { EMPTY_CATALOG } from '../../shared/domain/catalog';
import { loadSettings, SettingsError } from '../../shared/config';
import fc from 'fast-check';
import { CapabilityStatus, LicenseAssignment } from '../../shared/domain/licensing';
import {
  AUDIT_FIRST_LOOKBACK_DAYS,
  AUDIT_MARGIN_MS,
  auditCheckSince,
  DAY_MS,
  decideSeats,
  DEFAULT_RECLAIM_POLICY,
  dueTransitions,
  firstLifecycleDate,
  heldSince,
  Holder,
  HoldJobState,
  holdJobId,
  NewestHolders,
  newestFirst,
  OVER_ASSIGNMENT_WINDOW_DAYS,
  overAssignment,
  pendingReleases,
  askFirstStep,
  inactiveLicensed,
  inactivityCutoff,
  INACTIVITY_WINDOWS,
  INACTIVITY_WINDOWS_IN_WORDS,
  isInactive,
  keepAnswers,
  keepDateOf,
  reclaimCandidate,
  ReclaimPolicy,
  withoutDeletedProduct,
  SeatCount,
  SUSPENDED_PERIOD_DAYS,
  WARNING_PERIOD_DAYS,
} from '../../shared/domain/reconciliation';
import { createWebhookBody } from '../../shared/schemas/alerts';
import { inactiveUsersQuery } from '../../shared/schemas/reports';
import { registerReconciliationStep, ReconciliationReport, runRegisteredSteps } from '../../shared/usecases/reconciliation';
import { TenantDoc } from '../../shared/storage/documents';
import { direct, EARLIER, GROUP_ID, NOW, SKU, viaGroup } from './fixtures';

const days = (n: number, from = NOW) => new Date(Date.parse(from) + n * DAY_MS).toISOString();

// ---------------- lifecycle ----------------

describe('firstLifecycleDate', () => {
  test('is one year after the purchase', () => {
    expect(firstLifecycleDate('2025-06-01T12:00:00.000Z')).toBe('2026-06-01T12:00:00.000Z');
    expect(firstLifecycleDate('2025-12-31T23:59:59.000Z')).toBe('2026-12-31T23:59:59.000Z');
  });
});

describe('dueTransitions', () => {
  const at = (capabilityStatus: CapabilityStatus, nextLifecycleDateTime: string | null | undefined) =>
    dueTransitions({ capabilityStatus, nextLifecycleDateTime }, NOW);

  test('nothing is due without a date, with a date still ahead, or with a date that is not a date', () => {
    for (const s of ['Enabled', 'Warning', 'Suspended', 'Deleted'] as CapabilityStatus[]) {
      expect(at(s, undefined)).toEqual([]);
      expect(at(s, null)).toEqual([]);
      expect(at(s, days(1))).toEqual([]);
      expect(at(s, new Date(Date.parse(NOW) + 1).toISOString())).toEqual([]);
      expect(at(s, 'not a date')).toEqual([]);
    }
  });

  test.each([
    ['Enabled', 'Warning', WARNING_PERIOD_DAYS],
    ['Warning', 'Suspended', SUSPENDED_PERIOD_DAYS],
    ['Suspended', 'Deleted', null],
  ] as [CapabilityStatus, CapabilityStatus, number | null][])('%s moves to %s once its date has passed (next date: date + %s days)', (from, to, period) => {
    const due = days(-1);
    expect(at(from, due)).toEqual([{ from, to, dueDateTime: due, nextLifecycleDateTime: period === null ? null : days(period - 1) }]);
    // a date exactly now is due
    expect(at(from, NOW)).toHaveLength(1);
  });

  test('the periods are 30 days of Warning and 90 of Suspended', () => {
    expect([WARNING_PERIOD_DAYS, SUSPENDED_PERIOD_DAYS]).toEqual([30, 90]);
  });

  test('a deleted subscription never moves, whatever its date', () => {
    expect(at('Deleted', days(-1000))).toEqual([]);
  });

  test('dates long past go through every state in between, each next date counted from the previous one', () => {
    const d = days(-200);
    expect(at('Enabled', d)).toEqual([
      { from: 'Enabled', to: 'Warning', dueDateTime: d, nextLifecycleDateTime: days(-170) },
      { from: 'Warning', to: 'Suspended', dueDateTime: days(-170), nextLifecycleDateTime: days(-80) },
      { from: 'Suspended', to: 'Deleted', dueDateTime: days(-80), nextLifecycleDateTime: null },
    ]);
    // 40 days past: the warning period is over too, suspended since 10 days, deleted in 80
    expect(at('Enabled', days(-40)).map((t) => [t.to, t.nextLifecycleDateTime])).toEqual([
      ['Warning', days(-10)],
      ['Suspended', days(80)],
    ]);
    expect(at('Warning', days(-91)).map((t) => t.to)).toEqual(['Suspended', 'Deleted']);
  });

  test('the next date does not drift with the run time', () => {
    const d = '2025-05-31T00:00:00.000Z';
    const a = dueTransitions({ capabilityStatus: 'Enabled', nextLifecycleDateTime: d }, '2025-06-01T00:00:00.000Z');
    const b = dueTransitions({ capabilityStatus: 'Enabled', nextLifecycleDateTime: d }, '2025-06-05T17:00:00.000Z');
    expect(a[0].nextLifecycleDateTime).toBe(b[0].nextLifecycleDateTime);
    expect(a[0].nextLifecycleDateTime).toBe('2025-06-30T00:00:00.000Z');
  });

  test('a date with an offset is read as the instant it names', () => {
    expect(dueTransitions({ capabilityStatus: 'Enabled', nextLifecycleDateTime: '2025-06-01T13:00:00+02:00' }, NOW)).toHaveLength(1); // 11:00Z <= 12:00Z
    expect(dueTransitions({ capabilityStatus: 'Enabled', nextLifecycleDateTime: '2025-06-01T13:00:00-02:00' }, NOW)).toEqual([]); // 15:00Z
  });
});

// ---------------- seat counter ----------------

describe('holdJobId', () => {
  test('is the key before its last underscore', () => {
    expect(holdJobId('6f1c0c2e-5b0e-4a53-9d9e-1f4a2b3c4d5e_0')).toBe('6f1c0c2e-5b0e-4a53-9d9e-1f4a2b3c4d5e');
    expect(holdJobId('job_12')).toBe('job');
    expect(holdJobId('a_b_7')).toBe('a_b');
    expect(holdJobId('nochunk')).toBe('nochunk');
  });
});

describe('decideSeats', () => {
  const running: (id: string) => HoldJobState = () => 'running';
  const base = (o: Partial<SeatCount> = {}): SeatCount => ({
    consumed: 5,
    holds: {},
    holders: 5,
    pendingReleases: 0,
    jobState: () => 'missing',
    stillSeconds: 10_000,
    graceSeconds: 900,
    unreadableUsers: 0,
    ...o,
  });

  test('a counter equal to its holders is left alone', () => {
    expect(decideSeats(base())).toMatchObject({ action: 'none', consumed: 5, staleHolds: [], liveHolds: [] });
  });

  test('an under-count is raised to the holders at once, however recent the counter and even with unreadable users', () => {
    for (const o of [{}, { stillSeconds: 0 }, { unreadableUsers: 3 }]) {
      expect(decideSeats(base({ consumed: 2, ...o }))).toMatchObject({ action: 'repair', consumed: 5 });
    }
    expect(decideSeats(base({ consumed: -3 }))).toMatchObject({ action: 'repair', consumed: 5 });
  });

  test('raising counts the releases that may still be on their way, so a late release cannot take it under again', () => {
    expect(decideSeats(base({ consumed: 2, pendingReleases: 2 }))).toMatchObject({ action: 'repair', consumed: 7 });
  });

  test('an over-count is lowered to the holders once the counter has been still for the grace period', () => {
    expect(decideSeats(base({ consumed: 9, stillSeconds: 900 }))).toMatchObject({ action: 'repair', consumed: 5 });
    expect(decideSeats(base({ consumed: 9, stillSeconds: 899.9 }))).toMatchObject({ action: 'deferred', reason: 'recentSeatActivity', consumed: 9 });
    expect(decideSeats(base({ consumed: 9, stillSeconds: 0, graceSeconds: 0 }))).toMatchObject({ action: 'repair', consumed: 5 });
  });

  test('an over-count is not lowered while a user document could not be read', () => {
    expect(decideSeats(base({ consumed: 9, unreadableUsers: 1 }))).toMatchObject({ action: 'deferred', reason: 'unreadableUsers', consumed: 9 });
  });

  test('pending releases are seats still held: lowered to holders + pending, and a counter between the two is right', () => {
    expect(decideSeats(base({ consumed: 9, pendingReleases: 2 }))).toMatchObject({ action: 'repair', consumed: 7 });
    expect(decideSeats(base({ consumed: 6, pendingReleases: 2 }))).toMatchObject({ action: 'none', consumed: 6 });
    expect(decideSeats(base({ consumed: 7, pendingReleases: 2 }))).toMatchObject({ action: 'none' });
  });

  test("a running job's chunk hold leaves the product alone: the count is ambiguous until the job ends", () => {
    const d = decideSeats(base({ consumed: 12, holders: 3, holds: { 'job-a_0': 4, 'job-b_2': 1 }, jobState: (id) => (id === 'job-a' ? 'running' : 'final') }));
    expect(d).toMatchObject({ action: 'deferred', reason: 'jobRunning', consumed: 12, holds: { 'job-a_0': 4, 'job-b_2': 1 } });
    expect(d.liveHolds).toEqual([{ key: 'job-a_0', jobId: 'job-a', seats: 4 }]);
    expect(d.staleHolds).toEqual([{ key: 'job-b_2', jobId: 'job-b', seats: 1, reason: 'jobFinished' }]);
    expect(decideSeats(base({ consumed: 0, holds: { j_0: 1 }, jobState: running }))).toMatchObject({ action: 'deferred', reason: 'jobRunning' });
  });

  test('holds of finished or missing jobs are stale: dropped, and their seats recounted from the users', () => {
    const d = decideSeats(base({ consumed: 8, holders: 5, holds: { done_0: 2, gone_3: 1 }, jobState: (id) => (id === 'done' ? 'final' : 'missing') }));
    expect(d).toMatchObject({ action: 'repair', consumed: 5, holds: {} });
    expect(d.staleHolds).toEqual([
      { key: 'done_0', jobId: 'done', seats: 2, reason: 'jobFinished' },
      { key: 'gone_3', jobId: 'gone', seats: 1, reason: 'jobMissing' },
    ]);
    // the seats of a stale hold are a decrease like any other: not while the counter is recent
    expect(decideSeats(base({ consumed: 8, holds: { done_0: 3 }, jobState: () => 'final', stillSeconds: 1 }))).toMatchObject({
      action: 'deferred',
      reason: 'recentSeatActivity',
    });
    // a stale hold whose seats the users already account for: only the hold goes
    expect(decideSeats(base({ consumed: 5, holds: { done_0: 0 }, jobState: () => 'final', stillSeconds: 1 }))).toMatchObject({
      action: 'repair',
      consumed: 5,
      holds: {},
    });
  });

  test('a hold value that is not a number counts as no seats', () => {
    const d = decideSeats(base({ holds: { x_1: 'two' as unknown as number } }));
    expect(d.staleHolds[0].seats).toBe(0);
  });

  test('property: the counter is never set below the holders, lowered only when safe, and never moved away from the truth', () => {
    let seed = 42;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let i = 0; i < 5000; i++) {
      const holds: Record<string, number> = {};
      for (let h = rnd(3); h > 0; h--) holds[`job${rnd(4)}_${rnd(3)}`] = rnd(5);
      const states: HoldJobState[] = ['running', 'final', 'missing'];
      const c = base({
        consumed: rnd(30) - 5,
        holders: rnd(20),
        pendingReleases: rnd(3),
        holds,
        jobState: (id) => states[Number(id.slice(3)) % 3],
        stillSeconds: rnd(2000),
        graceSeconds: 900,
        unreadableUsers: rnd(4) === 0 ? 1 : 0,
      });
      const d = decideSeats(c);
      const live = Object.keys(holds).some((k) => c.jobState(holdJobId(k)) === 'running');
      if (live) expect(d.action).toBe('deferred');
      if (d.action !== 'repair') {
        expect(d.consumed).toBe(c.consumed);
        continue;
      }
      expect(d.consumed).toBeGreaterThanOrEqual(c.holders);
      if (d.consumed < c.consumed) {
        expect(c.stillSeconds).toBeGreaterThanOrEqual(c.graceSeconds);
        expect(c.unreadableUsers).toBe(0);
        expect(d.consumed).toBe(c.holders + c.pendingReleases);
      }
      if (d.consumed > c.consumed) expect(d.consumed).toBe(c.holders + c.pendingReleases);
      expect(Object.keys(d.holds)).toEqual([]);
    }
  });
});

describe('heldSince and pendingReleases', () => {
  const later = '2025-03-01T00:00:00.000Z';

  test('a product is held by its active paths, since the earliest of them', () => {
    const assignments: LicenseAssignment[] = [
      direct(SKU.ENTERPRISEPACK, [], later),
      { ...viaGroup(SKU.ENTERPRISEPACK), assignedDateTime: EARLIER },
      direct(SKU.STANDARDPACK, [], later),
    ];
    expect(heldSince(assignments)).toEqual(
      new Map([
        [SKU.ENTERPRISEPACK, EARLIER],
        [SKU.STANDARDPACK, later],
      ]),
    );
  });

  test('a group path in error holds nothing', () => {
    const failed: LicenseAssignment = { ...viaGroup(SKU.MCOEV), state: 'Error', error: 'CountViolation' };
    expect(heldSince([failed])).toEqual(new Map());
    expect(heldSince([failed, direct(SKU.MCOEV, [], later)])).toEqual(new Map([[SKU.MCOEV, later]]));
    expect(heldSince([])).toEqual(new Map());
  });

  test('a user whose last change removed a product within the grace period may still have its release on the way', () => {
    const change = { before: [{ skuId: SKU.ENTERPRISEPACK }, { skuId: SKU.STANDARDPACK }], after: [{ skuId: SKU.STANDARDPACK }, { skuId: SKU.MCOEV }] };
    expect(pendingReleases(change, new Set([SKU.STANDARDPACK, SKU.MCOEV]), 5, 900)).toEqual([SKU.ENTERPRISEPACK]);
    expect(pendingReleases(change, new Set([SKU.STANDARDPACK, SKU.MCOEV]), 900, 900)).toEqual([]);
    // held again meanwhile (another path): no release pending for it
    expect(pendingReleases(change, new Set([SKU.ENTERPRISEPACK]), 5, 900)).toEqual([]);
    expect(pendingReleases(undefined, new Set(), 0, 900)).toEqual([]);
    expect(pendingReleases({ before: [], after: [{ skuId: SKU.MCOEV }] }, new Set([SKU.MCOEV]), 0, 900)).toEqual([]);
  });
});

// ---------------- deleted products ----------------

describe('withoutDeletedProduct', () => {
  const failed: LicenseAssignment = { ...viaGroup(SKU.MCOEV), state: 'Error', error: 'Other' };

  test('the direct path and active group paths go, and the seat is released', () => {
    const r = withoutDeletedProduct([direct(SKU.MCOEV), viaGroup(SKU.MCOEV), direct(SKU.ENTERPRISEPACK)], SKU.MCOEV);
    expect(r).toEqual({ next: [direct(SKU.ENTERPRISEPACK)], changed: true, held: true });
  });

  test("a group path in error stays (the group engine's record, it holds no seat); alone it means nothing to do", () => {
    expect(withoutDeletedProduct([direct(SKU.MCOEV), failed], SKU.MCOEV)).toEqual({ next: [failed], changed: true, held: true });
    expect(withoutDeletedProduct([failed, direct(SKU.ENTERPRISEPACK)], SKU.MCOEV)).toEqual({
      next: [failed, direct(SKU.ENTERPRISEPACK)],
      changed: false,
      held: false,
    });
    expect(withoutDeletedProduct([direct(SKU.ENTERPRISEPACK)], SKU.MCOEV)).toMatchObject({ changed: false, held: false });
  });
});

// ---------------- over-assignment ----------------

const holder = (n: number, assignedDateTime: string): Holder => ({
  userId: `u${String(n).padStart(3, '0')}`,
  userPrincipalName: `u${n}@x.dev`,
  displayName: `U ${n}`,
  assignedDateTime,
});

describe('NewestHolders', () => {
  test('keeps the most recently assigned, newest first, ties by user id, in bounded memory', () => {
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const all = Array.from({ length: 500 }, (_, i) => holder(i, days(-rnd(60))));
    const kept = new NewestHolders(25);
    all.forEach((h) => kept.add(h));
    expect(kept.newest(25)).toEqual([...all].sort(newestFirst).slice(0, 25));
    expect(kept.newest(1000)).toHaveLength(25);
    expect(kept.newest(3)).toEqual([...all].sort(newestFirst).slice(0, 3));
    expect(kept.newest(-1)).toEqual([]);
  });

  test('a cap of 0 keeps nothing', () => {
    const none = new NewestHolders(0);
    none.add(holder(1, NOW));
    expect(none.newest(5)).toEqual([]);
  });

  test('newestFirst orders by assignment date, newest first, then by user id', () => {
    const list = [holder(1, EARLIER), holder(2, NOW), holder(3, NOW)];
    expect(list.sort(newestFirst).map((h) => h.userId)).toEqual(['u003', 'u002', 'u001']);
  });
});

describe('overAssignment', () => {
  const newest = [holder(4, days(-1)), holder(3, days(-2)), holder(2, days(-3)), holder(1, days(-4))];
  const oa = (o: Partial<Parameters<typeof overAssignment>[0]>) =>
    overAssignment({ capabilityStatus: 'Enabled', totalLicenses: 4, holders: 4, newest, since: null, now: NOW, ...o });

  test('within the enabled units: not over-assigned, and the window is closed', () => {
    expect(oa({})).toEqual({ enabledUnits: 4, holders: 4, over: 0, users: [], overAssignedSince: null, windowEndsDateTime: null, daysLeft: null });
    expect(oa({ holders: 1, since: days(-5) }).overAssignedSince).toBeNull();
  });

  test('seats reduced below the holders: the most recently assigned beyond the enabled units are over the line, 90 days from now', () => {
    const r = oa({ totalLicenses: 2 });
    expect(r).toMatchObject({
      enabledUnits: 2,
      holders: 4,
      over: 2,
      overAssignedSince: NOW,
      windowEndsDateTime: days(OVER_ASSIGNMENT_WINDOW_DAYS),
      daysLeft: 90,
    });
    expect(r.users.map((u) => u.userId)).toEqual(['u004', 'u003']);
  });

  test('the window keeps its start: days left count down and stop at 0', () => {
    expect(oa({ totalLicenses: 3, since: days(-80) })).toMatchObject({ over: 1, overAssignedSince: days(-80), daysLeft: 10 });
    expect(oa({ totalLicenses: 3, since: days(-79.5) }).daysLeft).toBe(11);
    expect(oa({ totalLicenses: 3, since: days(-100) })).toMatchObject({ daysLeft: 0, windowEndsDateTime: days(-10) });
    expect(oa({ totalLicenses: 3, since: 'garbage' }).overAssignedSince).toBe(NOW);
  });

  test('by state: Warning keeps its enabled units, Suspended has none (every holder is over), Deleted is not over-assigned', () => {
    expect(oa({ capabilityStatus: 'Warning', totalLicenses: 3 }).over).toBe(1);
    const suspended = oa({ capabilityStatus: 'Suspended' });
    expect(suspended).toMatchObject({ enabledUnits: 0, over: 4 });
    expect(suspended.users).toHaveLength(4);
    expect(oa({ capabilityStatus: 'Deleted', totalLicenses: 0 }).over).toBe(0);
  });

  test('the list is as long as the holders known (capped), the count is complete', () => {
    const r = oa({ totalLicenses: 0, holders: 1000 });
    expect(r.over).toBe(1000);
    expect(r.users).toHaveLength(4);
  });
});

// ---------------- reclaim ----------------

describe('inactivity', () => {
  test('no sign-in for exactly N days counts as inactive; a minute less does not; never signed in counts', () => {
    expect(isInactive(days(-30), NOW, 30)).toBe(true);
    expect(isInactive(new Date(Date.parse(days(-30)) + 60_000).toISOString(), NOW, 30)).toBe(false);
    expect(isInactive(undefined, NOW, 30)).toBe(true);
    expect(isInactive(null, NOW, 30)).toBe(true);
  });

  test('inactivityCutoff is isInactive as a date: a stored (normalised) sign-in compares to it as a string as isInactive decides', () => {
    expect(inactivityCutoff(NOW, 30)).toBe(days(-30));
    for (const window of [30, 60, 90, 180])
      fc.assert(
        fc.property(fc.integer({ min: -400 * DAY_MS, max: 400 * DAY_MS }), (offset) => {
          const signedIn = new Date(Date.parse(NOW) + offset).toISOString();
          expect(signedIn <= inactivityCutoff(NOW, window)).toBe(isInactive(signedIn, NOW, window));
        }),
        // the edge itself and a millisecond either side, besides the random ones
        { examples: [[-window * DAY_MS], [-window * DAY_MS - 1], [-window * DAY_MS + 1]] },
      );
  });

  test('the windows the report and the alert take are INACTIVITY_WINDOWS, named in their messages', () => {
    expect(INACTIVITY_WINDOWS_IN_WORDS).toBe('30, 60, 90 or 180');
    const hook = (days: number) =>
      createWebhookBody.safeParse({ url: 'https://example.com/h', events: ['inactiveLicensedUsers'], inactiveUsersThreshold: { days, count: 1 } });
    for (const d of INACTIVITY_WINDOWS) {
      expect(inactiveUsersQuery.parse({ days: String(d) })).toEqual({ days: d });
      expect(hook(d).success).toBe(true);
    }
    expect(inactiveUsersQuery.parse({})).toEqual({ days: 30 });
    expect(inactiveUsersQuery.safeParse({ days: '45' }).error?.issues[0].message).toBe('must be 30, 60, 90 or 180');
    expect(hook(45).error?.issues[0].message).toBe('must be 30, 60, 90 or 180');
  });

  test('inactiveLicensed: only users holding a license by an active path', () => {
    expect(inactiveLicensed({ licenseAssignments: [direct(SKU.ENTERPRISEPACK)] }, NOW, 30)).toBe(true);
    expect(inactiveLicensed({ licenseAssignments: [] }, NOW, 30)).toBe(false);
    expect(inactiveLicensed({ licenseAssignments: [{ ...viaGroup(SKU.ENTERPRISEPACK), state: 'Error' }] }, NOW, 30)).toBe(false);
    expect(inactiveLicensed({ licenseAssignments: [direct(SKU.ENTERPRISEPACK)], signInActivity: { lastSignInDateTime: days(-1) } }, NOW, 30)).toBe(false);
  });
});

describe('reclaimCandidate by inactivity', () => {
  const policy: ReclaimPolicy = { ...DEFAULT_RECLAIM_POLICY, enabled: true, inactiveForDays: 90, mode: 'askFirst', graceDays: 7 };
  const lookup = () => ({ capabilityStatus: 'Enabled' as CapabilityStatus, purchaseChannel: 'admin' as const });
  const idle = (o: object = {}) => ({
    accountEnabled: true,
    createdDateTime: days(-400),
    signInActivity: { lastSignInDateTime: days(-90) },
    licenseAssignments: [direct(SKU.ENTERPRISEPACK), direct(SKU.POWER_BI_PRO), viaGroup(SKU.PROJECTPROFESSIONAL)],
    ...o,
  });

  test('not by activity unless inactiveForDays is set', () => {
    expect(reclaimCandidate(idle(), { ...policy, inactiveForDays: null }, NOW, lookup)).toBeNull();
  });

  test('exactly N days without a sign-in: direct products reclaimed, inherited reported', () => {
    expect(reclaimCandidate(idle(), policy, NOW, lookup)).toMatchObject({
      reason: 'inactive',
      inactiveDays: 90,
      reclaim: [SKU.ENTERPRISEPACK, SKU.POWER_BI_PRO],
      inherited: [SKU.PROJECTPROFESSIONAL],
    });
    expect(reclaimCandidate(idle({ signInActivity: { lastSignInDateTime: days(-89) } }), policy, NOW, lookup)).toBeNull();
  });

  test('never signed in: counted from the account creation (a new account gets N days)', () => {
    expect(reclaimCandidate(idle({ signInActivity: undefined, createdDateTime: days(-10) }), policy, NOW, lookup)).toBeNull();
    expect(reclaimCandidate(idle({ signInActivity: undefined, createdDateTime: days(-100) }), policy, NOW, lookup)?.reclaim).toHaveLength(2);
  });

  test('a product the user kept restarts its own clock, the others go', () => {
    const r = reclaimCandidate(idle(), policy, NOW, lookup, (s) => (s === SKU.POWER_BI_PRO ? days(-5) : undefined));
    expect(r).toMatchObject({ reclaim: [SKU.ENTERPRISEPACK], keptByUser: [SKU.POWER_BI_PRO] });
  });

  test('a keep counts in ask-first mode only: immediate asks nobody, so a keep date holds nothing back', () => {
    const r = reclaimCandidate(idle(), { ...policy, mode: 'immediate' }, NOW, lookup, (s) => (s === SKU.POWER_BI_PRO ? days(-5) : undefined));
    expect(r).toMatchObject({ reclaim: [SKU.ENTERPRISEPACK, SKU.POWER_BI_PRO], keptByUser: [] });
  });
});

describe('keeps answer questions', () => {
  const askFirst = { enabled: true, mode: 'askFirst' as const };
  test('keepAnswers: the policy asks first and the product has a pending mark', () => {
    const pending = { state: 'pending' as const, markedDateTime: days(-3), reclaimAfterDateTime: days(4) };
    expect(keepAnswers(askFirst, pending)).toBe(true);
    expect(keepAnswers({ ...askFirst, mode: 'immediate' }, pending)).toBe(false);
    expect(keepAnswers({ ...askFirst, enabled: false }, pending)).toBe(false);
    expect(keepAnswers(askFirst, undefined)).toBe(false);
    for (const state of ['kept', 'reclaiming', 'reclaimed'] as const) expect(keepAnswers(askFirst, { ...pending, state })).toBe(false);
  });
  test('keepDateOf: the keep of a mark a run made; a mark never asked (no markedDateTime) restarts nothing', () => {
    expect(keepDateOf({ state: 'kept', markedDateTime: days(-3), keptDateTime: days(-1) })).toBe(days(-1));
    expect(keepDateOf({ state: 'pending', markedDateTime: days(-1), keptDateTime: days(-95) })).toBe(days(-95));
    expect(keepDateOf({ state: 'kept', markedDateTime: null, keptDateTime: days(-1) })).toBeUndefined();
    expect(keepDateOf(undefined)).toBeUndefined();
  });
});

describe('askFirstStep', () => {
  test('no mark: mark, reclaimable graceDays later', () => {
    expect(askFirstStep(undefined, days(-100), NOW, 7)).toEqual({ action: 'mark', reclaimAfterDateTime: days(7) });
  });
  test('a pending mark: waiting until its date, reclaimed from it (exactly then included)', () => {
    const mark = { state: 'pending' as const, markedDateTime: days(-3), reclaimAfterDateTime: days(4) };
    expect(askFirstStep(mark, days(-100), NOW, 7)).toEqual({ action: 'waiting', reclaimAfterDateTime: days(4) });
    expect(askFirstStep({ ...mark, reclaimAfterDateTime: NOW }, days(-100), NOW, 7)).toEqual({ action: 'reclaim' });
  });
  test('a mark from before the last activity (signed in or kept since) or a settled one: asked again', () => {
    expect(askFirstStep({ state: 'pending', markedDateTime: days(-30), reclaimAfterDateTime: days(-23) }, days(-20), NOW, 7).action).toBe('mark');
    expect(askFirstStep({ state: 'kept', markedDateTime: days(-3), reclaimAfterDateTime: days(4) }, days(-100), NOW, 7).action).toBe('mark');
    expect(askFirstStep({ state: 'reclaimed', markedDateTime: days(-3), reclaimAfterDateTime: days(-1) }, days(-100), NOW, 7).action).toBe('mark');
  });
});

describe('reclaimCandidate', () => {
  const on: ReclaimPolicy = { ...DEFAULT_RECLAIM_POLICY, enabled: true, disabledForDays: 30, dryRun: true };
  const disabledBy = { reason: 'disabled', lastSignInDateTime: null, inactiveDays: null, keptByUser: [] };
  const subs: Record<string, { capabilityStatus: CapabilityStatus; purchaseChannel: 'admin' | 'selfService' }> = {
    [SKU.ENTERPRISEPACK]: { capabilityStatus: 'Enabled', purchaseChannel: 'admin' },
    [SKU.STANDARDPACK]: { capabilityStatus: 'Suspended', purchaseChannel: 'admin' },
    [SKU.POWER_BI_PRO]: { capabilityStatus: 'Enabled', purchaseChannel: 'selfService' },
    [SKU.MCOEV]: { capabilityStatus: 'Deleted', purchaseChannel: 'admin' },
  };
  const lookup = (s: string) => subs[s];
  const user = (o: { accountEnabled?: boolean; disabledDateTime?: string | null; licenseAssignments?: LicenseAssignment[] } = {}) => ({
    accountEnabled: false,
    disabledDateTime: days(-31),
    licenseAssignments: [direct(SKU.ENTERPRISEPACK)],
    ...o,
  });

  test('off by default, and a dry run by default', () => {
    expect(DEFAULT_RECLAIM_POLICY).toEqual({ enabled: false, disabledForDays: 30, inactiveForDays: null, mode: 'immediate', graceDays: 14, dryRun: true });
    expect(reclaimCandidate(user(), DEFAULT_RECLAIM_POLICY, NOW, lookup)).toBeNull();
  });

  test('only accounts disabled for more than N days, with a known disable date', () => {
    expect(reclaimCandidate(user(), on, NOW, lookup)).toEqual({ ...disabledBy, disabledDays: 31, reclaim: [SKU.ENTERPRISEPACK], inherited: [], kept: [] });
    expect(reclaimCandidate(user({ disabledDateTime: days(-30) }), on, NOW, lookup)).toBeNull();
    expect(reclaimCandidate(user({ disabledDateTime: days(-29) }), on, NOW, lookup)).toBeNull();
    expect(reclaimCandidate(user({ accountEnabled: true }), on, NOW, lookup)).toBeNull();
    expect(reclaimCandidate(user({ disabledDateTime: null }), on, NOW, lookup)).toBeNull();
    expect(reclaimCandidate(user({ disabledDateTime: undefined }), on, NOW, lookup)).toBeNull();
    expect(reclaimCandidate(user({ disabledDateTime: 'nope' }), on, NOW, lookup)).toBeNull();
    expect(reclaimCandidate(user(), { ...on, disabledForDays: 7 }, NOW, lookup)?.disabledDays).toBe(31);
  });

  test('direct licenses are reclaimed; inherited ones are reported (they go with the group); self-service ones stay; deleted ones are not its business', () => {
    const r = reclaimCandidate(
      user({
        licenseAssignments: [
          direct(SKU.ENTERPRISEPACK),
          direct(SKU.STANDARDPACK),
          direct(SKU.POWER_BI_PRO),
          direct(SKU.MCOEV),
          viaGroup(SKU.PROJECTPROFESSIONAL),
          viaGroup(SKU.ENTERPRISEPACK, [], GROUP_ID),
          { ...viaGroup(SKU.EXCHANGESTANDARD), state: 'Error', error: 'CountViolation' },
        ],
      }),
      on,
      NOW,
      lookup,
    );
    expect(r).toEqual({
      ...disabledBy,
      disabledDays: 31,
      reclaim: [SKU.ENTERPRISEPACK, SKU.STANDARDPACK],
      inherited: [SKU.PROJECTPROFESSIONAL],
      kept: [SKU.POWER_BI_PRO],
    });
  });

  test('nothing held (or only a deleted product, or only a failed group path): not a candidate', () => {
    expect(reclaimCandidate(user({ licenseAssignments: [] }), on, NOW, lookup)).toBeNull();
    expect(reclaimCandidate(user({ licenseAssignments: [direct(SKU.MCOEV)] }), on, NOW, lookup)).toBeNull();
    expect(reclaimCandidate(user({ licenseAssignments: [{ ...viaGroup(SKU.ENTERPRISEPACK), state: 'Error' }] }), on, NOW, lookup)).toBeNull();
  });

  test('only inherited licenses: a candidate with nothing to reclaim on the user', () => {
    expect(reclaimCandidate(user({ licenseAssignments: [viaGroup(SKU.ENTERPRISEPACK)] }), on, NOW, lookup)).toEqual({
      ...disabledBy,
      disabledDays: 31,
      reclaim: [],
      inherited: [SKU.ENTERPRISEPACK],
      kept: [],
    });
  });
});

// ---------------- audit window ----------------

describe('auditCheckSince', () => {
  test('changes since the previous run, minus a margin', () => {
    expect(auditCheckSince(days(-1), NOW)).toBe(new Date(Date.parse(days(-1)) - AUDIT_MARGIN_MS).toISOString());
    expect(AUDIT_MARGIN_MS).toBe(3_600_000);
  });

  test('the first run looks back a bounded number of days', () => {
    expect(auditCheckSince(undefined, NOW)).toBe(days(-AUDIT_FIRST_LOOKBACK_DAYS));
    expect(auditCheckSince(null, NOW)).toBe(days(-AUDIT_FIRST_LOOKBACK_DAYS));
    expect(auditCheckSince('garbage', NOW)).toBe(days(-AUDIT_FIRST_LOOKBACK_DAYS));
  });

  test('never later than now (a clock ahead on another instance)', () => {
    expect(auditCheckSince(days(2), NOW)).toBe(NOW);
  });
});

// ---------------- the hook for other modules ----------------

describe('registerReconciliationStep', () => {
  const tenant = { id: 't1', tenantId: 't1', type: 'tenant' } as TenantDoc;
  const report = () => ({ steps: {}, errors: [] }) as unknown as ReconciliationReport;
  const context = { runId: 'run', now: NOW, catalog: EMPTY_CATALOG, mode: 'full' as const, subscriptions: async () => [], keepAlive: async () => undefined };

  test('steps run after one another, in registration order, their results under their names; a failing one is reported and the others still run', async () => {
    const order: string[] = [];
    registerReconciliationStep('first', async (t, r, ctx) => {
      order.push('first');
      return { tenant: t.id, seen: Object.keys(r.steps), runId: ctx.runId };
    });
    registerReconciliationStep('broken', async () => {
      order.push('broken');
      throw new Error('no luck');
    });
    registerReconciliationStep('last', async () => {
      order.push('last');
      return { retried: 3 };
    });
    const r = report();
    await runRegisteredSteps(tenant, r, context);
    expect(order).toEqual(['first', 'broken', 'last']);
    expect(r.steps).toEqual({ first: { tenant: 't1', seen: [], runId: 'run' }, broken: { error: 'no luck' }, last: { retried: 3 } });
    expect(r.errors).toEqual([{ step: 'broken', message: 'no luck' }]);

    // registering a name again replaces that step
    registerReconciliationStep('broken', async () => ({ fixed: true }));
    const again = report();
    await runRegisteredSteps(tenant, again, context);
    expect(again.steps.broken).toEqual({ fixed: true });
    expect(again.errors).toEqual([]);
  });
});

// ---------------- settings ----------------

describe('RECONCILIATION_SCHEDULE and RECONCILIATION_SEAT_GRACE_SECONDS', () => {
  const valid = {
    COSMOS_ENDPOINT: 'https://acct.documents.azure.com:443/',
    AUTH_ISSUER: 'https://login.microsoftonline.com/{tenantid}/v2.0',
    AUTH_AUDIENCE: 'api://licensing',
    AUTH_JWKS_URI: 'https://login.microsoftonline.com/common/discovery/v2.0/keys',
  };

  test('default to 02:00 UTC daily and 15 minutes', () => {
    expect(loadSettings(valid)).toMatchObject({ RECONCILIATION_SCHEDULE: '0 0 2 * * *', RECONCILIATION_SEAT_GRACE_SECONDS: 900 });
    expect(loadSettings({ ...valid, RECONCILIATION_SCHEDULE: '0 */30 * * * *', RECONCILIATION_SEAT_GRACE_SECONDS: '60' })).toMatchObject({
      RECONCILIATION_SCHEDULE: '0 */30 * * * *',
      RECONCILIATION_SEAT_GRACE_SECONDS: 60,
    });
  });

  test.each(['0 2 * * *', '0 0 2 * * * *', 'daily', '0 0 25 * * *', ''])('%j is refused with a message naming the setting', (schedule) => {
    expect(() => loadSettings({ ...valid, RECONCILIATION_SCHEDULE: schedule })).toThrow(SettingsError);
    expect(() => loadSettings({ ...valid, RECONCILIATION_SCHEDULE: schedule })).toThrow(/RECONCILIATION_SCHEDULE: .*six fields/);
  });

  test('a negative grace is refused', () => {
    expect(() => loadSettings({ ...valid, RECONCILIATION_SEAT_GRACE_SECONDS: '-1' })).toThrow(/RECONCILIATION_SEAT_GRACE_SECONDS/);
  });
});
