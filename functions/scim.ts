/**
 * SCIM 2.0 (RFC 7643/7644) at /api/scim/v2, for an identity provider's provisioning service (Entra ID,
 * Okta): Users, Groups and the discovery endpoints. Each route declares itself like every other (the same
 * pipeline: authentication, per-tenant throttling, the organization, the permission), speaks SCIM's
 * errors and media type, and calls the SCIM adapter (shared/provisioning), which calls the same directory
 * and group use-cases as the Graph routes. The caller is a SCIM credential of the organization or an
 * app-only token with ScimProvisioning.ReadWrite.All (shared/auth/scim.ts); ids are the Graph API's.
 */
import { route, RequestContext, RouteSpec } from '../shared/http/pipeline';
import * as c from '../shared/schemas/contracts';
import { byId, scimResourceTypes, scimSchemas, serviceProviderConfig } from '../shared/provisioning/discovery';
import { createScimGroup, deleteScimGroup, getScimGroup, listScimGroups, patchScimGroup, replaceScimGroup } from '../shared/provisioning/groupResources';
import { listResponse, project, scimBase, ScimContext } from '../shared/provisioning/resources';
import { createScimUser, deleteScimUser, getScimUser, listScimUsers, patchScimUser, replaceScimUser } from '../shared/provisioning/userResources';

const scimCtx = (ctx: RequestContext<unknown, unknown, unknown>): ScimContext => ({
  tenantId: ctx.tenant.id,
  catalog: ctx.catalog,
  base: scimBase(ctx.url),
  by: { principal: ctx.principal, requestId: ctx.requestId },
});

/** A SCIM route: the credential (or token) auth, SCIM's errors and media type, the provisioning permission. */
function scim<P, Q, B>(spec: Omit<RouteSpec<P, Q, B>, 'auth' | 'protocol' | 'permission' | 'tag'>): void {
  route<P, Q, B>({ ...spec, auth: 'scim', protocol: 'scim', permission: 'provision', tag: 'SCIM 2.0' });
}

// ---------------- Users ----------------

scim({
  name: 'scimListUsers',
  method: 'GET',
  route: 'scim/v2/Users',
  summary: 'SCIM: list users, with filter (userName eq "...", externalId eq "...", ...), startIndex/count paging, attributes/excludedAttributes',
  query: c.scimListQuery,
  response: c.scimResponse,
  handler: async (ctx) => ({ body: await listScimUsers(scimCtx(ctx), ctx.query) }),
});

scim({
  name: 'scimCreateUser',
  method: 'POST',
  route: 'scim/v2/Users',
  summary: 'SCIM: create a user (409 uniqueness when the userName is taken)',
  body: c.scimResourceBody,
  response: c.scimResponse,
  status: 201,
  handler: async (ctx) => {
    const { resource } = await createScimUser(scimCtx(ctx), ctx.body);
    return { status: 201, body: resource, headers: { Location: resource.meta.location } };
  },
});

scim({
  name: 'scimGetUser',
  method: 'GET',
  route: 'scim/v2/Users/{id}',
  summary: 'SCIM: one user (the same id as in /v1.0/users)',
  params: c.scimIdParam,
  query: c.scimGetQuery,
  response: c.scimResponse,
  handler: async (ctx) => ({ body: await getScimUser(scimCtx(ctx), ctx.params.id, ctx.query) }),
});

scim({
  name: 'scimReplaceUser',
  method: 'PUT',
  route: 'scim/v2/Users/{id}',
  summary: 'SCIM: replace a user (attributes left out keep their values)',
  params: c.scimIdParam,
  query: c.scimGetQuery,
  body: c.scimResourceBody,
  response: c.scimResponse,
  handler: async (ctx) => ({ body: await replaceScimUser(scimCtx(ctx), ctx.params.id, ctx.body, ctx.query) }),
});

scim({
  name: 'scimPatchUser',
  method: 'PATCH',
  route: 'scim/v2/Users/{id}',
  summary: 'SCIM: change a user with PatchOp operations (active false disables the account)',
  params: c.scimIdParam,
  query: c.scimGetQuery,
  body: c.scimPatchBody,
  response: c.scimResponse,
  handler: async (ctx) => ({ body: await patchScimUser(scimCtx(ctx), ctx.params.id, ctx.body, ctx.query) }),
});

scim({
  name: 'scimDeleteUser',
  method: 'DELETE',
  route: 'scim/v2/Users/{id}',
  summary: 'SCIM: delete a user; their licenses are removed and their seats freed',
  params: c.scimIdParam,
  handler: async (ctx) => {
    await deleteScimUser(scimCtx(ctx), ctx.params.id);
    return { status: 204 };
  },
});

// ---------------- Groups ----------------

scim({
  name: 'scimListGroups',
  method: 'GET',
  route: 'scim/v2/Groups',
  summary: 'SCIM: list groups, with filter (displayName eq "...", members[value eq "..."]), paging, excludedAttributes=members',
  query: c.scimListQuery,
  response: c.scimResponse,
  handler: async (ctx) => ({ body: await listScimGroups(scimCtx(ctx), ctx.query) }),
});

scim({
  name: 'scimCreateGroup',
  method: 'POST',
  route: 'scim/v2/Groups',
  summary: 'SCIM: create a group (409 uniqueness when the name is taken)',
  body: c.scimResourceBody,
  response: c.scimResponse,
  status: 201,
  handler: async (ctx) => {
    const { doc, resource } = await createScimGroup(scimCtx(ctx), ctx.body);
    return { status: 201, body: resource, headers: { Location: `${scimBase(ctx.url)}/Groups/${doc.id}` } };
  },
});

scim({
  name: 'scimGetGroup',
  method: 'GET',
  route: 'scim/v2/Groups/{id}',
  summary: 'SCIM: one group (the same id as in /v1.0/groups)',
  params: c.scimIdParam,
  query: c.scimGetQuery,
  response: c.scimResponse,
  handler: async (ctx) => ({ body: await getScimGroup(scimCtx(ctx), ctx.params.id, ctx.query) }),
});

scim({
  name: 'scimReplaceGroup',
  method: 'PUT',
  route: 'scim/v2/Groups/{id}',
  summary: 'SCIM: replace a group (members, when sent, become the members)',
  params: c.scimIdParam,
  query: c.scimGetQuery,
  body: c.scimResourceBody,
  response: c.scimResponse,
  handler: async (ctx) => ({ body: await replaceScimGroup(scimCtx(ctx), ctx.params.id, ctx.body, ctx.query) }),
});

scim({
  name: 'scimPatchGroup',
  method: 'PATCH',
  route: 'scim/v2/Groups/{id}',
  summary: 'SCIM: rename a group or change its members (licenses follow membership); 204',
  params: c.scimIdParam,
  query: c.scimGetQuery,
  body: c.scimPatchBody,
  handler: async (ctx) => {
    await patchScimGroup(scimCtx(ctx), ctx.params.id, ctx.body);
    return { status: 204 };
  },
});

scim({
  name: 'scimDeleteGroup',
  method: 'DELETE',
  route: 'scim/v2/Groups/{id}',
  summary: 'SCIM: delete a group (refused, 409, while it still gives its members products)',
  params: c.scimIdParam,
  handler: async (ctx) => {
    await deleteScimGroup(scimCtx(ctx), ctx.params.id);
    return { status: 204 };
  },
});

// ---------------- discovery ----------------

scim({
  name: 'scimServiceProviderConfig',
  method: 'GET',
  route: 'scim/v2/ServiceProviderConfig',
  summary: 'SCIM: what this service supports (PATCH, filter; no bulk, sort or etags)',
  query: c.scimGetQuery,
  response: c.scimResponse,
  handler: async (ctx) => ({ body: serviceProviderConfig(scimBase(ctx.url)) }),
});

scim({
  name: 'scimListSchemas',
  method: 'GET',
  route: 'scim/v2/Schemas',
  summary: 'SCIM: the attributes this service keeps (User, the enterprise and licensing extensions, Group)',
  query: c.scimGetQuery,
  response: c.scimResponse,
  handler: async (ctx) => {
    const all = scimSchemas(scimBase(ctx.url));
    return {
      body: listResponse(
        all.map((s) => project(s, ctx.query)),
        all.length,
        1,
      ),
    };
  },
});

scim({
  name: 'scimGetSchema',
  method: 'GET',
  route: 'scim/v2/Schemas/{id}',
  summary: 'SCIM: one schema by its URN',
  params: c.scimIdParam,
  query: c.scimGetQuery,
  response: c.scimResponse,
  handler: async (ctx) => ({ body: byId(scimSchemas(scimBase(ctx.url)), ctx.params.id, 'Schema') }),
});

scim({
  name: 'scimListResourceTypes',
  method: 'GET',
  route: 'scim/v2/ResourceTypes',
  summary: 'SCIM: the resource types (User, Group)',
  query: c.scimGetQuery,
  response: c.scimResponse,
  handler: async (ctx) => {
    const all = scimResourceTypes(scimBase(ctx.url));
    return { body: listResponse(all, all.length, 1) };
  },
});

scim({
  name: 'scimGetResourceType',
  method: 'GET',
  route: 'scim/v2/ResourceTypes/{id}',
  summary: 'SCIM: one resource type',
  params: c.scimIdParam,
  query: c.scimGetQuery,
  response: c.scimResponse,
  handler: async (ctx) => ({ body: byId(scimResourceTypes(scimBase(ctx.url)), ctx.params.id, 'ResourceType') }),
});
