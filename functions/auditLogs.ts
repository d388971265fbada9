/** The audit trail of license changes: who, when, which user, which product, before and after, request id. */
import { route } from '../shared/http/pipeline';
import { collectionResult, paging } from '../shared/http/paging';
import { licenseChangeView } from '../shared/http/views';
import * as c from '../shared/schemas/contracts';
import { audit } from '../shared/storage/audit';

route({
  name: 'listLicenseChanges',
  method: 'GET',
  route: 'v1.0/auditLogs/licenseChanges',
  tag: 'Audit',
  summary: 'License changes in the organization, newest first, paged; filter by userId, skuId or jobId',
  permission: 'read',
  query: c.auditQuery,
  response: c.collection(c.licenseChangeRecord),
  handler: async (ctx) => {
    const page = await audit.list(ctx.tenant.id, ...paging(ctx.query), {
      userId: ctx.query.userId,
      skuId: ctx.query.skuId,
      jobId: ctx.query.jobId,
    });
    return collectionResult(ctx.url, page.items.map(licenseChangeView), page.continuationToken);
  },
});
