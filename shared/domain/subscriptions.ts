/**
 * Subscription rules (pure): the lifecycle a subscription moves through, and what a quantity change may do.
 */
import { ErrorCodes, Violation } from '../errors';
import { Catalog } from './catalog';
import { CapabilityStatus, PurchaseChannel } from './licensing';

/** Active -> Warning (expired, users keep working) -> Suspended (users lose access) -> Deleted; renewals go back to Enabled. */
export const LIFECYCLE: Record<CapabilityStatus, CapabilityStatus[]> = {
  Enabled: ['Warning'],
  Warning: ['Enabled', 'Suspended'],
  Suspended: ['Enabled', 'Deleted'],
  Deleted: [],
};

export interface SubscriptionState {
  skuId: string;
  capabilityStatus: CapabilityStatus;
  totalLicenses: number;
  consumedUnits: number;
  purchaseChannel: PurchaseChannel;
}

export function checkSubscriptionChange(catalog: Catalog, s: SubscriptionState, change: { totalLicenses?: number; status?: CapabilityStatus }): Violation[] {
  const name = catalog.productName(s.skuId);
  const v: Violation[] = [];
  if (change.status !== undefined && change.status !== s.capabilityStatus && !LIFECYCLE[s.capabilityStatus].includes(change.status)) {
    const next = LIFECYCLE[s.capabilityStatus];
    v.push({
      code: ErrorCodes.invalidLifecycleTransition,
      message: `The ${name} subscription is ${s.capabilityStatus} and cannot move to ${change.status}. ${next.length ? `From ${s.capabilityStatus} it can move to ${next.join(' or ')}.` : 'A deleted subscription cannot change; buy the product again.'}`,
      target: 'status',
      parameters: { skuId: s.skuId, capabilityStatus: s.capabilityStatus, requestedStatus: change.status, allowedStatuses: next },
    });
  }
  if (change.totalLicenses !== undefined) {
    if (s.capabilityStatus === 'Deleted') {
      v.push({
        code: ErrorCodes.subscriptionNotActive,
        message: `The ${name} subscription is deleted; its quantity cannot change. Buy the product again.`,
        target: 'totalLicenses',
        parameters: { skuId: s.skuId, capabilityStatus: s.capabilityStatus, operation: 'change' },
      });
    } else if (change.totalLicenses < s.consumedUnits) {
      v.push({
        code: ErrorCodes.quantityBelowAssigned,
        message: `${s.consumedUnits} ${name} licenses are assigned, so the subscription cannot go down to ${change.totalLicenses}. Remove the license from ${s.consumedUnits - change.totalLicenses} user(s) first (GET /subscribedSkus/{id}/assignments lists them).`,
        target: 'totalLicenses',
        parameters: { skuId: s.skuId, assigned: s.consumedUnits, requestedTotal: change.totalLicenses },
      });
    }
  }
  return v;
}

export function checkTakeOver(catalog: Catalog, s: SubscriptionState): Violation[] {
  const name = catalog.productName(s.skuId);
  if (s.purchaseChannel !== 'selfService')
    return [
      {
        code: ErrorCodes.notSelfService,
        message: `The ${name} subscription was bought by an admin; there is nothing to take over.`,
        target: 'id',
        parameters: { skuId: s.skuId },
      },
    ];
  if (s.capabilityStatus === 'Deleted')
    return [
      {
        code: ErrorCodes.subscriptionNotActive,
        message: `The ${name} subscription is deleted and cannot be taken over.`,
        target: 'id',
        parameters: { skuId: s.skuId, capabilityStatus: s.capabilityStatus, operation: 'change' },
      },
    ];
  return [];
}
