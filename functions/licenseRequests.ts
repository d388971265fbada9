/** License requests: members ask (no admin role needed), admins approve (one or up to 20) or deny; the request policy. */
import { Catalog } from '../shared/domain/catalog';
import { Principal } from '../shared/domain/roles';
import { route } from '../shared/http/pipeline';
import { collectionResult, paging } from '../shared/http/paging';
import { licenseRequestView } from '../shared/http/views';
import * as c from '../shared/schemas/contracts';
import { licenseRequests } from '../shared/storage/licenseRequests';
import { approveLicenseRequest, approveLicenseRequests } from '../shared/usecases/licenseRequests/approval';
import {
  createLicenseRequest,
  denyLicenseRequest,
  getLicenseRequest,
  getRequestPolicy,
  parseRequestFilter,
  updateRequestPolicy,
} from '../shared/usecases/licenseRequests/requests';

const caller = (ctx: { tenant: { id: string }; principal: Principal; requestId: string; catalog: Catalog }) => ({
  tenantId: ctx.tenant.id,
  principal: ctx.principal,
  requestId: ctx.requestId,
  catalog: ctx.catalog,
});

route({
  name: 'createMyLicenseRequest',
  method: 'POST',
  route: 'v1.0/me/licenseRequests',
  tag: 'License requests',
  summary: 'Ask for a license (any signed-in member; no admin role): one pending request per product, expires after 30 days',
  permission: 'requestLicense',
  body: c.createLicenseRequestBody,
  response: c.licenseRequest,
  status: 201,
  handler: async (ctx) => {
    const doc = await createLicenseRequest(caller(ctx), ctx.body);
    return {
      status: 201,
      body: licenseRequestView(ctx.catalog, doc),
      headers: { Location: `${ctx.url.origin}${ctx.url.pathname.replace(/\/me\/licenseRequests$/, '/licenseRequests')}/${doc.id}` },
    };
  },
});

route({
  name: 'listMyLicenseRequests',
  method: 'GET',
  route: 'v1.0/me/licenseRequests',
  tag: 'License requests',
  summary: "The caller's own license requests, newest first",
  permission: 'requestLicense',
  query: c.licenseRequestListQuery,
  response: c.collection(c.licenseRequest),
  handler: async (ctx) => {
    const page = await licenseRequests.list(ctx.tenant.id, { ...parseRequestFilter(ctx.query.$filter), userId: ctx.principal.objectId }, ...paging(ctx.query));
    return collectionResult(
      ctx.url,
      page.items.map((d) => licenseRequestView(ctx.catalog, d)),
      page.continuationToken,
    );
  },
});

route({
  name: 'listLicenseRequests',
  method: 'GET',
  route: 'v1.0/licenseRequests',
  tag: 'License requests',
  summary: "The organization's license requests, newest first ($filter: status eq 'pending' and/or skuId eq {guid}; paged)",
  permission: 'read',
  query: c.licenseRequestListQuery,
  response: c.collection(c.licenseRequest),
  handler: async (ctx) => {
    const page = await licenseRequests.list(ctx.tenant.id, parseRequestFilter(ctx.query.$filter), ...paging(ctx.query));
    return collectionResult(
      ctx.url,
      page.items.map((d) => licenseRequestView(ctx.catalog, d)),
      page.continuationToken,
    );
  },
});

route({
  name: 'getLicenseRequestPolicy',
  method: 'GET',
  route: 'v1.0/licenseRequests/policy',
  tag: 'License requests',
  summary: 'Whether members may ask for licenses, and the message and link they see when not (any signed-in member may read it)',
  permission: 'requestLicense',
  response: c.licenseRequestPolicy,
  handler: async (ctx) => ({ body: await getRequestPolicy(ctx.tenant.id) }),
});

route({
  name: 'updateLicenseRequestPolicy',
  method: 'PATCH',
  route: 'v1.0/licenseRequests/policy',
  tag: 'License requests',
  summary: 'Switch license requests on or off, with a custom message and link ("use our own process") (Global admin)',
  permission: 'manageLicenseRequestPolicy',
  body: c.updateLicenseRequestPolicyBody,
  response: c.licenseRequestPolicy,
  handler: async (ctx) => ({ body: await updateRequestPolicy(ctx.tenant.id, ctx.body) }),
});

route({
  name: 'approveLicenseRequests',
  method: 'POST',
  route: 'v1.0/licenseRequests/approve',
  tag: 'License requests',
  summary: 'Approve up to 20 requests at once: a result per request (200, or the refusal that request alone would get)',
  permission: 'assignLicenses',
  body: c.approveLicenseRequestsBody,
  response: c.approveManyResult,
  handler: async (ctx) => {
    const results = await approveLicenseRequests(caller(ctx), ctx.body);
    return {
      body: {
        value: results.map((r) => ({
          id: r.id,
          status: r.status,
          ...(r.doc ? { request: licenseRequestView(ctx.catalog, r.doc) } : {}),
          ...(r.error ? { error: r.error } : {}),
        })),
      },
    };
  },
});

route({
  name: 'getLicenseRequest',
  method: 'GET',
  route: 'v1.0/licenseRequests/{id}',
  tag: 'License requests',
  summary: 'One license request (readers: any; a member: their own)',
  permission: 'requestLicense',
  params: c.idParam,
  response: c.licenseRequest,
  handler: async (ctx) => ({ body: licenseRequestView(ctx.catalog, await getLicenseRequest(caller(ctx), ctx.params.id)) }),
});

route({
  name: 'approveLicenseRequest',
  method: 'POST',
  route: 'v1.0/licenseRequests/{id}/approve',
  tag: 'License requests',
  summary:
    'Approve: assign the product directly (disabledPlans) or by adding the user to a group that carries it (groupId: Global or User admin, as adding a member). A refusal (no seats, a conflict, no usage location) leaves it pending with the reason',
  permission: 'assignLicenses',
  // via a group the user becomes a member, and gets everything the group gives: what adding a member needs
  permissionFor: ({ body }) => (body.groupId ? 'manageGroupMembers' : undefined),
  params: c.idParam,
  body: c.approveLicenseRequestBody,
  response: c.licenseRequest,
  handler: async (ctx) => ({ body: licenseRequestView(ctx.catalog, await approveLicenseRequest(caller(ctx), ctx.params.id, ctx.body)) }),
});

route({
  name: 'denyLicenseRequest',
  method: 'POST',
  route: 'v1.0/licenseRequests/{id}/deny',
  tag: 'License requests',
  summary: 'Deny a pending request, with a reason the user sees',
  permission: 'assignLicenses',
  params: c.idParam,
  body: c.denyLicenseRequestBody,
  response: c.licenseRequest,
  handler: async (ctx) => ({ body: licenseRequestView(ctx.catalog, await denyLicenseRequest(caller(ctx), ctx.params.id, ctx.body.reason)) }),
});
