/**
 * /scim/v2/Groups: groups and their members through the same group use-cases the Graph routes call, so
 * licenses follow membership: a member added to a group that carries products inherits them, a member
 * removed loses what came through the group (group licensing converges each, with the provisioning
 * credential as the audit record's actor).
 *
 * - displayName is unique among groups (Entra ID matches groups by it; RFC 7644 leaves it to the service):
 *   creating or renaming to a name another group has is 409 `uniqueness`.
 * - DELETE of a group that still gives its members products is refused (409, as Graph's DELETE and Entra
 *   ID itself refuse it): deleting it would take licenses from every member with nobody having decided
 *   so. The provider retries; once an admin has removed the group's products (or moved them to another
 *   group) the delete goes through. Entra ID deletes a group only when it leaves the provisioning scope,
 *   which is exactly when a second look is worth it.
 */
import { ApiError } from '../errors';
import { log } from '../log';
import { directoryAudits, DirectoryAuditDoc } from '../storage/directoryAudits';
import { GroupDoc, groups, memberships } from '../storage/groups';
import { scimLists } from '../storage/scim';
import { users } from '../storage/users';
import { auditDirectoryChange, auditValue, initiatedBy } from '../usecases/directoryAudit';
import { addMembers, memberIds, removeMembers } from '../usecases/groupMembers';
import { createGroup, deleteGroup, updateGroup } from '../usecases/groups';
import { scimError, ScimError, SCIM_SCHEMA } from './errors';
import { parseFilter } from './filter';
import { groupPatch, patchOperations } from './patch';
import { scimGroupTable, translateScimFilter } from './query';
import { actorOf, listResponse, paging, project, Projection, ScimContext, wants } from './resources';
import { lastModified, member } from './users';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function scimGroup(doc: GroupDoc, base: string, members?: { id: string; displayName: string | null }[]) {
  return {
    schemas: [SCIM_SCHEMA.group],
    id: doc.id,
    ...(doc.externalId ? { externalId: doc.externalId } : {}),
    displayName: doc.displayName,
    ...(members
      ? { members: members.map((m) => ({ value: m.id, ...(m.displayName ? { display: m.displayName } : {}), $ref: `${base}/Users/${m.id}`, type: 'User' })) }
      : {}),
    meta: { resourceType: 'Group', created: doc.createdDateTime, lastModified: lastModified(doc), location: `${base}/Groups/${doc.id}` },
  };
}

async function membersOf(tenantId: string, groupId: string) {
  const ids = await memberIds(tenantId, groupId);
  const docs = await users.getMany(tenantId, ids);
  return ids.map((id) => ({ id, displayName: docs.get(id)?.displayName ?? null }));
}

async function represent(ctx: ScimContext, docs: GroupDoc[], q: Projection) {
  const withMembers = wants(q, 'members');
  return Promise.all(docs.map(async (g) => project(scimGroup(g, ctx.base, withMembers ? await membersOf(ctx.tenantId, g.id) : undefined), q)));
}

const notFound = (id: string) => new ScimError(404, undefined, `Group ${id} not found in this organization.`, id);

async function groupOrNotFound(ctx: ScimContext, id: string): Promise<GroupDoc> {
  const g = GUID.test(id) ? await groups.get(ctx.tenantId, id) : undefined;
  if (!g) throw notFound(id);
  return g;
}

export async function listScimGroups(ctx: ScimContext, q: Projection & { filter?: string; startIndex?: number; count?: number }) {
  const { startIndex, count } = paging(q);
  const translated = q.filter ? translateScimFilter(parseFilter(q.filter), scimGroupTable) : undefined;
  // members[value eq "u"]: the groups the user is a member of, bound as a set
  const bound = translated
    ? await Promise.all(
        translated.members.map(async (m) => ({ name: m.param, value: (await memberships.ofUser(ctx.tenantId, m.userId)).map((x) => x.groupId) })),
      )
    : [];
  const where = translated ? { sql: translated.sql, parameters: [...translated.parameters, ...bound] } : undefined;
  const page = await scimLists.page<GroupDoc>('group', ctx.tenantId, { where }, startIndex, count);
  return listResponse(await represent(ctx, page.items, q), page.total, startIndex);
}

export async function getScimGroup(ctx: ScimContext, id: string, q: Projection) {
  return (await represent(ctx, [await groupOrNotFound(ctx, id)], q))[0];
}

async function nameTaken(ctx: ScimContext, displayName: string, except?: string): Promise<void> {
  const other = (await groups.named(ctx.tenantId, displayName, 2)).find((id) => id !== except);
  if (other)
    throw scimError('uniqueness', `Another group (${other}) is already named "${displayName}". Group names are unique for provisioning.`, 'displayName');
}

const displayNameOf = (v: unknown): string => {
  if (typeof v !== 'string' || !v.trim() || v.length > 256)
    throw scimError('invalidValue', 'displayName is required: a name of 1 to 256 characters.', 'displayName');
  return v.trim();
};

const externalIdOf = (v: unknown): string | null => {
  if (v === null || v === undefined || v === '') return null;
  if (typeof v !== 'string' || v.length > 256) throw scimError('invalidValue', 'externalId must be a string of at most 256 characters.', 'externalId');
  return v;
};

/** The member ids of a body's `members` (each { "value": id }); every one must be a user of the organization. */
async function existingUsers(ctx: ScimContext, raw: unknown): Promise<string[]> {
  if (raw === null || raw === undefined) return [];
  if (!Array.isArray(raw)) throw scimError('invalidValue', 'members must be a list of { "value": "<user id>" }.', 'members');
  const ids = raw.map((m, i) => {
    const v = m !== null && typeof m === 'object' ? member(m as Record<string, unknown>, 'value').value : undefined;
    if (typeof v !== 'string' || !v.trim()) throw scimError('invalidValue', `members[${i}] must be { "value": "<user id>" }.`, 'members');
    return v.trim().toLowerCase();
  });
  await checkUsers(ctx, ids);
  return [...new Set(ids)];
}

async function checkUsers(ctx: ScimContext, ids: string[]): Promise<void> {
  const bad = ids.find((id) => !GUID.test(id));
  const found = bad ? new Map() : await users.getMany(ctx.tenantId, ids);
  const missing = bad ?? ids.find((id) => !found.has(id));
  if (missing) throw scimError('invalidValue', `Member "${missing}" is not a user of this organization. Provision the user first.`, 'members');
}

const groupTarget = (g: GroupDoc, modified: DirectoryAuditDoc['targetResources'][number]['modifiedProperties'] = []) => ({
  id: g.id,
  displayName: g.displayName,
  type: 'Group' as const,
  modifiedProperties: modified,
});

/** One audit record per membership change (Entra ID's "Add member to group"), written in bulk. */
async function auditMembers(ctx: ScimContext, g: GroupDoc, added: string[], removed: string[]): Promise<void> {
  const now = new Date().toISOString();
  const record = (userId: string, add: boolean): DirectoryAuditDoc => ({
    id: directoryAudits.newId(),
    tenantId: ctx.tenantId,
    type: 'directoryChange',
    activityDateTime: now,
    activityDisplayName: add ? 'Add member to group' : 'Remove member from group',
    category: 'GroupManagement',
    operationType: add ? 'Add' : 'Delete',
    loggedByService: 'Account Provisioning',
    result: 'success',
    correlationId: ctx.by.requestId,
    initiatedBy: initiatedBy(ctx.by.principal),
    targetResources: [
      { id: userId, displayName: null, type: 'User', modifiedProperties: [] },
      groupTarget(g, [{ displayName: 'Group.ObjectID', oldValue: add ? null : auditValue(g.id), newValue: add ? auditValue(g.id) : null }]),
    ],
  });
  await directoryAudits
    .writeMany([...added.map((u) => record(u, true)), ...removed.map((u) => record(u, false))])
    .catch((e) => log.warn('directory audit records not written', { tenantId: ctx.tenantId, requestId: ctx.by.requestId, error: String(e) }));
}

export async function createScimGroup(ctx: ScimContext, body: Record<string, unknown>) {
  const displayName = displayNameOf(member(body, 'displayName').value);
  const externalId = externalIdOf(member(body, 'externalId').value);
  await nameTaken(ctx, displayName);
  const ids = await existingUsers(ctx, member(body, 'members').value);
  const g = await createGroup(ctx.tenantId, { displayName, externalId });
  const added = ids.length ? await addMembers(ctx.tenantId, g.id, ids, actorOf(ctx)) : [];
  await auditDirectoryChange(ctx.tenantId, ctx.by, {
    activityDisplayName: 'Add group',
    category: 'GroupManagement',
    operationType: 'Add',
    loggedByService: 'Account Provisioning',
    targetResources: [
      groupTarget(g, [
        { displayName: 'displayName', oldValue: null, newValue: auditValue(displayName) },
        ...(externalId ? [{ displayName: 'externalId', oldValue: null, newValue: auditValue(externalId) }] : []),
      ]),
    ],
  });
  await auditMembers(ctx, g, added, []);
  return { doc: g, resource: (await represent(ctx, [g], {}))[0] };
}

/** Renames the group and sets its externalId when they change (a new name must be free). */
async function writeGroup(ctx: ScimContext, g: GroupDoc, change: { displayName?: string; externalId?: string | null }): Promise<GroupDoc> {
  const rename = change.displayName !== undefined && change.displayName !== g.displayName;
  const external = change.externalId !== undefined && (change.externalId ?? null) !== (g.externalId ?? null);
  if (!rename && !external) return g;
  if (rename && change.displayName!.toLowerCase() !== g.displayName.toLowerCase()) await nameTaken(ctx, change.displayName!, g.id);
  const written = await updateGroup(ctx.tenantId, g.id, {
    ...(rename ? { displayName: change.displayName } : {}),
    ...(external ? { externalId: change.externalId } : {}),
  });
  await auditDirectoryChange(ctx.tenantId, ctx.by, {
    activityDisplayName: 'Update group',
    category: 'GroupManagement',
    operationType: 'Update',
    loggedByService: 'Account Provisioning',
    targetResources: [
      groupTarget(written, [
        ...(rename ? [{ displayName: 'displayName', oldValue: auditValue(g.displayName), newValue: auditValue(change.displayName) }] : []),
        ...(external ? [{ displayName: 'externalId', oldValue: auditValue(g.externalId ?? null), newValue: auditValue(change.externalId) }] : []),
      ]),
    ],
  });
  return written;
}

/** Moves the group's members to `final` (adds then removals, each converged) or applies adds and removals to the current ones. */
async function writeMembers(ctx: ScimContext, g: GroupDoc, m: { base: 'current' | 'empty'; add: Set<string>; remove: Set<string> }): Promise<void> {
  let remove = [...m.remove];
  if (m.base === 'empty') remove = (await memberIds(ctx.tenantId, g.id)).filter((u) => !m.add.has(u));
  const added = m.add.size ? await addMembers(ctx.tenantId, g.id, [...m.add], actorOf(ctx)) : [];
  const removed = remove.length ? await removeMembers(ctx.tenantId, g.id, remove, actorOf(ctx)) : [];
  await auditMembers(ctx, g, added, removed);
}

/** PUT: displayName (required) and externalId replace the group's; `members`, when sent, become the members. */
export async function replaceScimGroup(ctx: ScimContext, id: string, body: Record<string, unknown>, q: Projection) {
  const g = await groupOrNotFound(ctx, id);
  const displayName = displayNameOf(member(body, 'displayName').value);
  const ext = member(body, 'externalId');
  const members = member(body, 'members');
  const ids = members.found ? await existingUsers(ctx, members.value) : [];
  const written = await writeGroup(ctx, g, { displayName, ...(ext.found ? { externalId: externalIdOf(ext.value) } : {}) });
  if (members.found) await writeMembers(ctx, written, { base: 'empty', add: new Set(ids), remove: new Set() });
  return (await represent(ctx, [written], q))[0];
}

/** PATCH: every operation checked (and every member to add looked up) before anything changes. 204. */
export async function patchScimGroup(ctx: ScimContext, id: string, body: Record<string, unknown>): Promise<void> {
  const ops = patchOperations(body);
  const g = await groupOrNotFound(ctx, id);
  const change = groupPatch(ops, g.id);
  if (change.members.add.size) await checkUsers(ctx, [...change.members.add]);
  if (change.displayName && change.displayName.toLowerCase() !== g.displayName.toLowerCase()) await nameTaken(ctx, change.displayName, g.id);
  const written = await writeGroup(ctx, g, change);
  const m = change.members;
  if (m.base === 'empty' || m.add.size || m.remove.size) await writeMembers(ctx, written, m);
}

export async function deleteScimGroup(ctx: ScimContext, id: string): Promise<void> {
  const g = await groupOrNotFound(ctx, id);
  await deleteGroup(ctx.tenantId, g.id).catch((e) => {
    if (e instanceof ApiError && e.code === 'groupHasLicenses')
      throw new ScimError(
        409,
        undefined,
        `${e.message} The group gives its members licenses, so provisioning cannot delete it: remove its products in the license service first (Groups > ${g.displayName} > Licenses), and the provider's next attempt deletes it.`,
        g.id,
      );
    throw e;
  });
  await auditDirectoryChange(ctx.tenantId, ctx.by, {
    activityDisplayName: 'Delete group',
    category: 'GroupManagement',
    operationType: 'Delete',
    loggedByService: 'Account Provisioning',
    targetResources: [groupTarget(g)],
  });
}
