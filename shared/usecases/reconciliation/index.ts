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
import { settings } from '../../config';
import { Catalog } from '../../domain/catalog';
import { DEFAULT_RECLAIM_POLICY, withPolicyDefaults } from '../../domain/reconciliation';
import { reclaimMarks } from '../../storage/reclaimMarks';
import { log } from '../../log';
import { leases, reclaimPolicies, reconciliationReports, REPORT_TTL_SECONDS, tenantIdPages } from '../../storage/reconciliation';
import { TenantDoc } from '../../storage/documents';
import { tenants } from '../../storage/tenants';
import { LEASE_MS, LeaseKeeper, LeaseLostError } from './lease';
import { newReport, ReconciliationReport, summarise } from './report';
import { messageOf, Run, RunOptions, systemPrincipal } from './run';
import { runRegisteredSteps } from './registeredSteps';
import { lifecycleStep } from './steps/lifecycle';
import { deletedProductsStep } from './steps/deletedProducts';
import { scanStep } from './steps/scan';
import { reclaimStep } from './steps/reclaim';

const TENANTS_AT_ONCE = 4;

/**
 * Reconciles one tenant. Returns the report (stored as well), or a report with status 'skipped' (not
 * stored) when another run holds the tenant's lease.
 */
export async function reconcileTenant(tenantId: string, o: RunOptions): Promise<ReconciliationReport> {
  const runId = randomUUID();
  const started = new Date();
  const report = newReport(runId, tenantId, o, started);
  const now = o.asOf ?? started.toISOString();
  const claim = await leases.acquire(tenantId, runId, LEASE_MS);
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
  const lease = new LeaseKeeper(claim.lease);
  const run: Run = {
    tenantId,
    catalog: o.catalog,
    runId,
    now,
    report,
    lease,
    graceSeconds: settings().RECONCILIATION_SEAT_GRACE_SECONDS,
    policy: DEFAULT_RECLAIM_POLICY,
    principal: systemPrincipal(tenantId),
    jobStates: new Map(),
    auditChecked: false,
    disabledWithoutDate: [],
    subscriptionsAfterScan: [],
    marks: new Map(),
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
    run.policy = withPolicyDefaults((await reclaimPolicies.get(tenantId))?.reclaimDisabledAccounts);
    report.reclaim.policy = run.policy;
    if (o.asOf) report.asOf = o.asOf;
    if (run.policy.enabled && run.policy.inactiveForDays !== null) run.marks = await reclaimMarks.all(tenantId);
    await step('lifecycle', lifecycleStep);
    await lease.keepAlive();
    await step('deletedProducts', deletedProductsStep);
    await lease.keepAlive();
    await step('scan', (r) => scanStep(r, claim.lease.auditCheckedFrom));
    await lease.keepAlive();
    await step('reclaim', reclaimStep);
    await lease.keepAlive();
    await runRegisteredSteps(tenant, report, { runId, now: run.now, catalog: o.catalog, keepAlive: () => lease.keepAlive() });
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
