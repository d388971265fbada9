/**
 * The Function App's entry point (package.json "main"): validates the settings, starts telemetry when
 * configured, then registers every function with @azure/functions' `app`. The Functions host in Azure and
 * the project's local host (local/host.ts) both load this file.
 */
import { app } from '@azure/functions';
import { settings } from '../shared/config';
import { startTelemetry } from '../shared/telemetry';

// fail at start-up, naming every missing setting, rather than at the first request
startTelemetry(settings());
// Request bodies arrive as streams: size limits apply while a body is read (a 32 MB CSV or an endless
// chunked upload is cut off at its limit), and CSV imports are parsed as they arrive.
app.setup({ enableHttpStream: true });

import { subscribeToSeats } from '../shared/storage/seatEvents';
import { catalogCache } from '../shared/catalog/cache';
import { lowSeatAlerts, overAssignmentAlertsStep } from '../shared/usecases/alerts';
import { reclaimPendingAlertsStep, spendAlertsStep } from '../shared/usecases/spendAlerts';
import { waitingListTurns } from '../shared/usecases/groups';
import { groupLicensingStep } from '../shared/usecases/groupReconciliation';
import { addMissingQueryFields, addQueryFieldsTo } from '../shared/usecases/directoryLists';
import { registerReconciliationStep } from '../shared/usecases/reconciliation';
import { licenseRequestExpiryStep } from '../shared/usecases/licenseRequests/expiry';
import { catalogBreachesStep } from '../shared/usecases/catalog/breaches';

// The one place where modules are wired together: what follows seat changes, and the reconciliation's
// extra steps (in this order, after its own).
subscribeToSeats(lowSeatAlerts(() => catalogCache(settings()).current())); // low-seat alerts when seats are taken
subscribeToSeats(waitingListTurns); // a freed or bought seat goes to the first member waiting for one
registerReconciliationStep('groupLicensing', groupLicensingStep);
registerReconciliationStep('overAssignmentAlerts', overAssignmentAlertsStep);
registerReconciliationStep('reclaimPendingAlerts', reclaimPendingAlertsStep);
registerReconciliationStep('spendAlerts', spendAlertsStep);
// users written before the $filter fields existed get them (shared/storage/users.ts withQueryFields): a
// full run looks for every such user (a one-time migration per tenant), an incremental run for the users it
// saw change (written meanwhile by a version of the app from before the fields)
registerReconciliationStep('userQueryFields', (tenant, _report, context) =>
  context.mode === 'full' || !context.changes ? addMissingQueryFields(tenant.id) : addQueryFieldsTo(tenant.id, context.changes.withoutQueryFields),
);
// pending license requests past their expiration become expired
registerReconciliationStep('licenseRequestExpiry', licenseRequestExpiryStep);
// users a catalog change put in breach of its rules: listed with the way out, never stripped
registerReconciliationStep('catalogBreaches', catalogBreachesStep);

import './subscribedSkus';
import './catalog';
import './licenseSettings';
import './users';
import './licenses';
import './subscriptions';
import './tenants';
import './auditLogs';
import './licenseJobs';
import './reconciliation';
import './myLicenses';
import './reports';
import './groups';
import './seatPlanner';
import './alerts';
import './licenseRequests';
import './autoClaim';
import './usageRights';
import './authenticationEvents';
import './provisioning';
import './scim';
import './openapi';
import './health';
// last: $batch and the catch-all for unmatched routes
import './routing';
