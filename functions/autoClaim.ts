/** Auto-claim: the policy, the sign-in events that claim licenses, and the claims list (JSON or CSV). */
import { route } from '../shared/http/pipeline';
import { collectionResult } from '../shared/http/paging';
import * as c from '../shared/schemas/contracts';
import { autoClaimsCsv, getAutoClaimPolicy, listAutoClaims, recordSignInEvent, updateAutoClaimPolicy } from '../shared/usecases/autoClaim';
import { reportFormat, reportHeaders } from '../shared/usecases/reports/render';

route({
  name: 'getAutoClaimPolicy',
  method: 'GET',
  route: 'v1.0/licensePolicies/autoClaim',
  tag: 'Auto-claim',
  summary: 'The auto-claim policy: on/off (off by default), the app (Teams) and up to 4 products tried in order',
  permission: 'read',
  response: c.autoClaimPolicy,
  handler: async (ctx) => ({ body: await getAutoClaimPolicy(ctx.catalog, ctx.tenant.id) }),
});

route({
  name: 'updateAutoClaimPolicy',
  method: 'PATCH',
  route: 'v1.0/licensePolicies/autoClaim',
  tag: 'Auto-claim',
  summary: 'Change the auto-claim policy (Global or License admin): enabled, app, products [{ skuId, disabledPlans }] in order (at most 4)',
  permission: 'manageAutoClaimPolicy',
  body: c.updateAutoClaimPolicyBody,
  response: c.autoClaimPolicy,
  handler: async (ctx) => ({ body: await updateAutoClaimPolicy(ctx.catalog, ctx.tenant.id, ctx.body) }),
});

route({
  name: 'listAutoClaims',
  method: 'GET',
  route: 'v1.0/licensePolicies/autoClaim/claims',
  tag: 'Auto-claim',
  summary: 'Who claimed what and when, and the claims that failed (with the reason), for the last 1, 7, 30 or 90 days; text/csv with Accept: text/csv',
  permission: 'read',
  query: c.autoClaimListQuery,
  response: c.collection(c.autoClaimEntry),
  handler: async (ctx) => {
    const entries = await listAutoClaims(ctx.catalog, ctx.tenant.id, ctx.query.days);
    // CSV when asked, with the reports' own negotiation and download headers
    if (reportFormat(ctx.request.headers.get('accept')) === 'csv')
      return { stream: autoClaimsCsv(entries), headers: reportHeaders('csv', `auto-claims-${ctx.query.days}d`) };
    return collectionResult(ctx.url, entries);
  },
});

route({
  name: 'recordSignInEvent',
  method: 'POST',
  route: 'v1.0/signInEvents',
  tag: 'Auto-claim',
  summary:
    "A user signed in to an app (an identity provider's hook; app role SignInEvents.Write): records signInActivity.lastSignInDateTime and, when the auto-claim policy is on and the user has no license giving the app, claims one",
  permission: 'recordSignIns',
  body: c.signInEventBody,
  response: c.signInEventResult,
  handler: async (ctx) => ({ body: await recordSignInEvent(ctx.catalog, ctx.tenant.id, ctx.requestId, ctx.body) }),
});
