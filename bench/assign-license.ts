/**
 * Benchmark: single-user assignLicense on the local host with the emulators.
 *
 *   npm run bench [-- --users 2000 --concurrency 32]
 *   (= npx tsc -p tsconfig.build.json && node dist/bench/assign-license.js [flags])
 *
 * 1. Starts the whole local stack (Cosmos DB emulator + Azurite + the local Functions host) on bench-only
 *    ports with its own database, so a running `npm start` or test stack is not touched. The host runs in
 *    this process, so `cosmosRequestStats` sees every Cosmos DB request the app makes. The load (the HTTP
 *    calls, and the raw writes of step 4) comes from a child process, this same file run with
 *    --load-generator, so generating it costs the host's event loop nothing.
 * 2. Set-up, not timed: one organization, an ENTERPRISEPACK subscription with exactly --users seats (and a
 *    STANDARDPACK one for the warm-up), --users + warm-up users with a usage location.
 * 3. Warm-up calls (sockets, JWKS, tenant and subscription caches, JIT), then --users assignLicense calls
 *    over HTTP, one distinct user each, --concurrency at a time. Every call must answer 200 with the
 *    product assigned, and the subscribedSku must then show consumedUnits == --users; otherwise FAIL, exit 1.
 * 4. The emulator's raw single-document write rate: as many plain creates of a document the size of an
 *    assigned user, into the same container and tenant partition, at the same concurrency, from the load
 *    generator's own SDK client (same settings as the app's), after a warm-up of its own.
 * 5. Prints assignments/s, p50/p99 latency, Cosmos DB requests per assignment (the app's own counter,
 *    cosmosRequestStats: the SDK diagnostics' gateway requests, metadata lookups and retried attempts;
 *    audit record included), split into the per-assignment path and the amortized periodic refresh of the
 *    subscription list, raw writes/s, the ratio and whether each target is met; then the CPU per assignment
 *    and per raw write of the host process, the load generator and the emulator (it shows which side is the
 *    bottleneck) and the requests per operation type, metadata lookups and retries in rows of their own.
 * Exit code 0 when the run completed and verified (targets met or not), 1 on a FAIL, 2 on bad arguments.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { parseArgs } from './lib/args';
import { runScript, serveChild, startChild } from './lib/child';
import { applyBenchEnv, benchEnv } from './lib/env';
import { childProc, EMULATORS } from './lib/proc';
import { measureRawWrites, rawWrites, type RawWriteResult, type RawWriteTask } from './lib/rawWrites';
import { documentKind, OpTally, standardLabel, statusList, traceSdk } from './lib/sdkTrace';
import { startBenchStack } from './lib/stack';
import { cpuMs, fmt, met, percentile, pool } from './lib/stats';
import { printTable } from './lib/table';

const PORTS = { host: 27071, cosmos: 28081, queue: 30001 };
const TARGET = { requestsPerAssignment: 4, ratio: 0.25 };
const ENV = benchEnv({ ports: PORTS, database: 'licensing-bench', keyFile: 'bench-dev-signing-key.json' });

// ---------------- command line ----------------

interface Options {
  users: number;
  concurrency: number;
}

const USAGE = 'usage: node dist/bench/assign-license.js [--users N (default 2000)] [--concurrency C (default 32)]';
const parse = (argv: string[]) => parseArgs<Options>(argv, USAGE, { users: 2000, concurrency: 32 }, { users: { int: 'users' }, concurrency: { int: 'concurrency' } });

// ---------------- the load generator (child process) ----------------

interface CallResult {
  status: number;
  ms: number;
  ok: boolean;
  detail?: string;
}
interface AssignTask {
  type: 'assign';
  url: string;
  headers: Record<string, string>;
  userIds: string[];
  skuId: string;
  concurrency: number;
}
interface AssignResult {
  type: 'assign';
  results: CallResult[];
  seconds: number;
  cpuMs: number;
}
type ToGenerator = AssignTask | RawWriteTask;
type FromGenerator = AssignResult | RawWriteResult;

/** One assignLicense call over HTTP; ok when it answers 200 with the product assigned. */
async function assign(url: string, headers: Record<string, string>, userId: string, skuId: string): Promise<CallResult> {
  const body = JSON.stringify({ addLicenses: [{ skuId, disabledPlans: [] }], removeLicenses: [] });
  const started = performance.now();
  try {
    const res = await fetch(`${url}/v1.0/users/${userId}/assignLicense`, { method: 'POST', headers, body });
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
}

/** The child process: the HTTP calls, and the raw writes (lib/rawWrites.ts); it inherits the bench settings. */
function loadGenerator(): Promise<void> {
  return serveChild<ToGenerator, FromGenerator>({
    async assign(m) {
      const cpu = process.cpuUsage();
      const started = performance.now();
      const results = await pool(m.userIds.length, m.concurrency, (i) => assign(m.url, m.headers, m.userIds[i], m.skuId));
      return { type: 'assign', results, seconds: (performance.now() - started) / 1000, cpuMs: cpuMs(process.cpuUsage(cpu)) };
    },
    raw: rawWrites,
  });
}

// ---------------- per-operation breakdown (host process) ----------------

/**
 * Per-operation tally of the SDK's diagnostics in this process (lib/sdkTrace.ts). The headline figure is
 * the app's own counter (cosmosRequestStats); this breakdown says where those requests go. Its groups:
 * `path`, made by every assignment, and `refresh`, the subscription-list query behind the rule-check cache
 * (refreshed every SUBSCRIPTION_CACHE_TTL_MS), with its metadata lookups.
 */
const opStats = new OpTally();
let tallying = false;
const PERIODIC_QUERY = "query directory type='subscription'";

async function instrumentSdk(tenantDocId: () => string | undefined) {
  await traceSdk({
    label: standardLabel(documentKind(tenantDocId)),
    onEnd(call) {
      if (tallying) opStats.add(call.label === PERIODIC_QUERY ? 'refresh' : 'path', call);
    },
  });
}

function printBreakdown(title: string, per: number, perLabel: string) {
  const rows = opStats.ordered();
  if (!rows.length) return;
  console.log(`  ${title}`);
  printTable(
    '    ',
    [
      { title: 'operation', width: 30 },
      { title: 'part', width: 7 },
      { title: 'calls', width: 7, align: 'right' },
      { title: 'requests', width: 9, align: 'right' },
      { title: perLabel, width: 9, align: 'right' },
      { title: 'mean ms', width: 8, align: 'right' },
      { title: 'statuses', gap: 2 },
    ],
    rows.map((s) => [s.label, s.group, String(s.calls), String(s.requests), fmt(s.requests / per, 3), fmt(s.ms / Math.max(1, s.timed), 2), statusList(s.statuses)]),
  );
  console.log(`    (part: path = made by every assignment; refresh = the subscription-list cache refresh, once per SUBSCRIPTION_CACHE_TTL_MS, shared by all calls)`);
}

// ---------------- the benchmark ----------------

async function main(): Promise<number> {
  const opt = parse(process.argv.slice(2));
  applyBenchEnv(ENV);

  const { cosmosRequestStats, container } = await import('../shared/storage/cosmos');
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

  console.log(`assignLicense benchmark: ${N} single-user calls at concurrency ${C} (Node ${process.version}, cosmosdb-server + Azurite + local host, load from a child process)`);
  const stack = await startBenchStack(PORTS);
  let generator: Awaited<ReturnType<typeof startChild<ToGenerator, FromGenerator>>> | undefined;
  try {
    generator = await startChild<ToGenerator, FromGenerator>(__filename, 'load-generator');
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

    // -------- warm-up --------
    const warm = await generator.run({ type: 'assign', url: stack.url, headers, userIds: userIds.slice(N, N + WARMUP), skuId: SKU_WARMUP, concurrency: C });
    const warmFailures = warm.results.filter((r) => !r.ok);
    if (warmFailures.length) {
      console.log(`FAIL: ${warmFailures.length}/${WARMUP} warm-up calls failed, e.g. ${warmFailures[0].status} ${warmFailures[0].detail}`);
      return 1;
    }

    // -------- measured run --------
    const requestsBefore = { ...cosmosRequestStats };
    opStats.clear();
    tallying = true;
    const hostCpu = process.cpuUsage();
    const emulatorCpuBefore = childProc(EMULATORS.cosmos)?.cpuMs;
    const measured = await generator.run({ type: 'assign', url: stack.url, headers, userIds: userIds.slice(0, N), skuId: SKU_BENCH, concurrency: C });
    const runHostCpuMs = cpuMs(process.cpuUsage(hostCpu));
    const emulatorCpuAfter = childProc(EMULATORS.cosmos)?.cpuMs;
    tallying = false;
    const { results, seconds: runSeconds } = measured;
    const requests = cosmosRequestStats.requests - requestsBefore.requests;
    const metadataRequests = cosmosRequestStats.metadata - requestsBefore.metadata;
    const retriedRequests = cosmosRequestStats.retries - requestsBefore.retries;
    const assignmentOps = [...opStats.rows.values()];

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
    // The ratio compares the assignment rate with the emulator's raw single-document write rate at the
    // same concurrency. So the baseline is measured like the assignments: from the load generator's
    // process (its own SDK client, configured like the app's; a warm-up first for its connections and
    // container metadata), C creates in flight, timed there; the host process is idle meanwhile. Each
    // create is one request, so raw writes/s is the emulator's single-document write capacity at C
    // concurrent clients, without the host and the app in the path.
    const sample = await container('directory').item(userIds[0], tenant.id).read<Record<string, unknown>>();
    const userBody = Object.fromEntries(Object.entries(sample.resource ?? {}).filter(([k]) => !k.startsWith('_')));
    const targetSize = Buffer.byteLength(JSON.stringify(userBody));
    const rawJob = { tenantId: tenant.id, run, targetSize, concurrency: C, op: 'create' as const };
    const rawWarm = await generator.run({ type: 'raw', ...rawJob, from: N, count: WARMUP });
    if (rawWarm.failures) problems.push(`${rawWarm.failures}/${WARMUP} raw warm-up writes failed: ${rawWarm.firstError}`);
    const rawPass = await measureRawWrites(generator, { ...rawJob, from: 0, count: N });
    const { raw, rate: rawRate, hostCpuMs: rawHostCpuMs, emuMs: rawEmuMs } = rawPass;
    if (raw.failures) problems.push(`${raw.failures}/${N} raw writes failed: ${raw.firstError}`);
    const rawSeconds = raw.seconds;
    const ratio = rate / rawRate;

    // -------- report --------
    const rows = assignmentOps;
    const refreshRequests = rows.filter((o) => o.group === 'refresh').reduce((t, o) => t + o.requests, 0);
    const refreshes = rows.find((o) => o.label === PERIODIC_QUERY)?.calls ?? 0;
    const breakdownTotal = rows.reduce((t, o) => t + o.requests, 0);
    const pathRequests = requests - refreshRequests;
    const pathOps = rows
      .filter((o) => o.group === 'path' && !o.label.startsWith('  '))
      .sort((a, b) => b.requests - a.requests)
      .map((o) => `${o.label} ${fmt(o.requests / N, 3)}`)
      .join(', ');
    const pathExtras = rows.filter((o) => o.group === 'path' && o.label.startsWith('  ')).reduce((t, o) => t + o.requests, 0);
    const ttl = s.SUBSCRIPTION_CACHE_TTL_MS;
    console.log('');
    console.log(`assignments:                 ${N} in ${fmt(runSeconds, 2)} s, ${N - failures.length} answered 200`);
    console.log(`assignments per second:      ${fmt(rate)}`);
    console.log(`latency p50 / p99:           ${fmt(percentile(latencies, 50))} ms / ${fmt(percentile(latencies, 99))} ms`);
    console.log(
      `Cosmos DB requests:          ${requests} (${fmt(perAssignment, 3)} per assignment, audit record included; of them ${metadataRequests} SDK metadata lookups and ${retriedRequests} retried attempts)`,
    );
    console.log(`  per assignment path:       ${fmt(pathRequests / N, 3)} (${pathOps}${pathExtras ? `, + ${fmt(pathExtras / N, 3)} metadata lookups / retries` : ''})`);
    console.log(
      `  amortized periodic refresh: ${fmt(refreshRequests / N, 3)} (${refreshes} subscription-list refresh${refreshes === 1 ? '' : 'es'} in ${fmt(runSeconds, 2)} s at SUBSCRIPTION_CACHE_TTL_MS ${ttl}: ${refreshRequests} requests, the list query and its query-plan lookup)`,
    );
    if (breakdownTotal !== requests) console.log(`  (the SDK-level breakdown below saw ${breakdownTotal} requests, the app's counter ${requests}: ${requests - breakdownTotal} made outside the wrapped SDK methods)`);
    console.log(`consumedUnits afterwards:    ${skuBody?.consumedUnits} of ${N}; audit records: ${auditCount}`);
    console.log(
      `raw single-document writes:  ${N} creates of ${targetSize} B at concurrency ${C} in ${fmt(rawSeconds, 2)} s = ${fmt(rawRate)} writes/s (p50 ${fmt(rawPass.p50)} ms, p99 ${fmt(rawPass.p99)} ms, ${fmt(raw.requests / N, 2)} requests each)`,
    );
    console.log(`ratio assignment/raw rate:   ${fmt(ratio, 3)}`);
    const pct = (ms: number, secs: number) => `${fmt(ms / 10 / secs, 0)}% of a core`;
    const runEmuMs = emulatorCpuBefore === undefined || emulatorCpuAfter === undefined ? undefined : emulatorCpuAfter - emulatorCpuBefore;
    console.log(
      `CPU per assignment:          host process ${fmt(runHostCpuMs / N, 3)} ms (host + app + SDK, ${pct(runHostCpuMs, runSeconds)}), load generator ${fmt(measured.cpuMs / N, 3)} ms (${pct(measured.cpuMs, runSeconds)})${runEmuMs === undefined ? '' : `, Cosmos DB emulator ${fmt(runEmuMs / N, 3)} ms (${pct(runEmuMs, runSeconds)}, 10 ms resolution)`}`,
    );
    console.log(
      `CPU per raw write:           load generator ${fmt(raw.cpuMs / N, 3)} ms (${pct(raw.cpuMs, rawSeconds)})${rawEmuMs === undefined ? '' : `, Cosmos DB emulator ${fmt(rawEmuMs / N, 3)} ms (${pct(rawEmuMs, rawSeconds)})`}, host process ${fmt(rawHostCpuMs / N, 3)} ms (idle)`,
    );
    console.log('');
    const excess = perAssignment - TARGET.requestsPerAssignment;
    const why =
      excess <= 0
        ? ''
        : pathRequests / N <= TARGET.requestsPerAssignment
          ? `; the excess ${fmt(excess, 3)} is the amortized periodic subscription-list refresh (${fmt(refreshRequests / N, 3)}), the per-assignment path makes ${fmt(pathRequests / N, 3)}`
          : `; the per-assignment path alone makes ${fmt(pathRequests / N, 3)} (${fmt(pathRequests / N - TARGET.requestsPerAssignment, 3)} over), the periodic refresh adds ${fmt(refreshRequests / N, 3)}`;
    console.log(
      `target requests/assignment <= ${TARGET.requestsPerAssignment}: ${met(perAssignment <= TARGET.requestsPerAssignment)} (${fmt(perAssignment, 3)} total = ${fmt(pathRequests / N, 3)} per assignment path + ${fmt(refreshRequests / N, 3)} amortized refresh${why})`,
    );
    console.log(`target ratio >= ${TARGET.ratio}:              ${met(ratio >= TARGET.ratio)} (${fmt(ratio, 3)})`);
    console.log('');
    printBreakdown(`Cosmos DB requests during the ${N} assignments (from the SDK diagnostics):`, N, 'per asgmt');

    if (problems.length) {
      for (const p of problems) console.log(`FAIL: ${p}`);
      return 1;
    }
    return 0;
  } finally {
    await generator?.stop();
    await stack.stop();
  }
}

runScript(module, main, { 'load-generator': loadGenerator });
