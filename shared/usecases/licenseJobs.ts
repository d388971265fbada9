/**
 * Bulk license jobs: an HTTP call validates and stores the job (its users split into chunks that fit a
 * queue message), answers 202, and queue-triggered functions do the work chunk by chunk with the same
 * rules and seat mechanism as interactive calls.
 *
 * - At-least-once delivery: every chunk is idempotent. A user written by a job carries the job id
 *   (`appliedJobs`), so a redelivered chunk sees that user's change is done; audit records have a fixed id
 *   per (job, user); a chunk's results are counted into the job once (conditional patch on `done`).
 * - Seats are reserved for a whole chunk per product in one conditional write; when fewer are left, the
 *   seats that remain are reserved and the chunk's remaining users fail with CountViolation.
 * - Fairness: a job keeps at most CHUNKS_IN_FLIGHT chunk messages in the queue; finishing chunk i enqueues
 *   chunk i + CHUNKS_IN_FLIGHT (before it is counted, so a crash can only duplicate a message, never lose
 *   one). A huge job therefore never fills the queue ahead of another tenant's small job.
 * - A chunk that keeps failing lands in `license-jobs-poison`, whose function reports its users (done or
 *   failed) and moves the job on, so a job never hangs "running".
 * - Preview (dry run) evaluates every user and counts the seats needed, changing nothing. A job that must
 *   not start without enough seats runs the preview first, then applies if the seats are there.
 */
import { createHash, randomUUID } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream';
import { CsvError, parse } from 'csv-parse';
import { z } from 'zod';
import { licenseJobChunkMessage, MAX_JOB_USERS } from '../schemas/contracts';
import { catalog } from '../domain/catalog';
import { checkJobRequest, FINAL_STATUSES, JobRequest, jobChangeFor, readCsvRecord } from '../domain/jobs';
import { availableUnits, countViolation, evaluateLicenseChange, LicenseChangeOutcome } from '../domain/licensing';
import { Principal } from '../domain/roles';
import { ApiError, ErrorCodes, notFound, Violation } from '../errors';
import { log } from '../log';
import { settings } from '../config';
import { ChunkDoc, chunkId, JobDoc, JobItem, JobResult, jobs } from '../storage/jobs';
import { QUEUES, sendMessage } from '../storage/queues';
import { audit } from '../storage/audit';
import { AuditDoc, UserDoc } from '../storage/documents';
import { subscriptions } from '../storage/subscriptions';
import { users } from '../storage/users';
import { createUser } from './directory';
import { csvLine } from '../csv';
import { applyLicenseChanges, auditRecordFor, forRules, jobAuditId, withSkus } from './licenseChanges';
import { Caller } from './licenses';

export const CHUNK_SIZE = 100;
/** Characters in one CSV record: a user principal name (113), a few products and plans fit many times over. */
export const MAX_CSV_RECORD_CHARS = 4096;
export const CHUNKS_IN_FLIGHT = 4;
/** A job slot whose job was never stored (its creation stopped half-way) is free again after this long. */
const ABANDONED_SLOT_MS = 15 * 60_000;

export type ChunkMessage = z.infer<typeof licenseJobChunkMessage>;

const enqueue = (m: ChunkMessage) => sendMessage(QUEUES.licenseJobs, m);

async function enqueueFirstChunks(job: JobDoc): Promise<void> {
  const n = Math.min(CHUNKS_IN_FLIGHT, job.chunkCount);
  await Promise.all(Array.from({ length: n }, (_, chunk) => enqueue({ tenantId: job.tenantId, jobId: job.id, chunk, phase: job.phase })));
}

// ---------------- creating a job ----------------

export interface JobOptions {
  request: JobRequest;
  dryRun: boolean;
  requireSeats: boolean;
  createMissingUsers: boolean;
}

function newJob(caller: Caller, id: string, source: JobDoc['source'], o: JobOptions, total: number, chunkCount: number): JobDoc {
  const skus = [...o.request.addLicenses.map((a) => a.skuId), o.request.toSkuId].filter((s): s is string => !!s);
  return {
    id,
    tenantId: caller.tenant.id,
    type: 'licenseJob',
    source,
    request: o.request,
    dryRun: o.dryRun,
    requireSeats: o.requireSeats,
    createMissingUsers: o.createMissingUsers,
    createdBy: { id: caller.principal.objectId, displayName: caller.principal.displayName, directoryRoles: caller.principal.directoryRoles, appRoles: caller.principal.appRoles },
    createdDateTime: new Date().toISOString(),
    startedDateTime: null,
    completedDateTime: null,
    status: chunkCount ? 'queued' : 'completed',
    phase: o.dryRun || o.requireSeats ? 'preview' : 'apply',
    total,
    chunkCount,
    progress: { done: {}, chunksdone: 0, succeeded: 0, failed: 0, skipped: 0 },
    preview: { needed: Object.fromEntries(skus.map((s) => [s.toLowerCase(), 0])) },
    cancel: false,
    error: null,
  };
}

/**
 * Starts a job once per idempotency key: a retried create returns the same job (and re-sends its first
 * messages if it never started, in case the first attempt stopped between storing and enqueueing).
 */
async function startOnce(
  caller: Caller,
  idempotencyKey: string | undefined,
  /** The request's fingerprint (a hash of what it asks): a retry must ask the same, or it is refused. */
  fingerprint: () => Promise<string>,
  build: (jobId: string) => Promise<JobDoc>,
): Promise<{ job: JobDoc; created: boolean }> {
  let jobId: string = randomUUID();
  if (idempotencyKey) jobId = await jobs.claimIdempotencyKey(caller.tenant.id, idempotencyKey, jobId);
  const existing = await jobs.get(caller.tenant.id, jobId);
  if (existing) {
    // the same key for another request is a client error (IETF Idempotency-Key draft: 422), never the first job
    if (existing.requestFingerprint && existing.requestFingerprint !== (await fingerprint())) {
      throw new ApiError(
        422,
        'idempotencyKeyReused',
        'This Idempotency-Key was already used for a different request (another body or options). Use a new key for a new job, or send the first request again unchanged.',
        'Idempotency-Key',
      );
    }
    if (existing.status === 'queued' && existing.progress.chunksdone === 0) await enqueueFirstChunks(existing);
    return { job: existing, created: false };
  }
  // bulk work is budgeted per tenant too: a few jobs at a time, so one tenant cannot fill the queue. The
  // slot is taken before any work, atomically (see jobs.takeSlot), and given back when the job ends.
  const max = settings().MAX_ACTIVE_JOBS_PER_TENANT;
  const slot = await jobs.takeSlot(caller.tenant.id, jobId, max, async (held) => {
    const job = await jobs.get(caller.tenant.id, held.holder);
    // no job yet: still being stored (a large CSV streaming in), unless its creation was abandoned long ago
    if (!job) return Date.now() - Date.parse(held.takenDateTime) > ABANDONED_SLOT_MS;
    return FINAL_STATUSES.includes(job.status);
  });
  if (slot === undefined) {
    throw new ApiError(429, 'TooManyRequests', `Your organization already has ${max} bulk license jobs queued or running. Wait for one to finish (GET /v1.0/licenseJobs) and try again.`, undefined, undefined, {
      'Retry-After': '30',
    });
  }
  let job: JobDoc;
  try {
    job = await jobs.create({ ...(await build(jobId)), slot });
  } catch (e) {
    await jobs.releaseSlot(caller.tenant.id, jobId, slot).catch(() => undefined); // else freed once seen as ended
    throw e;
  }
  if (job.chunkCount) await enqueueFirstChunks(job);
  else await jobs.releaseSlot(caller.tenant.id, job.id, slot);
  return { job, created: true };
}

async function writeChunks(tenantId: string, jobId: string, items: JobItem[], startIndex = 0): Promise<number> {
  let index = startIndex;
  const pending: Promise<void>[] = [];
  for (let i = 0; i < items.length; i += CHUNK_SIZE) {
    pending.push(jobs.putChunk({ id: chunkId(jobId, index), tenantId, type: 'licenseJobChunk', jobId, index, phase: null, items: items.slice(i, i + CHUNK_SIZE), results: null }));
    index++;
    if (pending.length >= 8) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);
  return index;
}

export async function createSelectionJob(caller: Caller, o: JobOptions & { userIds: string[]; userPrincipalNames: string[] }, idempotencyKey?: string) {
  const problems = checkJobRequest(o.request);
  if (problems.length) throw new ApiError(400, ErrorCodes.invalidRequest, problems.map((p) => p.message).join(' '), problems[0].target, problems);
  const ids = [...new Set(o.userIds.map((i) => i.toLowerCase()))];
  const upns = [...new Set(o.userPrincipalNames.map((u) => u.toLowerCase()))];
  const items: JobItem[] = [...ids.map((userId, i) => ({ row: i + 1, userId })), ...upns.map((userPrincipalName, i) => ({ row: ids.length + i + 1, userPrincipalName }))];
  const fingerprint = sha256(JSON.stringify({ ...o, userIds: ids, userPrincipalNames: upns }));
  return startOnce(caller, idempotencyKey, async () => fingerprint, async (jobId) => {
    const chunkCount = await writeChunks(caller.tenant.id, jobId, items);
    return { ...newJob(caller, jobId, 'selection', o, items.length, chunkCount), requestFingerprint: fingerprint };
  });
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('base64url');

/** A stream passed through unchanged while its bytes are hashed: digest() once it has ended. */
function hashing(source: Readable): Readable & { digest(): string } {
  const hash = createHash('sha256');
  const out = source.pipe(
    new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        done(null, chunk);
      },
    }),
  ) as Transform & { digest(): string };
  source.on('error', (e) => out.destroy(e)); // pipe() does not pass errors on: the reader must see the 413
  let digest: string | undefined;
  out.digest = () => (digest ??= hash.digest('base64url'));
  return out;
}

/** Reads a CSV as it streams in, writing chunk documents as they fill: memory stays bounded by a chunk. */
export async function createCsvJob(caller: Caller, body: Readable, o: JobOptions, idempotencyKey?: string) {
  const csv = hashing(body);
  const options = JSON.stringify({ mode: o.request.mode, dryRun: o.dryRun, requireSeats: o.requireSeats, createMissingUsers: o.createMissingUsers });
  // a retry with a key already used: the file must be the same one (read to the end to know)
  const fingerprint = async () => {
    for await (const chunk of csv) void chunk;
    return sha256(`${options}\n${csv.digest()}`);
  };
  const problems = checkJobRequest({ ...o.request, addLicenses: [{ skuId: catalog.all()[0].skuId, disabledPlans: [] }] });
  if (problems.length) throw new ApiError(400, ErrorCodes.invalidRequest, problems.map((p) => p.message).join(' '), problems[0].target, problems);
  const mode = o.request.mode === 'replace' ? 'replace' : 'add';
  return startOnce(caller, idempotencyKey, fingerprint, async (jobId) => {
    // pipeline, not pipe: an error of the body (413 past the size limit) reaches the parser and this loop
    const parser = parse({
      columns: (header: string[]) => header.map((h) => h.trim()),
      skip_empty_lines: true,
      trim: true,
      bom: true,
      relax_column_count: true,
      // no license row is anywhere near this long: a longer one is refused before any cell is looked at
      max_record_size: MAX_CSV_RECORD_CHARS,
    });
    pipeline(csv, parser, () => undefined);
    let batch: JobItem[] = [];
    let chunkCount = 0;
    let total = 0;
    const skus = new Set<string>();
    let headerChecked = false;
    try {
      for await (const record of parser as AsyncIterable<Record<string, string>>) {
        if (!headerChecked) {
          headerChecked = true;
          if (!Object.keys(record).some((k) => ['userprincipalname', 'upn'].includes(k.toLowerCase())))
            throw new ApiError(400, ErrorCodes.invalidRequest, `The CSV needs a header row with a userPrincipalName column (found: ${Object.keys(record).join(', ')}).`, 'userPrincipalName');
        }
        total++;
        if (total > MAX_JOB_USERS)
          throw new ApiError(400, ErrorCodes.invalidRequest, `The CSV has more than ${MAX_JOB_USERS} rows; a job takes at most ${MAX_JOB_USERS} users. Split the file and import each part.`, 'body');
        const row = readCsvRecord(record, total + 1, mode); // +1: the header is line 1
        if ('error' in row) batch.push({ row: row.row, userPrincipalName: row.userPrincipalName || undefined, error: row.error, raw: record });
        else {
          row.addLicenses.forEach((a) => skus.add(a.skuId));
          batch.push({ row: row.row, userPrincipalName: row.userPrincipalName, displayName: row.displayName, usageLocation: row.usageLocation, addLicenses: row.addLicenses, raw: record });
        }
        if (batch.length === CHUNK_SIZE) {
          chunkCount = await writeChunks(caller.tenant.id, jobId, batch, chunkCount);
          batch = [];
        }
      }
    } catch (e) {
      // only the file's own faults are the caller's (a store error is a store error: 503, 500)
      if (e instanceof CsvError) {
        const tooLong = e.code === 'CSV_MAX_RECORD_SIZE';
        throw new ApiError(
          400,
          ErrorCodes.invalidRequest,
          tooLong ? `A row of the CSV is longer than ${MAX_CSV_RECORD_CHARS} characters (near line ${Number(e.lines ?? 0)}). Check the file.` : `The CSV could not be read: ${e.message.slice(0, 300)}`,
          'body',
        );
      }
      throw e;
    } finally {
      parser.destroy();
    }
    if (!total) throw new ApiError(400, ErrorCodes.invalidRequest, 'The CSV has no rows: give a header row and one row per user.', 'body');
    chunkCount = await writeChunks(caller.tenant.id, jobId, batch, chunkCount);
    const job = newJob(caller, jobId, 'csv', o, total, chunkCount);
    job.preview.needed = Object.fromEntries([...skus].map((s) => [s, 0]));
    job.requestFingerprint = sha256(`${options}\n${csv.digest()}`);
    return job;
  });
}

// ---------------- reading and cancelling ----------------

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
function selectionColumns(job: JobDoc): { licenses: string; disabledPlans: string } {
  const r = job.request;
  const adds = r.mode === 'add' || r.mode === 'replace' ? r.addLicenses : r.mode === 'swap' && r.toSkuId ? [{ skuId: r.toSkuId, disabledPlans: [] }] : [];
  const names = adds.map((a) => catalog.product(a.skuId)?.skuPartNumber ?? a.skuId);
  const plans = [...new Set(adds.flatMap((a) => a.disabledPlans.map((p) => catalog.plan(p)?.servicePlanName ?? p)))];
  return { licenses: names.join(';'), disabledPlans: plans.join(';') };
}

/**
 * The failed rows as CSV, to fix and import again: the import's columns (userPrincipalName, licenses,
 * disabledPlans, usageLocation, displayName) then userId and the error. For an import, the row as it was
 * given; for a selection, the user and the products the job gave (add and replace jobs import as they
 * are; for other modes the file lists whom to retry). Streams chunk by chunk.
 */
export async function* failedRowsCsv(tenantId: string, jobId: string): AsyncGenerator<string> {
  const job = await getJob(tenantId, jobId);
  yield csvLine(['userPrincipalName', 'licenses', 'disabledPlans', 'usageLocation', 'displayName', 'userId', 'errorCode', 'errorMessage']);
  const selection = job.source === 'selection' ? selectionColumns(job) : undefined;
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
        ? [upn, selection.licenses, selection.disabledPlans, '', '']
        : [pick('userPrincipalName') ?? upn, pick('licenses') ?? pick('skus'), pick('disabledPlans'), pick('usageLocation'), pick('displayName')];
      yield csvLine([...values, r.userId ?? item?.userId, r.code, r.message]);
    }
  }
}

// ---------------- processing a chunk (queue trigger) ----------------

const principalOf = (job: JobDoc): Principal => ({
  tenantId: job.tenantId,
  objectId: job.createdBy.id,
  displayName: job.createdBy.displayName,
  directoryRoles: job.createdBy.directoryRoles,
  appRoles: job.createdBy.appRoles,
  isApp: false,
});

const failed = (item: JobItem, user: UserDoc | undefined, v: Violation): JobResult => ({
  row: item.row,
  userId: user && user.id !== NEW_USER ? user.id : (item.userId ?? null),
  userPrincipalName: user?.userPrincipalName ?? item.userPrincipalName ?? null,
  status: 'failed',
  code: v.code,
  message: v.message,
});

/** The chunk's users, read in bulk (by id, or by userPrincipalName); missing ones created if the import asks. */
async function resolveUsers(job: JobDoc, items: JobItem[]): Promise<Map<JobItem, UserDoc>> {
  const wanted = items.filter((i) => !i.error);
  const [byId, byUpn] = await Promise.all([
    users.getMany(job.tenantId, wanted.filter((i) => i.userId).map((i) => i.userId!)),
    users.getManyByUpn(job.tenantId, wanted.filter((i) => !i.userId && i.userPrincipalName).map((i) => i.userPrincipalName!.toLowerCase())),
  ]);
  const found = new Map<JobItem, UserDoc>();
  await Promise.all(
    wanted.map(async (item) => {
      let user = item.userId ? byId.get(item.userId.toLowerCase()) : byUpn.get(item.userPrincipalName!.toLowerCase());
      if (!user && item.userPrincipalName && job.createMissingUsers && job.phase === 'apply') {
        try {
          user = await createUser(job.tenantId, {
            displayName: item.displayName ?? item.userPrincipalName.split('@')[0],
            userPrincipalName: item.userPrincipalName,
            usageLocation: item.usageLocation ?? null,
            accountEnabled: true,
            userType: 'Member',
          });
        } catch (e) {
          // created by an earlier delivery of this chunk: use that user
          if (!(e instanceof ApiError && e.status === 409)) throw e;
          user = await users.findByUpn(job.tenantId, item.userPrincipalName);
        }
      }
      if (user) found.set(item, user);
    }),
  );
  return found;
}

const NEW_USER = 'new-user';

/** In a preview, a row whose user would be created by the import: checked as that new user. */
const wouldBeCreated = (job: JobDoc, item: JobItem): UserDoc => ({
  id: NEW_USER,
  tenantId: job.tenantId,
  type: 'user',
  displayName: item.displayName ?? item.userPrincipalName!.split('@')[0],
  userPrincipalName: item.userPrincipalName!,
  mail: null,
  usageLocation: item.usageLocation ?? null,
  accountEnabled: true,
  userType: 'Member',
  department: null,
  jobTitle: null,
  createdDateTime: new Date().toISOString(),
  licenseAssignments: [],
  skuIds: [],
  search: { displayName: '', userPrincipalName: '' },
});

interface Candidate {
  item: JobItem;
  user: UserDoc;
  outcome: LicenseChangeOutcome;
  change: ReturnType<typeof jobChangeFor> & { change: unknown };
}

/** Per product, the change to `consumed` that settles a chunk's hold (see settleHolds). */
export type Settlement = Record<string, number>;

/** A chunk's seat hold is keyed by the chunk. */
const holdKey = (job: JobDoc, index: number) => chunkId(job.id, index);
const hasSku = (list: { skuId: string }[] | undefined, sku: string) => !!list?.some((l) => l.skuId === sku);
/** Seats a job change took (product gained) or gave back (product lost), from its audit record. */
const gained = (records: AuditDoc[], sku: string) => records.filter((r) => hasSku(r.after, sku) && !hasSku(r.before, sku)).length;
const lost = (records: AuditDoc[], sku: string) => records.filter((r) => hasSku(r.before, sku) && !hasSku(r.after, sku)).length;
const touchedSkus = (records: AuditDoc[]) => records.flatMap((r) => [...r.before, ...r.after].map((l) => l.skuId));

/** The audit record of this job's change to a user (embedded in the user, else from the audit trail). */
async function jobRecord(job: JobDoc, user: UserDoc): Promise<AuditDoc | undefined> {
  if (user.lastLicenseChange?.jobId === job.id) return user.lastLicenseChange;
  return audit.get(job.tenantId, jobAuditId(job.id, user.id));
}

async function runChunk(job: JobDoc, chunk: ChunkDoc): Promise<{ results: JobResult[]; needed: Record<string, number>; settlement?: Settlement }> {
  const principal = principalOf(job);
  const now = new Date().toISOString();
  // the cached list is enough: seats are decided by the hold's conditional write, and a hold left by an
  // earlier delivery is found by that write failing (holdUpTo reads the subscription then)
  const [subsDocs, usersByItem] = await Promise.all([subscriptions.forRules(job.tenantId), resolveUsers(job, chunk.items)]);
  const subs = new Map(subsDocs.map((d) => [d.skuId, forRules(d)]));
  const results = new Map<JobItem, JobResult>();
  const candidates: Candidate[] = [];
  /** Changes an earlier delivery of this chunk already made with the chunk's seat hold. */
  const done: AuditDoc[] = [];
  const rewrite: AuditDoc[] = [];

  for (const item of chunk.items) {
    let user = usersByItem.get(item);
    if (!user && job.phase === 'preview' && job.createMissingUsers && item.userPrincipalName && !item.error) user = wouldBeCreated(job, item);
    if (item.error) {
      results.set(item, failed(item, undefined, item.error));
      continue;
    }
    if (!user) {
      results.set(item, failed(item, undefined, { code: 'userNotFound', message: `No user ${item.userId ?? item.userPrincipalName} in this organization.${item.userPrincipalName ? ' Create the user, or import with createMissingUsers=true.' : ''}`, target: item.userId ?? item.userPrincipalName }));
      continue;
    }
    if (job.phase === 'apply' && user.appliedJobs?.includes(job.id)) {
      // a redelivered chunk: this user's change is already done
      const record = await jobRecord(job, user);
      if (record?.seatSource === 'jobHold') done.push(record);
      // the earlier delivery may have stopped before writing the audit trail: write it again (same id)
      if (record && record === user.lastLicenseChange) rewrite.push(record);
      results.set(item, { row: item.row, userId: user.id, userPrincipalName: user.userPrincipalName, status: 'succeeded', before: record?.before, after: record?.after });
      continue;
    }
    const doc = item.usageLocation ? { ...user, usageLocation: item.usageLocation } : user;
    const jc = jobChangeFor(job.request, doc.licenseAssignments, item.addLicenses ? { addLicenses: item.addLicenses } : undefined);
    if ('skip' in jc) {
      results.set(item, { row: item.row, userId: user.id, userPrincipalName: user.userPrincipalName, status: 'skipped', message: jc.skip });
      continue;
    }
    const outcome = evaluateLicenseChange({ principal, user: doc, subscriptions: subs, change: jc.change, now, checkSeats: false });
    if (outcome.violations.length) {
      results.set(item, failed(item, user, { code: outcome.violations[0].code, message: outcome.violations.map((v) => v.message).join(' ') }));
      continue;
    }
    if (outcome.unchanged && doc.usageLocation === user.usageLocation) {
      results.set(item, { row: item.row, userId: user.id, userPrincipalName: user.userPrincipalName, status: 'skipped', message: 'Nothing to change: the user already has this.' });
      continue;
    }
    candidates.push({ item, user: doc, outcome, change: jc });
  }

  const needed: Record<string, number> = {};
  for (const c of candidates) for (const s of c.outcome.seatsToReserve) needed[s] = (needed[s] ?? 0) + 1;
  const ordered = () => chunk.items.map((i) => results.get(i)!);

  if (job.phase === 'preview') {
    for (const c of candidates)
      results.set(c.item, {
        row: c.item.row,
        userId: c.user.id === NEW_USER ? null : c.user.id,
        userPrincipalName: c.user.userPrincipalName,
        status: 'succeeded',
        message: job.dryRun ? `Would be applied${c.user.id === NEW_USER ? ' to a new user' : ''} (preview: nothing was changed).` : 'Checked.',
      });
    return { results: ordered(), needed };
  }

  // Seats for the whole chunk, one hold per product, kept in the subscription document: a redelivery
  // finds the hold and reuses what is left of it. When seats are short, the first users get what is left.
  const key = holdKey(job, chunk.index);
  const stored = new Map(subsDocs.map((d) => [d.skuId, d.seat.holds?.[key]]));
  const touched = new Set([...Object.keys(needed), ...candidates.flatMap((c) => c.outcome.seatsToRelease), ...touchedSkus(done)]);
  const hold = new Map<string, number>();
  const free = new Map<string, number>();
  for (const sku of touched) {
    const existing = stored.get(sku);
    const value = existing ?? (await holdUpTo(job.tenantId, sku, key, needed[sku] ?? 0));
    hold.set(sku, value);
    free.set(sku, value - gained(done, sku));
  }
  const granted: Candidate[] = [];
  for (const c of candidates) {
    const short = c.outcome.seatsToReserve.find((s) => (free.get(s) ?? 0) < 1);
    if (short) {
      const s = subs.get(short)!;
      results.set(c.item, failed(c.item, c.user, countViolation(short, { ...s, consumedUnits: s.totalLicenses }, 1, c.user.id)));
      continue;
    }
    for (const s of c.outcome.seatsToReserve) free.set(s, free.get(s)! - 1);
    granted.push(c);
  }

  const caller = { tenant: { id: job.tenantId }, principal, requestId: job.id, operation: `licenseJob:${job.request.mode}`, jobId: job.id };
  const written: AuditDoc[] = [];
  const records = granted.map((c) => ({ ...auditRecordFor(caller, c.user, c.outcome, c.change.change as never, now), seatSource: 'jobHold' as const }));
  const outcomes = await users.replaceManyIfMatch(granted.map((c, i) => ({ doc: withSkus(c.user, c.outcome, records[i]), etag: c.user._etag! })));
  faultAfterUserWrites(outcomes.filter(Boolean).length);
  await Promise.all(
    granted.map(async (c, i) => {
      if (outcomes[i]) {
        written.push(records[i]);
        results.set(c.item, { row: c.item.row, userId: c.user.id, userPrincipalName: c.user.userPrincipalName, status: 'succeeded', before: records[i].before, after: records[i].after });
        return;
      }
      // the user changed meanwhile: apply this one user the interactive way (its own seats, not the hold's)
      results.set(c.item, await applyOne(job, c.item, principal));
    }),
  );
  await audit.write([...rewrite, ...written]);
  const all = [...done, ...written];
  const settlement: Settlement = Object.fromEntries([...touched].map((sku) => [sku, gained(all, sku) - hold.get(sku)! - lost(all, sku)]));
  return { results: ordered(), needed, settlement };
}

/**
 * Chaos hook for the worker-kill test (test/integration/workerKill.test.ts): with
 * LICENSE_JOB_FAULT_KILL_AFTER_USERS=N the process kills itself (SIGKILL, no cleanup) once it has written
 * N users, right after a chunk's user writes and before its audit records, settlement and results. Unset
 * everywhere else; nothing in infra/ sets it.
 */
let usersWritten = 0;
function faultAfterUserWrites(n: number): void {
  const limit = Number(process.env.LICENSE_JOB_FAULT_KILL_AFTER_USERS ?? 0);
  usersWritten += n;
  if (limit > 0 && n > 0 && usersWritten >= limit) process.kill(process.pid, 'SIGKILL');
}

/** Settles each product's hold of a chunk once (the write is conditional on the hold still being there). */
async function settleHolds(job: JobDoc, index: number, settlement: Settlement): Promise<void> {
  await Promise.all(Object.entries(settlement).map(([sku, delta]) => subscriptions.settleHold(job.tenantId, sku, holdKey(job, index), delta)));
}

/** Holds n seats for a chunk, or as many as are left (never more than the limit). Returns the hold. */
async function holdUpTo(tenantId: string, skuId: string, key: string, n: number): Promise<number> {
  let want = n;
  for (let attempt = 0; attempt < 5; attempt++) {
    if (await subscriptions.createHold(tenantId, skuId, key, want)) return want;
    const fresh = await subscriptions.get(tenantId, skuId);
    if (!fresh) return 0;
    const existing = fresh.seat.holds?.[key];
    if (existing !== undefined) return existing; // created by another delivery of this chunk
    want = Math.min(n, Math.max(0, fresh.seat.limit - fresh.seat.consumed));
  }
  return 0;
}

async function applyOne(job: JobDoc, item: JobItem, principal: Principal): Promise<JobResult> {
  try {
    const userId = item.userId ?? (await users.findByUpn(job.tenantId, item.userPrincipalName!))?.id;
    const { users: [u], changed } = await applyLicenseChanges({
      tenant: { id: job.tenantId },
      principal,
      requestId: job.id,
      operation: `licenseJob:${job.request.mode}`,
      jobId: job.id,
      changes: [
        {
          userId: userId!,
          userPatch: item.usageLocation ? { usageLocation: item.usageLocation } : undefined,
          changeFor: (doc) => {
            const jc = jobChangeFor(job.request, doc.licenseAssignments, item.addLicenses ? { addLicenses: item.addLicenses } : undefined);
            if ('skip' in jc) throw new ApiError(409, 'skipped', jc.skip);
            return jc.change;
          },
        },
      ],
    });
    return { row: item.row, userId: u.id, userPrincipalName: u.userPrincipalName, status: changed.has(u.id) ? 'succeeded' : 'skipped' };
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    if (e.code === 'skipped') return { row: item.row, userId: item.userId ?? null, userPrincipalName: item.userPrincipalName ?? null, status: 'skipped', message: e.message };
    return failed(item, undefined, { code: e.code, message: e.message });
  }
}

const cancelled = (item: JobItem): JobResult => ({
  row: item.row,
  userId: item.userId ?? null,
  userPrincipalName: item.userPrincipalName ?? null,
  status: 'skipped',
  code: 'jobCancelled',
  message: 'The job was cancelled before this user was processed; nothing was changed for them.',
});

/** Handles one chunk message. Safe to run twice, and concurrently with the job's other chunks. */
export async function processChunk(m: ChunkMessage): Promise<void> {
  const job = await jobs.get(m.tenantId, m.jobId);
  if (!job) throw new Error(`license job ${m.jobId} not found (yet): retry`);
  if (FINAL_STATUSES.includes(job.status) || m.phase !== job.phase) return;
  if (job.status === 'queued') await jobs.set(job.tenantId, job.id, { status: 'running', startedDateTime: job.startedDateTime ?? new Date().toISOString() });
  const chunk = await jobs.getChunk(m.tenantId, m.jobId, m.chunk);
  if (!chunk) throw new Error(`chunk ${m.chunk} of job ${m.jobId} is missing`);

  // results saved means the users are done; the holds may still need settling (a stop in between)
  let saved = chunk.phase === job.phase && chunk.results ? chunk : null;
  if (!saved) {
    const run = job.cancel ? { results: chunk.items.map(cancelled), needed: {}, settlement: await cancelledSettlement(job, chunk) } : await runChunk(job, chunk);
    saved = { ...chunk, phase: job.phase, results: run.results, needed: run.needed, settlement: run.settlement ?? {} };
    await jobs.putChunk(saved);
  }
  await settleHolds(job, m.chunk, saved.settlement ?? {});
  await settleChunk(job, m.chunk, saved.results!, job.phase === 'preview' ? (saved.needed ?? {}) : {});
}

/** A cancelled job's chunk that an earlier delivery had started: settle what that delivery did. */
async function cancelledSettlement(job: JobDoc, chunk: ChunkDoc): Promise<Settlement> {
  return job.phase === 'apply' ? doneSettlement(job, chunk) : {};
}

/** The settlement of a chunk from the users an earlier delivery already changed (redelivery, poison, cancel). */
async function doneSettlement(job: JobDoc, chunk: ChunkDoc): Promise<Settlement> {
  const key = holdKey(job, chunk.index);
  const holds = (await subscriptions.list(job.tenantId)).filter((d) => d.seat.holds?.[key] !== undefined);
  if (!holds.length) return {};
  const found = await resolveUsers({ ...job, createMissingUsers: false }, chunk.items);
  const done: AuditDoc[] = [];
  for (const user of found.values()) {
    if (!user.appliedJobs?.includes(job.id)) continue;
    const record = await jobRecord(job, user);
    if (record?.seatSource === 'jobHold') done.push(record);
  }
  return Object.fromEntries(holds.map((d) => [d.skuId, gained(done, d.skuId) - d.seat.holds![key] - lost(done, d.skuId)]));
}

/** After a chunk has results: keep the chain of messages going, count it once, finish the job if last. */
async function settleChunk(job: JobDoc, index: number, results: JobResult[], needed: Record<string, number>): Promise<void> {
  const next = index + CHUNKS_IN_FLIGHT;
  if (next < job.chunkCount) await enqueue({ tenantId: job.tenantId, jobId: job.id, chunk: next, phase: job.phase });
  const counts = { succeeded: 0, failed: 0, skipped: 0 };
  for (const r of results) counts[r.status]++;
  const updated = (await jobs.countChunk(job.tenantId, job.id, index, counts, needed)) ?? (await jobs.get(job.tenantId, job.id))!;
  if (updated.progress.chunksdone >= updated.chunkCount && !FINAL_STATUSES.includes(updated.status) && updated.phase === job.phase) await finish(updated);
}

async function finish(job: JobDoc): Promise<void> {
  await endPhase(job);
  // ended (or waiting for nothing): the slot goes back to the tenant's budget
  const ended = await jobs.get(job.tenantId, job.id);
  if (ended && FINAL_STATUSES.includes(ended.status) && ended.slot !== undefined) await jobs.releaseSlot(job.tenantId, job.id, ended.slot);
}

async function endPhase(job: JobDoc): Promise<void> {
  const now = new Date().toISOString();
  if (job.cancel) {
    await jobs.set(job.tenantId, job.id, { status: 'cancelled', completedDateTime: now });
    return;
  }
  if (job.phase === 'preview' && !job.dryRun) {
    // the seat check before a job that must not start without enough seats
    const subs = new Map((await subscriptions.list(job.tenantId)).map((d) => [d.skuId, forRules(d)]));
    const short = Object.entries(job.preview.needed)
      .filter(([sku, n]) => n > 0 && (!subs.get(sku) || availableUnits(subs.get(sku)!) < n))
      .map(([sku, n]) => countViolation(sku, subs.get(sku) ?? { skuId: sku, capabilityStatus: 'Enabled', purchaseChannel: 'admin', totalLicenses: 0, consumedUnits: 0 }, n));
    if (short.length) {
      await jobs.set(job.tenantId, job.id, {
        status: 'failed',
        completedDateTime: now,
        error: { code: ErrorCodes.countViolation, message: `The job did not start because there are not enough seats; nothing was changed. ${short.map((v) => v.message).join(' ')}` },
      });
      return;
    }
    if (await jobs.startApplyPhase(job.tenantId, job.id)) await enqueueFirstChunks({ ...job, phase: 'apply' });
    return;
  }
  await jobs.set(job.tenantId, job.id, { status: job.progress.failed > 0 ? 'completedWithErrors' : 'completed', completedDateTime: now });
}

/**
 * A chunk that failed maxDequeueCount times: report its users — done where the job's marker shows the
 * change landed, failed otherwise — and move the job on so it ends.
 */
export async function failChunk(m: ChunkMessage, reason = 'Processing this part of the job failed repeatedly.'): Promise<void> {
  const job = await jobs.get(m.tenantId, m.jobId);
  const chunk = job && (await jobs.getChunk(m.tenantId, m.jobId, m.chunk));
  if (!job || !chunk || m.phase !== job.phase || FINAL_STATUSES.includes(job.status)) {
    log.warn('poison license job message dropped', { tenantId: m.tenantId, jobId: m.jobId, chunk: m.chunk });
    return;
  }
  let saved = chunk.phase === job.phase && chunk.results ? chunk : null;
  if (!saved) {
    const found = await resolveUsers({ ...job, createMissingUsers: false }, chunk.items);
    const results = chunk.items.map((item) => {
      const user = found.get(item);
      if (job.phase === 'apply' && user?.appliedJobs?.includes(job.id))
        return { row: item.row, userId: user.id, userPrincipalName: user.userPrincipalName, status: 'succeeded', message: 'Applied.' } as JobResult;
      return failed(item, user, { code: 'chunkFailed', message: `${reason} Nothing was changed for this user; import the failed rows again to retry.` });
    });
    saved = { ...chunk, phase: job.phase, results, settlement: job.phase === 'apply' ? await doneSettlement(job, chunk) : {} };
    await jobs.putChunk(saved);
  }
  await settleHolds(job, m.chunk, saved.settlement ?? {});
  await settleChunk(job, m.chunk, saved.results!, {});
}
