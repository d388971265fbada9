/**
 * Storage of bulk license jobs (container `jobs`, partition key the tenant): the job, its chunks (the users
 * of one queue message, with their results once processed) and idempotency keys.
 *
 * Progress is counted exactly once per chunk by one conditional patch: the condition is that the chunk is
 * not yet marked done, so a chunk processed twice (queue redelivery) cannot count twice. Field names used in
 * conditions are lower case, as in the subscription's seat counter.
 */
import { createHash } from 'node:crypto';
import { JobRequest, JobStatus } from '../domain/jobs';
import { DirectoryRoleName } from '../domain/roles';
import { ErrorDetail, ErrorParameters, Violation } from '../errors';
import { PatchOperation } from '@azure/cosmos';
import { container, isCosmosError, patchDoc, readOf, setFields, tracked } from './cosmos';
import { releaseSlot, SlotDoc, takeSlot } from './slots';
import { Page } from './documents';
import { queryPage } from './queries';

export interface JobDoc {
  id: string;
  tenantId: string;
  type: 'licenseJob';
  source: 'selection' | 'csv' | 'catalog';
  request: JobRequest;
  /** source catalog: what the catalog version changed for this organization, and what was done to its groups. */
  catalogChange?: CatalogJobChange;
  dryRun: boolean;
  requireSeats: boolean;
  createMissingUsers: boolean;
  createdBy: { id: string; displayName: string; directoryRoles: DirectoryRoleName[]; appRoles: string[] };
  createdDateTime: string;
  startedDateTime: string | null;
  completedDateTime: string | null;
  status: JobStatus;
  /** `preview` first when the job is a dry run or must check seats before it starts; then `apply`. */
  phase: 'preview' | 'apply';
  total: number;
  chunkCount: number;
  /** done: chunk index -> true; chunksdone counts them; the rest are user counts. */
  progress: { done: Record<string, true>; chunksdone: number; succeeded: number; failed: number; skipped: number };
  /** Seats the users of the job need per product (dry run / seat check). */
  preview: { needed: Record<string, number> };
  cancel: boolean;
  error: (Violation & { details?: Violation[] }) | null;
  /** A hash of what the creating request asked (body and options): a retry with its Idempotency-Key must match. */
  requestFingerprint?: string;
  /** The tenant's job slot this job holds while queued or running (storage/slots.ts). */
  slot?: number;
  _etag?: string;
}

export interface CatalogJobChange {
  version: number;
  newServicePlans: 'enabled' | 'disabled';
  products: { skuId: string; skuPartNumber: string; plansAdded: string[]; plansRemoved: string[] }[];
  groups: { groupId: string; displayName: string; skuIds: string[] }[];
}

export interface JobItem {
  row: number;
  userId?: string;
  userPrincipalName?: string;
  displayName?: string;
  usageLocation?: string;
  /** CSV rows: Entra ID's last sign-in of the user (never moves a later one back). */
  lastSignInDateTime?: string;
  /** CSV rows: the products of this row (the job's request otherwise). */
  addLicenses?: { skuId: string; disabledPlans: string[] }[];
  /** A row that could not be read: reported failed as it is. */
  error?: Violation;
  /** The CSV record as given, for the failed-rows download. */
  raw?: Record<string, string>;
}

export interface JobResult {
  row: number;
  userId: string | null;
  userPrincipalName: string | null;
  status: 'succeeded' | 'failed' | 'skipped';
  code?: string;
  message?: string;
  /** A failed row: the parameters of `code` (as on an error detail). */
  parameters?: ErrorParameters;
  /** A failed row with several violations: each one (code, message, parameters). */
  details?: ErrorDetail[];
  before?: { skuId: string; disabledPlans: string[] }[];
  after?: { skuId: string; disabledPlans: string[] }[];
}

export interface ChunkDoc {
  id: string;
  tenantId: string;
  type: 'licenseJobChunk';
  jobId: string;
  index: number;
  phase: 'preview' | 'apply' | null;
  items: JobItem[];
  results: JobResult[] | null;
  /** Preview: seats the chunk's users need per product. */
  needed?: Record<string, number>;
  /** Apply: per product, the change to consumed that settles this chunk's seat hold. */
  settlement?: Record<string, number>;
}

export const chunkId = (jobId: string, index: number) => `${jobId}_${index}`;

/** Bulk jobs hold one of the tenant's job slots (MAX_ACTIVE_JOBS_PER_TENANT) while queued or running. */
const JOB_SLOTS = 'jobSlot';
const c = () => container('jobs');

async function read<T extends object>(id: string, tenantId: string): Promise<T | undefined> {
  const res = await tracked(() => c().item(id, tenantId).read<T>());
  return res.resource ?? undefined;
}

export const jobs = {
  get: (tenantId: string, jobId: string) => readOf<JobDoc>('jobs', jobId.toLowerCase(), tenantId, 'licenseJob'),
  getChunk: (tenantId: string, jobId: string, index: number) => readOf<ChunkDoc>('jobs', chunkId(jobId, index), tenantId, 'licenseJobChunk'),

  /** Creates the job; if it already exists (a retried create) returns the existing one. */
  async create(doc: JobDoc): Promise<JobDoc> {
    try {
      return (await tracked(() => c().items.create(doc))).resource as JobDoc;
    } catch (e) {
      if (isCosmosError(e, 409)) return (await jobs.get(doc.tenantId, doc.id))!;
      throw e;
    }
  },

  async putChunk(doc: ChunkDoc): Promise<void> {
    await tracked(() => c().items.upsert(doc));
  },

  /**
   * The job id an idempotency key stands for: the first create wins and later ones get its job id.
   * The key is hashed (any characters, bounded length) and scoped to the tenant by the partition.
   */
  async claimIdempotencyKey(tenantId: string, key: string, jobId: string): Promise<string> {
    const id = `idem-${createHash('sha256').update(key).digest('hex')}`;
    try {
      await tracked(() => c().items.create({ id, tenantId, type: 'idempotencyKey', jobId, createdDateTime: new Date().toISOString(), ttl: 7 * 24 * 3600 }));
      return jobId;
    } catch (e) {
      if (!isCosmosError(e, 409)) throw e;
      const existing = await read<{ jobId: string }>(id, tenantId);
      return existing!.jobId;
    }
  },

  /**
   * Counts one chunk's results into the job, once: false when that chunk was already counted.
   * Returns the job after the update (to see whether this was the last chunk).
   */
  async countChunk(
    tenantId: string,
    jobId: string,
    index: number,
    counts: { succeeded: number; failed: number; skipped: number },
    needed: Record<string, number> = {},
  ): Promise<JobDoc | undefined> {
    const ops: PatchOperation[] = [
      { op: 'set', path: `/progress/done/${index}`, value: true },
      { op: 'incr', path: '/progress/chunksdone', value: 1 },
      { op: 'incr', path: '/progress/succeeded', value: counts.succeeded },
      { op: 'incr', path: '/progress/failed', value: counts.failed },
      { op: 'incr', path: '/progress/skipped', value: counts.skipped },
      ...Object.entries(needed)
        .filter(([, n]) => n > 0)
        .map(([sku, n]): PatchOperation => ({ op: 'incr', path: `/preview/needed/${sku}`, value: n })),
    ];
    // at most 10 operations per patch: 5 counters + up to 5 products in one go (the one that counts), the rest after
    let doc = await patchDoc<JobDoc>('jobs', jobId, tenantId, ops.slice(0, 10), `not is_defined(c.progress.done["${index}"])`);
    for (let i = 10; doc && i < ops.length; i += 10) doc = await patchDoc<JobDoc>('jobs', jobId, tenantId, ops.slice(i, i + 10));
    return doc;
  },

  /** Sets fields of the job unconditionally (status changes are monotonic and idempotent). */
  async set(tenantId: string, jobId: string, fields: Partial<JobDoc>): Promise<JobDoc> {
    return (await patchDoc<JobDoc>('jobs', jobId, tenantId, setFields(fields)))!;
  },

  /** Starts the apply phase after a passed seat check: counters back to zero, once (gated on the phase). */
  async startApplyPhase(tenantId: string, jobId: string): Promise<boolean> {
    const started = await patchDoc<JobDoc>(
      'jobs',
      jobId,
      tenantId,
      setFields({ phase: 'apply', progress: { done: {}, chunksdone: 0, succeeded: 0, failed: 0, skipped: 0 }, status: 'running' }),
      `c.phase = 'preview'`,
    );
    return !!started;
  },

  /** A job slot for the job, or undefined when the tenant's jobs hold them all (see storage/slots.ts). */
  takeSlot: (tenantId: string, jobId: string, size: number, isOver: (held: SlotDoc) => Promise<boolean>) =>
    takeSlot('jobs', tenantId, JOB_SLOTS, size, jobId, isOver),
  releaseSlot: (tenantId: string, jobId: string, n: number) => releaseSlot('jobs', tenantId, JOB_SLOTS, n, jobId),

  list(tenantId: string, top: number, token?: string): Promise<Page<JobDoc>> {
    return queryPage<JobDoc>(
      'jobs',
      tenantId,
      `SELECT * FROM c WHERE c.tenantId = @tenantId AND c.type = 'licenseJob' ORDER BY c.createdDateTime DESC`,
      [],
      top,
      token,
    );
  },
};
