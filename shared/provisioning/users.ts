/**
 * A user as SCIM sees it (RFC 7643 section 4.1, the enterprise extension of section 4.3, and this
 * service's licensing extension), and back. The attributes kept are the ones the licensing service has a
 * place for; every other attribute a provider sends (phoneNumbers, addresses, locale, password, ...) is
 * ignored, as /Schemas tells a provider, and never stored.
 *
 *   userName                       -> the user principal name (see upnFor), and kept as sent
 *   externalId                     -> externalId (case-sensitive)
 *   active                         -> accountEnabled (false disables the account: the reclaim policy applies)
 *   displayName                    -> displayName (absent: name.formatted, else given + family name, else userName)
 *   name.givenName / familyName    -> givenName / surname
 *   title                          -> jobTitle
 *   emails (work, else primary)    -> mail
 *   enterprise employeeNumber      -> employeeId
 *   enterprise department          -> department
 *   enterprise manager.value       -> the manager (a user id of the organization)
 *   licensing usageLocation        -> usageLocation (two letters; what licenses need)
 */
import { ScimError, scimError, SCIM_SCHEMA } from './errors';
import { UserDoc } from '../storage/documents';
import { isUserPrincipalName, MAX_UPN_LENGTH } from '../domain/upn';

/** What this service keeps of a SCIM user, flat. */
export interface UserFields {
  userName: string;
  externalId: string | null;
  active: boolean;
  displayName: string | null;
  givenName: string | null;
  familyName: string | null;
  email: string | null;
  title: string | null;
  employeeNumber: string | null;
  department: string | null;
  manager: string | null;
  usageLocation: string | null;
}

export type FieldName = keyof UserFields;

/** Longest value per attribute, as Entra ID keeps them (Graph's limits). */
const MAX_LENGTH: Partial<Record<FieldName, number>> = {
  userName: 256,
  externalId: 256,
  displayName: 256,
  givenName: 64,
  familyName: 64,
  email: 254,
  title: 128,
  employeeNumber: 16,
  department: 64,
};

/** The SCIM attribute a field is, for messages. */
export const ATTRIBUTE_OF: Record<FieldName, string> = {
  userName: 'userName',
  externalId: 'externalId',
  active: 'active',
  displayName: 'displayName',
  givenName: 'name.givenName',
  familyName: 'name.familyName',
  email: 'emails[type eq "work"].value',
  title: 'title',
  employeeNumber: `${SCIM_SCHEMA.enterpriseUser}:employeeNumber`,
  department: `${SCIM_SCHEMA.enterpriseUser}:department`,
  manager: `${SCIM_SCHEMA.enterpriseUser}:manager`,
  usageLocation: `${SCIM_SCHEMA.licensingUser}:usageLocation`,
};

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * A value for a field, in the forms providers send: a string (or a number, for ids and employee numbers),
 * null to clear; `active` also as the strings "True"/"False" (Entra ID without aadOptscim062020); the
 * manager as "id", { "value": "id" } or [{ "value": "id" }] (Entra ID's reference form).
 */
export function fieldValue(field: FieldName, raw: unknown): UserFields[FieldName] {
  const attribute = ATTRIBUTE_OF[field];
  if (field === 'active') {
    if (typeof raw === 'boolean') return raw;
    if (typeof raw === 'string' && /^(true|false)$/i.test(raw.trim())) return raw.trim().toLowerCase() === 'true';
    throw scimError('invalidValue', `active must be true or false, not ${JSON.stringify(raw)}.`, 'active');
  }
  if (field === 'manager') {
    const list: unknown[] | undefined = Array.isArray(raw) ? raw : undefined;
    const item: unknown = list ? (list.length > 1 ? undefined : (list[0] ?? null)) : raw;
    const value: unknown = item !== null && typeof item === 'object' ? (item as { value?: unknown }).value : item;
    if (value === null || value === undefined || value === '') return null;
    if (typeof value !== 'string') throw scimError('invalidValue', `${attribute} must be a user's id, or { "value": "<user id>" }.`, attribute);
    return value.trim().toLowerCase();
  }
  if (raw === null || raw === undefined) {
    if (field === 'userName') throw scimError('invalidValue', 'userName is required and cannot be removed.', 'userName');
    return null;
  }
  if (typeof raw !== 'string' && !(typeof raw === 'number' && (field === 'employeeNumber' || field === 'externalId')))
    throw scimError('invalidValue', `${attribute} must be a string, not ${JSON.stringify(raw).slice(0, 80)}.`, attribute);
  const value = String(raw);
  if (!value.trim()) {
    if (field === 'userName') throw scimError('invalidValue', 'userName is required and cannot be empty.', 'userName');
    return null;
  }
  const max = MAX_LENGTH[field];
  if (max && value.length > max) throw scimError('invalidValue', `${attribute} can be at most ${max} characters (got ${value.length}).`, attribute);
  if (field === 'email' && !EMAIL.test(value))
    throw scimError('invalidValue', `${attribute} must be an email address, not "${value.slice(0, 80)}".`, attribute);
  if (field === 'usageLocation') {
    if (!/^[A-Za-z]{2}$/.test(value)) throw scimError('invalidValue', `${attribute} must be a two-letter country code (ISO 3166-1), like NL or US.`, attribute);
    return value.toUpperCase();
  }
  return value;
}

/** The one email a user keeps from SCIM's emails: the work one, else the primary one, else the first. */
export function emailOf(raw: unknown): string | null {
  if (raw === null || raw === undefined) return null;
  const list = Array.isArray(raw) ? raw : [raw];
  if (list.some((e) => e === null || typeof e !== 'object'))
    throw scimError('invalidValue', 'emails must be a list of { "value", "type", "primary" }.', 'emails');
  const items = list as { value?: unknown; type?: unknown; primary?: unknown }[];
  const pick =
    items.find((e) => typeof e.type === 'string' && e.type.toLowerCase() === 'work') ??
    items.find((e) => e.primary === true || (typeof e.primary === 'string' && e.primary.toLowerCase() === 'true')) ??
    items[0];
  return pick ? (fieldValue('email', pick.value ?? null) as string | null) : null;
}

export const fieldsOfDoc = (doc: UserDoc): UserFields => ({
  userName: doc.userName ?? doc.userPrincipalName,
  externalId: doc.externalId ?? null,
  active: doc.accountEnabled,
  displayName: doc.displayName,
  givenName: doc.givenName ?? null,
  familyName: doc.surname ?? null,
  email: doc.mail,
  title: doc.jobTitle,
  employeeNumber: doc.employeeId ?? null,
  department: doc.department,
  manager: doc.managerId ?? null,
  usageLocation: doc.usageLocation,
});

/** A key of a resource body or a value object, case-insensitively (RFC 7643: attribute names are). */
export function member(obj: Record<string, unknown>, name: string): { found: boolean; value: unknown } {
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(obj)) if (k.toLowerCase() === lower) return { found: true, value: v };
  return { found: false, value: undefined };
}

const asObject = (v: unknown, attribute: string): Record<string, unknown> | undefined => {
  if (v === null || v === undefined) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw scimError('invalidValue', `${attribute} must be an object.`, attribute);
  return v as Record<string, unknown>;
};

/**
 * The fields a POST or PUT body asserts (RFC 7644 section 3.5.1: an attribute left out of a PUT is not
 * asserted, so it keeps its value; null or [] clears it). Read-only attributes (id, meta, groups) and
 * attributes this service does not keep are ignored.
 */
export function fieldsOfResource(body: Record<string, unknown>): Partial<UserFields> {
  const out: Partial<UserFields> = {};
  const set = <K extends FieldName>(field: K, raw: unknown) => {
    out[field] = fieldValue(field, raw) as UserFields[K];
  };
  for (const f of ['userName', 'externalId', 'active', 'displayName', 'title'] as const) {
    const m = member(body, f);
    if (m.found) set(f, m.value);
  }
  const name = member(body, 'name');
  if (name.found) {
    const n = asObject(name.value, 'name') ?? {};
    const given = member(n, 'givenName');
    const family = member(n, 'familyName');
    const formatted = member(n, 'formatted');
    set('givenName', given.value ?? null);
    set('familyName', family.value ?? null);
    // a displayName left out is made from the name: the formatted one, else given and family names
    if (!member(body, 'displayName').found) {
      const made =
        typeof formatted.value === 'string' && formatted.value.trim()
          ? formatted.value
          : [given.value, family.value].filter((x) => typeof x === 'string' && x).join(' ');
      if (made) set('displayName', made);
    }
  }
  const emails = member(body, 'emails');
  if (emails.found) out.email = emailOf(emails.value);
  const enterprise = member(body, SCIM_SCHEMA.enterpriseUser);
  if (enterprise.found) {
    const e = asObject(enterprise.value, SCIM_SCHEMA.enterpriseUser) ?? {};
    for (const [field, attr] of [
      ['employeeNumber', 'employeeNumber'],
      ['department', 'department'],
      ['manager', 'manager'],
    ] as const) {
      const m = member(e, attr);
      if (m.found || !enterprise.value) set(field, m.value ?? null);
    }
  }
  const licensing = member(body, SCIM_SCHEMA.licensingUser);
  if (licensing.found) {
    const l = asObject(licensing.value, SCIM_SCHEMA.licensingUser) ?? {};
    const m = member(l, 'usageLocation');
    if (m.found || !licensing.value) set('usageLocation', m.value ?? null);
  }
  return out;
}

/**
 * The user principal name for a userName: the userName itself when it is one (`name@domain`, within Entra
 * ID's 113 characters); a plain name (`UserName123`, as Microsoft's SCIM test collections send it) gets the
 * organization's domain: its characters that a user principal name may not hold (anything but letters,
 * digits and ' . - _ ! # ^ ~) are left out, then `@{domain}` (UserName123 -> UserName123@contoso.com).
 */
export function upnFor(userName: string, domain: string | undefined): string {
  const name = userName.trim();
  if (name.includes('@')) {
    if (name.length <= MAX_UPN_LENGTH && isUserPrincipalName(name)) return name;
    throw scimError(
      'invalidValue',
      `userName "${name.slice(0, 120)}" cannot be a user principal name: send name@domain (at most ${MAX_UPN_LENGTH} characters) or a plain name.`,
      'userName',
    );
  }
  const local = name.replace(/[^A-Za-z0-9'._!#^~-]/g, '').replace(/^\.+|\.+$/g, '');
  if (!local) throw scimError('invalidValue', `userName "${name.slice(0, 120)}" has none of the characters a user principal name may hold.`, 'userName');
  if (!domain)
    throw new ScimError(
      400,
      'invalidValue',
      `userName "${name.slice(0, 120)}" has no domain, and the organization has none to give it yet. Set one (PATCH /v1.0/admin/provisioning { "userPrincipalNameDomain": "contoso.com" }) or send userName as name@domain.`,
      'userName',
    );
  const upn = `${local.slice(0, 64)}@${domain}`;
  if (upn.length > MAX_UPN_LENGTH)
    throw scimError('invalidValue', `userName "${name.slice(0, 120)}" makes a user principal name longer than ${MAX_UPN_LENGTH} characters.`, 'userName');
  return upn;
}

/** Whether a userName is kept as the user principal name itself (then nothing else needs storing). */
export const userNameIsUpn = (userName: string, upn: string) => userName.trim().toLowerCase() === upn.toLowerCase();

/** The SCIM representation of a user. `groups` (read-only: the groups the user is a direct member of) when asked for. */
export function scimUser(doc: UserDoc, base: string, groups?: { id: string; displayName: string }[]) {
  const f = fieldsOfDoc(doc);
  const enterprise = {
    ...(f.employeeNumber ? { employeeNumber: f.employeeNumber } : {}),
    ...(f.department ? { department: f.department } : {}),
    ...(f.manager ? { manager: { value: f.manager, $ref: `${base}/Users/${f.manager}` } } : {}),
  };
  return {
    schemas: [
      SCIM_SCHEMA.user,
      ...(Object.keys(enterprise).length ? [SCIM_SCHEMA.enterpriseUser] : []),
      ...(f.usageLocation ? [SCIM_SCHEMA.licensingUser] : []),
    ],
    id: doc.id,
    ...(f.externalId ? { externalId: f.externalId } : {}),
    userName: f.userName,
    ...(f.givenName || f.familyName
      ? { name: { ...(f.givenName ? { givenName: f.givenName } : {}), ...(f.familyName ? { familyName: f.familyName } : {}) } }
      : {}),
    displayName: doc.displayName,
    ...(f.title ? { title: f.title } : {}),
    active: f.active,
    ...(f.email ? { emails: [{ value: f.email, type: 'work', primary: true }] } : {}),
    ...(groups ? { groups: groups.map((g) => ({ value: g.id, display: g.displayName, $ref: `${base}/Groups/${g.id}`, type: 'direct' })) } : {}),
    ...(Object.keys(enterprise).length ? { [SCIM_SCHEMA.enterpriseUser]: enterprise } : {}),
    ...(f.usageLocation ? { [SCIM_SCHEMA.licensingUser]: { usageLocation: f.usageLocation } } : {}),
    meta: {
      resourceType: 'User',
      created: doc.createdDateTime,
      lastModified: lastModified(doc),
      location: `${base}/Users/${doc.id}`,
    },
  };
}

/** When the document was last written: Cosmos DB's `_ts` (seconds), else its creation. */
export const lastModified = (doc: { _ts?: number; createdDateTime: string }) => (doc._ts ? new Date(doc._ts * 1000).toISOString() : doc.createdDateTime);
