/**
 * A group's members: adding and removing them, one (Graph's members/$ref) or many (a SCIM provisioning
 * PATCH). A membership is its own document; a change that affects licenses queues the member's
 * convergence (groups.ts), whose audit record names `by` as the actor when a provisioning service made
 * the change. A removal stamps the user as written before the membership goes: a deleted membership is
 * no change the incremental reconciliation can see, the user is (shared/storage/changes.ts).
 */
import { notFound } from '../errors';
import { memberships } from '../storage/groups';
import { sendMessage, QUEUES } from '../storage/queues';
import { users } from '../storage/users';
import { getGroup, GroupLicensingMessage, MembershipActor } from './groups';

/** Adds a member; the group's licenses follow. False when the user already was one. */
export async function addMember(tenantId: string, groupId: string, userId: string, by?: MembershipActor): Promise<boolean> {
  const g = await getGroup(tenantId, groupId);
  const user = await users.get(tenantId, userId);
  if (!user) throw notFound('User', userId);
  const added = await memberships.add(tenantId, g.id, user.id);
  if (added && g.assignedLicenses.length)
    await sendMessage(QUEUES.groupLicensing, { kind: 'user', tenantId, userId: user.id, ...(by ? { by } : {}) } satisfies GroupLicensingMessage);
  return added;
}

/** Removes a member; only what came through this group goes. `notFound` says what a non-member is: an error, or nothing to do (false). */
export async function removeMember(
  tenantId: string,
  groupId: string,
  userId: string,
  by?: MembershipActor,
  o: { notFound?: 'error' | 'ignore' } = {},
): Promise<boolean> {
  const g = await getGroup(tenantId, groupId);
  // the user first, so the leave is in the reconciliation's change set should the message below be lost
  await users.touch(tenantId, userId.toLowerCase());
  if (!(await memberships.remove(tenantId, g.id, userId.toLowerCase()))) {
    if (o.notFound === 'ignore') return false;
    throw notFound('Member', userId);
  }
  // converge even if the group has no licenses now: it may have had some a moment ago
  await sendMessage(QUEUES.groupLicensing, { kind: 'user', tenantId, userId: userId.toLowerCase(), ...(by ? { by } : {}) } satisfies GroupLicensingMessage);
  return true;
}

/**
 * Adds many members at once (bulk requests): every user must exist in the organization, else nothing is
 * added (404 naming the first missing one). Answers the users who were not members before; those whose
 * group gives licenses are queued for convergence.
 */
export async function addMembers(tenantId: string, groupId: string, userIds: string[], by?: MembershipActor): Promise<string[]> {
  const g = await getGroup(tenantId, groupId);
  const ids = [...new Set(userIds.map((u) => u.toLowerCase()))];
  const found = await users.getMany(tenantId, ids);
  const missing = ids.find((u) => !found.has(u));
  if (missing) throw notFound('User', missing);
  const added = await memberships.addMany(tenantId, g.id, ids);
  if (g.assignedLicenses.length)
    for (const userId of added)
      await sendMessage(QUEUES.groupLicensing, { kind: 'user', tenantId, userId, ...(by ? { by } : {}) } satisfies GroupLicensingMessage);
  return added;
}

/** Removes many members at once; users who were not members are passed over. Answers who was removed (each converged). */
export async function removeMembers(tenantId: string, groupId: string, userIds: string[], by?: MembershipActor): Promise<string[]> {
  const g = await getGroup(tenantId, groupId);
  const ids = [...new Set(userIds.map((u) => u.toLowerCase()))];
  // the users first, so the leaves are in the reconciliation's change set should the messages below be lost
  await users.touchMany(tenantId, ids);
  const removed = await memberships.removeMany(tenantId, g.id, ids);
  // converge even if the group has no licenses now: it may have had some a moment ago
  for (const userId of removed)
    await sendMessage(QUEUES.groupLicensing, { kind: 'user', tenantId, userId, ...(by ? { by } : {}) } satisfies GroupLicensingMessage);
  return removed;
}

/** Every member's id (pages of the membership documents). */
export async function memberIds(tenantId: string, groupId: string): Promise<string[]> {
  const out: string[] = [];
  let token: string | undefined;
  do {
    const page = await memberships.ofGroup(tenantId, groupId, 1000, token);
    out.push(...page.items.map((m) => m.userId));
    token = page.continuationToken;
  } while (token);
  return out;
}
