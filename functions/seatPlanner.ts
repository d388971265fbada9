/** Buy or remove licenses, planned: who would be over the line, and a reduction that picks who loses the seat. */
import { route } from '../shared/http/pipeline';
import { companySubscriptionView } from '../shared/http/views';
import * as c from '../shared/schemas/contracts';
import { reduceSeats, reductionPlan } from '../shared/usecases/seatPlanner';

route({
  name: 'getReductionPlan',
  method: 'GET',
  route: 'v1.0/directory/subscriptions/{id}/reductionPlan',
  tag: 'Subscriptions',
  summary:
    'Who would be over the line with totalLicenses=N (or, for a lapsing subscription, when it is deleted), and the days left in the 90-day over-assignment window',
  permission: 'read',
  params: c.subscribedSkuParam,
  query: c.reductionPlanQuery,
  response: c.reductionPlan,
  handler: async (ctx) => ({ body: await reductionPlan(ctx.tenant.id, ctx.params.id, ctx.query.totalLicenses) }),
});

route({
  name: 'reduceSeats',
  method: 'POST',
  route: 'v1.0/directory/subscriptions/{id}/reduce',
  tag: 'Subscriptions',
  summary: 'Remove seats, first removing the licenses of the users you choose (unassignUserIds), all or nothing',
  permission: 'manageSubscriptions',
  permissionFor: ({ body }) => (body.unassignUserIds.length ? 'assignLicenses' : undefined),
  params: c.subscribedSkuParam,
  body: c.reduceSeatsBody,
  response: c.companySubscription,
  handler: async (ctx) => ({ body: companySubscriptionView(await reduceSeats(ctx, ctx.params.id, ctx.body)) }),
});
