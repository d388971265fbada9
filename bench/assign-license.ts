/**
 * Benchmark: single-user assignLicense on the local host with the emulators, in one process.
 *
 *   npm run bench [-- --users 2000 --concurrency 32]
 *   (= npx tsc -p tsconfig.build.json && node dist/bench/assign-license.js [flags])
 *
 * 1. Starts the whole local stack (Cosmos DB server + Azurite + the local Functions host) on bench-only
 *    ports with its own database, so a running `npm start` or test stack is not touched. The host runs in
 *    this process, so `cosmosRequestStats` sees every Cosmos DB request the app makes.
 * 2. Set-up, not timed: one organization, an ENTERPRISEPACK subscription with exactly --users seats (and a
 *    STANDARDPACK one for the warm-up), --users + warm-up users with a usage location.
 * 3. Warm-up calls (sockets, JWKS, tenant and subscription caches, JIT), then --users assignLicense calls
 *    over HTTP, one distinct user each, --concurrency at a time. Every call must answer 200 with the
 *    product assigned, and the subscribedSku must then show consumedUnits == --users; otherwise FAIL, exit 1.
 * 4. The emulator's raw single-document write rate: as many plain creates of a document the size of an
 *    assigned user, into the same container and tenant partition, through the same SDK client, at the
 *    same concurrency.
 * 5. Prints assignments/s, p50/p99 latency, Cosmos DB requests per assignment (from the SDK diagnostics,
 *    audit record included) with a per-operation breakdown, raw writes/s, the ratio, and the targets.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { CosmosDiagnostics } from '@azure/cosmos';
import { applyLocalSettings } from '../local/settingsFile';

const ROOT = join(__dirname, '..', '..');
const PORTS = { host: 27071, cosmos: 28081, queue: 30001 };
const TARGET = { requestsPerAssignment: 4, ratio: 0.25 };

/** Bench-only settings, applied before anything from shared/ is loaded (settings are cached at first use). */
const benchEnv: Record<string, string> = {
  LOCAL_HTTP_PORT: String(PORTS.host),
  COSMOS_ENDPOINT: `http://127.0.0.1:${PORTS.cosmos}`,
  COSMOS_KEY: 'C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU9DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==',
  COSMOS_DATABASE: 'licensing-bench',
  AzureWebJobsStorage: `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UWDkgKCUHBEbQK8c7ZP2uw1i1WEh2jaSCiQ==;QueueEndpoint=http://127.0.0.1:${PORTS.queue}/devstoreaccount1;`,
  AUTH_ISSUER: 'https://login.dev.local/{tenantid}/v2.0',
  AUTH_AUDIENCE: 'api://license-assignment-service',
  AUTH_JWKS_URI: `http://127.0.0.1:${PORTS.host}/.well-known/dev-jwks.json`,
  SUBSCRIPTION_CACHE_TTL_MS: '2000',
  DEV_KEY_FILE: join(ROOT, '.local', 'bench-dev-signing-key.json'),
  LOG_LEVEL: 'warn',
};

// ---------------- command line ----------------

interface Options {
  users: number;
  concurrency: number;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { users: 2000, concurrency: 32 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-h' || arg === '--help') {
      console.log('usage: node dist/bench/assign-license.js [--users N (default 2000)] [--concurrency C (default 32)]');
      process.exit(0);
    }
    const m = /^--(users|concurrency)(?:=(.*))?$/.exec(arg);
    if (!m) throw new Error(`unknown argument ${arg} (expected --users N, --concurrency C)`);
    const raw = m[2] ?? argv[++i];
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${m[1]} needs a positive whole number (got ${raw ?? 'nothing'})`);
    o[m[1] as keyof Options] = n;
  }
  return o;
}

// ---------------- helpers ----------------

/** Runs task(0..count-1) with at most `concurrency` in flight. */
async function pool<T>(count: number, concurrency: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results = new Array<T>(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      results[i] = await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return results;
}

/** Nearest-rank percentile of an ascending array. */
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
const fmt = (n: number, digits = 1) => n.toFixed(digits);

/**
 * Per-operation tally of the SDK's diagnostics (gateway requests, metadata lookups, server-side time as
 * the SDK saw it), by wrapping the SDK's item and query methods in this process only. The headline figure
 * is the app's own counter (cosmosRequestStats); this breakdown says where those requests go.
 */
interface OpStats {
  calls: number;
  requests: number;
  metadataLookups: number;
  ms: number;
  statuses: Map<number, number>;
}
const opStats = new Map<string, OpStats>();
let tallying = false;

function tally(label: string, diagnostics: CosmosDiagnostics | undefined, status: number) {
  if (!tallying) return;
  const s = opStats.get(label) ?? { calls: 0, requests: 0, metadataLookups: 0, ms: 0, statuses: new Map<number, number>() };
  opStats.set(label, s);
  const stats = diagnostics?.clientSideRequestStatistics;
  const gateway = stats?.gatewayStatistics ?? [];
  s.calls++;
  s.requests += gateway.length || 1;
  s.metadataLookups += stats?.metadataDiagnostics?.metadataLookups?.length ?? 0;
  s.ms += gateway.reduce((t, g) => t + (g.durationInMs ?? 0), 0);
  s.statuses.set(status, (s.statuses.get(status) ?? 0) + 1);
}

async function instrumentSdk(tenantDocId: () => string | undefined) {
  const sdk = await import('@azure/cosmos');
  type Fn = (...args: unknown[]) => Promise<{ diagnostics?: CosmosDiagnostics; statusCode?: number }>;
  const wrap = (proto: object, method: string, label: (self: any, args: unknown[]) => string) => {
    const target = proto as Record<string, Fn>;
    const original = target[method];
    target[method] = async function (this: unknown, ...args: unknown[]) {
      const name = label(this, args);
      try {
        const res = await original.apply(this, args);
        tally(name, res.diagnostics, res.statusCode ?? 200);
        return res;
      } catch (e) {
        const err = e as { diagnostics?: CosmosDiagnostics; code?: number };
        tally(name, err.diagnostics, typeof err.code === 'number' ? err.code : 0);
        throw e;
      }
    };
  };
  // what a directory document is, from its id: `{tenant}_{sku}` subscription, `upn-…` claim, the tenant, else a user
  const kind = (container: string, id: string | undefined) => {
    if (container !== 'directory') return container;
    if (!id) return 'directory';
    if (id === tenantDocId()) return 'tenant';
    if (id.includes('_')) return 'subscription';
    if (id.startsWith('upn-')) return 'upnClaim';
    if (id.startsWith('raw-')) return 'raw';
    return 'user';
  };
  const bodyId = (args: unknown[]) => (args[0] as { id?: string } | undefined)?.id;
  wrap(sdk.Item.prototype, 'read', (self) => `read ${kind(self.container.id, self.id)}`);
  wrap(sdk.Item.prototype, 'replace', (self) => `replace ${kind(self.container.id, self.id)}`);
  wrap(sdk.Item.prototype, 'delete', (self) => `delete ${kind(self.container.id, self.id)}`);
  wrap(sdk.Item.prototype, 'patch', (self, args) => {
    const conditional = !Array.isArray(args[0]) && !!(args[0] as { condition?: string } | undefined)?.condition;
    return `patch ${kind(self.container.id, self.id)}${conditional ? ' (conditional)' : ''}`;
  });
  wrap(sdk.Items.prototype, 'create', (self, args) => `create ${kind(self.container.id, bodyId(args))}`);
  wrap(sdk.Items.prototype, 'upsert', (self, args) => `upsert ${kind(self.container.id, bodyId(args))}`);
  wrap(sdk.QueryIterator.prototype, 'fetchNext', () => 'query (fetchNext)');
}

function printBreakdown(title: string, per: number, perLabel: string) {
  const rows = [...opStats].sort((a, b) => b[1].requests - a[1].requests);
  if (!rows.length) return;
  console.log(`  ${title}`);
  console.log(`    ${'operation'.padEnd(30)} ${'calls'.padStart(7)} ${'requests'.padStart(9)} ${perLabel.padStart(9)} ${'mean ms'.padStart(8)}  statuses`);
  for (const [label, s] of rows) {
    const statuses = [...s.statuses].map(([code, n]) => `${code}x${n}`).join(' ');
    const meta = s.metadataLookups ? `  (+${s.metadataLookups} metadata lookups)` : '';
    console.log(
      `    ${label.padEnd(30)} ${String(s.calls).padStart(7)} ${String(s.requests).padStart(9)} ${fmt(s.requests / per, 3).padStart(9)} ${fmt(s.ms / Math.max(1, s.requests), 2).padStart(8)}  ${statuses}${meta}`,
    );
  }
}

// ---------------- the benchmark ----------------

async function main(): Promise<number> {
  const opt = parseArgs(process.argv.slice(2));
  Object.assign(process.env, benchEnv);
  applyLocalSettings(ROOT);
  if (!existsSync(join(ROOT, 'dist', 'functions', 'index.js'))) throw new Error('dist/ is missing: run `npx tsc -p tsconfig.build.json` (or `npm run bench`) first');

  const { startStack } = await import('../local/stack');
  const { cosmosRequestStats, container, tracked } = await import('../shared/storage/cosmos');
  const { createTenant, createSubscription, createUser } = await import('../shared/usecases/directory');
  const { SKU } = await import('../shared/domain/catalog');
  const { mintDevToken } = await import('../local/devTokens');
  const { settings } = await import('../shared/config');

  let tenantId: string | undefined;
  await instrumentSdk(() => tenantId);

  const N = opt.users;
  const C = opt.concurrency;
  const WARMUP = Math.min(Math.max(8, C), 64);
  const SKU_BENCH = SKU.ENTERPRISEPACK;
  const SKU_WARMUP = SKU.STANDARDPACK; // warm-up on another product, so ENTERPRISEPACK counts the measured calls only

  console.log(`assignLicense benchmark: ${N} single-user calls at concurrency ${C} (Node ${process.version}, cosmosdb-server + Azurite + local host)`);
  const stack = await startStack({ port: PORTS.host, quiet: true, root: ROOT });
  try {
    // -------- set-up (not timed) --------
    const setupStarted = performance.now();
    const tenant = await createTenant({ displayName: 'Bench org', defaultUsageLocation: 'NL', cloud: 'Worldwide' });
    tenantId = tenant.id;
    await createSubscription(tenant.id, { skuId: SKU_BENCH, totalLicenses: N, purchaseChannel: 'admin' });
    await createSubscription(tenant.id, { skuId: SKU_WARMUP, totalLicenses: WARMUP, purchaseChannel: 'admin' });
    const run = randomUUID().slice(0, 8);
    const userIds = await pool(N + WARMUP, C, async (i) => {
      const u = await createUser(tenant.id, {
        displayName: `Bench user ${i}`,
        userPrincipalName: `bench${i}-${run}@bench.dev`,
        usageLocation: 'NL',
        accountEnabled: true,
        userType: 'Member',
      });
      return u.id;
    });
    const s = settings();
    const token = await mintDevToken({ role: 'GlobalAdministrator', tenantId: tenant.id, issuer: s.AUTH_ISSUER, audience: s.AUTH_AUDIENCE });
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    console.log(`set-up: tenant ${tenant.id}, ${N + WARMUP} users, ${N} ENTERPRISEPACK seats in ${fmt((performance.now() - setupStarted) / 1000)} s`);

    interface CallResult {
      status: number;
      ms: number;
      ok: boolean;
      detail?: string;
    }
    const assign = async (userId: string, skuId: string): Promise<CallResult> => {
      const body = JSON.stringify({ addLicenses: [{ skuId, disabledPlans: [] }], removeLicenses: [] });
      const started = performance.now();
      try {
        const res = await fetch(`${stack.url}/v1.0/users/${userId}/assignLicense`, { method: 'POST', headers, body });
        const text = await res.text();
        const ms = performance.now() - started;
        let assigned = false;
        try {
          assigned = (JSON.parse(text) as { assignedLicenses?: { skuId: string }[] }).assignedLicenses?.some((a) => a.skuId === skuId) ?? false;
        } catch {
          /* not JSON: reported below */
        }
        return { status: res.status, ms, ok: res.status === 200 && assigned, detail: res.status === 200 && assigned ? undefined : text.slice(0, 300) };
      } catch (e) {
        return { status: 0, ms: performance.now() - started, ok: false, detail: String((e as Error).message ?? e) };
      }
    };

    // -------- warm-up --------
    const warm = await pool(WARMUP, C, (i) => assign(userIds[N + i], SKU_WARMUP));
    const warmFailures = warm.filter((r) => !r.ok);
    if (warmFailures.length) {
      console.log(`FAIL: ${warmFailures.length}/${WARMUP} warm-up calls failed, e.g. ${warmFailures[0].status} ${warmFailures[0].detail}`);
      return 1;
    }

    // -------- measured run --------
    const requestsBefore = cosmosRequestStats.requests;
    opStats.clear();
    tallying = true;
    const runStarted = performance.now();
    const results = await pool(N, C, (i) => assign(userIds[i], SKU_BENCH));
    const runSeconds = (performance.now() - runStarted) / 1000;
    tallying = false;
    const requests = cosmosRequestStats.requests - requestsBefore;
    const assignmentOps = new Map(opStats);

    const failures = results.filter((r) => !r.ok);
    const latencies = results.map((r) => r.ms).sort((a, b) => a - b);
    const rate = N / runSeconds;
    const perAssignment = requests / N;

    // -------- verification --------
    const problems: string[] = [];
    if (failures.length) {
      const byStatus = new Map<number, number>();
      for (const f of failures) byStatus.set(f.status, (byStatus.get(f.status) ?? 0) + 1);
      problems.push(
        `${failures.length}/${N} assignLicense calls did not answer 200 with the product assigned (${[...byStatus].map(([k, v]) => `${k}: ${v}`).join(', ')}); first: ${failures[0].detail}`,
      );
    }
    const skuRes = await fetch(`${stack.url}/v1.0/subscribedSkus/${tenant.id}_${SKU_BENCH}`, { headers });
    const skuBody = (await skuRes.json().catch(() => undefined)) as { consumedUnits?: number } | undefined;
    if (skuRes.status !== 200 || skuBody?.consumedUnits !== N) {
      problems.push(`subscribedSku ENTERPRISEPACK shows consumedUnits ${skuBody?.consumedUnits} (HTTP ${skuRes.status}), expected ${N}`);
    }
    let auditCount: number | string;
    try {
      const q = await container('audit')
        .items.query<number>(
          { query: "SELECT VALUE COUNT(1) FROM c WHERE c.tenantId = @t AND c.type = 'licenseChange'", parameters: [{ name: '@t', value: tenant.id }] },
          { partitionKey: tenant.id },
        )
        .fetchAll();
      auditCount = q.resources[0] ?? 0;
      if (auditCount !== N + WARMUP) problems.push(`audit container holds ${auditCount} licenseChange records for the tenant, expected ${N + WARMUP} (${N} + ${WARMUP} warm-up)`);
    } catch (e) {
      auditCount = `not counted (${(e as Error).message?.split('\n')[0]})`;
    }

    // -------- raw single-document writes, same container, partition scheme and size --------
    const sample = await container('directory').item(userIds[0], tenant.id).read<Record<string, unknown>>();
    const userBody = Object.fromEntries(Object.entries(sample.resource ?? {}).filter(([k]) => !k.startsWith('_')));
    const targetSize = Buffer.byteLength(JSON.stringify(userBody));
    const rawDoc = (i: number) => {
      const doc = { id: `raw-${run}-${i}`, tenantId: tenant.id, type: 'benchRaw', createdDateTime: new Date().toISOString(), pad: '' };
      doc.pad = 'x'.repeat(Math.max(0, targetSize - Buffer.byteLength(JSON.stringify(doc))));
      return doc;
    };
    await pool(WARMUP, C, (i) => tracked(() => container('directory').items.create(rawDoc(N + i))));
    const rawBefore = cosmosRequestStats.requests;
    opStats.clear();
    tallying = true;
    const rawLatencies: number[] = [];
    const rawStarted = performance.now();
    await pool(N, C, async (i) => {
      const doc = rawDoc(i);
      const started = performance.now();
      await tracked(() => container('directory').items.create(doc));
      rawLatencies.push(performance.now() - started);
    });
    const rawSeconds = (performance.now() - rawStarted) / 1000;
    tallying = false;
    const rawRequests = cosmosRequestStats.requests - rawBefore;
    const rawRate = N / rawSeconds;
    rawLatencies.sort((a, b) => a - b);
    const ratio = rate / rawRate;

    // -------- report --------
    const met = (ok: boolean) => (ok ? 'met' : 'NOT met');
    console.log('');
    console.log(`assignments:                 ${N} in ${fmt(runSeconds, 2)} s, ${N - failures.length} answered 200`);
    console.log(`assignments per second:      ${fmt(rate)}`);
    console.log(`latency p50 / p99:           ${fmt(percentile(latencies, 50))} ms / ${fmt(percentile(latencies, 99))} ms`);
    console.log(`Cosmos DB requests:          ${requests} (${fmt(perAssignment, 2)} per assignment, audit record included)`);
    console.log(`consumedUnits afterwards:    ${skuBody?.consumedUnits} of ${N}; audit records: ${auditCount}`);
    console.log(`raw single-document writes:  ${N} creates of ${targetSize} B in ${fmt(rawSeconds, 2)} s = ${fmt(rawRate)} writes/s (p50 ${fmt(percentile(rawLatencies, 50))} ms, p99 ${fmt(percentile(rawLatencies, 99))} ms, ${fmt(rawRequests / N, 2)} requests each)`);
    console.log(`ratio assignment/raw rate:   ${fmt(ratio, 3)}`);
    console.log('');
    console.log(`target requests/assignment <= ${TARGET.requestsPerAssignment}: ${met(perAssignment <= TARGET.requestsPerAssignment)} (${fmt(perAssignment, 2)})`);
    console.log(`target ratio >= ${TARGET.ratio}:              ${met(ratio >= TARGET.ratio)} (${fmt(ratio, 3)})`);
    console.log('');
    opStats.clear();
    for (const [k, v] of assignmentOps) opStats.set(k, v);
    printBreakdown(`Cosmos DB operations during the ${N} assignments (from the SDK diagnostics):`, N, 'per asgmt');

    if (problems.length) {
      for (const p of problems) console.log(`FAIL: ${p}`);
      return 1;
    }
    return 0;
  } finally {
    await stack.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`FAIL: ${(e as Error)?.stack ?? e}`);
    process.exit(1);
  },
);
