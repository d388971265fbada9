/**
 * The reconciliation's catalog step: a catalog change can put users who already hold a product in breach
 * of the rules (a new conflict, a new dependency, a plan no longer offered where they are, a plan added
 * that conflicts with one they have). Licenses are never stripped for it: each run lists the users in
 * breach with the way out (the violation's message), and which catalog versions it looked at. Only the
 * users the versions since the last run can touch are read (holders of a product with a plan whose rules
 * changed or that was added), plus those already listed (a fixed one leaves the list).
 */
import { currentBreaches } from '../../domain/licensing';
import { catalogStore } from '../../storage/catalog';
import { catalogBreachChecks } from '../../storage/catalogBreaches';
import { UserDoc } from '../../storage/documents';
import { ScannedUser, userPages } from '../../storage/reconciliation';
import { subscriptions } from '../../storage/subscriptions';
import { users } from '../../storage/users';
import { ReconciliationStep } from '../reconciliation';

/** More versions than this since the last run: every holder of the organization's products is read. */
const MAX_VERSIONS_READ = 50;
const LISTED = 200;

export const catalogBreachesStep: ReconciliationStep = async (tenant, _report, context) => {
  const catalog = context.catalog;
  const state = await catalogBreachChecks.get(tenant.id);
  const since = state?.version ?? catalog.version;
  const held = new Set((await subscriptions.list(tenant.id)).filter((s) => s.capabilityStatus !== 'Deleted').map((s) => s.skuId));

  // the plans the versions since the last run changed rules of, or added to a product
  const plans = new Set<string>();
  // the first run for an organization reads every holder once (nothing was checked before)
  let everything = !state || catalog.version - since > MAX_VERSIONS_READ;
  for (let v = since + 1; v <= catalog.version && !everything; v++) {
    const record = await catalogStore.version(v);
    if (!record) {
      everything = true;
      break;
    }
    for (const r of record.changes.rulesChanged) plans.add(r.servicePlanId);
    for (const p of record.changes.productsChanged) for (const s of p.plansAdded) plans.add(s.servicePlanId);
  }
  const skus = catalog
    .all()
    .filter((p) => held.has(p.skuId) && (everything || p.servicePlans.some((s) => plans.has(s.servicePlanId))))
    .map((p) => p.skuId);

  const candidates = new Map<string, Pick<UserDoc, 'id' | 'displayName' | 'userPrincipalName' | 'licenseAssignments' | 'usageLocation'>>();
  for (const sku of skus) {
    for await (const page of userPages(tenant.id, 500, sku)) for (const u of page) candidates.set(u.id, withLocation(u));
    await context.keepAlive();
  }
  const again = (state?.userIds ?? []).filter((id) => !candidates.has(id));
  for (const [id, u] of await users.getMany(tenant.id, again)) if (u) candidates.set(id, u);

  const breached: { userId: string; userPrincipalName: string; displayName: string; violations: { code: string; message: string }[] }[] = [];
  for (const u of candidates.values()) {
    const violations = currentBreaches(catalog, u, u.usageLocation ?? tenant.defaultUsageLocation ?? null);
    if (violations.length)
      breached.push({
        userId: u.id,
        userPrincipalName: u.userPrincipalName,
        displayName: u.displayName,
        violations: violations.map(({ code, message }) => ({ code, message })),
      });
  }
  await catalogBreachChecks.put(tenant.id, { version: catalog.version, userIds: breached.map((b) => b.userId) }, state?._etag);
  return {
    catalogVersion: catalog.version,
    checkedSinceVersion: state ? since : null,
    productsChecked: skus.length,
    usersChecked: candidates.size,
    usersInBreach: breached.length,
    users: breached.slice(0, LISTED),
  };
};

const withLocation = (u: ScannedUser) => ({ ...u, usageLocation: u.usageLocation ?? null });
