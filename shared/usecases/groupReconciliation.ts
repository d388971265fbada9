/**
 * Group licensing's step in the scheduled reconciliation: it queues convergence work (queue
 * `group-licensing`), so the run stays short, for what a lost message or a cause that went away left
 * behind: members who joined without being converged, former members still carrying a group's paths,
 * members in error whose cause is gone, groups whose processing never finished, waiting lists with free
 * seats.
 *
 * A full run converges every licensed group's members again and finds former members among every user
 * with group paths. An incremental run works from the change set: memberships made since the last run,
 * groups written and not done processing, changed users with group paths (their memberships read in bulk:
 * one gone means they left; removeMember writes the user before the membership goes, so a leave shows in
 * the change set) or with license errors (a conflicting license removed, a usage location set), and, when
 * the organization's own document changed (its default usage location), every user in error.
 */
import { groups, memberships } from '../storage/groups';
import { sendMessage, QUEUES } from '../storage/queues';
import { users } from '../storage/users';
import { GroupLicensingMessage } from './groups';
import { ReconciliationStep } from './reconciliation';

export const groupLicensingStep: ReconciliationStep = async (tenant, _report, context) => {
  const queue = (m: GroupLicensingMessage) => sendMessage(QUEUES.groupLicensing, m);
  const waitingLists = (await context.subscriptions()).filter((d) => d.seat.waiting! > 0 && d.seat.consumed < d.seat.limit);
  const serveWaitingLists = async () => {
    for (const d of waitingLists) await queue({ kind: 'seats', tenantId: tenant.id, skuId: d.skuId });
    return waitingLists.map((d) => d.skuId);
  };

  if (context.mode === 'full' || !context.changes) {
    let groupsQueued = 0;
    let formerMembersQueued = 0;
    let token: string | undefined;
    do {
      const page = await groups.withLicenses(tenant.id, 100, token);
      for (const g of page.items) {
        await queue({ kind: 'group', tenantId: tenant.id, groupId: g.id });
        groupsQueued++;
      }
      token = page.continuationToken;
      await context.keepAlive();
    } while (token);
    for (const userId of await memberships.formerMembersWithPaths(tenant.id)) {
      await queue({ kind: 'user', tenantId: tenant.id, userId });
      formerMembersQueued++;
    }
    return { groupsQueued, formerMembersQueued, waitingListsServed: await serveWaitingLists() };
  }

  const changes = context.changes;
  // groups written since the last run whose licenses' processing did not finish (a message lost after the write)
  const unfinished = changes.groups.filter((g) => g.state !== null && g.state !== 'ProcessingComplete');
  for (const g of unfinished) await queue({ kind: 'group', tenantId: tenant.id, groupId: g.id });

  const members = new Set<string>();
  // memberships made since the last run, in a licensed group
  const joinedGroups = [...new Set(changes.memberships.map((m) => m.groupId))];
  const licensed = new Set(
    (await Promise.all(joinedGroups.map((id) => groups.get(tenant.id, id)))).filter((g) => g?.assignedLicenses.length).map((g) => g!.id),
  );
  for (const m of changes.memberships) if (licensed.has(m.groupId)) members.add(m.userId);
  // changed users in error: the cause may be gone
  for (const u of changes.groupUsers) if (u.groupsInError.length) members.add(u.id);
  // changed users with a group's paths whose membership is gone: they left, and the leave's message was lost
  const formerMembers = await memberships.formerMembersAmong(
    tenant.id,
    changes.groupUsers.filter((u) => u.groupPaths.length),
  );
  // the organization's default usage location may have changed: members waiting for one
  if (changes.tenantChanged) for (const id of await users.withLicenseErrors(tenant.id)) members.add(id);
  for (const id of formerMembers) members.add(id);
  for (const userId of members) await queue({ kind: 'user', tenantId: tenant.id, userId });
  await context.keepAlive();
  return {
    groupsQueued: unfinished.length,
    membersQueued: members.size,
    formerMembersQueued: formerMembers.length,
    waitingListsServed: await serveWaitingLists(),
  };
};
