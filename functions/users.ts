/** Users > Active users: enough directory to exercise every licensing rule through the API. */
import { ApiError } from '../shared/errors';
import { route } from '../shared/http/pipeline';
import { collectionResult, paging } from '../shared/http/paging';
import { userView } from '../shared/http/views';
import { quotedEtag } from '../shared/http/etag';
import { isEventual, parseSelect, project } from '../shared/odata/query';
import { userSchema } from '../shared/odata/resources';
import * as c from '../shared/schemas/contracts';
import { createUser, deleteUser, updateUser } from '../shared/usecases/users';
import { countUsers, listUsers, parseUserQuery, USER_PROPERTIES } from '../shared/usecases/directoryLists';
import { resolveUser } from '../shared/usecases/licenses';

route({
  name: 'listUsers',
  method: 'GET',
  route: 'v1.0/users',
  tag: 'Users',
  summary:
    'Users, paged ($top, @odata.nextLink), with OData $filter, $search (prefix type-ahead), $orderby, $select and $count; the advanced forms need ConsistencyLevel: eventual (see docs/api.md, "OData query options")',
  permission: 'read',
  query: c.userListQuery,
  response: c.collection(c.user.partial()),
  handler: async (ctx) => {
    const q = parseUserQuery(ctx.query, ctx.request.headers.get('consistencylevel'));
    const page = await listUsers(ctx.tenant.id, q, ...paging(ctx.query));
    return collectionResult(
      ctx.url,
      page.items.map((u) => project(userView(u, q), q.select)),
      page.continuationToken,
      page.count,
    );
  },
});

route({
  name: 'countUsers',
  method: 'GET',
  route: 'v1.0/users/$count',
  tag: 'Users',
  summary: 'How many users (text/plain), optionally matching $filter / $search; needs ConsistencyLevel: eventual, as in Graph',
  permission: 'read',
  query: c.userCountQuery,
  handler: async (ctx) => {
    const consistency = ctx.request.headers.get('consistencylevel');
    // Graph's answer to /$count without the advanced query header
    if (!isEventual(consistency))
      throw new ApiError(400, 'Request_BadRequest', "$count is not currently supported without the header 'ConsistencyLevel: eventual'.", 'ConsistencyLevel');
    const q = parseUserQuery({ ...ctx.query, $count: true }, consistency);
    const n = await countUsers(ctx.tenant.id, q);
    return {
      stream: (async function* () {
        yield String(n);
      })(),
      headers: { 'content-type': 'text/plain; charset=utf-8' },
    };
  },
});

route({
  name: 'createUser',
  method: 'POST',
  route: 'v1.0/users',
  tag: 'Users',
  summary: 'Create a user (member or guest)',
  permission: 'manageUsers',
  body: c.createUserBody,
  response: c.user,
  status: 201,
  handler: async (ctx) => {
    const doc = await createUser(ctx.tenant.id, ctx.body);
    return { status: 201, body: userView(doc), headers: { ETag: quotedEtag(doc._etag), Location: `${ctx.url.origin}${ctx.url.pathname}/${doc.id}` } };
  },
});

route({
  name: 'getUser',
  method: 'GET',
  route: 'v1.0/users/{id}',
  tag: 'Users',
  summary: 'One user, by id or userPrincipalName, with assignedLicenses and licenseAssignmentStates ($select to pick properties)',
  permission: 'read',
  params: c.userRefParam,
  query: c.selectQuery,
  response: c.user.partial(),
  handler: async (ctx) => {
    const select = parseSelect(userSchema, USER_PROPERTIES, ctx.query.$select);
    const doc = await resolveUser(ctx.tenant.id, ctx.params.id);
    return { body: project(userView(doc, { select }), select), headers: { ETag: quotedEtag(doc._etag) } };
  },
});

route({
  name: 'updateUser',
  method: 'PATCH',
  route: 'v1.0/users/{id}',
  tag: 'Users',
  summary: "Change a user's properties. If-Match with the @odata.etag answers 412 when stale. 204, or 200 with Prefer: return=representation",
  permission: 'updateUsageLocation',
  // usageLocation alone: License admins too; userType decides who may license the user: Global admins only
  permissionFor: ({ body }) =>
    'userType' in body ? 'changeUserType' : Object.keys(body).every((k) => k === 'usageLocation') ? 'updateUsageLocation' : 'manageUsers',
  params: c.userRefParam,
  body: c.updateUserBody,
  response: c.user,
  handler: async (ctx) => {
    const target = await resolveUser(ctx.tenant.id, ctx.params.id);
    const doc = await updateUser(ctx.tenant.id, target.id, ctx.body, ctx.ifMatch);
    const headers = { ETag: quotedEtag(doc._etag) };
    return /return=representation/i.test(ctx.request.headers.get('prefer') ?? '') ? { body: userView(doc), headers } : { status: 204, headers };
  },
});

route({
  name: 'deleteUser',
  method: 'DELETE',
  route: 'v1.0/users/{id}',
  tag: 'Users',
  summary: 'Delete a user: they leave their groups and lose every license (seats freed, audited with operation userDeleted), then the user is gone. 204',
  permission: 'manageUsers',
  params: c.userRefParam,
  handler: async (ctx) => {
    const target = await resolveUser(ctx.tenant.id, ctx.params.id);
    await deleteUser(ctx.catalog, ctx.tenant.id, target.id, { principal: ctx.principal, requestId: ctx.requestId });
    return { status: 204 };
  },
});
