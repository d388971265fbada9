/**
 * The licensing rules an assignment must pass, as pure functions (no I/O). Every path that changes a
 * user's licenses (one user, up to 20 on the Licenses page, and later bulk jobs and groups) calls
 * `evaluateLicenseChange`; the storage layer then only has to make the seat count and the user write atomic.
 * The catalog they judge by is a snapshot passed in (`catalog`): rules never fetch it.
 */
import { ErrorCodes, ErrorParameters, Violation } from '../errors';
import { Catalog, ProductDefinition, ServicePlanDefinition } from './catalog';
import { can, Principal } from './roles';

export type CapabilityStatus = 'Enabled' | 'Warning' | 'Suspended' | 'Deleted';

/**
 * Whether the users of a product may use it: while its subscription is Enabled or in its Warning period
 * (expired, users keep working), not once Suspended (Microsoft 365's Disabled) or Deleted. A product with
 * no subscription known (undefined) is not judged here.
 */
export const usersMayUse = (status: CapabilityStatus | undefined): boolean => status !== 'Suspended' && status !== 'Deleted';
export type PurchaseChannel = 'admin' | 'selfService';

/** Graph's licenseAssignmentState.error values. */
export type AssignmentError =
  'None' | 'CountViolation' | 'MutuallyExclusiveViolation' | 'DependencyViolation' | 'ProhibitedInUsageLocationViolation' | 'UniquenessViolation' | 'Other';

/**
 * One path by which a user holds a product: directly (assignedByGroup null) or through a group. A group
 * path that failed a rule is kept with state Error (and the reason) so the admin sees it on the user;
 * only Active paths give the user the product and take a seat.
 */
export interface LicenseAssignment {
  skuId: string;
  disabledPlans: string[];
  assignedByGroup: string | null;
  assignedDateTime: string;
  lastUpdatedDateTime: string;
  /** Absent means Active. */
  state?: 'Active' | 'Error';
  error?: AssignmentError;
  /** What the rule said, and how to fix it (Error only). */
  errorMessage?: string;
  /** The rule's own code and parameters (Error only), for a client that says it in its own words. */
  errorCode?: string;
  errorParameters?: ErrorParameters;
}

export const isActive = (a: LicenseAssignment) => a.state === undefined || a.state === 'Active';

export interface UserForRules {
  id: string;
  displayName: string;
  userPrincipalName: string;
  userType: 'Member' | 'Guest';
  usageLocation: string | null;
  licenseAssignments: LicenseAssignment[];
}

export interface SubscriptionForRules {
  skuId: string;
  capabilityStatus: CapabilityStatus;
  purchaseChannel: PurchaseChannel;
  totalLicenses: number;
  consumedUnits: number;
}

export interface LicenseChange {
  addLicenses: { skuId: string; disabledPlans: string[] }[];
  removeLicenses: string[];
}

export interface LicenseChangeOutcome {
  violations: Violation[];
  /** The user's assignments after the change (only meaningful without violations). */
  next: LicenseAssignment[];
  /** Products the user newly holds: one seat each must be reserved. */
  seatsToReserve: string[];
  /** Products the user no longer holds by any path: one seat each is released after the write. */
  seatsToRelease: string[];
  /** True when the change alters nothing (re-adding with the same disabled plans). */
  unchanged: boolean;
}

const who = (u: Pick<UserForRules, 'displayName' | 'userPrincipalName'>) => `${u.displayName} (${u.userPrincipalName})`;

/** Seats an admin may still assign: enabled units minus warning units minus consumed units. */
export function prepaidUnits(s: Pick<SubscriptionForRules, 'capabilityStatus' | 'totalLicenses'>) {
  const q = s.totalLicenses;
  switch (s.capabilityStatus) {
    case 'Enabled':
      return { enabled: q, warning: 0, suspended: 0, lockedOut: 0 };
    case 'Warning':
      return { enabled: q, warning: q, suspended: 0, lockedOut: 0 };
    case 'Suspended':
      return { enabled: 0, warning: 0, suspended: q, lockedOut: 0 };
    case 'Deleted':
      return { enabled: 0, warning: 0, suspended: 0, lockedOut: 0 };
  }
}

export function availableUnits(s: SubscriptionForRules): number {
  const p = prepaidUnits(s);
  return Math.max(0, p.enabled - p.warning - s.consumedUnits);
}

/**
 * The number of seats the storage layer lets admins hold on a subscription: the conditional write that
 * reserves a seat checks `consumed + n <= limit`, so state and self-service are enforced by the same atomic
 * check as the count.
 */
export function seatLimit(s: Pick<SubscriptionForRules, 'capabilityStatus' | 'purchaseChannel' | 'totalLicenses'>): number {
  return s.capabilityStatus === 'Enabled' && s.purchaseChannel === 'admin' ? s.totalLicenses : 0;
}

/** The effective products of a user: per product the union of enabled plans over all active paths. */
export function effectiveLicenses(assignments: LicenseAssignment[]): { skuId: string; disabledPlans: string[] }[] {
  const bySku = new Map<string, string[][]>();
  for (const a of assignments.filter(isActive)) {
    const list = bySku.get(a.skuId) ?? [];
    list.push(a.disabledPlans);
    bySku.set(a.skuId, list);
  }
  return [...bySku.entries()].map(([skuId, lists]) => ({
    skuId,
    // a plan is off only when every path switches it off
    disabledPlans: lists.reduce((acc, l) => acc.filter((p) => l.includes(p))),
  }));
}

interface EnabledPlan {
  plan: ServicePlanDefinition;
  product: ProductDefinition;
}

export function enabledPlans(catalog: Catalog, licenses: { skuId: string; disabledPlans: string[] }[]): EnabledPlan[] {
  const out: EnabledPlan[] = [];
  for (const l of licenses) {
    const product = catalog.product(l.skuId);
    if (!product) continue;
    for (const plan of product.servicePlans) {
      if (!l.disabledPlans.includes(plan.servicePlanId)) out.push({ plan, product });
    }
  }
  return out;
}

function conflictKey(a: EnabledPlan, b: EnabledPlan) {
  return [`${a.product.skuId}/${a.plan.servicePlanId}`, `${b.product.skuId}/${b.plan.servicePlanId}`].sort().join('|');
}

function conflicts(plans: EnabledPlan[]): Map<string, [EnabledPlan, EnabledPlan]> {
  const found = new Map<string, [EnabledPlan, EnabledPlan]>();
  for (const a of plans) for (const b of plans) if (a !== b && a.plan.conflictsWith.includes(b.plan.servicePlanId)) found.set(conflictKey(a, b), [a, b]);
  return found;
}

function unmetDependencies(plans: EnabledPlan[]): Map<string, EnabledPlan> {
  const on = new Set(plans.map((p) => p.plan.servicePlanId));
  const found = new Map<string, EnabledPlan>();
  for (const p of plans) if (p.plan.dependsOn.length && !p.plan.dependsOn.some((d) => on.has(d))) found.set(`${p.product.skuId}/${p.plan.servicePlanId}`, p);
  return found;
}

const sameSet = (a: string[], b: string[]) => a.length === b.length && a.every((x) => b.includes(x));

/**
 * Why a subscription refuses an admin's change, if it does: not subscribed (or deleted), a self-service
 * purchase not taken over, or not active (only Enabled takes new assignments; Suspended takes no change).
 */
export function subscriptionRefusal(
  catalog: Catalog,
  skuId: string,
  s: SubscriptionForRules | undefined,
  verb: 'assign' | 'remove' | 'change',
): Violation | undefined {
  const product = catalog.product(skuId);
  if (!product || !s || s.capabilityStatus === 'Deleted') {
    return {
      code: ErrorCodes.productNotSubscribed,
      message: `Your organization has no active subscription for ${product ? product.displayName : `product '${skuId}'`}. Buy the product (Billing > Purchase services) or pick one from GET /subscribedSkus.`,
      target: skuId,
      parameters: { skuId, operation: verb },
    };
  }
  if (s.purchaseChannel === 'selfService') {
    return {
      code: ErrorCodes.selfServiceSubscription,
      message: `${product.displayName} was bought by a user through self-service, so admins cannot ${verb} it until an admin takes the subscription over (POST /directory/subscriptions/{id}/takeOver, Global or Billing Administrator).`,
      target: skuId,
      parameters: { skuId, operation: verb },
    };
  }
  if (s.capabilityStatus === 'Suspended' || (verb === 'assign' && s.capabilityStatus !== 'Enabled')) {
    const state = s.capabilityStatus === 'Warning' ? 'expired (in its warning period)' : 'suspended';
    return {
      code: ErrorCodes.subscriptionNotActive,
      message: `The ${product.displayName} subscription is ${state}, so its licenses cannot be ${verb === 'assign' ? 'assigned' : 'changed'}. Renew or reactivate the subscription (Billing > Your products) and try again.`,
      target: skuId,
      parameters: { skuId, operation: verb, capabilityStatus: s.capabilityStatus },
    };
  }
  return undefined;
}

/**
 * The rules on a user's resulting set of products, for whatever changed it (a direct change, a group's
 * licenses): usage location, plans not offered there, conflicting plans and unmet dependencies that the
 * change creates among the products it touches. Pre-existing problems are not blamed on this change.
 */
export function checkResultingLicenses(input: {
  catalog: Catalog;
  user: Pick<UserForRules, 'id' | 'displayName' | 'userPrincipalName'>;
  usageLocation: string | null;
  before: LicenseAssignment[];
  after: LicenseAssignment[];
  /** Products this change adds or changes. */
  touched: string[];
  checkLocation: boolean;
}): Violation[] {
  const { catalog, user, usageLocation } = input;
  const addSkus = input.touched;
  const target = user.id;
  const v: Violation[] = [];
  const beforeEffective = effectiveLicenses(input.before);
  const afterEffective = effectiveLicenses(input.after);
  const held = new Set(beforeEffective.map((l) => l.skuId));

  if (input.checkLocation) {
    if (!usageLocation) {
      v.push({
        code: ErrorCodes.usageLocationRequired,
        message: `${who(user)} has no usage location. Set one (PATCH /users/${user.id} with a two-letter country code in usageLocation), then assign the license.`,
        target,
        parameters: { userId: user.id },
      });
    } else {
      const loc = usageLocation.toUpperCase();
      for (const { plan, product } of enabledPlans(
        catalog,
        afterEffective.filter((l) => addSkus.includes(l.skuId)),
      )) {
        if (plan.notOfferedIn.includes(loc)) {
          v.push({
            code: ErrorCodes.prohibitedInUsageLocation,
            message: `${plan.displayName} in ${product.displayName} is not offered in ${loc}, the usage location of ${who(user)}. Switch ${plan.servicePlanName} off (disabledPlans: ${plan.servicePlanId}) or change the user's usage location.`,
            target,
            parameters: { userId: user.id, skuId: product.skuId, servicePlanId: plan.servicePlanId, usageLocation: loc },
          });
        }
      }
    }
  }

  // Conflicts and dependencies: only those this change creates (pre-existing states are not the admin's doing here).
  const beforePlans = enabledPlans(catalog, beforeEffective);
  const afterPlans = enabledPlans(catalog, afterEffective);
  const conflictsBefore = conflicts(beforePlans);
  for (const [key, pair] of conflicts(afterPlans)) {
    if (conflictsBefore.has(key)) continue;
    // report each new pair once, told from the side this change touches
    let [a, b] = pair;
    if (!addSkus.includes(a.product.skuId)) [a, b] = [b, a];
    if (!addSkus.includes(a.product.skuId)) continue;
    const same = a.product.skuId === b.product.skuId;
    // both may come with this change: still name the user, and only offer "remove" for a product the user holds
    v.push({
      code: ErrorCodes.mutuallyExclusiveViolation,
      message:
        `${a.plan.displayName} in ${a.product.displayName} conflicts with ${b.plan.displayName} in ${b.product.displayName}` +
        `${addSkus.includes(b.product.skuId) ? `; this change would give ${who(user)} both` : `, which ${who(user)} already has`}. ` +
        `Switch one of them off (disabledPlans: ${a.plan.servicePlanId} in ${a.product.skuPartNumber}, or ${b.plan.servicePlanId} in ${b.product.skuPartNumber})` +
        `${same ? '' : held.has(b.product.skuId) ? `, or remove ${b.product.displayName} from the user first` : `, or leave ${b.product.displayName} out of this change`}.`,
      target,
      parameters: {
        userId: user.id,
        skuId: a.product.skuId,
        servicePlanId: a.plan.servicePlanId,
        conflictingSkuId: b.product.skuId,
        conflictingServicePlanId: b.plan.servicePlanId,
        conflictingSkuAssigned: held.has(b.product.skuId),
        conflictingSkuInChange: addSkus.includes(b.product.skuId),
      },
    });
  }
  const unmetBefore = unmetDependencies(beforePlans);
  for (const [key, p] of unmetDependencies(afterPlans)) {
    if (unmetBefore.has(key)) continue;
    const options = p.plan.dependsOn.map((d) => catalog.planName(d)).join(' or ');
    const needLost = beforePlans.some((b) => p.plan.dependsOn.includes(b.plan.servicePlanId));
    v.push({
      code: ErrorCodes.dependencyViolation,
      message: needLost
        ? `${p.plan.displayName} in ${p.product.displayName} needs ${options}, which this change switches off for ${who(user)}. Keep ${options} on, or switch ${p.plan.displayName} off first.`
        : `${p.plan.displayName} in ${p.product.displayName} needs ${options}, which ${who(user)} does not have enabled. Assign a product with ${options} (or switch it on) first, or switch ${p.plan.servicePlanName} off (disabledPlans: ${p.plan.servicePlanId}).`,
      target,
      parameters: {
        userId: user.id,
        skuId: p.product.skuId,
        servicePlanId: p.plan.servicePlanId,
        requiredServicePlanIds: p.plan.dependsOn,
        requiredServicePlanSwitchedOff: needLost,
      },
    });
  }

  return v;
}

/**
 * Checks one user's license change against every rule and computes its result. Violations name the
 * user, product and plan concerned and say how to fix them; with any violation nothing may be written.
 * Seat availability is checked here against the given counts for a clear message, and again atomically
 * by the storage layer, which is the check that holds under concurrency.
 */
export function evaluateLicenseChange(input: {
  catalog: Catalog;
  principal: Pick<Principal, 'directoryRoles' | 'appRoles'>;
  user: UserForRules;
  subscriptions: ReadonlyMap<string, SubscriptionForRules>;
  change: LicenseChange;
  now: string;
  /** Whether to pre-check seat counts (the batch path checks the batch's total instead). */
  checkSeats?: boolean;
}): LicenseChangeOutcome {
  const { catalog, user, subscriptions, change, now, principal } = input;
  const v: Violation[] = [];
  const target = user.id;

  if (user.userType === 'Guest' && !can(principal, 'assignLicensesToGuests')) {
    v.push({
      code: ErrorCodes.insufficientRole,
      message: `${who(user)} is a guest user. Only a Global Administrator can assign or remove licenses for guests; ask one to make this change.`,
      target,
      parameters: { userId: user.id, userType: 'Guest', requiredRole: 'GlobalAdministrator' },
    });
  }

  const held = new Map<string, LicenseAssignment[]>();
  for (const a of user.licenseAssignments.filter(isActive)) held.set(a.skuId, [...(held.get(a.skuId) ?? []), a]);
  const direct = (skuId: string) => (held.get(skuId) ?? []).find((a) => a.assignedByGroup === null);

  const addSkus = change.addLicenses.map((a) => a.skuId.toLowerCase());
  const removeSkus = change.removeLicenses.map((s) => s.toLowerCase());

  const subscriptionProblem = (skuId: string, verb: 'assign' | 'remove' | 'change') => subscriptionRefusal(catalog, skuId, subscriptions.get(skuId), verb);

  // Adds: product, subscription, plans named.
  change.addLicenses.forEach((add, i) => {
    const skuId = add.skuId.toLowerCase();
    const isNew = !held.has(skuId);
    const problem = subscriptionProblem(skuId, isNew ? 'assign' : 'change');
    if (problem) return v.push({ ...problem, target, parameters: { ...problem.parameters, userId: target } });
    const product = catalog.product(skuId)!;
    for (const planId of add.disabledPlans) {
      if (!product.servicePlans.some((p) => p.servicePlanId === planId.toLowerCase())) {
        v.push({
          code: ErrorCodes.unknownServicePlan,
          message: `Service plan '${planId}' is not part of ${product.displayName}. Its plans are: ${product.servicePlans.map((p) => `${p.servicePlanName} (${p.servicePlanId})`).join(', ')}.`,
          target: `addLicenses[${i}].disabledPlans`,
          parameters: { userId: user.id, skuId, servicePlanId: planId },
        });
      }
    }
  });

  // Removes: held directly, and the subscription allows admins to change it.
  for (const skuId of removeSkus) {
    if (!held.has(skuId)) {
      v.push({
        code: ErrorCodes.licenseNotAssigned,
        message: `${who(user)} does not have ${catalog.productName(skuId)}, so it cannot be removed. Check GET /users/${user.id}/licenseDetails.`,
        target,
        parameters: { userId: user.id, skuId, operation: 'remove' },
      });
      continue;
    }
    if (!direct(skuId)) {
      v.push({
        code: ErrorCodes.licenseInheritedFromGroup,
        message: `${who(user)} gets ${catalog.productName(skuId)} through a group. Remove the user from the group, or the product from the group.`,
        target,
        parameters: { userId: user.id, skuId, groupIds: [...new Set((held.get(skuId) ?? []).map((a) => a.assignedByGroup!))] },
      });
      continue;
    }
    const s = subscriptions.get(skuId);
    // a deleted self-service subscription can no longer be taken over: its leftover licenses must stay removable
    if (s?.purchaseChannel === 'selfService' && s.capabilityStatus !== 'Deleted') {
      const problem = subscriptionProblem(skuId, 'remove')!;
      v.push({ ...problem, target, parameters: { ...problem.parameters, userId: target } });
    }
  }

  // The result: direct assignments replaced / removed; group paths untouched.
  const next: LicenseAssignment[] = user.licenseAssignments
    .filter((a) => !(a.assignedByGroup === null && (removeSkus.includes(a.skuId) || addSkus.includes(a.skuId))))
    .map((a) => ({ ...a }));
  for (const add of change.addLicenses) {
    const skuId = add.skuId.toLowerCase();
    const before = direct(skuId);
    next.push({
      skuId,
      disabledPlans: [...new Set(add.disabledPlans.map((p) => p.toLowerCase()))],
      assignedByGroup: null,
      assignedDateTime: before?.assignedDateTime ?? now,
      lastUpdatedDateTime: now,
    });
  }

  const beforeEffective = effectiveLicenses(user.licenseAssignments);
  const afterEffective = effectiveLicenses(next);
  const beforeSkus = new Set(beforeEffective.map((l) => l.skuId));
  const afterSkus = new Set(afterEffective.map((l) => l.skuId));
  const seatsToReserve = [...afterSkus].filter((s) => !beforeSkus.has(s));
  const seatsToRelease = [...beforeSkus].filter((s) => !afterSkus.has(s));
  const directKeys = (list: LicenseAssignment[]) =>
    list.filter((a) => a.assignedByGroup === null).map((a) => `${a.skuId}:${[...a.disabledPlans].sort().join(',')}`);
  const unchanged = sameSet(directKeys(user.licenseAssignments), directKeys(next));

  if (input.checkSeats !== false) {
    for (const skuId of seatsToReserve) {
      const s = subscriptions.get(skuId);
      if (
        s &&
        !v.some(
          (x) => x.code === ErrorCodes.productNotSubscribed || x.code === ErrorCodes.subscriptionNotActive || x.code === ErrorCodes.selfServiceSubscription,
        ) &&
        availableUnits(s) < 1
      ) {
        v.push(countViolation(catalog, skuId, s, 1, target));
      }
    }
  }

  v.push(
    ...checkResultingLicenses({
      catalog,
      user,
      usageLocation: user.usageLocation,
      before: user.licenseAssignments,
      after: next,
      touched: addSkus,
      checkLocation: change.addLicenses.length > 0,
    }),
  );

  return { violations: v, next, seatsToReserve, seatsToRelease, unchanged };
}

export function countViolation(catalog: Catalog, skuId: string, s: SubscriptionForRules, needed: number, target?: string): Violation {
  const product = catalog.productName(skuId);
  const available = availableUnits(s);
  return {
    code: ErrorCodes.countViolation,
    message:
      `Not enough ${product} licenses: ${needed} needed, ${available} available (${s.consumedUnits} of ${prepaidUnits(s).enabled} assigned). ` +
      `Buy more licenses (PATCH /directory/subscriptions/{id} with a higher totalLicenses) or remove ${product} from users who no longer need it.`,
    target: target ?? skuId,
    parameters: { ...(target ? { userId: target } : {}), skuId, needed, available, assigned: s.consumedUnits, total: prepaidUnits(s).enabled },
  };
}

/**
 * The rules a user's licenses break as they are held now: after a catalog change (a new conflict, a new
 * dependency, a plan no longer offered where the user is, a plan added that conflicts with one the user
 * has) a set that was allowed may not be. Nothing is taken away for it: the reconciliation lists these
 * users with the way out, and the next change of their licenses is judged by the rules as they are.
 */
export function currentBreaches(
  catalog: Catalog,
  user: Pick<UserForRules, 'id' | 'displayName' | 'userPrincipalName' | 'licenseAssignments'>,
  usageLocation: string | null,
): Violation[] {
  const plans = enabledPlans(catalog, effectiveLicenses(user.licenseAssignments));
  const v: Violation[] = [];
  // each pair once (the map is keyed by the pair)
  for (const [a, b] of conflicts(plans).values()) {
    v.push({
      code: ErrorCodes.mutuallyExclusiveViolation,
      message:
        `${who(user)} has ${a.plan.displayName} (in ${a.product.displayName}) and ${b.plan.displayName} (in ${b.product.displayName}) on, which the catalog's rules now say exclude each other. ` +
        `Nothing was taken away. Switch one of them off (disabledPlans: ${a.plan.servicePlanId} in ${a.product.skuPartNumber}, or ${b.plan.servicePlanId} in ${b.product.skuPartNumber}), or remove one of the products.`,
      target: user.id,
    });
  }
  for (const p of unmetDependencies(plans).values()) {
    const options = p.plan.dependsOn.map((d) => catalog.planName(d)).join(' or ');
    v.push({
      code: ErrorCodes.dependencyViolation,
      message: `${p.plan.displayName} in ${p.product.displayName} needs ${options}, which ${who(user)} does not have on, by the catalog's rules as they are now. Nothing was taken away. Assign a product with ${options} (or switch it on), or switch ${p.plan.servicePlanName} off (disabledPlans: ${p.plan.servicePlanId}).`,
      target: user.id,
    });
  }
  const loc = usageLocation?.toUpperCase();
  if (loc)
    for (const { plan, product } of plans)
      if (plan.notOfferedIn.includes(loc))
        v.push({
          code: ErrorCodes.prohibitedInUsageLocation,
          message: `${plan.displayName} in ${product.displayName} is not offered in ${loc}, the usage location of ${who(user)}, by the catalog's rules as they are now. Nothing was taken away. Switch ${plan.servicePlanName} off (disabledPlans: ${plan.servicePlanId}) or change the user's usage location.`,
          target: user.id,
        });
  return v;
}
