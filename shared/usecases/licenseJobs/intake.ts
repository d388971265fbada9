/** Creating a job: a selection or a CSV import, validated and stored in chunks, once per Idempotency-Key, within the tenant's job slots. */
import { createHash, randomUUID } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream';
import { CsvError, parse } from 'csv-parse';
import { MAX_JOB_USERS } from '../../schemas/contracts';
import { checkJobRequest, FINAL_STATUSES, JobRequest, readCsvRecord } from '../../domain/jobs';
import { ApiError, ErrorCodes } from '../../errors';
import { settings } from '../../config';
import { chunkId, JobDoc, JobItem, jobs } from '../../storage/jobs';
import { Caller } from '../licenses';
import { CHUNK_SIZE, enqueueFirstChunks } from './queue';

/** Characters in one CSV record: a user principal name (113), a few products and plans fit many times over. */
export const MAX_CSV_RECORD_CHARS = 4096;
/** A job slot whose job was never stored (its creation stopped half-way) is free again after this long. */
const ABANDONED_SLOT_MS = 15 * 60_000;

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
    createdBy: {
      id: caller.principal.objectId,
      displayName: caller.principal.displayName,
      directoryRoles: caller.principal.directoryRoles,
      appRoles: caller.principal.appRoles,
    },
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
    throw new ApiError(
      429,
      'TooManyRequests',
      `Your organization already has ${max} bulk license jobs queued or running. Wait for one to finish (GET /v1.0/licenseJobs) and try again.`,
      undefined,
      undefined,
      {
        'Retry-After': '30',
      },
    );
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

/** Stores a job's users in chunk documents of CHUNK_SIZE (a queue message names one); the number of chunks. */
export async function writeChunks(tenantId: string, jobId: string, items: JobItem[], startIndex = 0): Promise<number> {
  let index = startIndex;
  const pending: Promise<void>[] = [];
  for (let i = 0; i < items.length; i += CHUNK_SIZE) {
    pending.push(
      jobs.putChunk({
        id: chunkId(jobId, index),
        tenantId,
        type: 'licenseJobChunk',
        jobId,
        index,
        phase: null,
        items: items.slice(i, i + CHUNK_SIZE),
        results: null,
      }),
    );
    index++;
    if (pending.length >= 8) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);
  return index;
}

export async function createSelectionJob(caller: Caller, o: JobOptions & { userIds: string[]; userPrincipalNames: string[] }, idempotencyKey?: string) {
  const problems = checkJobRequest(caller.catalog, o.request);
  if (problems.length) throw new ApiError(400, ErrorCodes.invalidRequest, problems.map((p) => p.message).join(' '), problems[0].target, problems);
  const ids = [...new Set(o.userIds.map((i) => i.toLowerCase()))];
  const upns = [...new Set(o.userPrincipalNames.map((u) => u.toLowerCase()))];
  const items: JobItem[] = [
    ...ids.map((userId, i) => ({ row: i + 1, userId })),
    ...upns.map((userPrincipalName, i) => ({ row: ids.length + i + 1, userPrincipalName })),
  ];
  const fingerprint = sha256(JSON.stringify({ ...o, userIds: ids, userPrincipalNames: upns }));
  return startOnce(
    caller,
    idempotencyKey,
    async () => fingerprint,
    async (jobId) => {
      const chunkCount = await writeChunks(caller.tenant.id, jobId, items);
      return { ...newJob(caller, jobId, 'selection', o, items.length, chunkCount), requestFingerprint: fingerprint };
    },
  );
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
  // the products come with the rows: only the mode's own needs are checked here
  const problems = checkJobRequest(caller.catalog, o.request).filter((p) => p.target !== 'addLicenses');
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
            throw new ApiError(
              400,
              ErrorCodes.invalidRequest,
              `The CSV needs a header row with a userPrincipalName column (found: ${Object.keys(record).join(', ')}).`,
              'userPrincipalName',
            );
        }
        total++;
        if (total > MAX_JOB_USERS)
          throw new ApiError(
            400,
            ErrorCodes.invalidRequest,
            `The CSV has more than ${MAX_JOB_USERS} rows; a job takes at most ${MAX_JOB_USERS} users. Split the file and import each part.`,
            'body',
          );
        const row = readCsvRecord(caller.catalog, record, total + 1, mode, Date.now()); // +1: the header is line 1
        if ('error' in row) batch.push({ row: row.row, userPrincipalName: row.userPrincipalName || undefined, error: row.error, raw: record });
        else {
          row.addLicenses.forEach((a) => skus.add(a.skuId));
          batch.push({
            row: row.row,
            userPrincipalName: row.userPrincipalName,
            displayName: row.displayName,
            usageLocation: row.usageLocation,
            ...(row.lastSignInDateTime ? { lastSignInDateTime: row.lastSignInDateTime } : {}),
            addLicenses: row.addLicenses,
            raw: record,
          });
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
          tooLong
            ? `A row of the CSV is longer than ${MAX_CSV_RECORD_CHARS} characters (near line ${Number(e.lines ?? 0)}). Check the file.`
            : `The CSV could not be read: ${e.message.slice(0, 300)}`,
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
