/**
 * Groups and group-based licensing, Graph-shaped: groups and members, a group's assignLicense (processed
 * asynchronously for its members), members in error, and reprocessing.
 */
import { settings } from '../shared/config';
import { catalogCache } from '../shared/catalog/cache';
import { app } from '@azure/functions';
import { route } from '../shared/http/pipeline';
import { collectionResult, decodeSkipToken, DEFAULT_PAGE_SIZE, paging } from '../shared/http/paging';
import { groupView, userView } from '../shared/http/views';
import { log } from '../shared/log';
import * as c from '../shared/schemas/contracts';
import { memberships, waitingList } from '../shared/storage/groups';
import { parseSelect, project } from '../shared/odata/query';
import { groupSchema } from '../shared/odata/resources';
import { GROUP_PROPERTIES, listGroups, parseGroupQuery } from '../shared/usecases/directoryLists';
import { getSubscription } from '../shared/usecases/directory';
import { z } from 'zod';
import { ApiError, ErrorCodes, notFound } from '../shared/errors';
import { QUEUES } from '../shared/storage/queues';
import { users } from '../shared/storage/users';
import { addMember, removeMember } from '../shared/usecases/groupMembers';
import { assignLicenseToGroup, convergeUser, createGroup, deleteGroup, getGroup, processGroupLicensing, reprocessGroup } from '../shared/usecases/groups';
import { resolveUser } from '../shared/usecases/licenses';

route({
  name: 'createGroup',
  method: 'POST',
  route: 'v1.0/groups',
  tag: 'Groups',
  summary: 'Create a group',
  permission: 'manageUsers',
  body: c.createGroupBody,
  response: c.group,
  status: 201,
  handler: async (ctx) => ({ status: 201, body: groupView(await createGroup(ctx.tenant.id, ctx.body)) }),
});

route({
  name: 'listGroups',
  method: 'GET',
  route: 'v1.0/groups',
  tag: 'Groups',
  summary: 'Groups, paged, with $filter (hasMembersWithLicenseErrors eq true, displayName), a name prefix $search, $select and $count',
  permission: 'read',
  query: c.groupListQuery,
  response: c.collection(c.group.partial()),
  handler: async (ctx) => {
    const q = parseGroupQuery(ctx.query, ctx.request.headers.get('consistencylevel'));
    const page = await listGroups(ctx.tenant.id, q, ...paging(ctx.query));
    return collectionResult(
      ctx.url,
      page.items.map((g) => project(groupView(g), q.select)),
      page.continuationToken,
      page.count,
    );
  },
});

route({
  name: 'getGroup',
  method: 'GET',
  route: 'v1.0/groups/{id}',
  tag: 'Groups',
  summary: 'One group, with its assignedLicenses and licenseProcessingState ($select to pick properties)',
  permission: 'read',
  params: c.idParam,
  query: c.selectQuery,
  response: c.group.partial(),
  handler: async (ctx) => {
    const select = parseSelect(groupSchema, GROUP_PROPERTIES, ctx.query.$select);
    return { body: project(groupView(await getGroup(ctx.tenant.id, ctx.params.id)), select) };
  },
});

route({
  name: 'deleteGroup',
  method: 'DELETE',
  route: 'v1.0/groups/{id}',
  tag: 'Groups',
  summary: 'Delete a group (refused while it still carries licenses)',
  permission: 'manageUsers',
  params: c.idParam,
  handler: async (ctx) => {
    await deleteGroup(ctx.tenant.id, ctx.params.id);
    return { status: 204 };
  },
});

route({
  name: 'listGroupMembers',
  method: 'GET',
  route: 'v1.0/groups/{id}/members',
  tag: 'Groups',
  summary: 'Members of a group, paged',
  permission: 'read',
  params: c.idParam,
  query: c.pageQuery,
  response: c.collection(c.user),
  handler: async (ctx) => {
    const g = await getGroup(ctx.tenant.id, ctx.params.id);
    const page = await memberships.ofGroup(ctx.tenant.id, g.id, ...paging(ctx.query));
    const docs = await users.getMany(
      ctx.tenant.id,
      page.items.map((m) => m.userId),
    );
    return collectionResult(
      ctx.url,
      page.items
        .map((m) => docs.get(m.userId))
        .filter((u) => !!u)
        .map((u) => userView(u)),
      page.continuationToken,
    );
  },
});

route({
  name: 'addGroupMember',
  method: 'POST',
  route: 'v1.0/groups/{id}/members/$ref',
  tag: 'Groups',
  summary: 'Add a member (Graph body: { "@odata.id": ".../directoryObjects/{userId}" }); the group\'s licenses follow',
  permission: 'manageGroupMembers',
  params: c.idParam,
  body: c.memberRefBody,
  handler: async (ctx) => {
    await addMember(ctx.tenant.id, ctx.params.id, ctx.body['@odata.id'].split('/').pop()!);
    return { status: 204 };
  },
});

route({
  name: 'removeGroupMember',
  method: 'DELETE',
  route: 'v1.0/groups/{id}/members/{userId}/$ref',
  tag: 'Groups',
  summary: 'Remove a member; only what came through this group goes',
  permission: 'manageGroupMembers',
  params: c.groupMemberParams,
  handler: async (ctx) => {
    await removeMember(ctx.tenant.id, ctx.params.id, ctx.params.userId);
    return { status: 204 };
  },
});

route({
  name: 'assignGroupLicense',
  method: 'POST',
  route: 'v1.0/groups/{id}/assignLicense',
  tag: 'Groups',
  summary: "Graph's assignLicense on a group: every member inherits; processed asynchronously (202); members' errors land on the members",
  permission: 'assignLicenses',
  params: c.idParam,
  body: c.assignLicenseBody,
  response: c.group,
  status: 202,
  handler: async (ctx) => ({ status: 202, body: groupView(await assignLicenseToGroup(ctx.catalog, ctx.tenant.id, ctx.params.id, ctx.body, ctx.principal)) }),
});

route({
  name: 'listGroupMembersWithLicenseErrors',
  method: 'GET',
  route: 'v1.0/groups/{id}/membersWithLicenseErrors',
  tag: 'Groups',
  summary: "Members for whom this group's licenses are in error (see their licenseAssignmentStates)",
  permission: 'read',
  params: c.idParam,
  query: c.pageQuery,
  response: c.collection(c.user),
  handler: async (ctx) => {
    const g = await getGroup(ctx.tenant.id, ctx.params.id);
    const page = await memberships.inError(ctx.tenant.id, g.id, ...paging(ctx.query));
    return collectionResult(
      ctx.url,
      page.items.map((u) => userView(u)),
      page.continuationToken,
    );
  },
});

route({
  name: 'reprocessGroupLicenses',
  method: 'POST',
  route: 'v1.0/groups/{id}/reprocessLicenseAssignment',
  tag: 'Groups',
  summary: "Process the group's licenses for every member again (after seats were bought, say); 202",
  permission: 'assignLicenses',
  params: c.idParam,
  response: c.group,
  status: 202,
  handler: async (ctx) => ({ status: 202, body: groupView(await reprocessGroup(ctx.tenant.id, ctx.params.id)) }),
});

route({
  name: 'reprocessUserLicenses',
  method: 'POST',
  route: 'v1.0/users/{id}/reprocessLicenseAssignment',
  tag: 'Groups',
  summary: "Process a user's group licenses again now (after the cause of an error is gone); answers the user",
  permission: 'assignLicenses',
  params: c.userRefParam,
  response: c.user,
  handler: async (ctx) => {
    const user = await resolveUser(ctx.tenant.id, ctx.params.id);
    return { body: userView(await convergeUser(ctx.catalog, ctx.tenant.id, user.id, ctx.requestId)) };
  },
});

app.storageQueue('processGroupLicensing', {
  queueName: QUEUES.groupLicensing,
  connection: 'AzureWebJobsStorage',
  handler: async (message, context) => {
    const parsed = c.groupLicensingMessage.safeParse(message);
    if (!parsed.success) {
      log.error('malformed group licensing message dropped', { invocationId: context.invocationId });
      return;
    }
    await processGroupLicensing(parsed.data, await catalogCache(settings()).current());
    const m = parsed.data;
    log.info('group licensing', {
      tenantId: m.tenantId,
      kind: m.kind,
      ...(m.kind === 'group' ? { groupId: m.groupId } : m.kind === 'user' ? { userId: m.userId } : { skuId: m.skuId }),
    });
  },
});

const waitingPosition = z.strictObject({ c: z.string().min(1), o: z.number().int().min(0) });

/** The waiting list's $skiptoken: the store's continuation and how many came before; anything else is a 400. */
function waitingSkipToken(skiptoken: string | undefined): { c?: string; o: number } {
  const raw = decodeSkipToken(skiptoken);
  if (raw === undefined) return { o: 0 };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    parsed = undefined;
  }
  const r = waitingPosition.safeParse(parsed);
  if (!r.success)
    throw new ApiError(400, ErrorCodes.invalidRequest, 'The $skiptoken is not valid. Use the @odata.nextLink of the previous page as it is.', '$skiptoken');
  return r.data;
}

route({
  name: 'listWaitingList',
  method: 'GET',
  route: 'v1.0/subscribedSkus/{id}/waitingList',
  tag: 'Groups',
  summary: 'Members waiting for a seat of this product through their groups, in the order they will get one (priority, then join time)',
  permission: 'read',
  params: c.subscribedSkuParam,
  query: c.pageQuery,
  response: c.collection(c.waitingEntry),
  handler: async (ctx) => {
    const sku = await getSubscription(ctx.tenant.id, ctx.params.id);
    // the skiptoken carries the store's continuation and how many came before, for the positions
    const { c: token, o: start } = waitingSkipToken(ctx.query.$skiptoken);
    const page = await waitingList.list(ctx.tenant.id, sku.skuId, ctx.query.$top ?? DEFAULT_PAGE_SIZE, token);
    const docs = await users.getMany(
      ctx.tenant.id,
      page.items.map((w) => w.userId),
    );
    return collectionResult(
      ctx.url,
      page.items.map((w, i) => ({
        position: start + i + 1,
        userId: w.userId,
        displayName: docs.get(w.userId)?.displayName ?? null,
        userPrincipalName: docs.get(w.userId)?.userPrincipalName ?? null,
        groupId: w.groupId,
        since: w.since,
        priority: w.priority,
      })),
      page.continuationToken && JSON.stringify({ c: page.continuationToken, o: start + page.items.length }),
    );
  },
});

route({
  name: 'setWaitingPriority',
  method: 'PATCH',
  route: 'v1.0/subscribedSkus/{id}/waitingList/{userId}',
  tag: 'Groups',
  summary: "Set a waiting member's priority (higher gets a seat first)",
  permission: 'assignLicenses',
  params: c.skuAndUserParams,
  body: c.waitingPriorityBody,
  handler: async (ctx) => {
    const sku = await getSubscription(ctx.tenant.id, ctx.params.id);
    if (!(await waitingList.setPriority(ctx.tenant.id, sku.skuId, ctx.params.userId.toLowerCase(), ctx.body.priority)))
      throw notFound('Waiting member', ctx.params.userId);
    return { status: 204 };
  },
});
