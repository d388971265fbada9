/** Reading a job: the job, its results page by page, its failed rows as CSV; and cancelling it. */
import { Catalog } from '../../domain/catalog';
import { FINAL_STATUSES } from '../../domain/jobs';
import { ApiError, ErrorCodes, notFound } from '../../errors';
import { JobDoc, JobResult, jobs } from '../../storage/jobs';
import { csvLine } from '../../csv';

export async function getJob(tenantId: string, jobId: string): Promise<JobDoc> {
  const job = await jobs.get(tenantId, jobId);
  if (!job) throw notFound('License job', jobId);
  return job;
}

export async function cancelJob(tenantId: string, jobId: string): Promise<JobDoc> {
  const job = await getJob(tenantId, jobId);
  if (FINAL_STATUSES.includes(job.status)) {
    throw new ApiError(409, ErrorCodes.conflict, `The job is already ${job.status}; there is nothing left to cancel.`, 'id');
  }
  return jobs.set(tenantId, jobId, { cancel: true });
}

/** Chunks one page of results may read: a filter that matches little (status=failed) pages on instead of reading the whole job. */
export const RESULT_CHUNKS_PER_PAGE = 20;

/**
 * A page of a job's results: at most `top`, from a position (chunk, index in the chunk's results). The
 * position of the next page is returned as it is, inside a chunk when the page ended there, so a page
 * never holds more than `top` whatever the chunk size; and a page reads at most RESULT_CHUNKS_PER_PAGE
 * chunks, so it may hold fewer (even none) and still link to the next, as Graph's pages may.
 */
export async function jobResults(tenantId: string, jobId: string, from: { chunk: number; offset: number }, top: number, status?: JobResult['status']) {
  const job = await getJob(tenantId, jobId);
  const out: JobResult[] = [];
  for (let chunk = from.chunk, offset = from.offset; chunk < job.chunkCount; chunk++, offset = 0) {
    if (chunk - from.chunk >= RESULT_CHUNKS_PER_PAGE) return { results: out, next: { chunk, offset: 0 } };
    const results = (await jobs.getChunk(tenantId, jobId, chunk))?.results ?? [];
    for (; offset < results.length; offset++) {
      if (out.length === top) return { results: out, next: { chunk, offset } };
      if (!status || results[offset].status === status) out.push(results[offset]);
    }
  }
  return { results: out, next: undefined };
}

/**
 * The products and plans a selection job gives, as the import's `licenses` and `disabledPlans` columns
 * (skuPartNumbers and servicePlanNames, `;`-separated): what to import again for its failed users.
 */
function selectionColumns(catalog: Catalog, job: JobDoc): { licenses: string; disabledPlans: string } {
  const r = job.request;
  const adds = r.mode === 'add' || r.mode === 'replace' ? r.addLicenses : r.mode === 'swap' && r.toSkuId ? [{ skuId: r.toSkuId, disabledPlans: [] }] : [];
  const names = adds.map((a) => catalog.product(a.skuId)?.skuPartNumber ?? a.skuId);
  const plans = [...new Set(adds.flatMap((a) => a.disabledPlans.map((p) => catalog.plan(p)?.servicePlanName ?? p)))];
  return { licenses: names.join(';'), disabledPlans: plans.join(';') };
}

/**
 * The failed rows as CSV, to fix and import again: the import's columns (userPrincipalName, licenses,
 * disabledPlans, usageLocation, displayName, lastSignInDateTime) then userId and the error. For an import, the row as it was
 * given; for a selection, the user and the products the job gave (add and replace jobs import as they
 * are; for other modes the file lists whom to retry). Streams chunk by chunk.
 */
export async function* failedRowsCsv(catalog: Catalog, tenantId: string, jobId: string): AsyncGenerator<string> {
  const job = await getJob(tenantId, jobId);
  yield csvLine([
    'userPrincipalName',
    'licenses',
    'disabledPlans',
    'usageLocation',
    'displayName',
    'lastSignInDateTime',
    'userId',
    'errorCode',
    'errorMessage',
  ]);
  const selection = job.source === 'selection' ? selectionColumns(catalog, job) : undefined;
  for (let index = 0; index < job.chunkCount; index++) {
    const chunk = await jobs.getChunk(tenantId, jobId, index);
    if (!chunk?.results) continue;
    const byRow = new Map(chunk.items.map((i) => [i.row, i]));
    for (const r of chunk.results) {
      if (r.status !== 'failed') continue;
      const item = byRow.get(r.row);
      const raw = item?.raw ?? {};
      const pick = (name: string) => Object.entries(raw).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];
      const upn = r.userPrincipalName ?? item?.userPrincipalName;
      const values = selection
        ? [upn, selection.licenses, selection.disabledPlans, '', '', '']
        : [
            pick('userPrincipalName') ?? upn,
            pick('licenses') ?? pick('skus'),
            pick('disabledPlans'),
            pick('usageLocation'),
            pick('displayName'),
            pick('lastSignInDateTime') ?? pick('Last sign-in'),
          ];
      yield csvLine([...values, r.userId ?? item?.userId, r.code, r.message]);
    }
  }
}
