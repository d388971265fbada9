import {
  Action,
  actionDescription,
  AppRole,
  can,
  DirectoryRole,
  DirectoryRoleName,
  missingRoleMessage,
  roleDisplayName,
  rolesFromClaims,
} from '../../shared/domain/roles';
import { asApp, asRole } from './fixtures';

const ACTIONS: Action[] = [
  'read',
  'assignLicenses',
  'assignLicensesToGuests',
  'manageUsers',
  'manageGroupMembers',
  'changeUserType',
  'updateUsageLocation',
  'manageSubscriptions',
  'manageTenants',
  'requestLicense',
  'manageLicenseRequestPolicy',
  'manageAutoClaimPolicy',
  'recordSignIns',
  'keepOwnLicense',
  'readOwnUsageRights',
  'manageReportSettings',
  'manageLicenseSettings',
  'provision',
  'manageProvisioning',
  'readProvisioning',
];
const ROLES: DirectoryRoleName[] = ['GlobalAdministrator', 'LicenseAdministrator', 'UserAdministrator', 'BillingAdministrator', 'GlobalReader'];
const APP_ROLES = [AppRole.ReadAll, AppRole.ReadWriteAll, AppRole.TenantsManage, AppRole.SignInEventsWrite, AppRole.ScimProvisioning];

/** The product rules (licensing-reference.md, "Who may act"), written out independently of roles.ts. */
const DIRECTORY_MATRIX: Record<DirectoryRoleName, Record<Action, boolean>> = {
  GlobalAdministrator: {
    read: true,
    assignLicenses: true,
    assignLicensesToGuests: true,
    manageUsers: true,
    manageGroupMembers: true,
    changeUserType: true,
    updateUsageLocation: true,
    manageSubscriptions: true,
    manageTenants: false,
    requestLicense: true,
    manageLicenseRequestPolicy: true,
    manageAutoClaimPolicy: true,
    recordSignIns: false,
    keepOwnLicense: true,
    readOwnUsageRights: true,
    manageReportSettings: true,
    manageLicenseSettings: true,
    provision: false,
    manageProvisioning: true,
    readProvisioning: true,
  },
  LicenseAdministrator: {
    read: true,
    assignLicenses: true,
    assignLicensesToGuests: false,
    manageUsers: false,
    manageGroupMembers: false,
    changeUserType: false,
    updateUsageLocation: true,
    manageSubscriptions: false,
    manageTenants: false,
    requestLicense: true,
    manageLicenseRequestPolicy: false,
    manageAutoClaimPolicy: true,
    recordSignIns: false,
    keepOwnLicense: true,
    readOwnUsageRights: true,
    manageReportSettings: false,
    manageLicenseSettings: false,
    provision: false,
    manageProvisioning: false,
    readProvisioning: false,
  },
  UserAdministrator: {
    read: true,
    assignLicenses: true,
    assignLicensesToGuests: false,
    manageUsers: true,
    manageGroupMembers: true,
    changeUserType: false,
    updateUsageLocation: true,
    manageSubscriptions: false,
    manageTenants: false,
    requestLicense: true,
    manageLicenseRequestPolicy: false,
    manageAutoClaimPolicy: false,
    recordSignIns: false,
    keepOwnLicense: true,
    readOwnUsageRights: true,
    manageReportSettings: false,
    manageLicenseSettings: false,
    provision: false,
    manageProvisioning: false,
    readProvisioning: false,
  },
  BillingAdministrator: {
    read: true,
    assignLicenses: false,
    assignLicensesToGuests: false,
    manageUsers: false,
    manageGroupMembers: false,
    changeUserType: false,
    updateUsageLocation: false,
    manageSubscriptions: true,
    manageTenants: false,
    requestLicense: true,
    manageLicenseRequestPolicy: false,
    manageAutoClaimPolicy: false,
    recordSignIns: false,
    keepOwnLicense: true,
    readOwnUsageRights: true,
    manageReportSettings: false,
    manageLicenseSettings: false,
    provision: false,
    manageProvisioning: false,
    readProvisioning: false,
  },
  GlobalReader: {
    read: true,
    assignLicenses: false,
    assignLicensesToGuests: false,
    manageUsers: false,
    manageGroupMembers: false,
    changeUserType: false,
    updateUsageLocation: false,
    manageSubscriptions: false,
    manageTenants: false,
    requestLicense: true,
    manageLicenseRequestPolicy: false,
    manageAutoClaimPolicy: false,
    recordSignIns: false,
    keepOwnLicense: true,
    readOwnUsageRights: true,
    manageReportSettings: false,
    manageLicenseSettings: false,
    provision: false,
    manageProvisioning: false,
    readProvisioning: true,
  },
};

const APP_MATRIX: Record<string, Record<Action, boolean>> = {
  [AppRole.ReadAll]: {
    read: true,
    assignLicenses: false,
    assignLicensesToGuests: false,
    manageUsers: false,
    manageGroupMembers: false,
    changeUserType: false,
    updateUsageLocation: false,
    manageSubscriptions: false,
    manageTenants: false,
    requestLicense: false,
    manageLicenseRequestPolicy: false,
    manageAutoClaimPolicy: false,
    recordSignIns: false,
    keepOwnLicense: false,
    readOwnUsageRights: false,
    manageReportSettings: false,
    manageLicenseSettings: false,
    provision: false,
    manageProvisioning: false,
    readProvisioning: false,
  },
  [AppRole.ReadWriteAll]: {
    read: true,
    assignLicenses: true,
    assignLicensesToGuests: false,
    manageUsers: false,
    manageGroupMembers: false,
    changeUserType: false,
    updateUsageLocation: true,
    manageSubscriptions: false,
    manageTenants: false,
    requestLicense: false,
    manageLicenseRequestPolicy: false,
    manageAutoClaimPolicy: false,
    recordSignIns: false,
    keepOwnLicense: false,
    readOwnUsageRights: false,
    manageReportSettings: false,
    manageLicenseSettings: false,
    provision: false,
    manageProvisioning: false,
    readProvisioning: false,
  },
  // the sign-in hook records sign-ins and nothing else
  [AppRole.SignInEventsWrite]: {
    read: false,
    assignLicenses: false,
    assignLicensesToGuests: false,
    manageUsers: false,
    manageGroupMembers: false,
    changeUserType: false,
    updateUsageLocation: false,
    manageSubscriptions: false,
    manageTenants: false,
    requestLicense: false,
    manageLicenseRequestPolicy: false,
    manageAutoClaimPolicy: false,
    recordSignIns: true,
    keepOwnLicense: false,
    readOwnUsageRights: false,
    manageReportSettings: false,
    manageLicenseSettings: false,
    provision: false,
    manageProvisioning: false,
    readProvisioning: false,
  },
  // the operator's permission grants nothing inside an organization (and on the operator routes only with the operator checks)
  [AppRole.TenantsManage]: {
    read: false,
    assignLicenses: false,
    assignLicensesToGuests: false,
    manageUsers: false,
    manageGroupMembers: false,
    changeUserType: false,
    updateUsageLocation: false,
    manageSubscriptions: false,
    manageTenants: true,
    requestLicense: false,
    manageLicenseRequestPolicy: false,
    manageAutoClaimPolicy: false,
    recordSignIns: false,
    keepOwnLicense: false,
    readOwnUsageRights: false,
    manageReportSettings: false,
    manageLicenseSettings: false,
    provision: false,
    manageProvisioning: false,
    readProvisioning: false,
  },
  // an identity provider's provisioning service: SCIM and nothing else
  [AppRole.ScimProvisioning]: {
    read: false,
    assignLicenses: false,
    assignLicensesToGuests: false,
    manageUsers: false,
    manageGroupMembers: false,
    changeUserType: false,
    updateUsageLocation: false,
    manageSubscriptions: false,
    manageTenants: false,
    requestLicense: false,
    manageLicenseRequestPolicy: false,
    manageAutoClaimPolicy: false,
    recordSignIns: false,
    keepOwnLicense: false,
    readOwnUsageRights: false,
    manageReportSettings: false,
    manageLicenseSettings: false,
    provision: true,
    manageProvisioning: false,
    readProvisioning: false,
  },
};

describe('DirectoryRole template ids', () => {
  test('match the Entra ID role template ids of the reference', () => {
    expect(DirectoryRole).toEqual({
      GlobalAdministrator: '62e90394-69f5-4237-9190-012177145e10',
      LicenseAdministrator: '4d6ac14f-3453-41d0-bef9-a3e0c569773a',
      UserAdministrator: 'fe930be7-5e62-47db-91af-98c3a49a38b1',
      BillingAdministrator: 'b0f54661-2d74-4c50-afa3-1ec803f12efe',
      GlobalReader: 'f2ef992c-3afb-46b9-b7cf-a126ee74c451',
    });
  });
});

describe('can: each action x each directory role', () => {
  const cases = ROLES.flatMap((role) => ACTIONS.map((action) => [role, action, DIRECTORY_MATRIX[role][action]] as const));
  test.each(cases)('%s may %s: %s', (role, action, allowed) => {
    expect(can({ ...asRole(role), isApp: false }, action)).toBe(allowed);
  });

  test.each(ACTIONS.filter((a) => a !== 'requestLicense' && a !== 'keepOwnLicense' && a !== 'readOwnUsageRights'))('no role at all may not %s', (action) => {
    expect(can({ ...asRole(), isApp: false }, action)).toBe(false);
  });

  test('any signed-in member may ask for a license (no admin role); an application may not, whatever its permissions', () => {
    expect(can({ ...asRole(), isApp: false }, 'requestLicense')).toBe(true);
    expect(APP_ROLES.filter((r) => can({ ...asApp(r), isApp: true }, 'requestLicense'))).toEqual([]);
    expect(missingRoleMessage('requestLicense')).toMatch(/signed-in user of the organization/);
  });

  test('any signed-in member may keep their own license when the reclaim policy asks; an application may not', () => {
    expect(can({ ...asRole(), isApp: false }, 'keepOwnLicense')).toBe(true);
    expect(APP_ROLES.filter((r) => can({ ...asApp(r), isApp: true }, 'keepOwnLicense'))).toEqual([]);
    expect(missingRoleMessage('keepOwnLicense')).toMatch(/signed-in user of the organization/);
  });

  test('any signed-in user reads their own usage rights (GET /me/cloudLicensing/usageRights); an application has no "me"', () => {
    expect(can({ ...asRole(), isApp: false }, 'readOwnUsageRights')).toBe(true);
    expect(APP_ROLES.filter((r) => can({ ...asApp(r), isApp: true }, 'readOwnUsageRights'))).toEqual([]);
    expect(missingRoleMessage('readOwnUsageRights')).toMatch(/signed-in user of the organization/);
  });

  test('whether reports conceal names: Global Administrator only', () => {
    expect(ROLES.filter((r) => can(asRole(r), 'manageReportSettings'))).toEqual(['GlobalAdministrator']);
    expect(APP_ROLES.filter((r) => can(asApp(r), 'manageReportSettings'))).toEqual([]);
    expect(ROLES.filter((r) => can(asRole(r), 'manageLicenseSettings'))).toEqual(['GlobalAdministrator']);
    expect(APP_ROLES.filter((r) => can(asApp(r), 'manageLicenseSettings'))).toEqual([]);
  });

  test('Global Reader reads but never changes anything', () => {
    const writes = ACTIONS.filter((a) => a !== 'read' && a !== 'readProvisioning');
    expect(writes.map((a) => can(asRole('GlobalReader'), a))).toEqual(writes.map(() => false));
  });

  test("only a Global Administrator may change a guest user's licenses", () => {
    expect(ROLES.filter((r) => can(asRole(r), 'assignLicensesToGuests'))).toEqual(['GlobalAdministrator']);
    expect(APP_ROLES.filter((r) => can(asApp(r), 'assignLicensesToGuests'))).toEqual([]);
  });

  test('changing whether a user is a guest: Global Administrator only (it decides who may license them)', () => {
    expect(ROLES.filter((r) => can(asRole(r), 'changeUserType'))).toEqual(['GlobalAdministrator']);
    expect(APP_ROLES.filter((r) => can(asApp(r), 'changeUserType'))).toEqual([]);
  });

  test('buying/removing seats: Global or Billing administrator only', () => {
    expect(ROLES.filter((r) => can(asRole(r), 'manageSubscriptions'))).toEqual(['GlobalAdministrator', 'BillingAdministrator']);
  });

  test('one allowed role among several is enough', () => {
    expect(can(asRole('GlobalReader', 'LicenseAdministrator'), 'assignLicenses')).toBe(true);
    expect(can(asRole('GlobalReader', 'BillingAdministrator'), 'assignLicenses')).toBe(false);
    expect(can(asRole('BillingAdministrator', 'UserAdministrator'), 'manageUsers')).toBe(true);
  });
});

describe('can: application permissions (app-only callers)', () => {
  const cases = APP_ROLES.flatMap((app) => ACTIONS.map((action) => [app, action, APP_MATRIX[app][action]] as const));
  test.each(cases)('app with %s may %s: %s', (app, action, allowed) => {
    expect(can({ ...asApp(app), isApp: true }, action)).toBe(allowed);
  });

  test('an unknown application permission grants nothing', () => {
    for (const action of ACTIONS) expect(can(asApp('User.ReadWrite.All', 'Directory.ReadWrite.All'), action)).toBe(false);
  });

  test('a directory role name in the app roles (or an app role in the directory roles) grants nothing', () => {
    expect(can({ directoryRoles: [], appRoles: ['GlobalAdministrator'] }, 'assignLicenses')).toBe(false);
    expect(can({ directoryRoles: [AppRole.ReadWriteAll as unknown as DirectoryRoleName], appRoles: [] }, 'assignLicenses')).toBe(false);
  });

  test('directory and app roles add up', () => {
    const both = { directoryRoles: ['GlobalReader'] as DirectoryRoleName[], appRoles: [AppRole.TenantsManage as string] };
    expect(can(both, 'manageTenants')).toBe(true);
    expect(can(both, 'assignLicenses')).toBe(false);
  });
});

describe('rolesFromClaims', () => {
  test('maps every known template id to its role name', () => {
    expect(rolesFromClaims(Object.values(DirectoryRole))).toEqual(ROLES);
  });

  test.each(ROLES)('a single %s id', (role) => {
    expect(rolesFromClaims([DirectoryRole[role]])).toEqual([role]);
  });

  test('ignores unknown ids (other directory roles, garbage) and keeps the known ones', () => {
    const wids = [
      'b79fbf4d-3ef9-4689-8143-76b194e85509', // "Default user" template, present in most tokens
      'not-a-guid',
      DirectoryRole.LicenseAdministrator,
      '00000000-0000-0000-0000-000000000000',
    ];
    expect(rolesFromClaims(wids)).toEqual(['LicenseAdministrator']);
  });

  test('only unknown ids: no roles', () => {
    expect(rolesFromClaims(['b79fbf4d-3ef9-4689-8143-76b194e85509'])).toEqual([]);
  });

  test('duplicates give the role once', () => {
    expect(rolesFromClaims([DirectoryRole.GlobalReader, DirectoryRole.GlobalReader])).toEqual(['GlobalReader']);
  });

  test('non-string entries are ignored', () => {
    expect(
      rolesFromClaims([42, null, { id: DirectoryRole.GlobalAdministrator }, [DirectoryRole.GlobalAdministrator], DirectoryRole.UserAdministrator]),
    ).toEqual(['UserAdministrator']);
  });

  test.each([
    ['undefined', undefined],
    ['null', null],
    ['a single id as a string', DirectoryRole.GlobalAdministrator],
    ['a space-separated string', `${DirectoryRole.GlobalAdministrator} ${DirectoryRole.LicenseAdministrator}`],
    ['a number', 62],
    ['an object keyed by id', { [DirectoryRole.GlobalAdministrator]: true }],
    ['an empty array', []],
  ])('%s gives no roles', (_label, wids) => {
    expect(rolesFromClaims(wids)).toEqual([]);
  });

  test('role names (instead of ids) are not accepted', () => {
    expect(rolesFromClaims(['GlobalAdministrator', 'Global Administrator'])).toEqual([]);
  });

  test('the result gives the permissions of the roles it names', () => {
    const principal = { directoryRoles: rolesFromClaims([DirectoryRole.BillingAdministrator]), appRoles: [] };
    expect(can(principal, 'manageSubscriptions')).toBe(true);
    expect(can(principal, 'assignLicenses')).toBe(false);
  });
});

describe('missingRoleMessage', () => {
  const allowedRoles = (action: Action) => ROLES.filter((r) => DIRECTORY_MATRIX[r][action]);
  const allowedApps = (action: Action) => APP_ROLES.filter((a) => APP_MATRIX[a][action]);

  // requestLicense, keepOwnLicense and readOwnUsageRights need no role at all: their messages say so (tested above)
  test.each(ACTIONS.filter((a) => a !== 'requestLicense' && a !== 'keepOwnLicense' && a !== 'readOwnUsageRights'))(
    '%s: says what is refused and names every role and app permission that would do, and no other',
    (action) => {
      const m = missingRoleMessage(action);
      const needs = m.split('; ask')[0];
      expect(m).toContain('You do not have permission');
      expect(m).toContain(actionDescription[action]);
      for (const r of allowedRoles(action)) expect(needs).toContain(roleDisplayName[r]);
      for (const r of ROLES.filter((x) => !allowedRoles(action).includes(x))) expect(needs).not.toContain(roleDisplayName[r]);
      for (const a of allowedApps(action)) expect(m).toContain(`${a} application permission`);
      for (const a of APP_ROLES.filter((x) => !allowedApps(action).includes(x))) expect(m).not.toContain(a);
      expect(m).toMatch(/ask a Global Administrator to grant it/);
    },
  );

  test.each(ACTIONS)('%s: reads as a sentence (no doubled words, no "permission role")', (action) => {
    const m = missingRoleMessage(action);
    expect(m).not.toMatch(/\b(\w+) \1\b/i);
    expect(m).not.toMatch(/permission role/);
    expect(m).not.toMatch(/undefined/);
  });

  test('assign: lists the three admin roles and the app permission', () => {
    const m = missingRoleMessage('assignLicenses');
    expect(m).toMatch(/assign or remove licenses/);
    expect(m).toMatch(/Global Administrator, License Administrator, User Administrator/);
    expect(m).toMatch(/LicenseAssignment\.ReadWrite\.All application permission/);
    expect(m).not.toMatch(/Billing Administrator|Global Reader/);
  });

  test('guests: the Global Administrator role alone', () => {
    const m = missingRoleMessage('assignLicensesToGuests');
    expect(m).toMatch(/assign licenses to guest users/);
    expect(m).toMatch(/needs the Global Administrator role/);
    expect(m).not.toMatch(/License Administrator|User Administrator|application permission/);
  });

  test('subscriptions: Global or Billing Administrator (the operator buys through the operator routes)', () => {
    const m = missingRoleMessage('manageSubscriptions');
    expect(m).toMatch(/buy or remove licenses/);
    expect(m).toMatch(/Global Administrator or Billing Administrator/);
    expect(m).not.toMatch(/Tenants\.ReadWrite\.All/);
  });

  test('tenants: only the application permission', () => {
    const m = missingRoleMessage('manageTenants');
    expect(m).toMatch(/create organizations/);
    expect(m).toMatch(/needs the Tenants\.ReadWrite\.All application permission/);
    expect(m).not.toMatch(/Administrator role|Global Reader/);
  });
});
