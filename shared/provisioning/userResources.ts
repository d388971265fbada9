/**
 * /scim/v2/Users: what each SCIM request does, through the same user use-cases the Graph routes call
 * (shared/usecases/users.ts), so a provisioned user is licensed, disabled and deleted by the same rules:
 * `active: false` disables the account (the reclaim policy applies to it), DELETE removes the user's
 * licenses through the write engine (seats freed, audited) and then the user. Every change is audited
 * with the provisioning credential (or app) as the actor.
 */
import { ApiError } from '../errors';
import { UserDoc } from '../storage/documents';
import { groups as groupStore, memberships } from '../storage/groups';
import { scimLists } from '../storage/scim';
import { users } from '../storage/users';
import { auditDirectoryChange, auditValue, modifiedProperties } from '../usecases/directoryAudit';
import { userPrincipalNameDomain } from '../usecases/provisioning';
import { createUser, deleteUser, UserChange, updateUser } from '../usecases/users';
import { opaqueEtag } from '../http/etag';
import { scimError, ScimError } from './errors';
import { parseFilter } from './filter';
import { applyUserPatch, patchOperations } from './patch';
import { translateScimFilter, scimUserTable } from './query';
import { asScim, listResponse, paging, project, Projection, ScimContext, wants } from './resources';
import { fieldsOfDoc, fieldsOfResource, scimUser, UserFields, upnFor, userNameIsUpn } from './users';

/** The groups each user is a direct member of (one query for the page, then the groups' names in bulk). */
async function groupsOf(tenantId: string, userIds: string[]): Promise<Map<string, { id: string; displayName: string }[]>> {
  const out = new Map<string, { id: string; displayName: string }[]>(userIds.map((id) => [id, []]));
  if (!userIds.length) return out;
  const ms = await memberships.ofUsers(tenantId, userIds);
  const ids = [...new Set(ms.map((m) => m.groupId))];
  const docs = await Promise.all(ids.map((id) => groupStore.get(tenantId, id)));
  const names = new Map(docs.filter((g) => !!g).map((g) => [g.id, g.displayName]));
  for (const m of ms) if (names.has(m.groupId)) out.get(m.userId)?.push({ id: m.groupId, displayName: names.get(m.groupId)! });
  return out;
}

async function represent(ctx: ScimContext, docs: UserDoc[], q: Projection) {
  const groups = wants(q, 'groups')
    ? await groupsOf(
        ctx.tenantId,
        docs.map((d) => d.id),
      )
    : undefined;
  return docs.map((d) => project(scimUser(d, ctx.base, groups?.get(d.id)), q));
}

export async function listScimUsers(ctx: ScimContext, q: Projection & { filter?: string; startIndex?: number; count?: number }) {
  const { startIndex, count } = paging(q);
  const where = q.filter ? translateScimFilter(parseFilter(q.filter), scimUserTable) : undefined;
  const page = await scimLists.page<UserDoc>('user', ctx.tenantId, { where }, startIndex, count);
  return listResponse(await represent(ctx, page.items, q), page.total, startIndex);
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const notFound = (id: string) => new ScimError(404, undefined, `User ${id} not found in this organization.`, id);

async function userOrNotFound(ctx: ScimContext, id: string): Promise<UserDoc> {
  // every id here is a GUID (the Graph API's): anything else is no user, without a read
  const doc = GUID.test(id) ? await users.get(ctx.tenantId, id) : undefined;
  if (!doc) throw notFound(id);
  return doc;
}

export async function getScimUser(ctx: ScimContext, id: string, q: Projection) {
  return (await represent(ctx, [await userOrNotFound(ctx, id)], q))[0];
}

/**
 * Another user with this userName (compared case-insensitively, as SCIM's userName is). A userName that is
 * a user principal name needs no query: its name claim (users.create, users.rename) refuses a second one.
 */
async function userNameTaken(ctx: ScimContext, userName: string, except?: string): Promise<void> {
  if (userName.includes('@')) return;
  const found = await scimLists.page<UserDoc>(
    'user',
    ctx.tenantId,
    { where: { sql: 'c.search.userName = @u', parameters: [{ name: '@u', value: userName.toLowerCase() }] } },
    1,
    2,
  );
  const other = found.items.find((u) => u.id !== except);
  if (other)
    throw scimError('uniqueness', `Another user (${other.id}) already has userName "${userName}". userName is unique in the organization.`, 'userName');
}

/** A displayName when the provider sent none: the given and family names, else the userName. */
const displayNameOf = (f: UserFields) => f.displayName ?? ([f.givenName, f.familyName].filter(Boolean).join(' ') || f.userName);

/** The user's properties as Graph names them, for the audit record's modifiedProperties. */
const auditable = (f: UserFields, upn?: string) => ({
  userPrincipalName: upn,
  userName: f.userName,
  externalId: f.externalId,
  accountEnabled: f.active,
  displayName: f.displayName,
  givenName: f.givenName,
  surname: f.familyName,
  mail: f.email,
  jobTitle: f.title,
  employeeId: f.employeeNumber,
  department: f.department,
  manager: f.manager,
  usageLocation: f.usageLocation,
});

const target = (doc: UserDoc, modified: { displayName: string; oldValue: string | null; newValue: string | null }[]) => ({
  id: doc.id,
  displayName: doc.displayName,
  type: 'User' as const,
  userPrincipalName: doc.userPrincipalName,
  modifiedProperties: modified,
});

export async function createScimUser(ctx: ScimContext, body: Record<string, unknown>) {
  const asserted = fieldsOfResource(body);
  if (!asserted.userName) throw scimError('invalidValue', 'userName is required.', 'userName');
  const f: UserFields = {
    externalId: null,
    active: true,
    displayName: null,
    givenName: null,
    familyName: null,
    email: null,
    title: null,
    employeeNumber: null,
    department: null,
    manager: null,
    usageLocation: null,
    ...asserted,
    userName: asserted.userName,
  };
  await userNameTaken(ctx, f.userName);
  const upn = upnFor(f.userName, f.userName.includes('@') ? undefined : await userPrincipalNameDomain(ctx.tenantId));
  const doc = await createUser(ctx.tenantId, {
    displayName: displayNameOf(f).slice(0, 256),
    userPrincipalName: upn,
    accountEnabled: f.active,
    userType: 'Member',
    ...(f.givenName ? { givenName: f.givenName } : {}),
    ...(f.familyName ? { surname: f.familyName } : {}),
    ...(f.email ? { mail: f.email } : {}),
    ...(f.title ? { jobTitle: f.title } : {}),
    ...(f.department ? { department: f.department } : {}),
    ...(f.usageLocation ? { usageLocation: f.usageLocation } : {}),
    employeeId: f.employeeNumber,
    managerId: f.manager,
    externalId: f.externalId,
    userName: userNameIsUpn(f.userName, upn) ? null : f.userName,
  }).catch((e) => {
    throw asScim(e);
  });
  const after = auditable(fieldsOfDoc(doc), doc.userPrincipalName);
  await auditDirectoryChange(ctx.tenantId, ctx.by, {
    activityDisplayName: 'Add user',
    category: 'UserManagement',
    operationType: 'Add',
    loggedByService: 'Account Provisioning',
    targetResources: [
      target(
        doc,
        Object.entries(after)
          .filter(([, v]) => v !== null && v !== undefined)
          .map(([k, v]) => ({ displayName: k, oldValue: null, newValue: auditValue(v) })),
      ),
    ],
  });
  return { doc, resource: scimUser(doc, ctx.base, []) };
}

/**
 * Writes the fields a PUT or PATCH arrived at: only what changed, through updateUser with If-Match on the
 * version the change was made from (412 there: the caller starts again from a fresh read). A new userName
 * must be free and gives the user a new principal name.
 */
async function writeFields(ctx: ScimContext, doc: UserDoc, next: UserFields): Promise<UserDoc> {
  const before = fieldsOfDoc(doc);
  const change: UserChange = {};
  let upn = doc.userPrincipalName;
  if (next.userName !== before.userName) {
    await userNameTaken(ctx, next.userName, doc.id);
    upn = upnFor(next.userName, next.userName.includes('@') ? undefined : await userPrincipalNameDomain(ctx.tenantId));
    if (upn !== doc.userPrincipalName) change.userPrincipalName = upn;
    change.userName = userNameIsUpn(next.userName, upn) ? null : next.userName;
  }
  const differs = <K extends keyof UserFields>(k: K) => next[k] !== before[k];
  if (differs('externalId')) change.externalId = next.externalId;
  if (differs('active')) change.accountEnabled = next.active;
  if (differs('displayName') || differs('givenName') || differs('familyName')) {
    const name = displayNameOf(next).slice(0, 256);
    if (name !== doc.displayName) change.displayName = name;
  }
  if (differs('givenName')) change.givenName = next.givenName;
  if (differs('familyName')) change.surname = next.familyName;
  if (differs('email')) change.mail = next.email;
  if (differs('title')) change.jobTitle = next.title;
  if (differs('department')) change.department = next.department;
  if (differs('employeeNumber')) change.employeeId = next.employeeNumber;
  if (differs('manager')) change.managerId = next.manager;
  if (differs('usageLocation')) change.usageLocation = next.usageLocation;
  if (!Object.keys(change).length) return doc;
  const written = await updateUser(ctx.tenantId, doc.id, change, [opaqueEtag(doc._etag)!]).catch((e) => {
    throw asScim(e);
  });
  const modified = modifiedProperties(auditable(before, doc.userPrincipalName), auditable(next, upn));
  await auditDirectoryChange(ctx.tenantId, ctx.by, {
    activityDisplayName: change.accountEnabled === false ? 'Disable account' : change.accountEnabled === true ? 'Enable account' : 'Update user',
    category: 'UserManagement',
    operationType: 'Update',
    loggedByService: 'Account Provisioning',
    targetResources: [target(written, modified)],
  });
  return written;
}

/** Reads, changes and writes a user, again from a fresh read when it changed meanwhile (412). */
async function change(ctx: ScimContext, id: string, make: (doc: UserDoc) => UserFields): Promise<UserDoc> {
  for (let attempt = 0; ; attempt++) {
    const doc = await userOrNotFound(ctx, id);
    try {
      return await writeFields(ctx, doc, make(doc));
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 412) || attempt >= 4) throw e;
    }
  }
}

/** PUT: the attributes sent replace the user's; one left out is not asserted and keeps its value (RFC 7644 section 3.5.1). */
export async function replaceScimUser(ctx: ScimContext, id: string, body: Record<string, unknown>, q: Projection) {
  const asserted = fieldsOfResource(body);
  if (!asserted.userName) throw scimError('invalidValue', 'userName is required in a PUT (the whole resource).', 'userName');
  const written = await change(ctx, id, (doc) => ({ ...fieldsOfDoc(doc), ...asserted }));
  return (await represent(ctx, [written], q))[0];
}

export async function patchScimUser(ctx: ScimContext, id: string, body: Record<string, unknown>, q: Projection) {
  const ops = patchOperations(body);
  const written = await change(ctx, id, (doc) => applyUserPatch(fieldsOfDoc(doc), ops, doc.id));
  return (await represent(ctx, [written], q))[0];
}

export async function deleteScimUser(ctx: ScimContext, id: string): Promise<void> {
  const doc = await userOrNotFound(ctx, id);
  await deleteUser(ctx.catalog, ctx.tenantId, doc.id, ctx.by);
  await auditDirectoryChange(ctx.tenantId, ctx.by, {
    activityDisplayName: 'Delete user',
    category: 'UserManagement',
    operationType: 'Delete',
    loggedByService: 'Account Provisioning',
    targetResources: [target(doc, [])],
  });
}
