/** Billing > Licenses: the products, their seats and service-plan rules, and the "assign to up to 20 users" flow. */
import { route } from '../shared/http/pipeline';
import { collectionResult, paging } from '../shared/http/paging';
import { subscribedSkuView, userView } from '../shared/http/views';
import * as c from '../shared/schemas/contracts';
import { subscriptions } from '../shared/storage/subscriptions';
import { users } from '../shared/storage/users';
import { getSubscription } from '../shared/usecases/directory';
import { assignSkuToUsers } from '../shared/usecases/licenses';
import { parseSelect, project } from '../shared/odata/query';
import { subscribedSkuSchema } from '../shared/odata/resources';
import { SUBSCRIBED_SKU_PROPERTIES } from '../shared/usecases/directoryLists';

route({
  name: 'listSubscribedSkus',
  method: 'GET',
  route: 'v1.0/subscribedSkus',
  tag: 'Licenses',
  summary: 'Products the organization subscribes to, with total, assigned and available seats and their service-plan rules ($select to pick properties)',
  permission: 'read',
  query: c.selectQuery,
  response: c.collection(c.subscribedSku.partial()),
  handler: async (ctx) => {
    const select = parseSelect(subscribedSkuSchema, SUBSCRIBED_SKU_PROPERTIES, ctx.query.$select);
    const docs = await subscriptions.list(ctx.tenant.id);
    return collectionResult(
      ctx.url,
      docs.sort((a, b) => a.skuPartNumber.localeCompare(b.skuPartNumber)).map((d) => project(subscribedSkuView(ctx.catalog, d), select)),
    );
  },
});

route({
  name: 'getSubscribedSku',
  method: 'GET',
  route: 'v1.0/subscribedSkus/{id}',
  tag: 'Licenses',
  summary: 'One product: seats, state and service plans (with conflicts, dependencies, auto-assigned plans and where they are not offered)',
  permission: 'read',
  params: c.subscribedSkuParam,
  query: c.selectQuery,
  response: c.subscribedSku.partial(),
  handler: async (ctx) => ({
    body: project(
      subscribedSkuView(ctx.catalog, await getSubscription(ctx.tenant.id, ctx.params.id)),
      parseSelect(subscribedSkuSchema, SUBSCRIBED_SKU_PROPERTIES, ctx.query.$select),
    ),
  }),
});

route({
  name: 'listSubscribedSkuAssignments',
  method: 'GET',
  route: 'v1.0/subscribedSkus/{id}/assignments',
  tag: 'Licenses',
  summary: 'The users holding this product, paged ($top, @odata.nextLink)',
  permission: 'read',
  params: c.subscribedSkuParam,
  query: c.pageQuery,
  response: c.collection(c.user),
  handler: async (ctx) => {
    const sku = await getSubscription(ctx.tenant.id, ctx.params.id);
    const page = await users.listHolding(ctx.tenant.id, sku.skuId, ...paging(ctx.query));
    return collectionResult(
      ctx.url,
      page.items.map((u) => userView(u)),
      page.continuationToken,
    );
  },
});

route({
  name: 'assignSubscribedSku',
  method: 'POST',
  route: 'v1.0/subscribedSkus/{id}/assign',
  tag: 'Licenses',
  summary: 'Assign this product to 1-20 users at once: all are checked first; if any fails a rule nothing changes and every reason is listed',
  permission: 'assignLicenses',
  params: c.subscribedSkuParam,
  body: c.assignSkuToUsersBody,
  response: c.assignSkuResult,
  handler: async (ctx) => {
    const { subscription, ...result } = await assignSkuToUsers(ctx, ctx.params.id, ctx.body);
    return { body: { ...result, subscribedSku: subscribedSkuView(ctx.catalog, subscription) } };
  },
});
