/** Users > Active users: enough directory to exercise every licensing rule through the API. */
import { collectionResult, paging, route } from '../shared/http/pipeline';
import { userView } from '../shared/http/views';
import { quotedEtag } from '../shared/http/etag';
import * as c from '../shared/schemas/contracts';
import { users } from '../shared/storage/repository';
import { createUser, updateUser } from '../shared/usecases/directory';
import { resolveUser } from '../shared/usecases/licenses';

/** `$search="displayName:ad"` (Graph) or a plain prefix `ad`: matches the start of the name or the UPN. */
function searchPrefix(search: string | undefined): string | undefined {
  if (!search) return undefined;
  const unquoted = search.trim().replace(/^"(.*)"$/, '$1');
  const m = /^(displayName|userPrincipalName):(.*)$/i.exec(unquoted);
  return (m ? m[2] : unquoted).trim() || undefined;
}

route({
  name: 'listUsers',
  method: 'GET',
  route: 'v1.0/users',
  tag: 'Users',
  summary: 'Users, paged ($top, @odata.nextLink), with a name/UPN prefix search ($search) for the type-ahead',
  permission: 'read',
  query: c.userListQuery,
  response: c.collection(c.user),
  handler: async (ctx) => {
    const page = await users.list(ctx.tenant.id, ...paging(ctx.query), searchPrefix(ctx.query.$search));
    return collectionResult(ctx.url, page.items.map(userView), page.continuationToken);
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
  summary: 'One user, by id or userPrincipalName, with assignedLicenses and licenseAssignmentStates',
  permission: 'read',
  params: c.userRefParam,
  response: c.user,
  handler: async (ctx) => {
    const doc = await resolveUser(ctx.tenant.id, ctx.params.id);
    return { body: userView(doc), headers: { ETag: quotedEtag(doc._etag) } };
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
  permissionFor: ({ body }) => ('userType' in body ? 'changeUserType' : Object.keys(body).every((k) => k === 'usageLocation') ? 'updateUsageLocation' : 'manageUsers'),
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
