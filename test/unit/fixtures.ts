/**
 * Builders for the pure-domain unit tests: the demo's catalog (from its data files, local/catalog, through
 * the import's reader and edits), users, assignments, subscriptions and principals.
 */
import { Catalog, EMPTY_CATALOG } from '../../shared/domain/catalog';
import { demoCatalogSnapshot } from '../../local/demoCatalog';
import {
  CapabilityStatus,
  evaluateLicenseChange,
  LicenseAssignment,
  LicenseChange,
  PurchaseChannel,
  SubscriptionForRules,
  UserForRules,
} from '../../shared/domain/licensing';
import { DirectoryRoleName, Principal } from '../../shared/domain/roles';

/** The demo's products and plans by their part numbers and plan names (tests name ids; the catalog is data). */
export const SKU = {
  ENTERPRISEPACK: '6fd2c87f-b296-42f0-b197-1e91e994b900',
  STANDARDPACK: '18181a46-0d4e-45cd-891e-60aabd171b4e',
  EXCHANGESTANDARD: '4b9405b0-7788-4568-add1-99614e613b69',
  POWER_BI_PRO: 'f8a1db68-be16-40ed-86d5-cb42ce701560',
  PROJECTPROFESSIONAL: '53818b1b-4a27-454b-8896-0dba576410e6',
  MCOEV: 'e43b5b99-8dfb-405f-9987-dc307f34bcbd',
} as const;

export const PLAN = {
  EXCHANGE_S_ENTERPRISE: 'efb87545-963c-4e0d-99df-69c6916d9eb0',
  EXCHANGE_S_STANDARD: '9aaf7827-d63c-4b61-89c3-182f06f82e5c',
  SHAREPOINTENTERPRISE: '5dbe027f-2339-4123-9542-606e4d348a72',
  SHAREPOINTSTANDARD: 'c7699d2e-19aa-44de-8edf-1736da088ca1',
  SHAREPOINTWAC: 'e95bec33-7c88-4a70-8e19-b10bd9d0c014',
  TEAMS1: '57ff2da0-773e-42df-b2af-ffb7a2317929',
  SWAY: 'a23b959c-7ce8-4e57-9140-b90eb88a9e97',
  YAMMER_ENTERPRISE: '7547a3fe-08ee-4ccb-b430-5077c5041653',
  BI_AZURE_P2: '70d33638-9c74-4d01-bfd3-562de28bd4ba',
  PROJECT_CLIENT_SUBSCRIPTION: 'fafd7243-e5c1-4a3a-9e40-495efcb1d3c3',
  SHAREPOINT_PROJECT: 'fe71d6c3-a2ea-4499-9778-da042bf08063',
  MCOEV: '4828c8ec-dc2e-4779-b502-87ac9ce28ab7',
} as const;

/** The demo's catalog, read from its data files before the tests of any file that imports this one. */
export let demoCatalog: Catalog = EMPTY_CATALOG;
beforeAll(async () => {
  demoCatalog = await demoCatalogSnapshot();
});

export const NOW = '2025-06-01T12:00:00.000Z';
export const EARLIER = '2025-01-01T08:00:00.000Z';
export const USER_ID = 'a1b2c3d4-0000-4000-8000-000000000001';
export const GROUP_ID = 'c0ffee00-0000-4000-8000-00000000000a';

export type Caller = Pick<Principal, 'directoryRoles' | 'appRoles'>;
export const asRole = (...directoryRoles: DirectoryRoleName[]): Caller => ({ directoryRoles, appRoles: [] });
export const asApp = (...appRoles: string[]): Caller => ({ directoryRoles: [], appRoles });
export const licenseAdmin = asRole('LicenseAdministrator');

export const direct = (skuId: string, disabledPlans: string[] = [], at = EARLIER): LicenseAssignment => ({
  skuId,
  disabledPlans,
  assignedByGroup: null,
  assignedDateTime: at,
  lastUpdatedDateTime: at,
});

export const viaGroup = (skuId: string, disabledPlans: string[] = [], groupId = GROUP_ID): LicenseAssignment => ({
  skuId,
  disabledPlans,
  assignedByGroup: groupId,
  assignedDateTime: EARLIER,
  lastUpdatedDateTime: EARLIER,
});

export const member = (licenseAssignments: LicenseAssignment[] = [], o: Partial<UserForRules> = {}): UserForRules => ({
  id: USER_ID,
  displayName: 'Adele Vance',
  userPrincipalName: 'adele@contoso.example',
  userType: 'Member',
  usageLocation: 'US',
  licenseAssignments,
  ...o,
});

export const guest = (licenseAssignments: LicenseAssignment[] = []): UserForRules =>
  member(licenseAssignments, {
    id: 'a1b2c3d4-0000-4000-8000-0000000000ee',
    displayName: 'Guest From Fabrikam',
    userPrincipalName: 'gfab_fabrikam.example#EXT#@contoso.example',
    userType: 'Guest',
  });

export const sub = (
  skuId: string,
  o: { status?: CapabilityStatus; channel?: PurchaseChannel; total?: number; consumed?: number } = {},
): SubscriptionForRules => ({
  skuId,
  capabilityStatus: o.status ?? 'Enabled',
  purchaseChannel: o.channel ?? 'admin',
  totalLicenses: o.total ?? 25,
  consumedUnits: o.consumed ?? 0,
});

/** Every catalog product subscribed, Enabled, bought by an admin, with free seats; overrides replace entries. */
export const subs = (...overrides: SubscriptionForRules[]): Map<string, SubscriptionForRules> => {
  const m = new Map(Object.values(SKU).map((s) => [s, sub(s)] as [string, SubscriptionForRules]));
  for (const o of overrides) m.set(o.skuId, o);
  return m;
};

export const add = (skuId: string, disabledPlans: string[] = []) => ({ skuId, disabledPlans });

export const change = (adds: { skuId: string; disabledPlans: string[] }[] = [], removeLicenses: string[] = []): LicenseChange => ({
  addLicenses: adds,
  removeLicenses,
});

/** evaluateLicenseChange with defaults: a License Administrator, every product subscribed, seats pre-checked. */
export const evaluate = (o: {
  user?: UserForRules;
  change: LicenseChange;
  principal?: Caller;
  subscriptions?: Map<string, SubscriptionForRules>;
  checkSeats?: boolean;
}) =>
  evaluateLicenseChange({
    catalog: demoCatalog,
    principal: o.principal ?? licenseAdmin,
    user: o.user ?? member(),
    subscriptions: o.subscriptions ?? subs(),
    change: o.change,
    now: NOW,
    ...(o.checkSeats === undefined ? {} : { checkSeats: o.checkSeats }),
  });

export const codes = (r: { violations: { code: string }[] }) => r.violations.map((v) => v.code);
export const only = <T extends { code: string }>(r: { violations: T[] }, code: string): T => {
  const found = r.violations.filter((v) => v.code === code);
  if (found.length !== 1) throw new Error(`expected exactly one ${code} violation, got ${JSON.stringify(r.violations, null, 2)}`);
  return found[0];
};
