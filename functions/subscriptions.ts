/** The commerce side of Billing: buy a product, change its quantity, move it through its lifecycle, take over self-service purchases. */
import { route } from '../shared/http/pipeline';
import { collectionResult } from '../shared/http/paging';
import { companySubscriptionView } from '../shared/http/views';
import * as c from '../shared/schemas/contracts';
import { subscriptions } from '../shared/storage/subscriptions';
import { createSubscription, getSubscription, takeOverSubscription, updateSubscription } from '../shared/usecases/directory';

route({
  name: 'listSubscriptions',
  method: 'GET',
  route: 'v1.0/directory/subscriptions',
  tag: 'Subscriptions',
  summary: "The organization's subscriptions (Graph's companySubscription)",
  permission: 'read',
  response: c.collection(c.companySubscription),
  handler: async (ctx) => collectionResult(ctx.url, (await subscriptions.list(ctx.tenant.id)).map(companySubscriptionView)),
});

route({
  name: 'getSubscription',
  method: 'GET',
  route: 'v1.0/directory/subscriptions/{id}',
  tag: 'Subscriptions',
  summary: 'One subscription',
  permission: 'read',
  params: c.subscribedSkuParam,
  response: c.companySubscription,
  handler: async (ctx) => ({ body: companySubscriptionView(await getSubscription(ctx.tenant.id, ctx.params.id)) }),
});

route({
  name: 'createSubscription',
  method: 'POST',
  route: 'v1.0/directory/subscriptions',
  tag: 'Subscriptions',
  summary: 'Buy a product from the catalog: quantity, and admin or self-service purchase',
  permission: 'manageSubscriptions',
  body: c.createSubscriptionBody,
  response: c.companySubscription,
  status: 201,
  handler: async (ctx) => ({
    status: 201,
    body: companySubscriptionView(await createSubscription(ctx.catalog, ctx.tenant.id, ctx.body, { principal: ctx.principal, requestId: ctx.requestId })),
  }),
});

route({
  name: 'updateSubscription',
  method: 'PATCH',
  route: 'v1.0/directory/subscriptions/{id}',
  tag: 'Subscriptions',
  summary:
    'Change the quantity (never below what is assigned) or move the lifecycle: Enabled -> Warning -> Suspended -> Deleted, renewals back to Enabled. If-Match answers 412 when stale',
  permission: 'manageSubscriptions',
  params: c.subscribedSkuParam,
  body: c.updateSubscriptionBody,
  response: c.companySubscription,
  handler: async (ctx) => ({ body: companySubscriptionView(await updateSubscription(ctx.catalog, ctx.tenant.id, ctx.params.id, ctx.body, ctx.ifMatch)) }),
});

route({
  name: 'takeOverSubscription',
  method: 'POST',
  route: 'v1.0/directory/subscriptions/{id}/takeOver',
  tag: 'Subscriptions',
  summary: 'Take over a self-service purchase: afterwards admins assign and remove its licenses like any other',
  permission: 'manageSubscriptions',
  params: c.subscribedSkuParam,
  response: c.companySubscription,
  handler: async (ctx) => ({ body: companySubscriptionView(await takeOverSubscription(ctx.catalog, ctx.tenant.id, ctx.params.id)) }),
});
