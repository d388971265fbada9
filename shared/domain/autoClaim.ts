/**
 * Auto-claim's pure rules: whether a user already has an app (one of their products gives one of the app's
 * service plans, enabled: the catalog says which plans), and which product of the policy's ordered list a
 * claim takes (the first the rules allow for the user and whose seat can be had).
 */
import { Catalog } from './catalog';
import { effectiveLicenses, evaluateLicenseChange, LicenseAssignment, SubscriptionForRules } from './licensing';
import { Principal } from './roles';

export function hasApp(catalog: Catalog, licenseAssignments: LicenseAssignment[], app: string): boolean {
  const plans = new Set(catalog.appPlans(app));
  return effectiveLicenses(licenseAssignments).some((l) =>
    (catalog.product(l.skuId)?.servicePlans ?? []).some((p) => plans.has(p.servicePlanId) && !l.disabledPlans.includes(p.servicePlanId)),
  );
}

/** The catalog's name of an app as it spells it (`teams` → `Teams`), or undefined for an app it does not know. */
export const knownApp = (catalog: Catalog, app: string): string | undefined => catalog.apps().find((a) => a.toLowerCase() === app.toLowerCase());

export interface ClaimChoice {
  /** The product chosen, with the user's licenses after taking it; undefined when no product fits. */
  chosen?: { skuId: string; next: LicenseAssignment[] };
  /** Why each product before the chosen one (or every product) was passed over. */
  reasons: string[];
}

/**
 * The first product in order that the rules allow for this user (usage location, conflicts, the
 * subscription's state), skipping those whose seat could not be had (`without`).
 */
export function chooseClaim(input: {
  catalog: Catalog;
  principal: Pick<Principal, 'directoryRoles' | 'appRoles'>;
  user: Parameters<typeof evaluateLicenseChange>[0]['user'];
  products: { skuId: string; disabledPlans: string[] }[];
  subscriptions: ReadonlyMap<string, SubscriptionForRules>;
  without: ReadonlySet<string>;
  now: string;
}): ClaimChoice {
  const reasons: string[] = [];
  for (const p of input.products) {
    const name = input.catalog.productName(p.skuId);
    if (input.without.has(p.skuId)) {
      reasons.push(`${name}: no free seat.`);
      continue;
    }
    const outcome = evaluateLicenseChange({
      catalog: input.catalog,
      principal: input.principal,
      user: input.user,
      subscriptions: input.subscriptions,
      change: { addLicenses: [{ skuId: p.skuId, disabledPlans: p.disabledPlans }], removeLicenses: [] },
      now: input.now,
      checkSeats: false, // seats are had by the engine's reservation, never from a cached count
    });
    if (outcome.violations.length) {
      reasons.push(`${name}: ${outcome.violations[0].message}`);
      continue;
    }
    return { chosen: { skuId: p.skuId, next: outcome.next }, reasons };
  }
  return { reasons };
}
