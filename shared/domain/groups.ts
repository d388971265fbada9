/**
 * Group-based licensing, the pure part (as in Entra ID): a member inherits each of a group's products with
 * the group's disabled plans; one product failing a rule means none of that group's products apply to that
 * member, and the failure is kept on the member's licenseAssignmentStates (state Error, Graph's error value
 * and the reason) rather than returned to whoever changed the group. A member without usage location is
 * checked with the organization's default location. Paths of several groups (and a direct one) for the same
 * product use one seat and enable the union of their plans.
 */
import { ErrorCodes, Violation } from '../errors';
import { Catalog } from './catalog';
import {
  AssignmentError,
  checkResultingLicenses,
  effectiveLicenses,
  isActive,
  LicenseAssignment,
  subscriptionRefusal,
  SubscriptionForRules,
  UserForRules,
} from './licensing';

export interface GroupLicenses {
  groupId: string;
  displayName: string;
  assignedLicenses: { skuId: string; disabledPlans: string[] }[];
  /** Products of the group that a Global Administrator assigned: the only ones a guest member may inherit. */
  assignedByGlobalAdministrator?: string[];
}

/** Graph's licenseAssignmentState.error for a rule's code. */
export function assignmentError(code: string): AssignmentError {
  switch (code) {
    case ErrorCodes.countViolation:
      return 'CountViolation';
    case ErrorCodes.mutuallyExclusiveViolation:
      return 'MutuallyExclusiveViolation';
    case ErrorCodes.dependencyViolation:
      return 'DependencyViolation';
    case ErrorCodes.prohibitedInUsageLocation:
    case ErrorCodes.usageLocationRequired:
      return 'ProhibitedInUsageLocationViolation';
    default:
      return 'Other';
  }
}

/** The group's paths for a user, as they should be: Active, or Error with the reason. */
export function groupPaths(group: GroupLicenses, previous: LicenseAssignment[], now: string, failure?: Violation): LicenseAssignment[] {
  return group.assignedLicenses.map((l) => {
    const before = previous.find((p) => p.assignedByGroup === group.groupId && p.skuId === l.skuId);
    const path: LicenseAssignment = {
      skuId: l.skuId,
      disabledPlans: l.disabledPlans,
      assignedByGroup: group.groupId,
      // a path that waited in Error and applies now was assigned now
      assignedDateTime: before && (failure || isActive(before)) ? before.assignedDateTime : now,
      lastUpdatedDateTime: now,
    };
    if (!failure) return path;
    return {
      ...path,
      state: 'Error',
      error: assignmentError(failure.code),
      errorMessage: `Through group ${group.displayName}: ${failure.message}`,
      errorCode: failure.code,
      errorParameters: { ...failure.parameters, groupId: group.groupId },
    };
  });
}

/**
 * Decides one group for one member, given the paths decided so far (`base`: the direct ones and the groups
 * before this one). Returns the violations (none: the group applies) and the products that would become
 * the member's because of this group (each needs a seat unless the member already held it).
 */
export function evaluateGroupPaths(input: {
  catalog: Catalog;
  user: UserForRules;
  base: LicenseAssignment[];
  group: GroupLicenses;
  /** The member's paths as stored, to know which products the member already had. */
  previous: LicenseAssignment[];
  subscriptions: ReadonlyMap<string, SubscriptionForRules>;
  defaultUsageLocation: string | null;
  now: string;
}): { violations: Violation[]; next: LicenseAssignment[]; newProducts: string[] } {
  const { catalog, user, base, group, previous, subscriptions, now } = input;
  const next = [...base, ...groupPaths(group, previous, now)];
  const hadBefore = new Set(effectiveLicenses(previous).map((l) => l.skuId));
  const v: Violation[] = [];
  // the guest rule holds on every path: a guest inherits only what a Global Administrator gave the group
  const notByGlobal = group.assignedLicenses.filter((l) => !(group.assignedByGlobalAdministrator ?? []).includes(l.skuId));
  if (user.userType === 'Guest' && notByGlobal.length) {
    v.push({
      code: ErrorCodes.insufficientRole,
      message: `${user.displayName} (${user.userPrincipalName}) is a guest user, and only a Global Administrator can license guests. ${notByGlobal.map((l) => catalog.productName(l.skuId)).join(', ')} was assigned to group ${group.displayName} by someone else. Ask a Global Administrator to assign the group's licenses again (POST /groups/${group.groupId}/assignLicense), or remove the guest from the group.`,
      target: user.id,
      parameters: { userId: user.id, userType: 'Guest', requiredRole: 'GlobalAdministrator', groupId: group.groupId, skuIds: notByGlobal.map((l) => l.skuId) },
    });
  }
  for (const l of group.assignedLicenses) {
    const wasActive = previous.some((p) => p.assignedByGroup === group.groupId && p.skuId === l.skuId && isActive(p));
    const refusal = subscriptionRefusal(catalog, l.skuId, subscriptions.get(l.skuId), wasActive ? 'change' : 'assign');
    if (refusal) v.push({ ...refusal, target: user.id, parameters: { ...refusal.parameters, userId: user.id } });
  }
  const usageLocation = user.usageLocation ?? input.defaultUsageLocation;
  v.push(
    ...checkResultingLicenses({
      catalog,
      user,
      usageLocation,
      before: base,
      after: next,
      touched: group.assignedLicenses.map((l) => l.skuId),
      checkLocation: group.assignedLicenses.length > 0,
    }),
  );
  const baseSkus = new Set(effectiveLicenses(base).map((l) => l.skuId));
  const newProducts = group.assignedLicenses.map((l) => l.skuId).filter((s) => !baseSkus.has(s) && !hadBefore.has(s));
  return { violations: v, next, newProducts };
}

/** Checks a group's licenses themselves (before any member): products subscribed, plans part of the product. */
export function checkGroupLicenses(
  catalog: Catalog,
  add: { skuId: string; disabledPlans: string[] }[],
  subscriptions: ReadonlyMap<string, SubscriptionForRules>,
): Violation[] {
  const v: Violation[] = [];
  add.forEach((a, i) => {
    const product = catalog.product(a.skuId);
    const s = subscriptions.get(a.skuId.toLowerCase());
    if (!product || !s || s.capabilityStatus === 'Deleted') {
      v.push({
        code: ErrorCodes.productNotSubscribed,
        message: `Your organization has no subscription for ${product?.displayName ?? `product '${a.skuId}'`}. Buy it first, then assign it to the group.`,
        target: `addLicenses[${i}].skuId`,
        parameters: { skuId: a.skuId.toLowerCase(), operation: 'assign' },
      });
      return;
    }
    if (s.purchaseChannel === 'selfService')
      v.push({
        code: ErrorCodes.selfServiceSubscription,
        message: `${product.displayName} was bought through self-service; take the subscription over before assigning it to a group.`,
        target: `addLicenses[${i}].skuId`,
        parameters: { skuId: a.skuId.toLowerCase(), operation: 'assign' },
      });
    for (const planId of a.disabledPlans) {
      if (!product.servicePlans.some((p) => p.servicePlanId === planId.toLowerCase()))
        v.push({
          code: ErrorCodes.unknownServicePlan,
          message: `Service plan '${planId}' is not part of ${product.displayName}.`,
          target: `addLicenses[${i}].disabledPlans`,
          parameters: { skuId: a.skuId.toLowerCase(), servicePlanId: planId },
        });
    }
  });
  return v;
}
