/** The operator side: set up an organization and its purchases; and the caller's own organization. */
import { z } from 'zod';
import { route } from '../shared/http/pipeline';
import { collectionResult } from '../shared/http/paging';
import { companySubscriptionView, organizationView } from '../shared/http/views';
import * as c from '../shared/schemas/contracts';
import { notFound } from '../shared/errors';
import { tenants } from '../shared/storage/tenants';
import { createSubscription, createTenant } from '../shared/usecases/directory';

route({
  name: 'createTenant',
  method: 'POST',
  route: 'v1.0/tenants',
  tag: 'Operator',
  summary: 'Create an organization (operator app role Tenants.ReadWrite.All)',
  auth: 'operator',
  permission: 'manageTenants',
  body: c.createTenantBody,
  response: c.organization,
  status: 201,
  handler: async (ctx) => ({ status: 201, body: organizationView(await createTenant(ctx.body)) }),
});

route({
  name: 'createTenantSubscription',
  method: 'POST',
  route: 'v1.0/tenants/{tenantId}/subscriptions',
  tag: 'Operator',
  summary: 'Provision a purchase in an organization (operator app role Tenants.ReadWrite.All)',
  auth: 'operator',
  permission: 'manageTenants',
  params: z.strictObject({ tenantId: c.guid }),
  body: c.createSubscriptionBody,
  response: c.companySubscription,
  status: 201,
  handler: async (ctx) => {
    const tenant = await tenants.get(ctx.params.tenantId.toLowerCase());
    if (!tenant) throw notFound('Organization', ctx.params.tenantId);
    return {
      status: 201,
      body: companySubscriptionView(await createSubscription(ctx.catalog, tenant.id, ctx.body, { principal: ctx.principal, requestId: ctx.requestId })),
    };
  },
});

route({
  name: 'getOrganization',
  method: 'GET',
  route: 'v1.0/organization',
  tag: 'Organization',
  summary: "The caller's organization",
  permission: 'read',
  response: c.collection(c.organization),
  handler: async (ctx) => collectionResult(ctx.url, [organizationView(ctx.tenant)]),
});
