/**
 * A refusal in the admin's language: the service's messages are English (as Graph's are), but each detail
 * carries a stable code and its parameters (ids and counts), so the console writes what is wrong and the
 * way out itself, with product and plan names from subscribedSkus, never ids. A code it does not know
 * keeps the service's own message. Where the way out is a plan the console can switch off in the
 * assignment being made, it says which (`switchOff`).
 */
import type { TFunction } from 'i18next';
import type { RefusalDetail } from '../graph/errors';

/** Names for the ids in a refusal; each falls back to a word ("this product"), never to the id. */
export interface RefusalNames {
  product: (skuId: string | undefined) => string;
  plan: (servicePlanId: string | undefined) => string;
  country: (code: string) => string;
  /** "A or B" / "A of B", in the console's language. */
  or: (items: string[]) => string;
  and: (items: string[]) => string;
}

export interface Explained {
  message: string;
  fix?: string;
  /** The plan whose switching off (in this product) is a way out. */
  switchOff?: { skuId: string; servicePlanId: string };
}

/** What the console writes for one refusal detail, or undefined for a code it does not know (or a detail without parameters). */
export function explain(d: Pick<RefusalDetail, 'code' | 'parameters'>, t: TFunction, n: RefusalNames): Explained | undefined {
  const p = d.parameters;
  if (!p) return undefined;
  const product = n.product(p.skuId);
  const plan = n.plan(p.servicePlanId);
  const planIn = p.skuId && p.servicePlanId ? { skuId: p.skuId, servicePlanId: p.servicePlanId } : undefined;
  switch (d.code) {
    case 'MutuallyExclusiveViolation': {
      if (!planIn || !p.conflictingServicePlanId) return undefined;
      const v = { plan, product, otherPlan: n.plan(p.conflictingServicePlanId), otherProduct: n.product(p.conflictingSkuId) };
      const same = p.conflictingSkuId === p.skuId;
      return {
        message: p.conflictingSkuInChange ? t('refusal.conflict.both', v) : t('refusal.conflict.held', v),
        fix: same ? t('refusal.conflict.fixSame') : p.conflictingSkuAssigned ? t('refusal.conflict.fixHeld', v) : t('refusal.conflict.fixBoth', v),
        switchOff: planIn,
      };
    }
    case 'DependencyViolation': {
      if (!planIn) return undefined;
      const v = { plan, product, required: n.or([...new Set((p.requiredServicePlanIds ?? []).map((id) => n.plan(id)))]) };
      return p.requiredServicePlanSwitchedOff
        ? { message: t('refusal.dependency.lost', v), fix: t('refusal.dependency.fixLost', v), switchOff: planIn }
        : { message: t('refusal.dependency.missing', v), fix: t('refusal.dependency.fixMissing', v), switchOff: planIn };
    }
    case 'ProhibitedInUsageLocationViolation': {
      if (!planIn || !p.usageLocation) return undefined;
      const v = { plan, product, country: n.country(p.usageLocation) };
      return { message: t('refusal.notOffered.message', v), fix: t('refusal.notOffered.fix', v), switchOff: planIn };
    }
    case 'usageLocationRequired':
      return { message: t('refusal.noLocation.message'), fix: t('refusal.noLocation.fix') };
    case 'CountViolation': {
      if (p.onWaitingList) return { message: t('refusal.seats.waiting', { product, total: p.total }), fix: t('refusal.seats.fixWaiting') };
      if (p.needed === undefined || p.available === undefined) return undefined;
      const v = { product, needed: p.needed, available: p.available, assigned: p.assigned, total: p.total };
      return { message: t('refusal.seats.message', v), fix: t('refusal.seats.fix', v) };
    }
    case 'Authorization_RequestDenied':
      // the guest rule; other role refusals (the caller's own role) keep the service's message
      if (p.userType !== 'Guest') return undefined;
      return p.groupId
        ? { message: t('refusal.guest.group', { products: n.and((p.skuIds ?? []).map((s) => n.product(s))) }), fix: t('refusal.guest.fixGroup') }
        : { message: t('refusal.guest.message'), fix: t('refusal.guest.fix') };
    case 'productNotSubscribed':
      return { message: t('refusal.notSubscribed.message', { product }), fix: t('refusal.notSubscribed.fix') };
    case 'selfServiceSubscription':
      return { message: t('refusal.selfService.message', { product }), fix: t('refusal.selfService.fix') };
    case 'subscriptionNotActive':
      return { message: t(`refusal.notActive.${p.capabilityStatus ?? 'Enabled'}`, { product }), fix: t('refusal.notActive.fix') };
    case 'unknownServicePlan':
      return { message: t('refusal.unknownPlan.message', { product }), fix: t('refusal.unknownPlan.fix') };
    case 'licenseNotAssigned':
      return p.operation === 'change'
        ? { message: t('refusal.notAssigned.change', { product }), fix: t('refusal.notAssigned.fixChange') }
        : { message: t('refusal.notAssigned.remove', { product }) };
    case 'licenseInheritedFromGroup':
      return { message: t('refusal.inherited.message', { product }), fix: t('refusal.inherited.fix') };
    case 'quantityBelowAssigned':
      if (p.assigned === undefined || p.requestedTotal === undefined) return undefined;
      // the seat-reduction planner's (users still to pick) or the subscription's own (licenses to remove)
      return p.needed !== undefined
        ? {
            message: t('refusal.reduction.message', { assigned: p.assigned, requestedTotal: p.requestedTotal }),
            fix: t('refusal.reduction.fix', { count: p.needed }),
          }
        : {
            message: t('refusal.quantity.message', { product, assigned: p.assigned, requestedTotal: p.requestedTotal }),
            fix: t('refusal.quantity.fix', { count: p.assigned - p.requestedTotal }),
          };
    case 'notSelfServiceSubscription':
      return { message: t('refusal.notSelfService', { product }) };
    default:
      return undefined;
  }
}
