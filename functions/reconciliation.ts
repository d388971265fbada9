/**
 * The scheduled license reconciliation (shared/usecases/reconciliation.ts): the timer that reconciles every
 * tenant on RECONCILIATION_SCHEDULE, a run of the caller's tenant on demand, its reports, and the tenant's
 * reclaim policy.
 *
 * Running it needs `assignLicenses` (Global, License, User administrator; the ReadWrite app permission), not
 * `manageSubscriptions`: the only changes a run makes that an admin would notice are to assignments — a
 * deleted product removed from its users, licenses reclaimed under the policy the tenant's license admins
 * set — so whoever starts it must be allowed to remove licenses by hand. Its subscription changes follow
 * the dates the commerce side set (no billing decision is made), and the recount is bookkeeping. A Billing
 * administrator can still read the reports.
 */
import { catalogCache } from '../shared/catalog/cache';
import { app, InvocationContext, Timer } from '@azure/functions';
import { settings } from '../shared/config';
import { ApiError, notFound } from '../shared/errors';
import { route } from '../shared/http/pipeline';
import { collectionResult, paging } from '../shared/http/paging';
import { log } from '../shared/log';
import * as c from '../shared/schemas/contracts';
import {
  getReclaimPolicy,
  getReconciliationReport,
  listReconciliationReports,
  reconcileAllTenants,
  reconcileTenant,
  runReportView,
  updateReclaimPolicy,
} from '../shared/usecases/reconciliation';

/** asOf is a test stack's clock: refused where RECONCILIATION_ALLOW_AS_OF is off (Azure), never silently ignored. */
function runAsOf(asOf: string | undefined): string | undefined {
  if (asOf === undefined) return undefined;
  if (!settings().RECONCILIATION_ALLOW_AS_OF)
    throw new ApiError(
      400,
      'Request_UnsupportedQuery',
      'asOf is accepted only by a test stack (RECONCILIATION_ALLOW_AS_OF); a run here uses the current time. Leave it out.',
      'asOf',
    );
  return asOf;
}

app.timer('reconcileLicenses', {
  schedule: '%RECONCILIATION_SCHEDULE%',
  handler: async (timer: Timer, context: InvocationContext) => {
    const started = Date.now();
    const tally = await reconcileAllTenants({ trigger: 'timer' }, () => catalogCache(settings()).current());
    log.info('reconciliation timer', { invocationId: context.invocationId, isPastDue: timer?.isPastDue ?? false, ms: Date.now() - started, ...tally });
  },
});

route({
  name: 'runReconciliation',
  method: 'POST',
  route: 'v1.0/reconciliations',
  tag: 'Reconciliation',
  summary:
    'Reconcile the organization now: move subscriptions whose dates passed, remove deleted products, recount the seats the write engine left open and repair drift, flag over-assignment, re-create lost audit records, apply the reclaim policy. `{"mode":"full"}` reads every user and recounts every counter; no body runs what the timer runs (incremental unless the full run is due). Answers the report (409 while another run is under way)',
  permission: 'assignLicenses',
  query: c.runReconciliationQuery,
  body: c.runReconciliationBody,
  bodyOptional: true,
  response: c.reconciliationReport,
  status: 201,
  handler: async (ctx) => {
    const report = await reconcileTenant(ctx.tenant.id, {
      trigger: 'onDemand',
      requestedBy: { id: ctx.principal.objectId, displayName: ctx.principal.displayName },
      mode: ctx.body?.mode,
      asOf: runAsOf(ctx.query.asOf),
      catalog: ctx.catalog,
    });
    if (report.status === 'skipped') {
      const seconds = Math.max(1, Math.ceil((Date.parse(report.runningUntil!) - Date.now()) / 1000));
      throw new ApiError(
        409,
        'reconciliationAlreadyRunning',
        `A reconciliation of your organization is already running (its lease runs until ${report.runningUntil}). Wait for it to finish — its report appears in GET /v1.0/reconciliations — and try again if you still need to.`,
        undefined,
        undefined,
        { 'Retry-After': String(Math.min(seconds, 120)) },
      );
    }
    return { status: 201, body: await runReportView(report), headers: { Location: `${ctx.url.origin}${ctx.url.pathname.replace(/\/$/, '')}/${report.id}` } };
  },
});

route({
  name: 'listReconciliations',
  method: 'GET',
  route: 'v1.0/reconciliations',
  tag: 'Reconciliation',
  summary: 'Reports of the reconciliation runs of the organization (scheduled and on demand), newest first; kept 90 days',
  permission: 'read',
  query: c.pageQuery,
  response: c.collection(c.reconciliationReport),
  handler: async (ctx) => {
    const page = await listReconciliationReports(ctx.tenant.id, ...paging(ctx.query));
    return collectionResult(ctx.url, page.items, page.continuationToken);
  },
});

route({
  name: 'getReconciliationPolicy',
  method: 'GET',
  route: 'v1.0/reconciliations/policy',
  tag: 'Reconciliation',
  summary:
    "The organization's reconciliation policy: reclaim licenses from accounts disabled for more than N days (off by default; a dry run until switched to act)",
  permission: 'read',
  response: c.reconciliationPolicy,
  handler: async (ctx) => ({ body: await getReclaimPolicy(ctx.tenant.id) }),
});

route({
  name: 'updateReconciliationPolicy',
  method: 'PATCH',
  route: 'v1.0/reconciliations/policy',
  tag: 'Reconciliation',
  summary:
    'Change the reclaim policy (enabled, disabledForDays, inactiveForDays, mode immediate or askFirst, graceDays, dryRun); fields not given stay as they are',
  permission: 'assignLicenses',
  body: c.updateReconciliationPolicyBody,
  response: c.reconciliationPolicy,
  handler: async (ctx) => {
    await updateReclaimPolicy(ctx.tenant.id, ctx.body.reclaimDisabledAccounts, { id: ctx.principal.objectId, displayName: ctx.principal.displayName });
    return { body: await getReclaimPolicy(ctx.tenant.id) };
  },
});

route({
  name: 'getReconciliation',
  method: 'GET',
  route: 'v1.0/reconciliations/{id}',
  tag: 'Reconciliation',
  summary: 'One reconciliation report',
  permission: 'read',
  params: c.reconciliationParam,
  response: c.reconciliationReport,
  handler: async (ctx) => {
    const report = await getReconciliationReport(ctx.tenant.id, ctx.params.id);
    if (!report) throw notFound('Reconciliation report', ctx.params.id);
    return { body: report };
  },
});
