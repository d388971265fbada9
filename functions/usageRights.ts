/** Usage rights (Graph's cloudLicensing, beta): what a user may use now, the call an app makes at sign-in. */
import { route } from '../shared/http/pipeline';
import { collectionResult } from '../shared/http/paging';
import * as c from '../shared/schemas/contracts';
import { getUsageRight, listUsageRights } from '../shared/usecases/usageRights';

const WHAT =
  'what the user may use now: per product held directly or through a group, the service plans switched on, nothing from a Suspended or Deleted subscription';

route({
  name: 'listMyUsageRights',
  method: 'GET',
  route: 'v1.0/me/cloudLicensing/usageRights',
  tag: 'Usage rights',
  summary: `The signed-in user's usage rights: ${WHAT} ($filter on skuId or services/any(s:s/planId eq {guid}))`,
  permission: 'readOwnUsageRights',
  query: c.usageRightsQuery,
  response: c.collection(c.usageRight),
  handler: async (ctx) => collectionResult(ctx.url, await listUsageRights(ctx.catalog, ctx.tenant.id, ctx.principal.objectId, ctx.query.$filter)),
});

route({
  name: 'getMyUsageRight',
  method: 'GET',
  route: 'v1.0/me/cloudLicensing/usageRights/{usageRightId}',
  tag: 'Usage rights',
  summary: "One of the signed-in user's usage rights (its id is the product's skuId); 404 when the user may not use that product now",
  permission: 'readOwnUsageRights',
  params: c.myUsageRightParams,
  response: c.usageRight,
  handler: async (ctx) => ({ body: await getUsageRight(ctx.catalog, ctx.tenant.id, ctx.principal.objectId, ctx.params.usageRightId) }),
});

route({
  name: 'listUserUsageRights',
  method: 'GET',
  route: 'v1.0/users/{id}/cloudLicensing/usageRights',
  tag: 'Usage rights',
  summary: `A user's usage rights (by id or userPrincipalName): ${WHAT} ($filter on skuId or services/any(s:s/planId eq {guid}))`,
  permission: 'read',
  params: c.userRefParam,
  query: c.usageRightsQuery,
  response: c.collection(c.usageRight),
  handler: async (ctx) => collectionResult(ctx.url, await listUsageRights(ctx.catalog, ctx.tenant.id, ctx.params.id, ctx.query.$filter)),
});

route({
  name: 'getUserUsageRight',
  method: 'GET',
  route: 'v1.0/users/{id}/cloudLicensing/usageRights/{usageRightId}',
  tag: 'Usage rights',
  summary: "One of a user's usage rights (its id is the product's skuId); 404 when the user may not use that product now",
  permission: 'read',
  params: c.userUsageRightParams,
  response: c.usageRight,
  handler: async (ctx) => ({ body: await getUsageRight(ctx.catalog, ctx.tenant.id, ctx.params.id, ctx.params.usageRightId) }),
});
