/**
 * A benchmark's own settings: its ports, database and dev signing key, so that it runs beside `npm start`,
 * the tests and the other benchmarks without touching them.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { applyLocalSettings } from '../../local/settingsFile';

/** The repository root (this file runs as dist/bench/lib/env.js). */
export const ROOT = join(__dirname, '..', '..', '..');

export interface BenchPorts {
  host: number;
  cosmos: number;
  queue: number;
}

/**
 * A benchmark's ports: its own (apart from every other benchmark's, npm start's and the tests'), or the
 * three in BENCH_PORTS=host,cosmos,queue, where test/bench/smoke.test.ts puts its runs beside its own test
 * stack. The host's https port is host + 1 (and bench/assign-license.ts's second hosts use host + 2 to + 5).
 */
export function benchPorts(own: BenchPorts): BenchPorts {
  const given = process.env.BENCH_PORTS;
  if (!given) return own;
  const ports = given.split(',').map(Number);
  if (ports.length !== 3 || !ports.every((p) => Number.isInteger(p) && p > 0 && p < 65536))
    throw new Error(`BENCH_PORTS must be three port numbers, host,cosmos,queue (got ${given})`);
  const [host, cosmos, queue] = ports;
  return { host, cosmos, queue };
}

// The emulators' published development keys (the same in every install; they open nothing but a local emulator).
const COSMOS_EMULATOR_KEY = 'C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU9DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==';
const AZURITE_ACCOUNT_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

/** Bench-only settings; `extra` adds or overrides what one benchmark needs beyond them. */
export function benchEnv(o: { ports: BenchPorts; database: string; keyFile: string; extra?: Record<string, string> }): Record<string, string> {
  return {
    LOCAL_HTTP_PORT: String(o.ports.host),
    COSMOS_ENDPOINT: `http://127.0.0.1:${o.ports.cosmos}`,
    COSMOS_KEY: COSMOS_EMULATOR_KEY,
    COSMOS_DATABASE: o.database,
    AzureWebJobsStorage: `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${AZURITE_ACCOUNT_KEY};QueueEndpoint=http://127.0.0.1:${o.ports.queue}/devstoreaccount1;`,
    AUTH_ISSUER: 'https://login.dev.local/{tenantid}/v2.0',
    AUTH_AUDIENCE: 'api://license-assignment-service',
    AUTH_JWKS_URI: `http://127.0.0.1:${o.ports.host}/.well-known/dev-jwks.json`,
    AUTH_EVENTS_AUDIENCE: 'c0ffee00-0000-4000-8000-00000000a994',
    SUBSCRIPTION_CACHE_TTL_MS: '2000',
    DEV_KEY_FILE: join(ROOT, '.local', o.keyFile),
    LOG_LEVEL: 'warn',
    // benchmarks measure capacity, not the per-tenant budget (shared/http/throttle.ts): lift it for the run
    THROTTLE_TENANT_REQUESTS_PER_SECOND: '1000000',
    THROTTLE_TENANT_BURST: '1000000',
    ...o.extra,
  };
}

/**
 * Puts the bench settings into process.env before anything from shared/ is loaded (settings are cached
 * at first use), then local.settings for whatever they leave unset; children forked later inherit them.
 */
export function applyBenchEnv(env: Record<string, string>): void {
  Object.assign(process.env, env);
  applyLocalSettings(ROOT);
  if (!existsSync(join(ROOT, 'dist', 'functions', 'index.js')))
    throw new Error('dist/ is missing: run `npx tsc -p tsconfig.build.json` (or `npm run bench`) first');
}
