/**
 * Bulk license jobs (Active users > Manage product licenses over a large selection, and CSV imports).
 * HTTP accepts and validates a job and answers 202 with where to watch it; the queue-triggered functions
 * below do the work, chunk by chunk (shared/usecases/licenseJobs.ts).
 */
import { settings } from '../shared/config';
import { catalogCache } from '../shared/catalog/cache';
import { app, InvocationContext } from '@azure/functions';
import { z } from 'zod';
import { ApiError, ErrorCodes } from '../shared/errors';
import { boundedBody } from '../shared/http/body';
import { RequestContext, route } from '../shared/http/pipeline';
import { collectionResult, decodeSkipToken, DEFAULT_PAGE_SIZE, nextLink, paging } from '../shared/http/paging';
import { licenseJobView } from '../shared/http/views';
import { log } from '../shared/log';
import * as c from '../shared/schemas/contracts';
import { jobs } from '../shared/storage/jobs';
import { QUEUES } from '../shared/storage/queues';
import {
  cancelJob,
  ChunkMessage,
  createCsvJob,
  createSelectionJob,
  failChunk,
  getJob,
  jobResults,
  failedRowsCsv,
  processChunk,
} from '../shared/usecases/licenseJobs';
import { subscriptions } from '../shared/storage/subscriptions';

const MAX_SELECTION_BYTES = 8 * 1024 * 1024;
const MAX_CSV_BYTES = 32 * 1024 * 1024;
const jobParam = z.strictObject({ id: c.guid });

async function accepted(ctx: RequestContext<unknown, unknown, unknown>, started: { job: import('../shared/storage/jobs').JobDoc; created: boolean }) {
  const subs = await subscriptions.forRules(ctx.tenant.id);
  const view = licenseJobView(ctx.catalog, started.job, subs, ctx.url);
  return { status: 202, body: view, headers: { Location: view.resultsUrl.replace(/\/results$/, ''), 'Retry-After': '2' } };
}

const idempotencyKey = (ctx: RequestContext<unknown, unknown, unknown>) => {
  const key = ctx.request.headers.get('idempotency-key') ?? undefined;
  if (key !== undefined && (key.length < 1 || key.length > 200))
    throw new ApiError(400, ErrorCodes.invalidRequest, 'Idempotency-Key must be 1 to 200 characters.', 'Idempotency-Key');
  return key;
};

route({
  name: 'createLicenseJob',
  method: 'POST',
  route: 'v1.0/licenseJobs',
  tag: 'Bulk jobs',
  summary:
    'Start a bulk license job over a selection of users (add, replace, remove, unassignAll, swap; dryRun to preview). 202 with the job; Idempotency-Key makes a retry return the same job',
  permission: 'assignLicenses',
  body: c.createLicenseJobBody,
  maxBodyBytes: MAX_SELECTION_BYTES,
  response: c.licenseJob,
  status: 202,
  handler: async (ctx) => {
    const b = ctx.body;
    const started = await createSelectionJob(
      ctx,
      {
        request: { mode: b.mode, addLicenses: b.addLicenses, removeLicenses: b.removeLicenses, fromSkuId: b.fromSkuId, toSkuId: b.toSkuId },
        dryRun: b.dryRun,
        requireSeats: b.requireSeats,
        createMissingUsers: false,
        userIds: b.userIds,
        userPrincipalNames: b.userPrincipalNames,
      },
      idempotencyKey(ctx),
    );
    return accepted(ctx, started);
  },
});

route({
  name: 'importLicenseJob',
  method: 'POST',
  route: 'v1.0/licenseJobs/import',
  tag: 'Bulk jobs',
  summary:
    'Import a CSV (Content-Type text/csv; columns userPrincipalName, licenses (skuPartNumber or skuId, ; separated), disabledPlans, usageLocation, displayName) as a bulk job. Bad rows are reported, good rows applied',
  permission: 'assignLicenses',
  permissionFor: ({ query }) => (query.createMissingUsers ? 'manageUsers' : undefined),
  query: c.importLicenseJobQuery,
  rawBody: {
    contentType: 'text/csv',
    description:
      'One row per user: userPrincipalName, licenses (skuPartNumber or skuId, ; separated), disabledPlans, usageLocation, displayName, lastSignInDateTime',
  },
  response: c.licenseJob,
  status: 202,
  handler: async (ctx) => {
    const type = ctx.request.headers.get('content-type') ?? '';
    if (!/^(text\/csv|application\/csv|text\/plain)\b/i.test(type))
      throw new ApiError(415, ErrorCodes.unsupportedMediaType, `Send the CSV with Content-Type: text/csv (got ${type || 'none'}).`, 'Content-Type');
    const started = await createCsvJob(
      ctx,
      boundedBody(ctx.request, MAX_CSV_BYTES),
      {
        request: { mode: ctx.query.mode, addLicenses: [], removeLicenses: [] },
        dryRun: ctx.query.dryRun,
        requireSeats: ctx.query.requireSeats,
        createMissingUsers: ctx.query.createMissingUsers,
      },
      idempotencyKey(ctx),
    );
    return accepted(ctx, started);
  },
});

route({
  name: 'listLicenseJobs',
  method: 'GET',
  route: 'v1.0/licenseJobs',
  tag: 'Bulk jobs',
  summary: 'Bulk license jobs of the organization, newest first',
  permission: 'read',
  query: c.pageQuery,
  response: c.collection(c.licenseJob),
  handler: async (ctx) => {
    const [page, subs] = await Promise.all([jobs.list(ctx.tenant.id, ...paging(ctx.query)), subscriptions.forRules(ctx.tenant.id)]);
    return collectionResult(
      ctx.url,
      page.items.map((j) => licenseJobView(ctx.catalog, j, subs, ctx.url)),
      page.continuationToken,
    );
  },
});

route({
  name: 'getLicenseJob',
  method: 'GET',
  route: 'v1.0/licenseJobs/{id}',
  tag: 'Bulk jobs',
  summary: 'A job: status, counts, percent complete and estimated time left; in a preview, seats needed vs available per product',
  permission: 'read',
  params: jobParam,
  response: c.licenseJob,
  handler: async (ctx) => {
    const [job, subs] = await Promise.all([getJob(ctx.tenant.id, ctx.params.id), subscriptions.list(ctx.tenant.id)]);
    return { body: licenseJobView(ctx.catalog, job, subs, ctx.url) };
  },
});

route({
  name: 'listLicenseJobResults',
  method: 'GET',
  route: 'v1.0/licenseJobs/{id}/results',
  tag: 'Bulk jobs',
  summary: 'The result per user (what was done, or the rule that refused and how to fix it); status=failed for the failures only',
  permission: 'read',
  params: jobParam,
  query: c.jobResultsQuery,
  response: c.collection(c.jobResult),
  handler: async (ctx) => {
    // the skiptoken is the position of the next result: `+{chunk}.{index in the chunk}`
    const m = ctx.query.$skiptoken ? /^\+(\d+)(?:\.(\d+))?$/.exec(decodeSkipToken(`${ctx.query.$skiptoken}`) ?? '') : undefined;
    if (m === null) throw new ApiError(400, ErrorCodes.invalidRequest, 'The $skiptoken is not valid. Use the @odata.nextLink as it is.', '$skiptoken');
    const from = m ? { chunk: Number(m[1]), offset: Number(m[2] ?? 0) } : { chunk: 0, offset: 0 };
    const page = await jobResults(ctx.tenant.id, ctx.params.id, from, ctx.query.$top ?? DEFAULT_PAGE_SIZE, ctx.query.status);
    const link = nextLink(ctx.url, page.next === undefined ? undefined : `+${page.next.chunk}.${page.next.offset}`);
    return { body: { value: page.results, ...(link ? { '@odata.nextLink': link } : {}) } };
  },
});

route({
  name: 'downloadLicenseJobFailures',
  method: 'GET',
  route: 'v1.0/licenseJobs/{id}/failedRows',
  tag: 'Bulk jobs',
  summary: 'The failed rows as CSV (text/csv): the original columns plus errorCode and errorMessage, to fix and import again',
  permission: 'read',
  params: jobParam,
  handler: async (ctx) => {
    await getJob(ctx.tenant.id, ctx.params.id); // 404 before the stream starts
    return {
      stream: failedRowsCsv(ctx.catalog, ctx.tenant.id, ctx.params.id),
      headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="license-job-${ctx.params.id}-failed.csv"` },
    };
  },
});

route({
  name: 'cancelLicenseJob',
  method: 'POST',
  route: 'v1.0/licenseJobs/{id}/cancel',
  tag: 'Bulk jobs',
  summary: 'Cancel a job: what is done stays done and is reported; users not yet processed are skipped; no user is half-changed',
  permission: 'assignLicenses',
  params: jobParam,
  response: c.licenseJob,
  status: 202,
  handler: async (ctx) => {
    const [job, subs] = await Promise.all([cancelJob(ctx.tenant.id, ctx.params.id), subscriptions.forRules(ctx.tenant.id)]);
    return { status: 202, body: licenseJobView(ctx.catalog, job, subs, ctx.url) };
  },
});

// ---------------- queue triggers ----------------

function parseMessage(message: unknown, context: InvocationContext): ChunkMessage | undefined {
  const parsed = c.licenseJobChunkMessage.safeParse(message);
  if (!parsed.success) {
    // a malformed message can never succeed: log it and let it go rather than retrying it into poison
    log.error('malformed license job message dropped', { invocationId: context.invocationId, issues: parsed.error.issues.map((i) => i.message) });
    return undefined;
  }
  return parsed.data;
}

app.storageQueue('processLicenseJobChunk', {
  queueName: QUEUES.licenseJobs,
  connection: 'AzureWebJobsStorage',
  handler: async (message, context) => {
    const m = parseMessage(message, context);
    if (!m) return;
    const started = Date.now();
    await processChunk(m, await catalogCache(settings()).current());
    log.info('license job chunk', {
      tenantId: m.tenantId,
      jobId: m.jobId,
      chunk: m.chunk,
      phase: m.phase,
      dequeueCount: context.triggerMetadata?.dequeueCount,
      ms: Date.now() - started,
    });
  },
});

app.storageQueue('failLicenseJobChunk', {
  queueName: `${QUEUES.licenseJobs}-poison`,
  connection: 'AzureWebJobsStorage',
  handler: async (message, context) => {
    const m = parseMessage(message, context);
    if (!m) return;
    log.warn('license job chunk failed repeatedly', { tenantId: m.tenantId, jobId: m.jobId, chunk: m.chunk });
    await failChunk(m, await catalogCache(settings()).current());
  },
});
