/** Builders for the pure-domain unit tests: users, assignments, subscriptions and principals. */
import { SKU } from '../../shared/domain/catalog';
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
