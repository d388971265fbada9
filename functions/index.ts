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

import './subscribedSkus';
import './users';
import './licenses';
import './subscriptions';
import './tenants';
import './auditLogs';
import './licenseJobs';
import './reconciliation';
import './groups';
import './seatPlanner';
import './alerts';
import './openapi';
import './health';
// last: $batch and the catch-all for unmatched routes
import './routing';
