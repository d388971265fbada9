/** Where the test stack listens: its own ports, so a running `npm start` does not get in the way. */
import { join } from 'node:path';

// TEST_PORT_OFFSET moves all three, to run two test runs side by side.
const offset = Number(process.env.TEST_PORT_OFFSET ?? 0);
export const TEST_PORTS = { host: 17071 + offset, cosmos: 18081 + offset, queue: 20001 + offset };
export const TEST_KEY_FILE = join(__dirname, '..', '.local', `test-dev-signing-key${offset ? `-${offset}` : ''}.json`);
export const TEST_API = `http://localhost:${TEST_PORTS.host}/api`;
/** The same API over https (the host's https port is its http port + 1), as a Graph client reaches it. */
export const TEST_HTTPS_API = `https://localhost:${TEST_PORTS.host + 1}/api`;

export const testStackEnv: Record<string, string> = {
  LOCAL_HTTP_PORT: String(TEST_PORTS.host),
  COSMOS_ENDPOINT: `http://127.0.0.1:${TEST_PORTS.cosmos}`,
  COSMOS_KEY: 'C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU9DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==',
  COSMOS_DATABASE: 'licensing-test',
  AzureWebJobsStorage: `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;QueueEndpoint=http://127.0.0.1:${TEST_PORTS.queue}/devstoreaccount1;`,
  AUTH_ISSUER: 'https://login.dev.local/{tenantid}/v2.0',
  AUTH_AUDIENCE: 'api://license-assignment-service',
  AUTH_JWKS_URI: `http://127.0.0.1:${TEST_PORTS.host}/.well-known/dev-jwks.json`,
  // the custom authentication extension's own app registration (POST /v1.0/authenticationEvents/tokenIssuanceStart)
  AUTH_EVENTS_AUDIENCE: 'c0ffee00-0000-4000-8000-00000000a994',
  OPERATOR_TENANT_ID: 'c0ffee00-0000-4000-8000-0000000000e0',
  OPERATOR_CLIENT_IDS: 'c0ffee00-0000-4000-8000-00000000a990',
  SUBSCRIPTION_CACHE_TTL_MS: '2000',
  // the tests hammer the API on purpose; test/integration/operations.test.ts runs its own stack with low budgets
  THROTTLE_TENANT_REQUESTS_PER_SECOND: '100000',
  THROTTLE_TENANT_BURST: '100000',
  MAX_ACTIVE_JOBS_PER_TENANT: '20',
  ALERTS_ALLOW_HTTP_LOCALHOST: 'true',
  // the reconciliation timer never fires on its own during tests (February 31st); tests run it on demand or
  // through the host's admin call, and a short seat grace lets them see an over-count lowered
  RECONCILIATION_SCHEDULE: '0 0 0 31 2 *',
  // the catalog timer too: tests fire it through the host's admin call when a scheduled change is due
  CATALOG_SCHEDULE: '0 0 0 31 2 *',
  RECONCILIATION_SEAT_GRACE_SECONDS: '3',
  // one machine, one clock: an incremental run re-reads only what was written in the second before the last
  // run's start (the default, 300 s, would have every run of a test re-read everything the test wrote)
  RECONCILIATION_CHANGE_MARGIN_SECONDS: '1',
  // tests move the reconciliation's clock (?asOf=) instead of sleeping; Azure sets it 'false'
  RECONCILIATION_ALLOW_AS_OF: 'true',
  DEV_KEY_FILE: TEST_KEY_FILE,
  // CORS as local.settings.json's Host.CORS would give it (test/integration/cors.test.ts)
  LOCAL_HOST_CORS: 'https://portal.test.dev, http://localhost:5173',
  LOG_LEVEL: 'warn',
};
