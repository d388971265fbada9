/**
 * The organization's SCIM provisioning, as its admins manage it: credentials for an identity provider's
 * "Secret Token" field (created by a Global Administrator, the secret shown once), the settings, and the
 * directory audit log where provisioning's changes are recorded.
 */
import { route } from '../shared/http/pipeline';
import { collectionResult, paging } from '../shared/http/paging';
import * as c from '../shared/schemas/contracts';
import { directoryAudits } from '../shared/storage/directoryAudits';
import {
  createCredential,
  credentialView,
  listCredentials,
  provisioningSettingsView,
  revokeCredential,
  updateProvisioningSettings,
} from '../shared/usecases/provisioning';

/** The SCIM base URL an identity provider is given: this host's /api/scim/v2. */
const scimBaseUrl = (url: URL) => `${url.origin}${url.pathname.replace(/\/v1\.0\/.*$/, '')}/scim/v2`;

route({
  name: 'createScimCredential',
  method: 'POST',
  route: 'v1.0/admin/provisioning/credentials',
  tag: 'Provisioning',
  summary:
    "Create a SCIM credential: a long-lived bearer secret for an identity provider's provisioning (Entra ID's or Okta's Secret Token / API Token field). secretText is shown in this answer only; the service keeps a hash",
  permission: 'manageProvisioning',
  body: c.createScimCredentialBody,
  response: c.createdScimCredential,
  status: 201,
  handler: async (ctx) => {
    const { doc, secretText } = await createCredential(ctx.tenant.id, ctx.body, { principal: ctx.principal, requestId: ctx.requestId });
    return { status: 201, body: { ...credentialView(doc), secretText }, headers: { Location: `${ctx.url.origin}${ctx.url.pathname}/${doc.credentialId}` } };
  },
});

route({
  name: 'listScimCredentials',
  method: 'GET',
  route: 'v1.0/admin/provisioning/credentials',
  tag: 'Provisioning',
  summary: "The organization's SCIM credentials, without their secrets (hint: the last four characters), with the last request each made",
  permission: 'readProvisioning',
  response: c.collection(c.scimCredential),
  handler: async (ctx) => collectionResult(ctx.url, (await listCredentials(ctx.tenant.id)).map(credentialView)),
});

route({
  name: 'revokeScimCredential',
  method: 'DELETE',
  route: 'v1.0/admin/provisioning/credentials/{id}',
  tag: 'Provisioning',
  summary: 'Revoke a SCIM credential: requests with it are refused (401) from now on',
  permission: 'manageProvisioning',
  params: c.scimCredentialParam,
  handler: async (ctx) => {
    await revokeCredential(ctx.tenant.id, ctx.params.id, { principal: ctx.principal, requestId: ctx.requestId });
    return { status: 204 };
  },
});

route({
  name: 'getProvisioningSettings',
  method: 'GET',
  route: 'v1.0/admin/provisioning',
  tag: 'Provisioning',
  summary: "The SCIM base URL (an identity provider's Tenant URL) and the domain a userName without one gets",
  permission: 'readProvisioning',
  response: c.provisioningSettings,
  handler: async (ctx) => ({ body: await provisioningSettingsView(ctx.tenant.id, scimBaseUrl(ctx.url)) }),
});

route({
  name: 'updateProvisioningSettings',
  method: 'PATCH',
  route: 'v1.0/admin/provisioning',
  tag: 'Provisioning',
  summary: 'Set the domain a SCIM userName without one gets (UserName123 -> UserName123@{domain}); null: the domain of the first member user',
  permission: 'manageProvisioning',
  body: c.updateProvisioningSettingsBody,
  response: c.provisioningSettings,
  handler: async (ctx) => {
    const doc = await updateProvisioningSettings(ctx.tenant.id, ctx.body);
    return { body: await provisioningSettingsView(ctx.tenant.id, scimBaseUrl(ctx.url), doc) };
  },
});

route({
  name: 'listDirectoryAudits',
  method: 'GET',
  route: 'v1.0/auditLogs/directoryAudits',
  tag: 'Audit',
  summary: "Graph's directoryAudit: changes to users, groups and SCIM credentials (who: the provisioning credential or app, or the admin), newest first, paged",
  permission: 'read',
  query: c.pageQuery,
  response: c.collection(c.directoryAudit),
  handler: async (ctx) => {
    const page = await directoryAudits.list(ctx.tenant.id, ...paging(ctx.query));
    return collectionResult(
      ctx.url,
      page.items.map(
        ({ id, activityDateTime, activityDisplayName, category, operationType, loggedByService, result, correlationId, initiatedBy, targetResources }) => ({
          id,
          activityDateTime,
          activityDisplayName,
          category,
          operationType,
          loggedByService,
          result,
          correlationId,
          initiatedBy,
          targetResources,
        }),
      ),
      page.continuationToken,
    );
  },
});
