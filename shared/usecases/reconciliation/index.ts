/**
 * The scheduled license reconciliation (timer `reconcileLicenses`, and on demand): per tenant, under a
 * lease, a full or an incremental run (shared/domain/reconciliationSchedule.ts decides which: full for the
 * tenant's first run, when asked for, and once per RECONCILIATION_FULL_EVERY_DAYS at the tenant's turn). It
 *   1. moves subscriptions whose lifecycle date has passed: Enabled -> Warning -> Suspended -> Deleted
 *      (the existing conditional update, pinned on `gen`);
 *   2. applies what Deleted means: each user loses that product (If-Match per user, audited with operation
 *      'reconciliation') and its seat is released;
 *   3. full: reads the tenant's users once, a page at a time, and from that one pass
 *      - recounts every product's holders and repairs the seat counter (see the argument below),
 *      - flags over-assignment (more holders than enabled units) with the users over the line,
 *      - re-creates audit records lost to a crash (changes since the previous run, minus a margin),
 *      - finds the accounts the tenant's reclaim policy points at;
 *      incremental: reads only the change set since the last run's checkpoint (steps/changes.ts: audit
 *      records of the changed users), recounts only the products the write engine may have left open
 *      (steps/openSeats.ts: seat intents older than the grace period, stale chunk holds, purchases, products
 *      over their enabled units), and finds the reclaim candidates and inactivity counts by indexed queries
 *      (steps/candidates.ts);
 *   4. reclaims their licenses when the policy is not a dry run;
 *   5. runs the steps other modules registered (registerReconciliationStep), e.g. group licensing, which
 *      learn the run's kind and change set;
 * and stores a report of what it found and did, and what it read. The checkpoint the next incremental run
 * starts from is stored only when a run completes without an error: a run that dies keeps the old one.
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
import { settings } from '../../config';
import { Catalog } from '../../domain/catalog';
import { DEFAULT_RECLAIM_POLICY, withPolicyDefaults } from '../../domain/reconciliation';
import { nextFullRunTurn, runMode } from '../../domain/reconciliationSchedule';
import { changeSource } from '../../storage/changes';
import { countStoreUsage, StoreUsage } from '../../storage/cosmos';
import { reclaimMarks } from '../../storage/reclaimMarks';
import { log } from '../../log';
import { LeaseDoc, leases, reclaimPolicies, reconciliationReports, REPORT_TTL_SECONDS, tenantIdPages } from '../../storage/reconciliation';
import { TenantDoc } from '../../storage/documents';
import { tenants } from '../../storage/tenants';
import { LEASE_MS, LeaseKeeper, LeaseLostError } from './lease';
import { newReport, ReconciliationReport, summarise } from './report';
import { emptyChanges, messageOf, Run, RunOptions, runSubscriptions, systemPrincipal } from './run';
import { runRegisteredSteps } from './registeredSteps';
import { lifecycleStep } from './steps/lifecycle';
import { deletedProductsStep } from './steps/deletedProducts';
import { scanStep } from './steps/scan';
import { reclaimStep } from './steps/reclaim';
import { changesStep } from './steps/changes';
import { openSeatsStep } from './steps/openSeats';
import { candidatesStep } from './steps/candidates';

const TENANTS_AT_ONCE = 4;

/**
 * Reconciles one tenant. Returns the report (stored as well), or a report with status 'skipped' (not
 * stored) when another run holds the tenant's lease.
 */
export async function reconcileTenant(tenantId: string, o: RunOptions): Promise<ReconciliationReport> {
  const runId = randomUUID();
  const started = new Date();
  const report = newReport(runId, tenantId, o, started);
  const usage: StoreUsage = { requests: 0, requestCharge: 0, documentsRead: 0 };
  const claim = await countStoreUsage(usage, () => leases.acquire(tenantId, runId, LEASE_MS));
  if (!('lease' in claim)) {
    report.status = 'skipped';
    report.reason = 'alreadyRunning';
    report.runningUntil = claim.expiresDateTime;
    report.completedDateTime = new Date().toISOString();
    report.durationMs = Date.now() - started.getTime();
    log.info('reconciliation skipped: another run holds the tenant', {
      tenantId,
      runId,
      trigger: o.trigger,
      heldBy: claim.heldBy,
      until: claim.expiresDateTime,
    });
    return report;
  }
  await countStoreUsage(usage, () => runUnderLease(tenantId, o, report, claim.lease, usage));
  log.info('reconciliation', {
    tenantId,
    catalog: o.catalog,
    runId,
    trigger: o.trigger,
    mode: report.mode,
    status: report.status,
    ms: report.durationMs,
    documentsRead: report.documentsRead,
    requests: report.requests,
    ...report.summary,
  });
  return report;
}

async function runUnderLease(tenantId: string, o: RunOptions, report: ReconciliationReport, claimed: LeaseDoc, usage: StoreUsage): Promise<void> {
  const s = settings();
  const startedAt = report.startedDateTime;
  const { mode, reason } = runMode({
    tenantId,
    now: startedAt,
    periodDays: s.RECONCILIATION_FULL_EVERY_DAYS,
    requested: o.mode,
    lastFullRun: claimed.lastFullRun?.startedDateTime,
    incrementalFrom: !!claimed.checkpoint,
  });
  report.mode = mode;
  report.modeReason = reason;
  const lease = new LeaseKeeper(claimed);
  const run: Run = {
    tenantId,
    catalog: o.catalog,
    runId: report.id,
    mode,
    // the store's clock at the lease write, before anything is read (the app's own, should the store not say)
    startTs: claimed._ts ?? Math.floor(Date.parse(startedAt) / 1000),
    from: mode === 'incremental' ? claimed.checkpoint : undefined,
    changes: emptyChanges(),
    now: o.asOf ?? startedAt,
    report,
    lease,
    graceSeconds: s.RECONCILIATION_SEAT_GRACE_SECONDS,
    policy: DEFAULT_RECLAIM_POLICY,
    principal: systemPrincipal(tenantId),
    jobStates: new Map(),
    auditChecked: false,
    disabledWithoutDate: [],
    uncounted: 0,
    marks: new Map(),
  };
  const step = async (name: string, fn: (run: Run) => Promise<void>) => {
    try {
      await fn(run);
    } catch (e) {
      if (e instanceof LeaseLostError) throw e;
      report.errors.push({ step: name, message: messageOf(e) });
      log.warn('reconciliation step failed', { tenantId, runId: run.runId, step: name, error: messageOf(e) });
    }
  };
  try {
    // a full run reads everything itself: the next run's changes start where it started
    if (mode === 'full') run.next = await changeSource().now(tenantId, run.startTs);
    const tenant = (await tenants.get(tenantId)) ?? ({ id: tenantId, tenantId } as TenantDoc);
    run.policy = withPolicyDefaults((await reclaimPolicies.get(tenantId))?.reclaimDisabledAccounts);
    report.reclaim.policy = run.policy;
    if (o.asOf) report.asOf = o.asOf;
    if (run.policy.enabled && run.policy.inactiveForDays !== null) run.marks = await reclaimMarks.all(tenantId);
    await step('lifecycle', lifecycleStep);
    await lease.keepAlive();
    await step('deletedProducts', deletedProductsStep);
    await lease.keepAlive();
    if (mode === 'full') {
      await step('scan', (r) => scanStep(r, claimed.auditCheckedFrom));
    } else {
      await step('changes', (r) => changesStep(r, claimed.auditCheckedFrom));
      await lease.keepAlive();
      await step('seats', openSeatsStep);
      await lease.keepAlive();
      await step('candidates', candidatesStep);
    }
    await lease.keepAlive();
    await step('reclaim', reclaimStep);
    await lease.keepAlive();
    await runRegisteredSteps(tenant, report, {
      runId: run.runId,
      now: run.now,
      catalog: o.catalog,
      mode,
      changes: mode === 'incremental' ? run.changes : undefined,
      subscriptions: () => runSubscriptions(run),
      keepAlive: () => lease.keepAlive(),
    });
  } catch (e) {
    report.errors.push({ step: e instanceof LeaseLostError ? 'lease' : 'run', message: messageOf(e) });
    log.error('reconciliation stopped', { tenantId, runId: run.runId, error: messageOf(e) });
  } finally {
    report.status = report.errors.length ? 'completedWithErrors' : 'completed';
    report.completedDateTime = new Date().toISOString();
    report.durationMs = Date.now() - Date.parse(startedAt);
    const fullDone = mode === 'full' && run.auditChecked;
    const lastFullRun = fullDone ? { runId: run.runId, startedDateTime: startedAt } : claimed.lastFullRun;
    // the next run starts after this one only if it dealt with everything it read; else where this one started
    const checkpoint = run.next && !report.errors.length ? run.next : claimed.checkpoint;
    // the next full run: the next turn, or the next run when nothing is there to be incremental from
    const next = runMode({
      tenantId,
      now: startedAt,
      periodDays: s.RECONCILIATION_FULL_EVERY_DAYS,
      lastFullRun: lastFullRun?.startedDateTime,
      incrementalFrom: !!checkpoint,
    });
    report.nextFullRunDateTime = next.mode === 'full' ? startedAt : nextFullRunTurn(tenantId, startedAt, s.RECONCILIATION_FULL_EVERY_DAYS);
    // what the run read, up to here (its report and the lease's release are the two writes after)
    Object.assign(report, { documentsRead: usage.documentsRead, requests: usage.requests, requestCharge: Math.round(usage.requestCharge * 100) / 100 });
    summarise(report);
    try {
      await reconciliationReports.put({ ...report, type: 'reconciliationReport', ttl: REPORT_TTL_SECONDS, createdDateTime: report.startedDateTime });
    } catch (e) {
      log.error('reconciliation report not stored', { tenantId, runId: run.runId, error: messageOf(e) });
    }
    if (!lease.lost) {
      await leases
        .release(lease.doc, {
          lastRun: { runId: run.runId, startedDateTime: startedAt, completedDateTime: report.completedDateTime, status: report.status, mode },
          ...(run.auditChecked ? { auditCheckedFrom: startedAt } : {}),
          ...(checkpoint ? { checkpoint } : {}),
          ...(fullDone ? { lastFullRun } : {}),
        })
        .catch((e) => log.warn('reconciliation lease not released (it expires)', { tenantId, runId: run.runId, error: messageOf(e) }));
    }
  }
}

/** The timer: every tenant, a page of tenants at a time, a few at once; each judged by the catalog in force when its run starts. */
export async function reconcileAllTenants(
  o: Omit<RunOptions, 'catalog'>,
  catalog: () => Promise<Catalog>,
): Promise<{ tenants: number; completed: number; completedWithErrors: number; skipped: number; failed: number }> {
  const tally = { tenants: 0, completed: 0, completedWithErrors: 0, skipped: 0, failed: 0 };
  for await (const ids of tenantIdPages(50)) {
    for (let i = 0; i < ids.length; i += TENANTS_AT_ONCE) {
      await Promise.all(
        ids.slice(i, i + TENANTS_AT_ONCE).map(async (id) => {
          tally.tenants++;
          try {
            tally[(await reconcileTenant(id, { ...o, catalog: await catalog() })).status]++;
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

export { LEASE_MS, LeaseLostError } from './lease';
export { REPORT_LIST_CAP } from './report';
export type { ReconciliationReport, SeatReport } from './report';
export type { RunOptions } from './run';
export { registerReconciliationStep, runRegisteredSteps } from './registeredSteps';
export type { ReconciliationStep, ReconciliationStepContext } from './registeredSteps';
export { getReclaimPolicy, updateReclaimPolicy } from './policy';
export { getReconciliationReport, listReconciliationReports, runReportView } from './reports';
