/**
 * The reconciliation's reclaim policy, the pure part (no I/O): which accounts it points at (disabled for
 * more than N days, or without a sign-in for inactiveForDays), which of their products go, stay or are
 * only reported (inherited through groups), and where an ask-first mark stands. Re-exported by
 * reconciliation.ts; shared/usecases/reconciliation/steps/reclaim.ts acts on it.
 */
import { CapabilityStatus, isActive, LicenseAssignment } from './licensing';

export const DAY_MS = 86_400_000;

export interface ReclaimPolicy {
  /** Off unless a tenant's admin switches it on. */
  enabled: boolean;
  /** Reclaim from accounts disabled for more than this many days. */
  disabledForDays: number;
  /** Reclaim from enabled accounts without a sign-in for this many days or more (null: not by activity). */
  inactiveForDays: number | null;
  /**
   * immediate: a candidate's licenses go in the run that finds it. askFirst: the run marks the inactive
   * user's products (webhook licenseReclaimPending), the user may keep them within graceDays, and a run
   * after that reclaims what nobody kept. Disabled accounts cannot answer: they are reclaimed as immediate.
   */
  mode: 'immediate' | 'askFirst';
  graceDays: number;
  /** Report the candidates only (the default); false: act. */
  dryRun: boolean;
}

export const DEFAULT_RECLAIM_POLICY: ReclaimPolicy = {
  enabled: false,
  disabledForDays: 30,
  inactiveForDays: null,
  mode: 'immediate',
  graceDays: 14,
  dryRun: true,
};

/** A stored policy from before a field existed: the defaults for what it lacks. */
export const withPolicyDefaults = (p: Partial<ReclaimPolicy> | undefined): ReclaimPolicy => ({ ...DEFAULT_RECLAIM_POLICY, ...(p ?? {}) });

/**
 * Inactive: no sign-in in the last `days` days — the last activity is `days` days ago or longer (exactly N
 * days counts), or there is none.
 */
export function isInactive(lastActivity: string | null | undefined, now: string, days: number): boolean {
  if (!lastActivity) return true;
  const ms = Date.parse(lastActivity);
  return !Number.isFinite(ms) || Date.parse(now) - ms >= days * DAY_MS;
}

/**
 * isInactive's edge as a date: a last activity at or before it is `days` days ago or longer (now - at >=
 * days exactly when at <= now - days), so a store query can pick the candidates by comparing dates.
 */
export const inactivityCutoff = (now: string, days: number): string => new Date(Date.parse(now) - days * DAY_MS).toISOString();

/** The inactivity windows of Microsoft 365's usage reports (and of the inactiveLicensedUsers report and alert). */
export const INACTIVITY_WINDOWS = [30, 60, 90, 180] as const;

/** The windows as the API's messages and descriptions name them: "30, 60, 90 or 180". */
export const INACTIVITY_WINDOWS_IN_WORDS = `${INACTIVITY_WINDOWS.slice(0, -1).join(', ')} or ${INACTIVITY_WINDOWS[INACTIVITY_WINDOWS.length - 1]}`;

/** A licensed user (any active path) without a sign-in in the last `days` days, or never. */
export const inactiveLicensed = (user: Pick<ReclaimUser, 'signInActivity' | 'licenseAssignments'>, now: string, days: number) =>
  user.licenseAssignments.some(isActive) && isInactive(user.signInActivity?.lastSignInDateTime, now, days);

/** Whole days since a date (null when there is none). */
export const daysSince = (at: string | null | undefined, now: string): number | null =>
  at && Number.isFinite(Date.parse(at)) ? Math.floor((Date.parse(now) - Date.parse(at)) / DAY_MS) : null;

const later = (a: string | null | undefined, b: string | null | undefined) => (!a ? (b ?? null) : !b ? a : a > b ? a : b);

export interface ReclaimCandidate {
  reason: 'disabled' | 'inactive';
  disabledDays: number | null;
  /** Inactive accounts: the last sign-in (null: never) and the days since the account's last activity. */
  lastSignInDateTime: string | null;
  inactiveDays: number | null;
  /** Direct assignments the policy removes. */
  reclaim: string[];
  /** Products the user gets through groups: not removable on the user (only on the group), reported. */
  inherited: string[];
  /** Direct assignments that stay: self-service purchases nobody took over (admins cannot remove them). */
  kept: string[];
  /** Direct assignments the user chose to keep (POST /me/licenses/{skuId}/keep): their clock restarted. */
  keptByUser: string[];
}

export interface ReclaimUser {
  accountEnabled: boolean;
  disabledDateTime?: string | null;
  createdDateTime?: string;
  signInActivity?: { lastSignInDateTime?: string };
  licenseAssignments: LicenseAssignment[];
}

/**
 * Whether the policy points at this user: an account disabled for more than N days (by its
 * disabledDateTime), or an enabled account without a sign-in for inactiveForDays (a new account counts
 * from its creation; in ask-first mode, a product the user kept counts from the keep), holding licenses.
 * Products of deleted subscriptions are left to the deleted-product step.
 *
 * A keep is the answer to ask-first's question, so only ask-first counts it: in immediate mode the policy
 * asks nobody, and a keep date (an earlier ask-first answer) does not hold a license back.
 */
export function reclaimCandidate(
  user: ReclaimUser,
  policy: ReclaimPolicy,
  now: string,
  subscription: (skuId: string) => { capabilityStatus: CapabilityStatus; purchaseChannel: 'admin' | 'selfService' } | undefined,
  keptAt: (skuId: string) => string | null | undefined = () => undefined,
): ReclaimCandidate | null {
  if (!policy.enabled) return null;
  const active = user.licenseAssignments.filter(isActive);
  const direct = [...new Set(active.filter((a) => a.assignedByGroup === null).map((a) => a.skuId))];
  const live = (s: string) => subscription(s)?.capabilityStatus !== 'Deleted';
  const inherited = [...new Set(active.filter((a) => a.assignedByGroup !== null).map((a) => a.skuId))].filter((s) => !direct.includes(s) && live(s));
  const selfService = (s: string) => subscription(s)?.purchaseChannel === 'selfService';
  const lastSignIn = user.signInActivity?.lastSignInDateTime ?? null;
  if (user.accountEnabled === false) {
    if (!user.disabledDateTime) return null;
    const disabledMs = Date.parse(now) - Date.parse(user.disabledDateTime);
    if (!Number.isFinite(disabledMs) || disabledMs <= policy.disabledForDays * DAY_MS) return null;
    const reclaim = direct.filter((s) => live(s) && !selfService(s));
    const kept = direct.filter((s) => live(s) && selfService(s));
    if (!reclaim.length && !kept.length && !inherited.length) return null;
    return {
      reason: 'disabled',
      disabledDays: Math.floor(disabledMs / DAY_MS),
      lastSignInDateTime: lastSignIn,
      inactiveDays: null,
      reclaim,
      inherited,
      kept,
      keptByUser: [],
    };
  }
  if (policy.inactiveForDays === null) return null;
  const days = policy.inactiveForDays;
  const accountActivity = later(lastSignIn, user.createdDateTime);
  const keep = policy.mode === 'askFirst' ? keptAt : () => undefined;
  const inactiveFor = (s: string) => isInactive(later(accountActivity, keep(s)), now, days);
  const reclaim = direct.filter((s) => live(s) && !selfService(s) && inactiveFor(s));
  const keptByUser = direct.filter((s) => live(s) && !selfService(s) && !inactiveFor(s) && isInactive(accountActivity, now, days));
  const kept = direct.filter((s) => live(s) && selfService(s) && inactiveFor(s));
  const inheritedIdle = isInactive(accountActivity, now, days) ? inherited : [];
  if (!reclaim.length && !kept.length && !inheritedIdle.length) return null;
  return {
    reason: 'inactive',
    disabledDays: null,
    lastSignInDateTime: lastSignIn,
    inactiveDays: daysSince(accountActivity, now),
    reclaim,
    inherited: inheritedIdle,
    kept,
    keptByUser,
  };
}

/** Where a product of an inactive user stands in ask-first mode. */
export interface ReclaimMarkState {
  /** When the run marked it (the user was asked). */
  markedDateTime?: string | null;
  reclaimAfterDateTime?: string | null;
  state: 'pending' | 'kept' | 'reclaiming' | 'reclaimed';
  /** When the user last kept it (answered the question). */
  keptDateTime?: string | null;
}

/**
 * The keep date that restarts a product's clock: the user's answer to a question a run asked. A mark
 * without a markedDateTime was never asked (a keep written before keeps needed a question): no keep.
 */
export const keepDateOf = (mark: ReclaimMarkState | undefined): string | null | undefined => (mark?.markedDateTime ? mark.keptDateTime : undefined);

/** Whether the user may answer now: the policy asks first and the product has a question waiting (a pending mark). */
export const keepAnswers = (policy: Pick<ReclaimPolicy, 'enabled' | 'mode'>, mark: ReclaimMarkState | undefined): boolean =>
  policy.enabled && policy.mode === 'askFirst' && mark?.state === 'pending';

export type AskFirstStep = { action: 'mark'; reclaimAfterDateTime: string } | { action: 'waiting'; reclaimAfterDateTime: string } | { action: 'reclaim' };

/**
 * Ask first: a product without a mark of this stretch of inactivity is marked (the user is asked) and may
 * be reclaimed graceDays later; a mark whose date has passed is reclaimed. A mark made before the user's
 * last activity belongs to an earlier stretch (the user signed in or kept since): it is made again.
 */
export function askFirstStep(mark: ReclaimMarkState | undefined, lastActivity: string | null, now: string, graceDays: number): AskFirstStep {
  const current =
    mark &&
    mark.markedDateTime &&
    mark.reclaimAfterDateTime &&
    (mark.state === 'pending' || mark.state === 'reclaiming') &&
    (!lastActivity || mark.markedDateTime >= lastActivity);
  if (!current) return { action: 'mark', reclaimAfterDateTime: new Date(Date.parse(now) + graceDays * DAY_MS).toISOString() };
  if (Date.parse(mark.reclaimAfterDateTime!) <= Date.parse(now)) return { action: 'reclaim' };
  return { action: 'waiting', reclaimAfterDateTime: mark.reclaimAfterDateTime! };
}

/** The last activity of a user for one product: sign-in, creation, or the product's keep, whichever is latest. */
export const lastActivityOf = (user: Pick<ReclaimUser, 'signInActivity' | 'createdDateTime'>, keptAt?: string | null) =>
  later(later(user.signInActivity?.lastSignInDateTime, user.createdDateTime), keptAt);
