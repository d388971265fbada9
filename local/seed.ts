/**
 * Demo data for `npm start`: one organization whose products show every rule at work — a mailbox-plan
 * conflict (Office 365 E1 vs E3, the documented earlier behaviour: Microsoft now allows both), a
 * dependency across products (Teams Phone needs Teams from another product), a dependency met within a
 * product (Planner and Project Plan 3 brings its own SharePoint), an auto-assigned service (Sway: it
 * comes without a separate assignment, and can still be switched off), plans not offered in some
 * countries (Teams Phone in IN), a small product that runs out of seats, a self-service purchase to take
 * over — and members, a guest, a user without usage location, and a group whose members inherit a
 * product. Written through the same use-cases as the API; skipped if already there. Its products come
 * from the demo's catalog (local/catalog, loaded by the stack through the import): named here by part
 * number, as an operator's provisioning would.
 *
 * Prices and sign-in dates make the spend reports tell something: every product has a price (EUR, one
 * of them yearly), most people signed in within days, a few have not for months (a licensed account idle
 * 45, 75, 120 and 200 days, one never) — what a month of savings looks like (docs/reports.md).
 */
import { catalogCache } from '../shared/catalog/cache';
import { settings } from '../shared/config';
import { Principal } from '../shared/domain/roles';
import { tenants } from '../shared/storage/tenants';
import { UserDoc } from '../shared/storage/documents';
import { createSubscription, createTenant } from '../shared/usecases/directory';
import { createUser } from '../shared/usecases/users';
import { applyChanges, directChange, reservedSeats, settled } from '../shared/licensing';
import { convergeUser, createGroup } from '../shared/usecases/groups';
import { groups, memberships } from '../shared/storage/groups';
import { patchDoc } from '../shared/storage/cosmos';
import { DAY_MS } from '../shared/domain/reconciliation';

export const DEMO_TENANT_ID = 'c0ffee00-0000-4000-8000-00000000de70';

const people: [string, string, string | null, 'Member' | 'Guest'][] = [
  ['Adele Vance', 'adelev', 'NL', 'Member'],
  ['Alex Wilber', 'alexw', 'US', 'Member'],
  ['Megan Bowen', 'meganb', 'US', 'Member'],
  ['Lee Gu', 'leeg', 'IN', 'Member'],
  ['Isaiah Langer', 'isaiahl', null, 'Member'],
  ['Diego Siciliani', 'diegos', 'NL', 'Member'],
  ['Pradeep Gupta (Fabrikam)', 'pradeep_fabrikam.com#EXT#', 'US', 'Guest'],
  ['Johanna Lorenz', 'johannal', 'DE', 'Member'],
  ['Lidia Holloway', 'lidiah', 'US', 'Member'],
  ['Lynne Robbins', 'lynner', 'GB', 'Member'],
  ['Miriam Graham', 'miriamg', 'US', 'Member'],
  ['Nestor Wilke', 'nestorw', 'NL', 'Member'],
  ['Patti Fernandez', 'pattif', 'US', 'Member'],
  ['Grady Archie', 'gradya', 'US', 'Member'],
  ['Henrietta Mueller', 'henriettam', 'DE', 'Member'],
  ['Irvin Sayers', 'irvins', 'US', 'Member'],
  ['Joni Sherman', 'jonis', 'US', 'Member'],
  ['Christie Cline', 'christiec', 'US', 'Member'],
  ['Debra Berger', 'debrab', 'US', 'Member'],
  ['Enrico Cattaneo', 'enricoc', 'IT', 'Member'],
  ['Allan Deyoung', 'alland', 'US', 'Member'],
  ['Brian Johnson', 'brianj', 'GB', 'Member'],
  ['Cameron White', 'cameronw', 'US', 'Member'],
  ['Emily Braun', 'emilyb', 'NL', 'Member'],
];

/** The demo organization; the console's browser tests seed copies of it under tenant ids of their own. */
export async function seedDemo(o: { tenantId?: string } = {}): Promise<{ created: boolean; users: Record<string, UserDoc> }> {
  const tenantId = o.tenantId ?? DEMO_TENANT_ID;
  const existing = await tenants.get(tenantId);
  const byAlias: Record<string, UserDoc> = {};
  if (existing) return { created: false, users: byAlias };
  // in the deployment's own cloud (AZURE_CLOUD); its products are the worldwide cloud's demo catalog
  const tenant = await createTenant({ id: tenantId, displayName: 'Contoso (demo)', defaultUsageLocation: 'NL' });
  for (const [displayName, alias, usageLocation, userType] of people) {
    byAlias[alias] = await createUser(tenant.id, {
      displayName,
      userPrincipalName: `${alias}@contoso.dev`,
      usageLocation,
      userType,
      accountEnabled: true,
    });
  }
  const eur = (amount: number, billingPeriod: 'month' | 'year' = 'month') => ({ amount, currency: 'EUR', billingPeriod });
  const catalog = await catalogCache(settings()).current();
  const buy = async (skuPartNumber: string, totalLicenses: number, unitPrice: ReturnType<typeof eur>) =>
    (await createSubscription(catalog, tenant.id, { skuPartNumber, totalLicenses, purchaseChannel: 'admin', unitPrice })).skuId;
  const SKU = {
    ENTERPRISEPACK: await buy('ENTERPRISEPACK', 25, eur(23.1)),
    STANDARDPACK: await buy('STANDARDPACK', 10, eur(94.8, 'year')),
    PROJECTPROFESSIONAL: await buy('PROJECTPROFESSIONAL', 5, eur(28.1)),
    MCOEV: await buy('MCOEV', 5, eur(7.5)),
    EXCHANGESTANDARD: await buy('EXCHANGESTANDARD', 2, eur(45.6, 'year')),
  };
  const seeder: Principal = {
    tenantId: tenant.id,
    objectId: 'seed',
    displayName: 'Demo seed',
    directoryRoles: ['GlobalAdministrator'],
    appRoles: [],
    isApp: true,
  };
  await createSubscription(
    catalog,
    tenant.id,
    { skuPartNumber: 'POWER_BI_PRO', totalLicenses: 5, purchaseChannel: 'selfService', ownerUserId: byAlias.diegos.id, unitPrice: eur(9.4) },
    { principal: seeder, requestId: 'demo-seed' },
  );
  const add = (alias: string, skuIds: string[]) =>
    directChange(seeder, {
      userId: byAlias[alias].id,
      changeFor: () => ({ addLicenses: skuIds.map((skuId) => ({ skuId, disabledPlans: [] })), removeLicenses: [] }),
    });
  const [seeded] = await applyChanges({
    tenantId: tenant.id,
    catalog,
    seats: reservedSeats(tenant.id),
    groups: [
      {
        principal: seeder,
        requestId: 'demo-seed',
        operation: 'seed',
        changes: [
          add('adelev', [SKU.ENTERPRISEPACK]),
          add('alexw', [SKU.STANDARDPACK]),
          add('meganb', [SKU.ENTERPRISEPACK, SKU.PROJECTPROFESSIONAL]),
          add('nestorw', [SKU.EXCHANGESTANDARD]),
        ],
      },
    ],
  });
  settled(seeded);
  // group-based licensing: a group whose members inherit Office 365 E1
  const sales = await createGroup(tenant.id, { displayName: 'Sales team', description: 'Inherits Office 365 E1' });
  for (const alias of ['lidiah', 'lynner', 'miriamg', 'pattif']) await memberships.add(tenant.id, sales.id, byAlias[alias].id);
  await groups.replaceIfMatch(
    {
      ...sales,
      assignedLicenses: [{ skuId: SKU.STANDARDPACK, disabledPlans: [] }],
      licenseAssigners: { [SKU.STANDARDPACK]: { id: seeder.objectId, displayName: seeder.displayName, mayLicenseGuests: true } },
    },
    sales._etag!,
  );
  for (const alias of ['lidiah', 'lynner', 'miriamg', 'pattif']) await convergeUser(catalog, tenant.id, byAlias[alias].id, 'demo-seed');
  await seedSignIns(tenant.id, byAlias);
  return { created: true, users: byAlias };
}

/** Days since each person last signed in (absent: never). Everyone else signed in within the last few days. */
const idleDays: Record<string, number | null> = { meganb: 75, nestorw: 120, alexw: null, lidiah: 200, adelev: 45 };

/**
 * Sign-in activity, as an import of Entra ID's sign-in log would set it, on accounts the organization has
 * had for a year (the reclaim policy gives a new account inactiveForDays to sign in first).
 */
async function seedSignIns(tenantId: string, byAlias: Record<string, UserDoc>): Promise<void> {
  const now = Date.now();
  const createdDateTime = new Date(now - 365 * DAY_MS).toISOString();
  for (const [n, [alias, user]] of Object.entries(byAlias).entries()) {
    const days = alias in idleDays ? idleDays[alias] : n % 4;
    const signIn =
      days === null
        ? []
        : [{ op: 'set' as const, path: '/signInActivity', value: { lastSignInDateTime: new Date(now - days * DAY_MS - (n + 1) * 3_600_000).toISOString() } }];
    await patchDoc('directory', user.id, tenantId, [{ op: 'set', path: '/createdDateTime', value: createdDateTime }, ...signIn]);
  }
}
