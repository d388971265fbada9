/**
 * Usage rights (Graph's cloudLicensing usageRight, beta): what a user may use now. One right per product
 * the user holds by any active path (direct or through groups: effectiveLicenses, a plan on when any path
 * has it on), with the plans switched off on every path taken out, and nothing from a product whose
 * subscription is Suspended or Deleted (usersMayUse). A product whose every plan is off gives no right.
 * Pure: the caller passes the catalog, the user's assignments and the subscriptions' states.
 */
import { Catalog, ServicePlanDefinition } from './catalog';
import { CapabilityStatus, effectiveLicenses, LicenseAssignment, usersMayUse } from './licensing';

export interface UsageRightService {
  planId: string;
  planName: string;
  /** Graph's assigneeTypes, comma-separated: a user plan may be assigned to users and to groups here. */
  assignableTo: string;
}

export interface UsageRight {
  /** One right per product and user: the product's skuId names it. */
  id: string;
  skuId: string;
  skuPartNumber: string;
  services: UsageRightService[];
}

const assignableTo = (plan: ServicePlanDefinition) => (plan.appliesTo === 'User' ? 'user,group' : 'none');

export function usageRightsOf(catalog: Catalog, assignments: LicenseAssignment[], statusOf: (skuId: string) => CapabilityStatus | undefined): UsageRight[] {
  const rights: UsageRight[] = [];
  for (const license of effectiveLicenses(assignments)) {
    const product = catalog.product(license.skuId);
    const status = statusOf(license.skuId);
    if (!product || status === undefined || !usersMayUse(status)) continue;
    const services = product.servicePlans
      .filter((p) => !license.disabledPlans.includes(p.servicePlanId))
      .map((p) => ({ planId: p.servicePlanId, planName: p.servicePlanName, assignableTo: assignableTo(p) }));
    if (services.length) rights.push({ id: product.skuId, skuId: product.skuId, skuPartNumber: product.skuPartNumber, services });
  }
  return rights;
}

/**
 * The service plans a user may use, by name, for a token's claims (Entra ID takes at most 3 KB of claims,
 * keys and values together): each name once, sorted, as many as fit in `budget` bytes after the key.
 */
export function servicePlanNamesWithin(rights: UsageRight[], key: string, budget: number): { names: string[]; complete: boolean } {
  const all = [...new Set(rights.flatMap((r) => r.services.map((s) => s.planName)))].sort();
  const names: string[] = [];
  let used = Buffer.byteLength(key);
  for (const name of all) {
    used += Buffer.byteLength(name);
    if (used > budget) return { names, complete: false };
    names.push(name);
  }
  return { names, complete: true };
}
