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
import { Catalog } from '../../domain/catalog';
import { FINAL_STATUSES, jobChangeFor } from '../../domain/jobs';
import { availableUnits, countViolation, effectiveLicenses } from '../../domain/licensing';
import { Principal } from '../../domain/roles';
import { ApiError, ErrorCodes, Violation } from '../../errors';
import { log } from '../../log';
import { ChunkDoc, chunkId, JobDoc, JobItem, JobResult, jobs } from '../../storage/jobs';
import { audit } from '../../storage/audit';
import { AuditDoc, UserDoc } from '../../storage/documents';
import { subscriptions } from '../../storage/subscriptions';
import { users } from '../../storage/users';
import { createUser } from '../users';
import { applyChanges, decideCatalogPlans, decideDirect, forRules, jobAuditId } from '../../licensing';
import { chunkHoldSeats, chunkRecordMark, gained, lost, Settlement } from '../../licensing/chunkHold';
import { CHUNKS_IN_FLIGHT, ChunkMessage, enqueue, enqueueFirstChunks } from './queue';

const principalOf = (job: JobDoc): Principal => ({
  tenantId: job.tenantId,
  objectId: job.createdBy.id,
  displayName: job.createdBy.displayName,
  directoryRoles: job.createdBy.directoryRoles,
  appRoles: job.createdBy.appRoles,
  isApp: false,
});

/** A failed row: the first violation's code and parameters, every violation's message; with several, each as a detail. */
const failed = (item: JobItem, user: UserDoc | undefined, ...violations: Violation[]): JobResult => ({
  row: item.row,
  userId: user && user.id !== NEW_USER ? user.id : (item.userId ?? null),
  userPrincipalName: user?.userPrincipalName ?? item.userPrincipalName ?? null,
  status: 'failed',
  code: violations[0].code,
  message: violations.map((v) => v.message).join(' '),
  ...(violations[0].parameters ? { parameters: violations[0].parameters } : {}),
  ...(violations.length > 1 ? { details: violations.map(({ code, message, target, parameters }) => ({ code, message, target, parameters })) } : {}),
});

/** The chunk's users, read in bulk (by id, or by userPrincipalName); missing ones created if the import asks. */
async function resolveUsers(job: JobDoc, items: JobItem[]): Promise<Map<JobItem, UserDoc>> {
  const wanted = items.filter((i) => !i.error);
  const [byId, byUpn] = await Promise.all([
    users.getMany(
      job.tenantId,
      wanted.filter((i) => i.userId).map((i) => i.userId!),
    ),
    users.getManyByUpn(
      job.tenantId,
      wanted.filter((i) => !i.userId && i.userPrincipalName).map((i) => i.userPrincipalName!.toLowerCase()),
    ),
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
}

/** A chunk's seat hold is keyed by the chunk. */
const holdKey = (job: JobDoc, index: number) => chunkId(job.id, index);

/** The audit record of this job's change to a user (embedded in the user, else from the audit trail). */
async function jobRecord(job: JobDoc, user: UserDoc): Promise<AuditDoc | undefined> {
  if (user.lastLicenseChange?.jobId === job.id) return user.lastLicenseChange;
  return audit.get(job.tenantId, jobAuditId(job.id, user.id));
}

/** A job's change for one row: from the user as stored now (asked again if the user changes meanwhile). */
function rowChange(catalog: Catalog, job: JobDoc, item: JobItem) {
  return {
    userPatch: (doc: UserDoc) => ({
      ...(item.usageLocation ? { usageLocation: item.usageLocation } : {}),
      ...laterSignIn(doc, item.lastSignInDateTime),
    }),
    changeFor: (doc: UserDoc) => {
      const jc = jobChangeFor(catalog, job.request, doc.licenseAssignments, item.addLicenses ? { addLicenses: item.addLicenses } : undefined);
      if ('skip' in jc) throw new ApiError(409, SKIPPED, jc.skip);
      return jc.change;
    },
  };
}
const SKIPPED = 'skipped';

/** A row's sign-in date, unless the user already has a later one (the value never moves backwards). */
function laterSignIn(doc: UserDoc, at: string | undefined): Pick<UserDoc, 'signInActivity'> {
  const current = doc.signInActivity?.lastSignInDateTime;
  if (!at || (current && current >= at)) return {};
  return { signInActivity: { ...doc.signInActivity, lastSignInDateTime: at } };
}

async function runChunk(
  job: JobDoc,
  chunk: ChunkDoc,
  catalog: Catalog,
): Promise<{ results: JobResult[]; needed: Record<string, number>; settlement?: Settlement }> {
  const principal = principalOf(job);
  const now = new Date().toISOString();
  // the cached list is enough: seats are decided by the hold's conditional write, and a hold left by an
  // earlier delivery is found by that write failing
  const [subsDocs, usersByItem] = await Promise.all([subscriptions.forRules(job.tenantId), resolveUsers(job, chunk.items)]);
  const subs = new Map(subsDocs.map((d) => [d.skuId, forRules(d)]));
  const results = new Map<JobItem, JobResult>();
  const candidates: Candidate[] = [];
  /** Changes an earlier delivery of this chunk already made with the chunk's seat hold. */
  const done: AuditDoc[] = [];
  const rewrite: AuditDoc[] = [];
  const needed: Record<string, number> = {};

  for (const item of chunk.items) {
    let user = usersByItem.get(item);
    if (!user && job.phase === 'preview' && job.createMissingUsers && item.userPrincipalName && !item.error) user = wouldBeCreated(job, item);
    if (item.error) {
      results.set(item, failed(item, undefined, item.error));
      continue;
    }
    if (!user) {
      results.set(
        item,
        failed(item, undefined, {
          code: 'userNotFound',
          message: `No user ${item.userId ?? item.userPrincipalName} in this organization.${item.userPrincipalName ? ' Create the user, or import with createMissingUsers=true.' : ''}`,
          target: item.userId ?? item.userPrincipalName,
          parameters: { row: item.row, ...(item.userId ? { userId: item.userId } : {}) },
        }),
      );
      continue;
    }
    if (job.phase === 'apply' && user.appliedJobs?.includes(job.id)) {
      // a redelivered chunk: this user's change is already done
      const record = await jobRecord(job, user);
      if (record?.seatSource === 'jobHold') done.push(record);
      // the earlier delivery may have stopped before writing the audit trail: write it again (same id)
      if (record && record === user.lastLicenseChange) rewrite.push(record);
      results.set(item, {
        row: item.row,
        userId: user.id,
        userPrincipalName: user.userPrincipalName,
        status: 'succeeded',
        before: record?.before,
        after: record?.after,
      });
      continue;
    }
    if (job.phase === 'apply') {
      candidates.push({ item, user });
      continue;
    }
    // a preview: the same decision the engine would make, nothing written
    let decision;
    try {
      decision = decideDirect(principal, rowChange(catalog, job, item))(user, { catalog, subscriptions: subs, now, without: new Set() });
    } catch (e) {
      if (!(e instanceof ApiError && e.code === SKIPPED)) throw e;
      results.set(item, { row: item.row, userId: user.id, userPrincipalName: user.userPrincipalName, status: 'skipped', message: e.message });
      continue;
    }
    if (decision.violations.length) {
      results.set(item, failed(item, user, ...decision.violations));
      continue;
    }
    if (decision.unchanged) {
      results.set(item, { row: item.row, userId: user.id, userPrincipalName: user.userPrincipalName, status: 'skipped', message: NOTHING_TO_CHANGE });
      continue;
    }
    const held = new Set(effectiveLicenses(user.licenseAssignments).map((l) => l.skuId));
    for (const s of new Set(effectiveLicenses(decision.next).map((l) => l.skuId))) if (!held.has(s)) needed[s] = (needed[s] ?? 0) + 1;
    results.set(item, {
      row: item.row,
      userId: user.id === NEW_USER ? null : user.id,
      userPrincipalName: user.userPrincipalName,
      status: 'succeeded',
      message: job.dryRun ? `Would be applied${user.id === NEW_USER ? ' to a new user' : ''} (preview: nothing was changed).` : 'Checked.',
    });
  }
  const ordered = () => chunk.items.map((i) => results.get(i)!);
  if (job.phase === 'preview') return { results: ordered(), needed };

  // Apply: each user its own group (one failing never fails another), the chunk's seats from its hold,
  // one engine run: one bulk write of the users, one of their audit records.
  const seats = chunkHoldSeats({ tenantId: job.tenantId, key: holdKey(job, chunk.index), subs: subsDocs, done });
  // the catalog's job (a product gained or lost plans) decides its own change, audited as the catalog's
  const byCatalog = job.request.mode === 'servicePlans';
  const outcomes = await applyChanges({
    tenantId: job.tenantId,
    catalog,
    seats,
    mark: chunkRecordMark,
    groups: candidates.map((c) => ({
      principal,
      requestId: job.id,
      operation: byCatalog ? 'catalogServicePlans' : `licenseJob:${job.request.mode}`,
      jobId: job.id,
      changes: [
        {
          userId: c.user.id,
          current: c.user,
          decide: byCatalog ? decideCatalogPlans(job.request.servicePlanChanges ?? []) : decideDirect(principal, rowChange(catalog, job, c.item)),
        },
      ],
    })),
  });
  const written: AuditDoc[] = [];
  candidates.forEach((c, i) => {
    const o = outcomes[i];
    if (!o.ok) {
      // a store failure is the chunk's: thrown, the message comes back (what is done stays done)
      if (!(o.error instanceof ApiError)) throw o.error;
      const e = o.error;
      if (e.code === SKIPPED)
        results.set(c.item, { row: c.item.row, userId: c.user.id, userPrincipalName: c.user.userPrincipalName, status: 'skipped', message: e.message });
      else results.set(c.item, e.details?.length ? failed(c.item, c.user, ...e.details) : failed(c.item, c.user, { code: e.code, message: e.message }));
      return;
    }
    const u = o.users[0];
    if (!o.changed.has(u.id)) {
      results.set(c.item, { row: c.item.row, userId: u.id, userPrincipalName: u.userPrincipalName, status: 'skipped', message: NOTHING_TO_CHANGE });
      return;
    }
    const record = u.lastLicenseChange!;
    written.push(record);
    results.set(c.item, {
      row: c.item.row,
      userId: u.id,
      userPrincipalName: u.userPrincipalName,
      status: 'succeeded',
      before: record.before,
      after: record.after,
    });
  });
  await audit.write(rewrite);
  return { results: ordered(), needed, settlement: seats.settlement(written) };
}

const NOTHING_TO_CHANGE = 'Nothing to change: the user already has this.';

/** Settles each product's hold of a chunk once (the write is conditional on the hold still being there). */
async function settleHolds(job: JobDoc, index: number, settlement: Settlement): Promise<void> {
  await Promise.all(Object.entries(settlement).map(([sku, delta]) => subscriptions.settleHold(job.tenantId, sku, holdKey(job, index), delta)));
}

const cancelled = (item: JobItem): JobResult => ({
  row: item.row,
  userId: item.userId ?? null,
  userPrincipalName: item.userPrincipalName ?? null,
  status: 'skipped',
  code: 'jobCancelled',
  message: 'The job was cancelled before this user was processed; nothing was changed for them.',
});

/** Handles one chunk message, judged by the message's catalog snapshot. Safe to run twice, and concurrently with the job's other chunks. */
export async function processChunk(m: ChunkMessage, catalog: Catalog): Promise<void> {
  const job = await jobs.get(m.tenantId, m.jobId);
  if (!job) throw new Error(`license job ${m.jobId} not found (yet): retry`);
  if (FINAL_STATUSES.includes(job.status) || m.phase !== job.phase) return;
  if (job.status === 'queued') await jobs.set(job.tenantId, job.id, { status: 'running', startedDateTime: job.startedDateTime ?? new Date().toISOString() });
  const chunk = await jobs.getChunk(m.tenantId, m.jobId, m.chunk);
  if (!chunk) throw new Error(`chunk ${m.chunk} of job ${m.jobId} is missing`);

  // results saved means the users are done; the holds may still need settling (a stop in between)
  let saved = chunk.phase === job.phase && chunk.results ? chunk : null;
  if (!saved) {
    const run = job.cancel
      ? { results: chunk.items.map(cancelled), needed: {}, settlement: await cancelledSettlement(job, chunk) }
      : await runChunk(job, chunk, catalog);
    saved = { ...chunk, phase: job.phase, results: run.results, needed: run.needed, settlement: run.settlement ?? {} };
    await jobs.putChunk(saved);
  }
  await settleHolds(job, m.chunk, saved.settlement ?? {});
  await settleChunk(job, m.chunk, saved.results!, job.phase === 'preview' ? (saved.needed ?? {}) : {}, catalog);
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
async function settleChunk(job: JobDoc, index: number, results: JobResult[], needed: Record<string, number>, catalog: Catalog): Promise<void> {
  const next = index + CHUNKS_IN_FLIGHT;
  if (next < job.chunkCount) await enqueue({ tenantId: job.tenantId, jobId: job.id, chunk: next, phase: job.phase });
  const counts = { succeeded: 0, failed: 0, skipped: 0 };
  for (const r of results) counts[r.status]++;
  const updated = (await jobs.countChunk(job.tenantId, job.id, index, counts, needed)) ?? (await jobs.get(job.tenantId, job.id))!;
  if (updated.progress.chunksdone >= updated.chunkCount && !FINAL_STATUSES.includes(updated.status) && updated.phase === job.phase)
    await finish(updated, catalog);
}

async function finish(job: JobDoc, catalog: Catalog): Promise<void> {
  await endPhase(job, catalog);
  // ended (or waiting for nothing): the slot goes back to the tenant's budget
  const ended = await jobs.get(job.tenantId, job.id);
  if (ended && FINAL_STATUSES.includes(ended.status) && ended.slot !== undefined) await jobs.releaseSlot(job.tenantId, job.id, ended.slot);
}

async function endPhase(job: JobDoc, catalog: Catalog): Promise<void> {
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
      .map(([sku, n]) =>
        countViolation(
          catalog,
          sku,
          subs.get(sku) ?? { skuId: sku, capabilityStatus: 'Enabled', purchaseChannel: 'admin', totalLicenses: 0, consumedUnits: 0 },
          n,
        ),
      );
    if (short.length) {
      await jobs.set(job.tenantId, job.id, {
        status: 'failed',
        completedDateTime: now,
        error: {
          code: ErrorCodes.countViolation,
          message: `The job did not start because there are not enough seats; nothing was changed. ${short.map((v) => v.message).join(' ')}`,
          details: short,
        },
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
export async function failChunk(m: ChunkMessage, catalog: Catalog, reason = 'Processing this part of the job failed repeatedly.'): Promise<void> {
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
        return { row: item.row, userId: user.id, userPrincipalName: user.userPrincipalName, status: 'succeeded' as const, message: 'Applied.' };
      return failed(item, user, { code: 'chunkFailed', message: `${reason} Nothing was changed for this user; import the failed rows again to retry.` });
    });
    saved = { ...chunk, phase: job.phase, results, settlement: job.phase === 'apply' ? await doneSettlement(job, chunk) : {} };
    await jobs.putChunk(saved);
  }
  await settleHolds(job, m.chunk, saved.settlement ?? {});
  await settleChunk(job, m.chunk, saved.results!, {}, catalog);
}
