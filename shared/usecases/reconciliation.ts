/**
 * The scheduled license reconciliation (timer `reconcileLicenses`, and on demand): per tenant, under a
 * lease, it
 *   1. moves subscriptions whose lifecycle date has passed: Enabled -> Warning -> Suspended -> Deleted
 *      (the existing conditional update, pinned on `gen`);
 *   2. applies what Deleted means: each user loses that product (If-Match per user, audited with operation
 *      'reconciliation') and its seat is released;
 *   3. reads the tenant's users once, a page at a time, and from that one pass
 *      - recounts every product's holders and repairs the seat counter (see the argument below),
 *      - flags over-assignment (more holders than enabled units) with the users over the line,
 *      - re-creates audit records lost to a crash (changes since the previous run, minus a margin),
 *      - finds the accounts the tenant's reclaim policy points at;
 *   4. reclaims their licenses when the policy is not a dry run;
 *   5. runs the steps other modules registered (registerReconciliationStep), e.g. group licensing;
 * and stores a report of what it found and did.
 *
 * Why the seat repair never under-counts, with admins, bulk jobs and other instances at work (no
 * multi-document transactions): every writer keeps `consumed >= seats held` at every moment (reserve before
 * the user write, release after; a bulk chunk's seats sit in a hold until it settles them). The repair reads
 * the counter (S1), counts the holders, reads the counter again (S2), and writes only if S1 and S2 are the
 * same version and the document is still that version at the write (If-Match on its etag): no reservation,
 * release, hold or quantity change happened in between, so the count is consistent with that counter. What
 * the count cannot see is taken care of by the pure decision (shared/domain/reconciliation.ts decideSeats):
 * a reservation made before S1 whose user write had not landed when the user was read (the counter is
 * lowered only after it has been still for RECONCILIATION_SEAT_GRACE_SECONDS, longer than a request holds a
 * reservation), a release still on its way after a user write (users whose last change removed the product
 * within that period count as holders), a running job's chunk hold (the product is left alone until the
 * job ends). Raising is always safe. When the counter keeps moving, the product is reported "busy" and the
 * next run counts again. Two runs at once are kept apart by the lease; should a lease expire under a stalled
 * run, every write above is still conditional (etag, gen, If-Match per user), so nothing is applied twice.
 */
import { randomUUID } from 'node:crypto';
import { settings } from '../config';
import { FINAL_STATUSES } from '../domain/jobs';
import { LicenseChangeOutcome } from '../domain/licensing';
import {
  auditCheckSince,
  decideSeats,
  DEFAULT_RECLAIM_POLICY,
  dueTransitions,
  heldSince,
  HoldInfo,
  HoldJobState,
  holdJobId,
  LifecycleTransition,
  NewestHolders,
  OverAssignment,
  overAssignment,
  pendingReleases,
  ReclaimPolicy,
  reclaimCandidate,
  withoutDeletedProduct,
} from '../domain/reconciliation';
import { Principal } from '../domain/roles';
import { checkSubscriptionChange } from '../domain/subscriptions';
import { ApiError } from '../errors';
import { log } from '../log';
import { jobs } from '../storage/jobs';
import {
  existingAuditIds,
  LeaseDoc,
  leases,
  reclaimPolicies,
  ReclaimPolicyDoc,
  reconciliationReports,
  REPORT_TTL_SECONDS,
  ScannedUser,
  seatCounter,
  tenantIdPages,
  userPages,
  usersWithProduct,
  WithTs,
} from '../storage/reconciliation';
import { audit } from '../storage/audit';
import { AuditDoc, SubscriptionDoc, TenantDoc, UserDoc } from '../storage/documents';
import { subscriptions } from '../storage/subscriptions';
import { tenants } from '../storage/tenants';
import { users } from '../storage/users';
import { applyLicenseChanges, auditRecordFor, forRules, withSkus } from './licenseChanges';

/** A run holds its tenant's lease this long, renewed as it goes. */
export const LEASE_MS = 2 * 60_000;
const RENEW_AFTER_MS = 30_000;
const USER_PAGE = 500;
/** Users listed per product, candidate list, etc. in a report (counts are always complete). */
export const REPORT_LIST_CAP = 200;
const SEAT_ATTEMPTS = 3;
const TENANTS_AT_ONCE = 4;

// ---------------- the report ----------------

export interface SeatReport {
  skuId: string;
  skuPartNumber: string;
  capabilityStatus: string;
  consumedBefore: number;
  consumedAfter: number;
  /** Users holding the product (active paths), as counted. */
  holders: number;
  /** Users whose recent change removed the product: their seat release may still be on its way. */
  pendingReleases: number;
  action: 'none' | 'repaired' | 'deferred';
  reason?: 'jobRunning' | 'recentSeatActivity' | 'unreadableUsers' | 'busy';
  message?: string;
  staleHoldsRemoved: (HoldInfo & { reason: string })[];
  liveHolds: HoldInfo[];
}

export interface ReconciliationReport {
  id: string;
  tenantId: string;
  trigger: 'timer' | 'onDemand';
  requestedBy: { id: string; displayName: string } | null;
  status: 'completed' | 'completedWithErrors' | 'skipped';
  /** skipped: why (another run holds the tenant's lease). */
  reason?: 'alreadyRunning';
  runningUntil?: string;
  startedDateTime: string;
  completedDateTime: string | null;
  durationMs: number | null;
  summary: {
    seatsRepaired: number;
    seatsDeferred: number;
    staleHoldsRemoved: number;
    lifecycleTransitions: number;
    assignmentsRemoved: number;
    overAssignedProducts: number;
    auditRecordsRecreated: number;
    reclaimCandidates: number;
    licensesReclaimed: number;
  };
  seats: SeatReport[];
  lifecycle: (LifecycleTransition & { subscriptionId: string; skuId: string; skuPartNumber: string })[];
  deletedProducts: { skuId: string; skuPartNumber: string; usersChanged: number; seatsReleased: number; users: string[]; failed: { userId: string; message: string }[] }[];
  overAssignments: (OverAssignment & { skuId: string; skuPartNumber: string; capabilityStatus: string })[];
  /** Products back within their enabled units since the previous run: their window is closed. */
  overAssignmentsResolved: { skuId: string; skuPartNumber: string; overAssignedSince: string }[];
  auditRecords: { checkedSince: string | null; checked: number; recreated: number; recreatedIds: string[] };
  reclaim: {
    policy: ReclaimPolicy;
    candidates: number;
    users: { userId: string; userPrincipalName: string; displayName: string; disabledDateTime: string; disabledDays: number; reclaim: string[]; inherited: string[]; kept: string[] }[];
    actions: { userId: string; status: 'reclaimed' | 'skipped' | 'failed'; removed: string[]; message?: string }[];
    /** Disabled accounts without a disable date (disabled before it was recorded): dated now, counted from today. */
    disableDatesRecorded: number;
  };
  /** Results of the steps other modules registered (registerReconciliationStep), by name. */
  steps: Record<string, object>;
  unreadableUsers: string[];
  errors: { step: string; message: string }[];
}

function newReport(id: string, tenantId: string, o: RunOptions, started: Date): ReconciliationReport {
  return {
    id,
    tenantId,
    trigger: o.trigger,
    requestedBy: o.requestedBy ?? null,
    status: 'completed',
    startedDateTime: started.toISOString(),
    completedDateTime: null,
    durationMs: null,
    summary: {
      seatsRepaired: 0,
      seatsDeferred: 0,
      staleHoldsRemoved: 0,
      lifecycleTransitions: 0,
      assignmentsRemoved: 0,
      overAssignedProducts: 0,
      auditRecordsRecreated: 0,
      reclaimCandidates: 0,
      licensesReclaimed: 0,
    },
    seats: [],
    lifecycle: [],
    deletedProducts: [],
    overAssignments: [],
    overAssignmentsResolved: [],
    auditRecords: { checkedSince: null, checked: 0, recreated: 0, recreatedIds: [] },
    reclaim: { policy: DEFAULT_RECLAIM_POLICY, candidates: 0, users: [], actions: [], disableDatesRecorded: 0 },
    steps: {},
    unreadableUsers: [],
    errors: [],
  };
}

function summarise(r: ReconciliationReport): void {
  r.summary = {
    seatsRepaired: r.seats.filter((s) => s.action === 'repaired').length,
    seatsDeferred: r.seats.filter((s) => s.action === 'deferred').length,
    staleHoldsRemoved: r.seats.reduce((n, s) => n + s.staleHoldsRemoved.length, 0),
    lifecycleTransitions: r.lifecycle.length,
    assignmentsRemoved: r.deletedProducts.reduce((n, d) => n + d.usersChanged, 0),
    overAssignedProducts: r.overAssignments.length,
    auditRecordsRecreated: r.auditRecords.recreated,
    reclaimCandidates: r.reclaim.candidates,
    licensesReclaimed: r.reclaim.actions.filter((a) => a.status === 'reclaimed').reduce((n, a) => n + a.removed.length, 0),
  };
}

// ---------------- steps other modules add (group licensing) ----------------

export interface ReconciliationStepContext {
  runId: string;
  /** The run's start (ISO). */
  now: string;
  /** Call now and then in a long step: renews the tenant's lease (throws when another run took it over). */
  keepAlive(): Promise<void>;
}

/** A step of another module: returns what it found and did (stored under its name in the report's `steps`). */
export type ReconciliationStep = (tenant: TenantDoc, report: Readonly<ReconciliationReport>, context: ReconciliationStepContext) => Promise<object>;

const registeredSteps = new Map<string, ReconciliationStep>();

/**
 * Adds a step to every tenant's reconciliation, run after the reconciliation's own steps, in registration
 * order, under the same lease. A step that throws is reported (its error under its name and in `errors`)
 * and does not stop the others. Registering a name again replaces that step.
 */
export function registerReconciliationStep(name: string, step: ReconciliationStep): void {
  registeredSteps.set(name, step);
}

/** Runs the registered steps into the report (exported for tests). */
export async function runRegisteredSteps(tenant: TenantDoc, report: ReconciliationReport, context: ReconciliationStepContext): Promise<void> {
  for (const [name, step] of registeredSteps) {
    try {
      report.steps[name] = await step(tenant, report, context);
    } catch (e) {
      if (e instanceof LeaseLostError) throw e;
      const message = e instanceof Error ? e.message : String(e);
      report.steps[name] = { error: message };
      report.errors.push({ step: name, message });
    }
  }
}

// ---------------- lease ----------------

export class LeaseLostError extends Error {
  constructor() {
    super('The run lost its lease on the tenant (it expired and another run took it over); it stopped here.');
  }
}

class LeaseKeeper {
  private renewedAt = Date.now();
  lost = false;
  constructor(public doc: LeaseDoc) {}

  async keepAlive(): Promise<void> {
    if (this.lost) throw new LeaseLostError();
    if (Date.now() - this.renewedAt < RENEW_AFTER_MS) return;
    const renewed = await leases.renew(this.doc, LEASE_MS);
    if (!renewed) {
      this.lost = true;
      throw new LeaseLostError();
    }
    this.doc = renewed;
    this.renewedAt = Date.now();
  }
}

// ---------------- one tenant ----------------

export interface RunOptions {
  trigger: 'timer' | 'onDemand';
  requestedBy?: { id: string; displayName: string } | null;
}

interface Run {
  tenantId: string;
  runId: string;
  now: string;
  report: ReconciliationReport;
  lease: LeaseKeeper;
  graceSeconds: number;
  policy: ReclaimPolicy;
  principal: Principal;
  jobStates: Map<string, HoldJobState>;
  auditChecked: boolean;
  /** Filled by the scan for the reclaim step. */
  disabledWithoutDate: string[];
  subscriptionsAfterScan: SubscriptionDoc[];
}

/** Who the reconciliation's own changes are attributed to in the audit trail. */
const systemPrincipal = (tenantId: string): Principal => ({
  tenantId,
  objectId: 'license-reconciliation',
  displayName: 'License reconciliation',
  // guests' licenses too (a Global Administrator's reach); the reconciliation only removes, never adds
  directoryRoles: ['GlobalAdministrator'],
  appRoles: [],
  isApp: true,
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * Reconciles one tenant. Returns the report (stored as well), or a report with status 'skipped' (not
 * stored) when another run holds the tenant's lease.
 */
export async function reconcileTenant(tenantId: string, o: RunOptions): Promise<ReconciliationReport> {
  const runId = randomUUID();
  const started = new Date();
  const report = newReport(runId, tenantId, o, started);
  const claim = await leases.acquire(tenantId, runId, LEASE_MS);
  if (!('lease' in claim)) {
    report.status = 'skipped';
    report.reason = 'alreadyRunning';
    report.runningUntil = claim.expiresDateTime;
    report.completedDateTime = new Date().toISOString();
    report.durationMs = Date.now() - started.getTime();
    log.info('reconciliation skipped: another run holds the tenant', { tenantId, runId, trigger: o.trigger, heldBy: claim.heldBy, until: claim.expiresDateTime });
    return report;
  }
  const lease = new LeaseKeeper(claim.lease);
  const run: Run = {
    tenantId,
    runId,
    now: started.toISOString(),
    report,
    lease,
    graceSeconds: settings().RECONCILIATION_SEAT_GRACE_SECONDS,
    policy: DEFAULT_RECLAIM_POLICY,
    principal: systemPrincipal(tenantId),
    jobStates: new Map(),
    auditChecked: false,
    disabledWithoutDate: [],
    subscriptionsAfterScan: [],
  };
  const step = async (name: string, fn: (run: Run) => Promise<void>) => {
    try {
      await fn(run);
    } catch (e) {
      if (e instanceof LeaseLostError) throw e;
      report.errors.push({ step: name, message: messageOf(e) });
      log.warn('reconciliation step failed', { tenantId, runId, step: name, error: messageOf(e) });
    }
  };
  try {
    const tenant = (await tenants.get(tenantId)) ?? ({ id: tenantId, tenantId } as TenantDoc);
    run.policy = (await reclaimPolicies.get(tenantId))?.reclaimDisabledAccounts ?? DEFAULT_RECLAIM_POLICY;
    report.reclaim.policy = run.policy;
    await step('lifecycle', lifecycleStep);
    await lease.keepAlive();
    await step('deletedProducts', deletedProductsStep);
    await lease.keepAlive();
    await step('scan', (r) => scanStep(r, claim.lease.auditCheckedFrom));
    await lease.keepAlive();
    await step('reclaim', reclaimStep);
    await lease.keepAlive();
    await runRegisteredSteps(tenant, report, { runId, now: run.now, keepAlive: () => lease.keepAlive() });
  } catch (e) {
    report.errors.push({ step: e instanceof LeaseLostError ? 'lease' : 'run', message: messageOf(e) });
    log.error('reconciliation stopped', { tenantId, runId, error: messageOf(e) });
  } finally {
    report.status = report.errors.length ? 'completedWithErrors' : 'completed';
    report.completedDateTime = new Date().toISOString();
    report.durationMs = Date.now() - started.getTime();
    summarise(report);
    try {
      await reconciliationReports.put({ ...report, type: 'reconciliationReport', ttl: REPORT_TTL_SECONDS, createdDateTime: report.startedDateTime });
    } catch (e) {
      log.error('reconciliation report not stored', { tenantId, runId, error: messageOf(e) });
    }
    if (!lease.lost) {
      await leases
        .release(lease.doc, {
          lastRun: { runId, startedDateTime: report.startedDateTime, completedDateTime: report.completedDateTime, status: report.status },
          ...(run.auditChecked ? { auditCheckedFrom: report.startedDateTime } : {}),
        })
        .catch((e) => log.warn('reconciliation lease not released (it expires)', { tenantId, runId, error: messageOf(e) }));
    }
  }
  log.info('reconciliation', { tenantId, runId, trigger: o.trigger, status: report.status, ms: report.durationMs, ...report.summary });
  return report;
}

/** The timer: every tenant, a page of tenants at a time, a few at once. */
export async function reconcileAllTenants(o: RunOptions): Promise<{ tenants: number; completed: number; completedWithErrors: number; skipped: number; failed: number }> {
  const tally = { tenants: 0, completed: 0, completedWithErrors: 0, skipped: 0, failed: 0 };
  for await (const ids of tenantIdPages(50)) {
    for (let i = 0; i < ids.length; i += TENANTS_AT_ONCE) {
      await Promise.all(
        ids.slice(i, i + TENANTS_AT_ONCE).map(async (id) => {
          tally.tenants++;
          try {
            tally[(await reconcileTenant(id, o)).status]++;
          } catch (e) {
            tally.failed++;
            log.error('reconciliation of a tenant failed', { tenantId: id, error: messageOf(e) });
          }
        }),
      );
    }
  }
  return tally;
}

// ---------------- 1. lifecycle by date ----------------

async function lifecycleStep(run: Run): Promise<void> {
  for (const listed of await subscriptions.list(run.tenantId)) {
    let doc: SubscriptionDoc | undefined = listed;
    let done = false;
    for (let attempt = 0; attempt < 4 && doc && !done; attempt++) {
      done = true;
      for (const t of dueTransitions(doc, run.now)) {
        const problems = checkSubscriptionChange(forRules(doc), { status: t.to });
        if (problems.length) throw new Error(problems.map((p) => p.message).join(' '));
        const updated: SubscriptionDoc | undefined = await subscriptions.update(doc, { capabilityStatus: t.to, nextLifecycleDateTime: t.nextLifecycleDateTime });
        if (!updated) {
          // changed meanwhile (renewed, new date, quantity): decide again on the fresh document
          done = false;
          doc = await subscriptions.get(run.tenantId, doc.skuId);
          break;
        }
        run.report.lifecycle.push({ subscriptionId: doc.id, skuId: doc.skuId, skuPartNumber: doc.skuPartNumber, ...t });
        doc = updated;
      }
    }
    if (!done) throw new Error(`The ${listed.skuPartNumber} subscription kept changing; its lifecycle is checked again next run.`);
    await run.lease.keepAlive();
  }
}

// ---------------- 2. deleted products leave their users ----------------

type Removal = 'released' | 'removed' | 'unchanged' | 'gone' | 'conflict';

/** Takes a deleted product off one user (If-Match), then releases the seat and audits. */
async function removeDeletedProduct(run: Run, stored: UserDoc, skuId: string): Promise<Removal> {
  let user: UserDoc | undefined = stored;
  for (let attempt = 0; attempt < 5 && user; attempt++) {
    const { next, changed, held } = withoutDeletedProduct(user.licenseAssignments, skuId);
    if (!changed) return 'unchanged';
    const outcome: LicenseChangeOutcome = {
      violations: [],
      next,
      seatsToReserve: [],
      seatsToRelease: held ? [skuId] : [],
      unchanged: false,
    };
    const record = auditRecordFor(
      { tenant: { id: run.tenantId }, requestId: run.runId, principal: run.principal, operation: 'reconciliation' },
      user,
      outcome,
      { addLicenses: [], removeLicenses: [skuId] },
      new Date().toISOString(),
    );
    if (await users.replaceIfMatch(withSkus(user, outcome, record), user._etag!)) {
      // same order as every change: user first, then the seat, then the record (re-created from the user if lost)
      if (held) await subscriptions.releaseSeats(run.tenantId, skuId, 1);
      await audit.write([record]).catch((e) => log.warn('audit record left to the next reconciliation', { tenantId: run.tenantId, userId: user!.id, error: messageOf(e) }));
      return held ? 'released' : 'removed';
    }
    user = await users.get(run.tenantId, user.id);
  }
  return user ? 'conflict' : 'gone';
}

async function deletedProductsStep(run: Run): Promise<void> {
  for (const sub of (await subscriptions.list(run.tenantId)).filter((s) => s.capabilityStatus === 'Deleted')) {
    const entry = { skuId: sub.skuId, skuPartNumber: sub.skuPartNumber, usersChanged: 0, seatsReleased: 0, users: [] as string[], failed: [] as { userId: string; message: string }[] };
    const failed = new Map<string, string>();
    // passes until one changes nothing: a page boundary may shift while the users it lists change
    for (let pass = 0; pass < 5; pass++) {
      let changed = 0;
      let token: string | undefined;
      do {
        const page = await usersWithProduct(run.tenantId, sub.skuId, 100, token);
        for (let i = 0; i < page.items.length; i += 10) {
          const batch = page.items.slice(i, i + 10);
          const results = await Promise.all(batch.map((u) => removeDeletedProduct(run, u, sub.skuId).catch((e) => e as Error)));
          results.forEach((r, k) => {
            const userId = batch[k].id;
            if (r instanceof Error || r === 'conflict') {
              failed.set(userId, r instanceof Error ? r.message : 'The user kept changing; the next run tries again.');
              return;
            }
            if (r === 'released' || r === 'removed') {
              changed++;
              failed.delete(userId);
              entry.usersChanged++;
              if (r === 'released') entry.seatsReleased++;
              if (entry.users.length < REPORT_LIST_CAP) entry.users.push(userId);
            }
          });
        }
        await run.lease.keepAlive();
        token = page.continuationToken;
      } while (token);
      if (!changed) break;
    }
    entry.failed = [...failed].slice(0, REPORT_LIST_CAP).map(([userId, message]) => ({ userId, message }));
    if (entry.usersChanged || entry.failed.length) run.report.deletedProducts.push(entry);
  }
}

// ---------------- 3. one pass over the users ----------------

const inc = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
/**
 * Seconds since a document was written, on the safe side: `_ts` is whole seconds, rounded down; without
 * one, "just now" (a counter is then not lowered, a user's removal counts as a pending release).
 */
const secondsSince = (ts: number | undefined) => (typeof ts === 'number' ? Date.now() / 1000 - (ts + 1) : 0);

async function scanStep(run: Run, previousAuditFrom: string | undefined): Promise<void> {
  const report = run.report;
  const before = (await subscriptions.list(run.tenantId)) as WithTs<SubscriptionDoc>[]; // S1
  const bySku = new Map(before.map((d) => [d.skuId, d]));
  const holders = new Map<string, number>();
  const pending = new Map<string, number>();
  const newest = new Map(before.map((d) => [d.skuId, new NewestHolders(REPORT_LIST_CAP)]));
  const since = auditCheckSince(previousAuditFrom, run.now);
  report.auditRecords.checkedSince = since;
  const subscriptionOf = (skuId: string) => bySku.get(skuId);
  let unreadable = 0;

  for await (const page of userPages(run.tenantId, USER_PAGE)) {
    const recheck: AuditDoc[] = [];
    for (const u of page) {
      try {
        const held = heldSince(u.licenseAssignments);
        for (const [skuId, at] of held) {
          inc(holders, skuId);
          newest.get(skuId)?.add({ userId: u.id, userPrincipalName: u.userPrincipalName, displayName: u.displayName, assignedDateTime: at });
        }
        for (const skuId of pendingReleases(u.lastLicenseChange, new Set(held.keys()), secondsSince(u._ts), run.graceSeconds)) inc(pending, skuId);
        const last = u.lastLicenseChange;
        if (last?.id && last.activityDateTime >= since) recheck.push(last);
        noteReclaim(run, u, subscriptionOf);
      } catch {
        // a broken document (bad data from elsewhere): reported; the counters are then never lowered
        unreadable++;
        if (report.unreadableUsers.length < REPORT_LIST_CAP) report.unreadableUsers.push(u.id);
      }
    }
    if (recheck.length) await recreateMissingAudit(run, recheck);
    await run.lease.keepAlive();
  }
  run.auditChecked = true;

  const after = (await subscriptions.list(run.tenantId)) as WithTs<SubscriptionDoc>[]; // S2
  const afterBySku = new Map(after.map((d) => [d.skuId, d]));
  for (const s1 of before) {
    report.seats.push(await settleSeats(run, s1, afterBySku.get(s1.skuId), holders.get(s1.skuId) ?? 0, pending.get(s1.skuId) ?? 0, unreadable));
    await run.lease.keepAlive();
  }

  // over-assignment, on the subscriptions as they are now and the holders as counted
  const fresh = await subscriptions.list(run.tenantId);
  run.subscriptionsAfterScan = fresh;
  for (const doc of fresh) {
    const counted = report.seats.find((s) => s.skuId === doc.skuId)?.holders ?? holders.get(doc.skuId) ?? 0;
    const oa = overAssignment({
      capabilityStatus: doc.capabilityStatus,
      totalLicenses: doc.totalLicenses,
      holders: counted,
      newest: newest.get(doc.skuId)?.newest(REPORT_LIST_CAP) ?? [],
      since: doc.overAssignedSince,
      now: run.now,
    });
    if (oa.over > 0) {
      if (!doc.overAssignedSince) await seatCounter.markOverAssigned(doc, oa.overAssignedSince);
      report.overAssignments.push({ skuId: doc.skuId, skuPartNumber: doc.skuPartNumber, capabilityStatus: doc.capabilityStatus, ...oa });
    } else if (doc.overAssignedSince) {
      await seatCounter.markOverAssigned(doc, null);
      report.overAssignmentsResolved.push({ skuId: doc.skuId, skuPartNumber: doc.skuPartNumber, overAssignedSince: doc.overAssignedSince });
    }
  }
}

/** Audit records of these changes that the audit trail lacks (a crash after the user write): written again, same id. */
async function recreateMissingAudit(run: Run, records: AuditDoc[]): Promise<void> {
  for (let i = 0; i < records.length; i += 100) {
    const batch = records.slice(i, i + 100);
    const existing = await existingAuditIds(run.tenantId, batch.map((r) => r.id));
    const missing = batch.filter((r) => !existing.has(r.id));
    if (missing.length) await audit.write(missing);
    const a = run.report.auditRecords;
    a.checked += batch.length;
    a.recreated += missing.length;
    for (const r of missing) if (a.recreatedIds.length < REPORT_LIST_CAP) a.recreatedIds.push(r.id);
  }
}

async function jobStatesFor(run: Run, holds: Record<string, number>): Promise<(jobId: string) => HoldJobState> {
  for (const key of Object.keys(holds)) {
    const jobId = holdJobId(key);
    if (run.jobStates.has(jobId)) continue;
    const job = await jobs.get(run.tenantId, jobId).catch(() => undefined);
    run.jobStates.set(jobId, !job ? 'missing' : FINAL_STATUSES.includes(job.status) ? 'final' : 'running');
  }
  // a job not looked up (cannot happen: every key was) counts as running: never drop a hold on a guess
  return (jobId) => run.jobStates.get(jobId) ?? 'running';
}

/** Recounts one product between two equal reads of its counter (after the full pass found it moved). */
async function recount(run: Run, skuId: string): Promise<{ doc: WithTs<SubscriptionDoc>; holders: number; pending: number; unreadable: number } | undefined> {
  const first = (await subscriptions.get(run.tenantId, skuId)) as WithTs<SubscriptionDoc> | undefined;
  if (!first) return undefined;
  let holders = 0;
  let pending = 0;
  let unreadable = 0;
  // holders of the product, and users written within the grace period (a release of theirs may be pending)
  for await (const page of userPages(run.tenantId, USER_PAGE, skuId, Math.floor(Date.now() / 1000 - run.graceSeconds) - 1)) {
    for (const u of page) {
      try {
        const held = heldSince(u.licenseAssignments);
        if (held.has(skuId)) holders++;
        else if (pendingReleases(u.lastLicenseChange, new Set(held.keys()), secondsSince(u._ts), run.graceSeconds).includes(skuId)) pending++;
      } catch {
        unreadable++;
      }
    }
    await run.lease.keepAlive();
  }
  const second = await subscriptions.get(run.tenantId, skuId);
  return second && second._etag === first._etag ? { doc: first, holders, pending, unreadable } : undefined;
}

async function settleSeats(run: Run, s1: WithTs<SubscriptionDoc>, s2: WithTs<SubscriptionDoc> | undefined, holders: number, pending: number, unreadable: number): Promise<SeatReport> {
  const entry: SeatReport = {
    skuId: s1.skuId,
    skuPartNumber: s1.skuPartNumber,
    capabilityStatus: s1.capabilityStatus,
    consumedBefore: s1.seat.consumed,
    consumedAfter: s1.seat.consumed,
    holders,
    pendingReleases: pending,
    action: 'none',
    staleHoldsRemoved: [],
    liveHolds: [],
  };
  let base = s1;
  let stable = !!s2 && s2._etag === s1._etag;
  let extraUnreadable = 0;
  for (let attempt = 0; attempt < SEAT_ATTEMPTS; attempt++) {
    if (!stable) {
      if (attempt > 0) await sleep(100 * 2 ** attempt + Math.random() * 100);
      const again = await recount(run, s1.skuId);
      if (!again) continue;
      ({ doc: base, holders, pending } = again);
      extraUnreadable = again.unreadable;
      stable = true;
    }
    const holds = base.seat.holds ?? {};
    const decision = decideSeats({
      consumed: base.seat.consumed,
      holds,
      holders,
      pendingReleases: pending,
      jobState: await jobStatesFor(run, holds),
      stillSeconds: secondsSince(base._ts),
      graceSeconds: run.graceSeconds,
      unreadableUsers: unreadable + extraUnreadable,
    });
    Object.assign(entry, { capabilityStatus: base.capabilityStatus, consumedBefore: base.seat.consumed, consumedAfter: base.seat.consumed, holders, pendingReleases: pending, liveHolds: decision.liveHolds });
    if (decision.action === 'none') return entry;
    if (decision.action === 'deferred') {
      entry.action = 'deferred';
      entry.reason = decision.reason;
      entry.message = {
        jobRunning: 'A running bulk job holds seats of this product; it is counted again once the job has ended.',
        recentSeatActivity: `The counter reads ${base.seat.consumed} for ${holders} holder(s), but it changed less than ${run.graceSeconds} s ago (a reservation may still be on its way); it is lowered once it has been still that long.`,
        unreadableUsers: 'Some user documents could not be read, so the counter is not lowered.',
      }[decision.reason!];
      return entry;
    }
    if (await seatCounter.repair(base, decision)) {
      entry.action = 'repaired';
      entry.consumedAfter = decision.consumed;
      entry.staleHoldsRemoved = decision.staleHolds;
      return entry;
    }
    stable = false; // the counter moved after it was counted: count again
  }
  entry.action = 'deferred';
  entry.reason = 'busy';
  entry.message = 'The seat counter kept moving while it was counted (admins or jobs at work); the next run counts again.';
  return entry;
}

function noteReclaim(run: Run, u: ScannedUser, subscription: (skuId: string) => SubscriptionDoc | undefined): void {
  const policy = run.policy;
  if (!policy.enabled) return;
  if (u.accountEnabled === false && !u.disabledDateTime) {
    if (run.disabledWithoutDate.length < REPORT_LIST_CAP) run.disabledWithoutDate.push(u.id);
    return;
  }
  const candidate = reclaimCandidate(u, policy, run.now, subscription);
  if (!candidate) return;
  const r = run.report.reclaim;
  r.candidates++;
  if (r.users.length < REPORT_LIST_CAP)
    r.users.push({ userId: u.id, userPrincipalName: u.userPrincipalName, displayName: u.displayName, disabledDateTime: u.disabledDateTime!, ...candidate });
}

// ---------------- 4. reclaim licenses of long-disabled accounts ----------------

async function reclaimStep(run: Run): Promise<void> {
  const r = run.report.reclaim;
  // accounts disabled before the date was recorded: the count of days starts now
  for (const id of run.disabledWithoutDate) {
    const u = await users.get(run.tenantId, id);
    if (!u || u.accountEnabled !== false || u.disabledDateTime) continue;
    if (await users.replaceIfMatch({ ...u, disabledDateTime: run.now }, u._etag!)) r.disableDatesRecorded++;
  }
  if (!run.policy.enabled || run.policy.dryRun) return;
  const subs = new Map((run.subscriptionsAfterScan.length ? run.subscriptionsAfterScan : await subscriptions.list(run.tenantId)).map((d) => [d.skuId, d]));
  for (const candidate of r.users.filter((c) => c.reclaim.length)) {
    try {
      const result = await applyLicenseChanges({
        tenant: { id: run.tenantId },
        principal: run.principal,
        requestId: run.runId,
        operation: 'reconciliation',
        changes: [
          {
            userId: candidate.userId,
            // decided again on the user as it is at the write (re-enabled meanwhile: nothing happens)
            changeFor: (doc) => {
              const now = reclaimCandidate(doc, run.policy, run.now, (s) => subs.get(s));
              if (!now?.reclaim.length) throw new ApiError(409, 'notACandidate', 'The account was enabled again, or its licenses changed, since it was found.');
              return { addLicenses: [], removeLicenses: now.reclaim };
            },
          },
        ],
      });
      const removed = result.changed.has(candidate.userId) ? candidate.reclaim : [];
      r.actions.push({ userId: candidate.userId, status: removed.length ? 'reclaimed' : 'skipped', removed });
    } catch (e) {
      const skipped = e instanceof ApiError && e.code === 'notACandidate';
      r.actions.push({ userId: candidate.userId, status: skipped ? 'skipped' : 'failed', removed: [], message: messageOf(e) });
    }
    await run.lease.keepAlive();
  }
}

// ---------------- the policy ----------------

export async function getReclaimPolicy(tenantId: string): Promise<{ reclaimDisabledAccounts: ReclaimPolicy; lastModifiedDateTime: string | null; lastModifiedBy: { id: string; displayName: string } | null }> {
  const doc = await reclaimPolicies.get(tenantId);
  return { reclaimDisabledAccounts: doc?.reclaimDisabledAccounts ?? DEFAULT_RECLAIM_POLICY, lastModifiedDateTime: doc?.lastModifiedDateTime ?? null, lastModifiedBy: doc?.lastModifiedBy ?? null };
}

/** Changes the fields given, keeping the others (If-Match on the stored policy, retried on a concurrent change). */
export async function updateReclaimPolicy(tenantId: string, change: Partial<ReclaimPolicy>, by: { id: string; displayName: string }): Promise<ReclaimPolicyDoc> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const current = await reclaimPolicies.get(tenantId);
    const written = await reclaimPolicies.put(
      {
        tenantId,
        reclaimDisabledAccounts: { ...(current?.reclaimDisabledAccounts ?? DEFAULT_RECLAIM_POLICY), ...change },
        lastModifiedDateTime: new Date().toISOString(),
        lastModifiedBy: by,
      },
      current?._etag,
    );
    if (written) return written;
  }
  throw new ApiError(409, 'conflict', 'The reconciliation policy kept changing while this request ran. Try again.');
}
