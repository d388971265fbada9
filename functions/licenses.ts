/** A user's licenses: Graph's assignLicense and licenseDetails, and the per-plan switches of a product page. */
import { route } from '../shared/http/pipeline';
import { collectionResult } from '../shared/http/paging';
import { licenseDetailsView, userView } from '../shared/http/views';
import * as c from '../shared/schemas/contracts';
import { subscriptions } from '../shared/storage/subscriptions';
import { assignLicense, resolveUser, updateServicePlans } from '../shared/usecases/licenses';

route({
  name: 'assignLicense',
  method: 'POST',
  route: 'v1.0/users/{id}/assignLicense',
  tag: 'Licenses',
  summary: "Add and remove a user's products (Graph's body). Re-adding a product replaces its disabledPlans. Answers the updated user",
  permission: 'assignLicenses',
  params: c.userRefParam,
  body: c.assignLicenseBody,
  response: c.user,
  handler: async (ctx) => ({ body: userView(await assignLicense(ctx, ctx.params.id, ctx.body)) }),
});

route({
  name: 'listLicenseDetails',
  method: 'GET',
  route: 'v1.0/users/{id}/licenseDetails',
  tag: 'Licenses',
  summary: "The user's products, each service plan with its provisioningStatus",
  permission: 'read',
  params: c.userRefParam,
  response: c.collection(c.licenseDetails),
  handler: async (ctx) => {
    const [doc, subs] = await Promise.all([resolveUser(ctx.tenant.id, ctx.params.id), subscriptions.list(ctx.tenant.id)]);
    return collectionResult(ctx.url, licenseDetailsView(ctx.catalog, doc, new Map(subs.map((s) => [s.skuId, s]))));
  },
});

route({
  name: 'updateServicePlans',
  method: 'POST',
  route: 'v1.0/users/{id}/licenseDetails/{skuId}/updateServicePlans',
  tag: 'Licenses',
  summary: "Switch named service plans of one of the user's products on or off, keeping the others as they are",
  permission: 'assignLicenses',
  params: c.userAndSkuParams,
  body: c.servicePlanToggleBody,
  response: c.licenseDetails,
  handler: async (ctx) => {
    const doc = await updateServicePlans(ctx, ctx.params.id, ctx.params.skuId, ctx.body);
    const subs = await subscriptions.forRules(ctx.tenant.id);
    const details = licenseDetailsView(ctx.catalog, doc, new Map(subs.map((s) => [s.skuId, s])));
    return { body: details.find((d) => d.skuId === ctx.params.skuId.toLowerCase()) };
  },
});
