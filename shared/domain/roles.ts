/**
 * Who may do what: directory roles arrive as template ids in the token's `wids` claim, application
 * permissions (app-only callers) in `roles`. Pure data and functions; the middleware applies them.
 */
export const DirectoryRole = {
  GlobalAdministrator: '62e90394-69f5-4237-9190-012177145e10',
  LicenseAdministrator: '4d6ac14f-3453-41d0-bef9-a3e0c569773a',
  UserAdministrator: 'fe930be7-5e62-47db-91af-98c3a49a38b1',
  BillingAdministrator: 'b0f54661-2d74-4c50-afa3-1ec803f12efe',
  GlobalReader: 'f2ef992c-3afb-46b9-b7cf-a126ee74c451',
} as const;
export type DirectoryRoleName = keyof typeof DirectoryRole;

export const roleDisplayName: Record<DirectoryRoleName, string> = {
  GlobalAdministrator: 'Global Administrator',
  LicenseAdministrator: 'License Administrator',
  UserAdministrator: 'User Administrator',
  BillingAdministrator: 'Billing Administrator',
  GlobalReader: 'Global Reader',
};

/** Application permissions (the `roles` claim of an app-only token). */
export const AppRole = {
  /** Read the organization's directory and licenses. */
  ReadAll: 'LicenseAssignment.Read.All',
  /** Assign and remove licenses, like a License Administrator (guests excepted). */
  ReadWriteAll: 'LicenseAssignment.ReadWrite.All',
  /** The operator / commerce side: create tenants and manage their subscriptions. */
  TenantsManage: 'Tenants.ReadWrite.All',
  /** An identity provider's hook: records users' sign-ins (POST /signInEvents), which may auto-claim a license. */
  SignInEventsWrite: 'SignInEvents.Write',
  /**
   * An identity provider's provisioning service (Entra ID, Okta) with an Entra-issued token instead of a
   * SCIM credential: creates, changes and deletes the organization's users and groups through /scim/v2.
   */
  ScimProvisioning: 'ScimProvisioning.ReadWrite.All',
} as const;

export type Action =
  | 'read'
  | 'assignLicenses'
  | 'assignLicensesToGuests'
  | 'manageUsers'
  | 'manageGroupMembers'
  | 'changeUserType'
  | 'updateUsageLocation'
  | 'manageSubscriptions'
  | 'manageTenants'
  | 'requestLicense'
  | 'manageLicenseRequestPolicy'
  | 'manageAutoClaimPolicy'
  | 'recordSignIns'
  | 'keepOwnLicense'
  | 'readOwnUsageRights'
  | 'manageReportSettings'
  | 'manageLicenseSettings'
  | 'provision'
  | 'manageProvisioning'
  | 'readProvisioning';

/** `members`: any signed-in user of the organization (a delegated token), whatever their roles. */
const rolesFor: Record<Action, { directory: DirectoryRoleName[]; app: string[]; members?: boolean }> = {
  // Tenants.ReadWrite.All grants nothing inside an organization: it counts only on the operator routes,
  // and only for the operator's own allow-listed application (shared/auth/operator.ts).
  read: {
    directory: ['GlobalAdministrator', 'LicenseAdministrator', 'UserAdministrator', 'BillingAdministrator', 'GlobalReader'],
    app: [AppRole.ReadAll, AppRole.ReadWriteAll],
  },
  assignLicenses: { directory: ['GlobalAdministrator', 'LicenseAdministrator', 'UserAdministrator'], app: [AppRole.ReadWriteAll] },
  assignLicensesToGuests: { directory: ['GlobalAdministrator'], app: [] },
  manageUsers: { directory: ['GlobalAdministrator', 'UserAdministrator'], app: [] },
  // Membership gives whatever the group gives (its licenses), so adding a member is a user administrator's
  // call, however it is asked for: POST /groups/{id}/members/$ref, or approving a license request via a group.
  manageGroupMembers: { directory: ['GlobalAdministrator', 'UserAdministrator'], app: [] },
  // Guest or member decides who may license the user (only a Global Administrator licenses guests), so
  // only a Global Administrator may change it: otherwise Guest -> Member, assign, -> Guest licenses a guest.
  changeUserType: { directory: ['GlobalAdministrator'], app: [] },
  // A License Administrator may set a user's usage location (it is needed before a license can be assigned).
  updateUsageLocation: { directory: ['GlobalAdministrator', 'UserAdministrator', 'LicenseAdministrator'], app: [AppRole.ReadWriteAll] },
  manageSubscriptions: { directory: ['GlobalAdministrator', 'BillingAdministrator'], app: [] },
  manageTenants: { directory: [], app: [AppRole.TenantsManage] },
  // asking for a license for oneself (and reading the request policy): any signed-in member, no admin role
  requestLicense: { directory: [], app: [], members: true },
  // switching license requests off for the organization (with its own message and link): Global admins only
  manageLicenseRequestPolicy: { directory: ['GlobalAdministrator'], app: [] },
  manageAutoClaimPolicy: { directory: ['GlobalAdministrator', 'LicenseAdministrator'], app: [] },
  recordSignIns: { directory: [], app: [AppRole.SignInEventsWrite] },
  // keeping one's own license when the reclaim policy asks: any signed-in member, for themselves only
  keepOwnLicense: { directory: [], app: [], members: true },
  // what one may use oneself (GET /me/cloudLicensing/usageRights): any signed-in user, guests included
  readOwnUsageRights: { directory: [], app: [], members: true },
  // whether reports show names or concealed hashes: Global admins only (as in Microsoft 365's Org settings)
  manageReportSettings: { directory: ['GlobalAdministrator'], app: [] },
  // whether service plans the catalog adds to held products start on or off: Global admins only
  manageLicenseSettings: { directory: ['GlobalAdministrator'], app: [] },
  // SCIM 2.0 (/scim/v2): an organization's SCIM credential (shared/auth/scim.ts), or an app-only token with
  // the application permission. Nothing else: an admin's own token does not speak SCIM
  provision: { directory: [], app: [AppRole.ScimProvisioning] },
  // SCIM credentials are keys to the whole directory: only a Global Administrator creates and revokes them
  manageProvisioning: { directory: ['GlobalAdministrator'], app: [] },
  readProvisioning: { directory: ['GlobalAdministrator', 'GlobalReader'], app: [] },
};

export const actionDescription: Record<Action, string> = {
  read: 'read licenses and users',
  assignLicenses: 'assign or remove licenses',
  assignLicensesToGuests: 'assign licenses to guest users',
  manageUsers: 'create or change users',
  manageGroupMembers: 'add or remove group members',
  changeUserType: 'change whether a user is a member or a guest',
  updateUsageLocation: "change a user's usage location",
  manageSubscriptions: 'buy or remove licenses and manage subscriptions',
  manageTenants: 'create organizations',
  requestLicense: 'ask for a license',
  manageLicenseRequestPolicy: 'switch license requests on or off',
  manageAutoClaimPolicy: 'change the auto-claim policy',
  recordSignIns: 'record sign-in events',
  keepOwnLicense: 'keep your license',
  readOwnUsageRights: 'read your own usage rights',
  manageReportSettings: 'change how reports show names',
  manageLicenseSettings: 'change the license settings',
  provision: 'provision users and groups through SCIM',
  manageProvisioning: 'create or revoke SCIM provisioning credentials',
  readProvisioning: "read the organization's provisioning settings",
};

export interface Principal {
  tenantId: string;
  objectId: string;
  displayName: string;
  /** Directory roles: from `wids`, in delegated (user) tokens only. */
  directoryRoles: DirectoryRoleName[];
  /** Application permissions: from `roles`, in app-only tokens only. */
  appRoles: string[];
  /** An app-only token (`idtyp: app`). */
  isApp: boolean;
  /** The calling application's client id (`azp`, v1 `appid`), when the token names one. */
  clientId?: string;
  /** A SCIM credential's id when the caller authenticated with one (objectId and displayName are the credential's). */
  credentialId?: string;
}

export function rolesFromClaims(wids: unknown): DirectoryRoleName[] {
  if (!Array.isArray(wids)) return [];
  const names = Object.entries(DirectoryRole) as [DirectoryRoleName, string][];
  return names.filter(([, id]) => wids.includes(id)).map(([name]) => name);
}

const KNOWN_APP_ROLES: string[] = Object.values(AppRole);

/** The application permissions this API knows, from a `roles` claim (anything else is ignored). */
export function appRolesFromClaims(roles: unknown): string[] {
  if (!Array.isArray(roles)) return [];
  return KNOWN_APP_ROLES.filter((r) => roles.includes(r));
}

export function can(principal: Pick<Principal, 'directoryRoles' | 'appRoles'> & { isApp?: boolean }, action: Action): boolean {
  const allowed = rolesFor[action];
  if (allowed.members && principal.isApp === false) return true;
  return principal.directoryRoles.some((r) => allowed.directory.includes(r)) || principal.appRoles.some((r) => allowed.app.includes(r));
}

/** The message of a refusal: which roles would do, so the caller knows whom to ask. */
export function missingRoleMessage(action: Action): string {
  const allowed = rolesFor[action];
  if (allowed.members && !allowed.directory.length && !allowed.app.length)
    return `You do not have permission to ${actionDescription[action]}: this needs a signed-in user of the organization (a delegated token), not an application.`;
  const names = [...allowed.directory.map((r) => roleDisplayName[r]), ...allowed.app.map((a) => `the ${a} application permission`)];
  const list = names.length > 1 ? `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}` : names[0];
  // app permissions carry their own "the ... application permission": no "the the", no "permission role"
  const needs = names.length > 1 ? `one of: ${list}` : allowed.directory.length ? `the ${list} role` : list;
  return `You do not have permission to ${actionDescription[action]}. This needs ${needs}; ask a Global Administrator to grant it.`;
}
