/**
 * Benchmark: single-user assignLicense on the local host with the emulators, once per engine mode, the
 * modes printed side by side.
 *
 *   npm run bench [-- --users 2000 --concurrency 32 --latency-calls 200 --modes off,on]
 *   npm run bench -- --smoke   (a tiny run: --users 20 --concurrency 4 --latency-calls 10, both modes)
 *   (= npx tsc -p tsconfig.build.json && node dist/bench/assign-license.js [flags])
 *
 * Modes: group commit off and on (LICENSE_GROUP_COMMIT 'false' / 'true', see MODES). The app reads its
 * settings once per process, so each mode is measured by a process of its own (this file run with
 * --mode-runner and the mode's environment) with a stack of its own, one mode after the other; measureMode
 * runs one and returns its figures, printReport prints a list of them as columns.
 * In each mode's process:
 * 1. Starts the whole local stack (Cosmos DB emulator + Azurite + the local Functions host) on bench-only
 *    ports with its own database, so a running `npm start` or test stack is not touched. The host runs in
 *    that process, so `cosmosRequestStats` sees every Cosmos DB request the app makes. The load (the HTTP
 *    calls, and the raw writes of step 5) comes from a child process, this same file run with
 *    --load-generator, so generating it costs the host's event loop nothing.
 * 2. Set-up, not timed: one organization, an ENTERPRISEPACK subscription with exactly --users seats, an
 *    EXCHANGESTANDARD one with exactly --latency-calls seats (and a STANDARDPACK one for the warm-up),
 *    --users + --latency-calls + warm-up users with a usage location.
 * 3. Warm-up calls (sockets, JWKS, tenant and subscription caches, JIT), then --users assignLicense calls
 *    (ENTERPRISEPACK) over HTTP, one distinct user each, --concurrency at a time: throughput, latency and
 *    Cosmos DB requests per assignment. Every call must answer 200 with the product assigned, and the
 *    subscribedSku must then show consumedUnits == --users; otherwise FAIL, exit 1.
 * 3b. The host's floor: the same --users calls at --concurrency with a skuId that is not a GUID, each
 *    refused at validation (400) before the engine or the store: what any call costs the host (HTTP server,
 *    the Functions library's request and response, token check, body read and parsed, an answer). The
 *    host's CPU per assignment minus this is what the engine and its store calls cost; the rate bounds what
 *    any engine could reach on this host.
 * 4. Then --latency-calls assignLicense calls (EXCHANGESTANDARD), one at a time: the latency at
 *    concurrency 1, where group commit has nobody to batch with and must cost (almost) nothing. Same
 *    checks (consumedUnits == --latency-calls).
 * 4b. Paired latency (the last mode's process, when both modes run): two more hosts on the same emulators,
 *    one with each mode's settings (lib/secondHost.ts), --latency-calls calls to each, one at a time,
 *    alternating between the two (POWER_BI_PRO, after a warm-up of each). The modes' own step-4
 *    figures come from runs minutes apart on a shared machine; alternating calls puts whatever the
 *    machine does on both modes alike, so the concurrency-1 target is judged on this pairing. Both hosts
 *    are fresh processes started the same way (not this one, which carries the SDK tracing of the
 *    breakdown and has served the runs above), so the pairing differs in the mode alone.
 * 5. The emulator's raw single-document write rate (lib/rawWrites.ts): --users plain creates of a document
 *    the size of an assigned user, into the same container and tenant partition, at --concurrency, from the
 *    load generator's own SDK client (same settings as the app's), after a warm-up of its own; then
 *    --latency-calls such creates one at a time, the yardstick of step 4 (the modes run one after the
 *    other on a shared machine: a raw latency that moves between them says the machine moved).
 * Prints per mode: assignments/s, p50/p99 latency, Cosmos DB requests per assignment (the app's own
 * counter, cosmosRequestStats: the SDK diagnostics' gateway requests, metadata lookups and retried
 * attempts; audit record included), split into the per-assignment path and the amortized periodic refresh
 * of the subscription list; the concurrency-1 latency; raw writes/s and the ratio; the CPU per assignment
 * and per raw write of the host process, the load generator and the emulator (it shows which side is the
 * bottleneck); the targets; then per mode the requests per operation type, metadata lookups and retries
 * in rows of their own.
 * Exit code 0 when every mode completed and verified (targets met or not), 1 on a FAIL, 2 on bad arguments.
 */
import { randomUUID } from 'node:crypto';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { performance } from 'node:perf_hooks';
import { parseArgs } from './lib/args';
import { runScript, serveChild, startChild, stopChildren, type Child } from './lib/child';
import { applyBenchEnv, benchEnv, benchPorts } from './lib/env';
import { childProc, EMULATORS, machineLoad, otherBenchmarks } from './lib/proc';
import { measureRawWrites, rawWrites, type RawWriteResult, type RawWriteTask } from './lib/rawWrites';
import { documentKind, OpTally, standardLabel, statusList, traceSdk } from './lib/sdkTrace';
import { startSecondHost } from './lib/secondHost';
import { runtime } from './lib/runtime';
import { startBenchStack } from './lib/stack';
import { cpuMs, fmt, met, percentile, pool } from './lib/stats';
import { printTable } from './lib/table';

const PORTS = benchPorts({ host: 27071, cosmos: 28081, queue: 30001 });
/** Issue 12's targets for the write engine with group commit. */
const TARGET = {
  /** assignments/s at --concurrency >= this x the raw single-document write rate at the same concurrency */
  ratio: 0.6,
  requestsPerAssignment: 1.5,
  /** p50 at concurrency 1 with group commit on <= (1 + this) x p50 with it off */
  c1Slowdown: 0.1,
};
const ENV = benchEnv({ ports: PORTS, database: 'licensing-bench', keyFile: 'bench-dev-signing-key.json' });

/** The engine modes, each a set of settings for the app (LICENSE_GROUP_COMMIT, shared/config.ts). */
const MODES = {
  off: { name: 'group commit off', env: { LICENSE_GROUP_COMMIT: 'false' } },
  on: { name: 'group commit on', env: { LICENSE_GROUP_COMMIT: 'true' } },
} as const;
type ModeKey = keyof typeof MODES;
const MODE_KEYS = Object.keys(MODES) as ModeKey[];

// ---------------- command line ----------------

interface Options {
  users: number;
  concurrency: number;
  latencyCalls: number;
  modes: ModeKey[];
}

const USAGE =
  'usage: node dist/bench/assign-license.js [--users N (default 2000)] [--concurrency C (default 32)] [--latency-calls L (calls at concurrency 1, default 200)] ' +
  `[--modes ${MODE_KEYS.join(',')} (default: all, in that order)]`;
const parse = (argv: string[]) =>
  parseArgs<Options>(
    argv,
    USAGE,
    { users: 2000, concurrency: 32, latencyCalls: 200, modes: MODE_KEYS },
    { users: { int: 'users' }, concurrency: { int: 'concurrency' }, 'latency-calls': { int: 'latencyCalls' }, modes: { list: 'modes', values: MODE_KEYS } },
    { users: 20, concurrency: 4, latencyCalls: 10 },
  );

// ---------------- the load generator (child of a mode's process) ----------------

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
  /** Send a body the API refuses at validation (a skuId that is not a GUID): the call must answer 400. */
  refuse?: boolean;
}
interface AssignResult {
  type: 'assign';
  results: CallResult[];
  seconds: number;
  cpuMs: number;
}
/** Calls one at a time, alternating between the hosts (the i-th call to urls[i % urls.length]). */
interface PairedTask {
  type: 'paired';
  urls: string[];
  headers: Record<string, string>;
  userIds: string[];
  skuId: string;
}
interface PairedResult {
  type: 'paired';
  results: CallResult[];
}
type ToGenerator = AssignTask | PairedTask | RawWriteTask;
type FromGenerator = AssignResult | PairedResult | RawWriteResult;

/**
 * The load generator's HTTP client: node:http with kept-alive connections, one per call in flight. A
 * generator is not what is measured: node:http costs it about half the CPU of fetch per call, and on two
 * cores every millisecond it spends is one the host and the emulator do not get.
 */
const agent = new HttpAgent({ keepAlive: true, maxSockets: 256 });

function post(url: string, headers: Record<string, string>, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', agent, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * One assignLicense call over HTTP; ok when it answers 200 with the product assigned, or, with `refuse`,
 * when it answers 400 (its skuId is not a GUID: refused at validation, before any store access).
 */
async function assign(url: string, headers: Record<string, string>, userId: string, skuId: string, refuse = false): Promise<CallResult> {
  const body = JSON.stringify({ addLicenses: [{ skuId: refuse ? 'not-a-guid' : skuId, disabledPlans: [] }], removeLicenses: [] });
  const started = performance.now();
  try {
    const res = await post(`${url}/v1.0/users/${userId}/assignLicense`, headers, body);
    const text = res.text;
    const ms = performance.now() - started;
    if (refuse) return { status: res.status, ms, ok: res.status === 400, detail: res.status === 400 ? undefined : text.slice(0, 300) };
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

/** The load generator: the HTTP calls, and the raw writes (lib/rawWrites.ts); it inherits its mode's settings. */
function loadGenerator(): Promise<void> {
  return serveChild<ToGenerator, FromGenerator>({
    async assign(m) {
      const cpu = process.cpuUsage();
      const started = performance.now();
      const results = await pool(m.userIds.length, m.concurrency, (i) => assign(m.url, m.headers, m.userIds[i], m.skuId, m.refuse));
      return { type: 'assign', results, seconds: (performance.now() - started) / 1000, cpuMs: cpuMs(process.cpuUsage(cpu)) };
    },
    async paired(m) {
      const results: CallResult[] = [];
      for (let i = 0; i < m.userIds.length; i++) results.push(await assign(m.urls[i % m.urls.length], m.headers, m.userIds[i], m.skuId));
      return { type: 'paired', results };
    },
    raw: rawWrites,
  });
}

// ---------------- per-operation breakdown (a mode's process) ----------------

/**
 * Per-operation tally of the SDK's diagnostics in the host's process (lib/sdkTrace.ts). The headline figure
 * is the app's own counter (cosmosRequestStats); this breakdown says where those requests go. Its groups:
 * `path`, made by every assignment, and `refresh`: the subscription-list query behind the rule-check cache
 * (refreshed every SUBSCRIPTION_CACHE_TTL_MS), with its metadata lookups, and the catalog cache's check
 * of the catalog's head (a point read every CATALOG_REFRESH_SECONDS at most, shared by all calls).
 */
const opStats = new OpTally();
let tallying = false;
const PERIODIC_QUERY = "query directory type='subscription'";
const CATALOG_CHECK = 'read catalog';

/** A breakdown row as it crosses the process boundary (statuses as pairs). */
interface BreakdownRow {
  label: string;
  group: string;
  calls: number;
  requests: number;
  ms: number;
  timed: number;
  statuses: [number | string, number][];
}

// ---------------- one mode, measured in a process of its own ----------------

/** What one mode measured: the figures printed side by side, the breakdown, and what failed. */
interface ModeResult {
  mode: ModeKey;
  /** Set when the run got as far as measuring. */
  figures?: ModeFigures;
  problems: string[];
}
interface ModeFigures {
  users: number;
  concurrency: number;
  warmup: number;
  seconds: number;
  answered: number;
  rate: number;
  p50: number;
  p99: number;
  requests: number;
  metadataRequests: number;
  retriedRequests: number;
  pathRequests: number;
  refreshRequests: number;
  refreshes: number;
  /** The catalog cache's checks of the catalog's head. */
  catalogChecks: number;
  /** "read user 1.000, patch …" */
  pathOps: string;
  pathExtras: number;
  breakdownTotal: number;
  ttlMs: number;
  consumed?: number;
  auditCount: number | string;
  c1: { calls: number; answered: number; seconds: number; p50: number; p99: number; requests: number; consumed?: number };
  /** Step 3b: the same calls refused at validation, at the same concurrency: what any call costs the host. */
  refused: { calls: number; answered: number; seconds: number; rate: number; hostCpuMs: number; requests: number };
  /** Step 4b: this mode and `other` at concurrency 1, calls alternating between a host of each. */
  paired?: { other: ModeKey; calls: number; self: PairedSide; otherSide: PairedSide };
  raw: { count: number; size: number; seconds: number; rate: number; p50: number; p99: number; requestsEach: number };
  /** Raw single-document writes one at a time: the machine's own latency at concurrency 1 while this mode ran. */
  rawC1: { count: number; p50: number; p99: number };
  /** The machine's load as this mode started (other work shares the cores). */
  load: string;
  ratio: number;
  cpu: {
    runSeconds: number;
    host: number;
    generator: number;
    emulator?: number;
    rawSeconds: number;
    rawGenerator: number;
    rawEmulator?: number;
    rawHost: number;
  };
  breakdown: BreakdownRow[];
}

interface PairedSide {
  answered: number;
  p50: number;
  p99: number;
}

interface MeasureTask {
  type: 'measure';
  mode: ModeKey;
  opt: Options;
  /** Step 4b against a second host with this mode's settings. */
  pairWith?: ModeKey;
}
type MeasureAnswer = ModeResult & { type: 'measure' };

/**
 * Measures one mode: a process of its own with the mode's settings on top of the bench's (the app reads
 * them once per process), its own stack, the run of the header's steps 1-5; returns its figures.
 */
async function measureMode(mode: ModeKey, opt: Options, pairWith?: ModeKey): Promise<ModeResult> {
  console.log(
    `-- ${MODES[mode].name} (${Object.entries(MODES[mode].env)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}):`,
  );
  let runner: Child<MeasureTask, MeasureAnswer> | undefined;
  try {
    runner = await startChild<MeasureTask, MeasureAnswer>(__filename, 'mode-runner', MODES[mode].env);
    const { type, ...result } = await runner.run({ type: 'measure', mode, opt, pairWith });
    void type;
    return result;
  } catch (e) {
    return { mode, problems: [`the ${MODES[mode].name} run failed: ${(e as Error)?.message ?? e}`] };
  } finally {
    await runner?.stop();
  }
}

/** The mode's process (--mode-runner): one measure task, then the parent stops it. */
function modeRunner(): Promise<void> {
  let stop: (() => Promise<void>) | undefined;
  return serveChild<MeasureTask, MeasureAnswer>(
    {
      async measure(m) {
        const run = await runMode(m.mode, m.opt, m.pairWith, (s) => (stop = s));
        return { type: 'measure', ...run };
      },
    },
    () => stop?.() ?? Promise.resolve(),
  );
}

async function runMode(mode: ModeKey, opt: Options, pairWith: ModeKey | undefined, onStack: (stop: () => Promise<void>) => void): Promise<ModeResult> {
  const problems: string[] = [];
  const load = machineLoad();
  const { cosmosRequestStats, container } = await import('../shared/storage/cosmos');
  const { createTenant, createSubscription } = await import('../shared/usecases/directory');
  const { createUser } = await import('../shared/usecases/users');
  const { mintDevToken } = await import('../local/devTokens');
  const { settings, tokenIssuer } = await import('../shared/config');

  let tenantId: string | undefined;
  await traceSdk({
    label: standardLabel(documentKind(() => tenantId)),
    onEnd(call) {
      if (tallying) opStats.add(call.label === PERIODIC_QUERY || call.label === CATALOG_CHECK ? 'refresh' : 'path', call);
    },
  });

  const N = opt.users;
  const C = opt.concurrency;
  const L = opt.latencyCalls;
  const WARMUP = Math.min(Math.max(8, C), 64);
  const PAIR_WARM = 50; // unmeasured alternating calls first, per host: its sockets, caches and JIT
  const P = pairWith ? 2 * (L + PAIR_WARM) : 0;

  const stack = await startBenchStack(PORTS);
  // the stack loaded the demo's catalog: its products by part number
  const { catalog, SKU } = await (await import('./lib/demoCatalog')).demoCatalog();
  const SKU_BENCH = SKU.ENTERPRISEPACK;
  const SKU_C1 = SKU.EXCHANGESTANDARD; // the concurrency-1 calls on a product of their own, so each product's count checks its own calls
  const SKU_WARMUP = SKU.STANDARDPACK; // warm-up on another product, so ENTERPRISEPACK counts the measured calls only
  const SKU_PAIRED = SKU.POWER_BI_PRO; // step 4b's calls, both hosts, on a product of their own
  onStack(() => Promise.allSettled([stopChildren(), stack.stop()]).then(() => undefined));
  let generator: Child<ToGenerator, FromGenerator> | undefined;
  try {
    generator = await startChild<ToGenerator, FromGenerator>(__filename, 'load-generator');
    // -------- set-up (not timed) --------
    const setupStarted = performance.now();
    const tenant = await createTenant({ displayName: 'Bench org', defaultUsageLocation: 'NL', cloud: 'Worldwide' });
    tenantId = tenant.id;
    await createSubscription(catalog, tenant.id, { skuId: SKU_BENCH, totalLicenses: N, purchaseChannel: 'admin' });
    await createSubscription(catalog, tenant.id, { skuId: SKU_C1, totalLicenses: L, purchaseChannel: 'admin' });
    await createSubscription(catalog, tenant.id, { skuId: SKU_WARMUP, totalLicenses: WARMUP, purchaseChannel: 'admin' });
    if (P) await createSubscription(catalog, tenant.id, { skuId: SKU_PAIRED, totalLicenses: P, purchaseChannel: 'admin' });
    const run = randomUUID().slice(0, 8);
    const userIds = await pool(N + L + WARMUP + P, C, async (i) => {
      const u = await createUser(tenant.id, {
        displayName: `Bench user ${i}`,
        userPrincipalName: `bench${i}-${run}@bench.dev`,
        usageLocation: 'NL',
        accountEnabled: true,
        userType: 'Member',
      });
      return u.id;
    });
    const benchUsers = userIds.slice(0, N);
    const c1Users = userIds.slice(N, N + L);
    const warmUsers = userIds.slice(N + L, N + L + WARMUP);
    const pairedUsers = userIds.slice(N + L + WARMUP);
    const s = settings();
    const token = await mintDevToken({ role: 'GlobalAdministrator', tenantId: tenant.id, issuer: tokenIssuer(s), audience: s.AUTH_AUDIENCE[0] });
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    console.log(
      `set-up: tenant ${tenant.id}, ${N + L + WARMUP} users, ${N} ENTERPRISEPACK and ${L} EXCHANGESTANDARD seats in ${fmt((performance.now() - setupStarted) / 1000)} s`,
    );

    const callFailures = (failed: CallResult[], of: number, what: string) => {
      if (!failed.length) return;
      const byStatus = new Map<number, number>();
      for (const f of failed) byStatus.set(f.status, (byStatus.get(f.status) ?? 0) + 1);
      problems.push(
        `${failed.length}/${of} ${what} did not answer 200 with the product assigned (${[...byStatus].map(([k, v]) => `${k}: ${v}`).join(', ')}); first: ${failed[0].detail}`,
      );
    };

    // -------- warm-up --------
    const warm = await generator.run({ type: 'assign', url: stack.url, headers, userIds: warmUsers, skuId: SKU_WARMUP, concurrency: C });
    const warmFailures = warm.results.filter((r) => !r.ok);
    if (warmFailures.length)
      return { mode, problems: [`${warmFailures.length}/${WARMUP} warm-up calls failed, e.g. ${warmFailures[0].status} ${warmFailures[0].detail}`] };

    // -------- measured run at concurrency C --------
    const requestsBefore = { ...cosmosRequestStats };
    opStats.clear();
    tallying = true;
    const hostCpu = process.cpuUsage();
    const emulatorCpuBefore = childProc(EMULATORS.cosmos)?.cpuMs;
    const measured = await generator.run({ type: 'assign', url: stack.url, headers, userIds: benchUsers, skuId: SKU_BENCH, concurrency: C });
    const runHostCpuMs = cpuMs(process.cpuUsage(hostCpu));
    const emulatorCpuAfter = childProc(EMULATORS.cosmos)?.cpuMs;
    tallying = false;
    const { results, seconds: runSeconds } = measured;
    const requests = cosmosRequestStats.requests - requestsBefore.requests;
    const rows = [...opStats.rows.values()];
    const failures = results.filter((r) => !r.ok);
    const latencies = results.map((r) => r.ms).sort((a, b) => a - b);
    const rate = N / runSeconds;

    // -------- the host's floor: the same calls, refused at validation --------
    // the HTTP server, the Functions library's request and response, the token check, the body read and
    // parsed, the error answered: what every call costs before the engine does anything
    // (a warm-up of its own first: the error path's code is not yet compiled)
    await generator.run({ type: 'assign', url: stack.url, headers, userIds: warmUsers, skuId: SKU_BENCH, concurrency: C, refuse: true });
    const refusedBefore = cosmosRequestStats.requests;
    const refusedCpu = process.cpuUsage();
    const refused = await generator.run({ type: 'assign', url: stack.url, headers, userIds: benchUsers, skuId: SKU_BENCH, concurrency: C, refuse: true });
    const refusedHostCpuMs = cpuMs(process.cpuUsage(refusedCpu));
    const refusedRequests = cosmosRequestStats.requests - refusedBefore;
    const refusedFailures = refused.results.filter((r) => !r.ok);
    if (refusedFailures.length)
      problems.push(
        `${refusedFailures.length}/${N} calls with an invalid skuId did not answer 400; first: ${refusedFailures[0].status} ${refusedFailures[0].detail}`,
      );

    // -------- concurrency 1 --------
    const c1Before = cosmosRequestStats.requests;
    const c1 = await generator.run({ type: 'assign', url: stack.url, headers, userIds: c1Users, skuId: SKU_C1, concurrency: 1 });
    const c1Requests = cosmosRequestStats.requests - c1Before;
    const c1Failures = c1.results.filter((r) => !r.ok);
    const c1Latencies = c1.results.map((r) => r.ms).sort((a, b) => a - b);

    // -------- paired, concurrency 1: this mode and pairWith alternating --------
    let paired: ModeFigures['paired'];
    if (pairWith) {
      // two fresh hosts, one per mode, alike in every other way (neither is this process, whose host carries
      // the SDK tracing and has served the runs above)
      const hosts = await Promise.all([startSecondHost(PORTS.host + 2, MODES[mode].env), startSecondHost(PORTS.host + 4, MODES[pairWith].env)]);
      try {
        const urls = hosts.map((h) => h.url);
        const { results: all } = await generator.run({ type: 'paired', urls, headers, userIds: pairedUsers, skuId: SKU_PAIRED });
        callFailures(
          all.filter((r) => !r.ok),
          P,
          'paired assignLicense calls at concurrency 1',
        );
        const measuredCalls = all.slice(2 * PAIR_WARM);
        const side = (k: number): PairedSide => {
          const mine = measuredCalls.filter((_, i) => i % 2 === k);
          const sorted = mine.map((r) => r.ms).sort((a, b) => a - b);
          return { answered: mine.filter((r) => r.ok).length, p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
        };
        paired = { other: pairWith, calls: L, self: side(0), otherSide: side(1) };
      } finally {
        await Promise.all(hosts.map((h) => h.stop()));
      }
    }

    // -------- verification --------
    callFailures(failures, N, 'assignLicense calls');
    callFailures(c1Failures, L, 'assignLicense calls at concurrency 1');
    const consumedOf = async (skuId: string, name: string, expected: number) => {
      const res = await fetch(`${stack.url}/v1.0/subscribedSkus/${tenant.id}_${skuId}`, { headers });
      const body = (await res.json().catch(() => undefined)) as { consumedUnits?: number } | undefined;
      if (res.status !== 200 || body?.consumedUnits !== expected)
        problems.push(`subscribedSku ${name} shows consumedUnits ${body?.consumedUnits} (HTTP ${res.status}), expected ${expected}`);
      return body?.consumedUnits;
    };
    const consumed = await consumedOf(SKU_BENCH, 'ENTERPRISEPACK', N);
    const c1Consumed = await consumedOf(SKU_C1, 'EXCHANGESTANDARD', L);
    if (P) await consumedOf(SKU_PAIRED, 'POWER_BI_PRO (paired calls)', P);
    let auditCount: number | string;
    try {
      const q = await container('audit')
        .items.query<number>(
          { query: "SELECT VALUE COUNT(1) FROM c WHERE c.tenantId = @t AND c.type = 'licenseChange'", parameters: [{ name: '@t', value: tenant.id }] },
          { partitionKey: tenant.id },
        )
        .fetchAll();
      auditCount = q.resources[0] ?? 0;
      if (auditCount !== N + L + WARMUP + P)
        problems.push(
          `audit container holds ${auditCount} licenseChange records for the tenant, expected ${N + L + WARMUP + P} (${N} + ${L} at concurrency 1 + ${WARMUP} warm-up + ${P} paired)`,
        );
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
    const sample = await container('directory').item(benchUsers[0], tenant.id).read<Record<string, unknown>>();
    const userBody = Object.fromEntries(Object.entries(sample.resource ?? {}).filter(([k]) => !k.startsWith('_')));
    const targetSize = Buffer.byteLength(JSON.stringify(userBody));
    const rawJob = { tenantId: tenant.id, run, targetSize, concurrency: C, op: 'create' as const };
    const rawWarm = await generator.run({ type: 'raw', ...rawJob, from: N, count: WARMUP });
    if (rawWarm.failures) problems.push(`${rawWarm.failures}/${WARMUP} raw warm-up writes failed: ${rawWarm.firstError}`);
    const raw = await measureRawWrites(generator, { ...rawJob, from: 0, count: N });
    if (raw.raw.failures) problems.push(`${raw.raw.failures}/${N} raw writes failed: ${raw.raw.firstError}`);
    // the same at concurrency 1: the yardstick for the concurrency-1 latency, so that a difference between
    // the modes that the machine made (other work on its cores) shows here too
    const rawC1 = await measureRawWrites(generator, { ...rawJob, concurrency: 1, from: N + WARMUP, count: L });
    if (rawC1.raw.failures) problems.push(`${rawC1.raw.failures}/${L} raw writes at concurrency 1 failed: ${rawC1.raw.firstError}`);

    const refreshRequests = rows.filter((o) => o.group === 'refresh').reduce((t, o) => t + o.requests, 0);
    const pathOps = rows
      .filter((o) => o.group === 'path' && !o.label.startsWith('  '))
      .sort((a, b) => b.requests - a.requests)
      .map((o) => `${o.label} ${fmt(o.requests / N, 3)}`)
      .join(', ');
    return {
      mode,
      problems,
      figures: {
        users: N,
        concurrency: C,
        warmup: WARMUP,
        seconds: runSeconds,
        answered: N - failures.length,
        rate,
        p50: percentile(latencies, 50),
        p99: percentile(latencies, 99),
        requests,
        metadataRequests: cosmosRequestStats.metadata - requestsBefore.metadata,
        retriedRequests: cosmosRequestStats.retries - requestsBefore.retries,
        pathRequests: requests - refreshRequests,
        refreshRequests,
        refreshes: rows.find((o) => o.label === PERIODIC_QUERY)?.calls ?? 0,
        catalogChecks: rows.find((o) => o.label === CATALOG_CHECK)?.calls ?? 0,
        pathOps,
        pathExtras: rows.filter((o) => o.group === 'path' && o.label.startsWith('  ')).reduce((t, o) => t + o.requests, 0),
        breakdownTotal: rows.reduce((t, o) => t + o.requests, 0),
        ttlMs: s.SUBSCRIPTION_CACHE_TTL_MS,
        consumed,
        auditCount,
        c1: {
          calls: L,
          answered: L - c1Failures.length,
          seconds: c1.seconds,
          p50: percentile(c1Latencies, 50),
          p99: percentile(c1Latencies, 99),
          requests: c1Requests,
          consumed: c1Consumed,
        },
        refused: {
          calls: N,
          answered: N - refusedFailures.length,
          seconds: refused.seconds,
          rate: N / refused.seconds,
          hostCpuMs: refusedHostCpuMs,
          requests: refusedRequests,
        },
        paired,
        raw: { count: N, size: targetSize, seconds: raw.raw.seconds, rate: raw.rate, p50: raw.p50, p99: raw.p99, requestsEach: raw.raw.requests / N },
        rawC1: { count: L, p50: rawC1.p50, p99: rawC1.p99 },
        load,
        ratio: rate / raw.rate,
        cpu: {
          runSeconds,
          host: runHostCpuMs,
          generator: measured.cpuMs,
          emulator: emulatorCpuBefore === undefined || emulatorCpuAfter === undefined ? undefined : emulatorCpuAfter - emulatorCpuBefore,
          rawSeconds: raw.raw.seconds,
          rawGenerator: raw.raw.cpuMs,
          rawEmulator: raw.emuMs,
          rawHost: raw.hostCpuMs,
        },
        breakdown: opStats.ordered().map((r) => ({ ...r, statuses: [...r.statuses] })),
      },
    };
  } finally {
    await generator?.stop();
    await stack.stop();
  }
}

// ---------------- the report: the modes as columns ----------------

function printReport(results: ModeResult[]): void {
  const cols = results.filter((r): r is ModeResult & { figures: ModeFigures } => !!r.figures);
  if (!cols.length) return;
  const f0 = cols[0].figures;
  const N = f0.users;
  const C = f0.concurrency;
  const pct = (ms: number, secs: number) => `${fmt(ms / 10 / secs, 0)}%`;
  const row = (label: string, cell: (f: ModeFigures) => string) => [label, ...cols.map((c) => cell(c.figures))];
  console.log('');
  printTable(
    '',
    [{ title: '' }, ...cols.map((c) => ({ title: MODES[c.mode].name, gap: 3 }))],
    [
      row('machine as the mode started', (f) => f.load),
      row(`assignments at concurrency ${C}`, (f) => `${f.answered}/${f.users} answered 200 in ${fmt(f.seconds, 2)} s`),
      row('assignments per second', (f) => fmt(f.rate)),
      row('latency p50 / p99', (f) => `${fmt(f.p50)} ms / ${fmt(f.p99)} ms`),
      row(
        'Cosmos DB requests per assignment',
        (f) => `${fmt(f.requests / N, 3)} (${f.requests}; ${f.metadataRequests} metadata lookups, ${f.retriedRequests} retried)`,
      ),
      row(
        '  per assignment path',
        (f) => `${fmt(f.pathRequests / N, 3)}${f.pathExtras ? ` (${fmt(f.pathExtras / N, 3)} of it metadata lookups / retries)` : ''}`,
      ),
      row(
        '  amortized periodic refresh',
        (f) =>
          `${fmt(f.refreshRequests / N, 3)} (${f.refreshes} refresh${f.refreshes === 1 ? '' : 'es'}, ${f.catalogChecks} catalog check${f.catalogChecks === 1 ? '' : 's'}, ${f.refreshRequests} requests)`,
      ),
      row(`at concurrency 1 (${f0.c1.calls} calls)`, (f) => `${f.c1.answered}/${f.c1.calls} answered 200 in ${fmt(f.c1.seconds, 2)} s`),
      row('  latency p50 / p99', (f) => `${fmt(f.c1.p50)} ms / ${fmt(f.c1.p99)} ms`),
      row('  Cosmos DB requests per assignment', (f) => fmt(f.c1.requests / f.c1.calls, 3)),
      row('consumedUnits afterwards', (f) => `${f.consumed} of ${f.users}, ${f.c1.consumed} of ${f.c1.calls}`),
      row('audit records', (f) => String(f.auditCount)),
      row(
        `raw single-document writes/s`,
        (f) => `${fmt(f.raw.rate)} (${f.raw.count} creates of ${f.raw.size} B in ${fmt(f.raw.seconds, 2)} s, ${fmt(f.raw.requestsEach, 2)} requests each)`,
      ),
      row('  raw latency p50 / p99', (f) => `${fmt(f.raw.p50)} ms / ${fmt(f.raw.p99)} ms`),
      row(`  raw latency at concurrency 1 (${f0.rawC1.count} creates)`, (f) => `p50 ${fmt(f.rawC1.p50)} ms / p99 ${fmt(f.rawC1.p99)} ms`),
      row('ratio assignment/raw rate', (f) => fmt(f.ratio, 3)),
      row(
        `the same calls refused at validation (400)`,
        (f) =>
          `${f.refused.answered}/${f.refused.calls} answered 400 in ${fmt(f.refused.seconds, 2)} s: ${fmt(f.refused.rate)}/s, ratio ${fmt(f.refused.rate / f.raw.rate, 3)} to raw writes`,
      ),
      row(
        '  host CPU per refused call',
        (f) => `${fmt(f.refused.hostCpuMs / N, 3)} ms (${pct(f.refused.hostCpuMs, f.refused.seconds)} of a core; ${f.refused.requests} Cosmos DB requests)`,
      ),
      row('CPU per assignment: host process', (f) => `${fmt(f.cpu.host / N, 3)} ms (host + app + SDK, ${pct(f.cpu.host, f.cpu.runSeconds)} of a core)`),
      row('  load generator', (f) => `${fmt(f.cpu.generator / N, 3)} ms (${pct(f.cpu.generator, f.cpu.runSeconds)})`),
      row('  Cosmos DB emulator', (f) =>
        f.cpu.emulator === undefined ? 'n/a' : `${fmt(f.cpu.emulator / N, 3)} ms (${pct(f.cpu.emulator, f.cpu.runSeconds)}, 10 ms resolution)`,
      ),
      row('CPU per raw write: load generator', (f) => `${fmt(f.cpu.rawGenerator / N, 3)} ms (${pct(f.cpu.rawGenerator, f.cpu.rawSeconds)})`),
      row('  Cosmos DB emulator', (f) =>
        f.cpu.rawEmulator === undefined ? 'n/a' : `${fmt(f.cpu.rawEmulator / N, 3)} ms (${pct(f.cpu.rawEmulator, f.cpu.rawSeconds)})`,
      ),
      row('  host process (idle)', (f) => `${fmt(f.cpu.rawHost / N, 3)} ms`),
    ],
  );
  console.log('');
  for (const { mode, figures: f } of cols) {
    console.log(
      `${MODES[mode].name}: per assignment path ${fmt(f.pathRequests / N, 3)} (${f.pathOps}); periodic refresh: ${f.refreshes} subscription-list refresh${f.refreshes === 1 ? '' : 'es'} in ${fmt(f.seconds, 2)} s at SUBSCRIPTION_CACHE_TTL_MS ${f.ttlMs}, the list query and its query-plan lookup, and ${f.catalogChecks} check${f.catalogChecks === 1 ? '' : 's'} of the catalog's head (one point read each, at most every CATALOG_REFRESH_SECONDS)`,
    );
    if (f.breakdownTotal !== f.requests)
      console.log(
        `  (the SDK-level breakdown saw ${f.breakdownTotal} requests, the app's counter ${f.requests}: ${f.requests - f.breakdownTotal} made outside the wrapped SDK methods)`,
      );
  }

  // -------- targets --------
  console.log('');
  const off = cols.find((c) => c.mode === 'off')?.figures;
  const on = cols.find((c) => c.mode === 'on')?.figures;
  printTable(
    '',
    [{ title: 'targets (issue 12)' }, ...cols.map((c) => ({ title: MODES[c.mode].name, gap: 3 }))],
    [
      row(`assignments/s >= ${TARGET.ratio} x raw writes/s at concurrency ${C}`, (f) => `${met(f.ratio >= TARGET.ratio)} (${fmt(f.ratio, 3)})`),
      row(`Cosmos DB requests per assignment <= ${TARGET.requestsPerAssignment}`, (f) => {
        const per = f.requests / N;
        const path = f.pathRequests / N;
        const why =
          per <= TARGET.requestsPerAssignment
            ? ''
            : path <= TARGET.requestsPerAssignment
              ? ', over by the amortized refresh'
              : `, the path alone ${fmt(path, 3)}`;
        return `${met(per <= TARGET.requestsPerAssignment)} (${fmt(per, 3)}${why})`;
      }),
    ],
  );
  const c1Target = `p50 at concurrency 1, group commit on within ${fmt(100 * TARGET.c1Slowdown, 0)} % of off`;
  const pairing = cols.map((c) => ({ mode: c.mode, p: c.figures.paired })).find((c) => c.p);
  if (pairing?.p) {
    const { mode, p } = pairing;
    const onSide = mode === 'on' ? p.self : p.otherSide;
    const offSide = mode === 'on' ? p.otherSide : p.self;
    const ratio = onSide.p50 / offSide.p50;
    console.log(
      `${c1Target}: ${met(ratio <= 1 + TARGET.c1Slowdown)} (on/off ${fmt(ratio, 3)}: ${fmt(onSide.p50, 2)} ms vs ${fmt(offSide.p50, 2)} ms, p99 ${fmt(onSide.p99, 2)} vs ${fmt(offSide.p99, 2)} ms; ` +
        `${p.calls} calls to each of two hosts on the same emulators, alternating, ${onSide.answered + offSide.answered}/${2 * p.calls} answered 200)`,
    );
  }
  if (off && on) {
    const ratio = on.c1.p50 / off.c1.p50;
    console.log(
      `  each mode's own run at concurrency 1 (minutes apart): on/off ${fmt(ratio, 3)}: ${fmt(on.c1.p50, 2)} ms vs ${fmt(off.c1.p50, 2)} ms${pairing ? '' : ` ${met(ratio <= 1 + TARGET.c1Slowdown)}`}`,
    );
    // the modes run one after the other: a raw single write moving by as much says the machine moved, not the engine
    console.log(
      `  (raw single-document write p50 at concurrency 1 in those runs: on/off ${fmt(on.rawC1.p50 / off.rawC1.p50, 3)}: ${fmt(on.rawC1.p50, 2)} ms vs ${fmt(off.rawC1.p50, 2)} ms)`,
    );
  } else console.log(`${c1Target}: not measured (needs both modes; this run has --modes ${cols.map((c) => c.mode).join(',')})`);
  // what any call costs the host before the engine runs bounds the rate whatever the engine does
  for (const { mode, figures: f } of cols) {
    const floor = f.refused.hostCpuMs / f.refused.calls;
    const per = f.cpu.host / N;
    console.log(
      `  ${MODES[mode].name}: of the host's ${fmt(per, 3)} ms of CPU per assignment, ${fmt(floor, 3)} ms (${fmt((100 * floor) / per, 0)} %) is what a call refused at validation costs it; ` +
        `the engine and its store calls are the other ${fmt(per - floor, 3)} ms`,
    );
  }

  for (const { mode, figures: f } of cols) {
    console.log('');
    console.log(`  ${MODES[mode].name}: Cosmos DB requests during the ${N} assignments at concurrency ${C} (from the SDK diagnostics):`);
    printTable(
      '    ',
      [
        { title: 'operation', width: 30 },
        { title: 'part', width: 7 },
        { title: 'calls', width: 7, align: 'right' },
        { title: 'requests', width: 9, align: 'right' },
        { title: 'per asgmt', width: 9, align: 'right' },
        { title: 'mean ms', width: 8, align: 'right' },
        { title: 'statuses', gap: 2 },
      ],
      f.breakdown.map((s) => [
        s.label,
        s.group,
        String(s.calls),
        String(s.requests),
        fmt(s.requests / N, 3),
        fmt(s.ms / Math.max(1, s.timed), 2),
        statusList(new Map(s.statuses)),
      ]),
    );
  }
  console.log(
    `    (part: path = made by every assignment; refresh = the subscription-list cache refresh, once per SUBSCRIPTION_CACHE_TTL_MS, and the catalog's head check, at most once per CATALOG_REFRESH_SECONDS, shared by all calls)`,
  );
}

// ---------------- the benchmark ----------------

async function main(): Promise<number> {
  const opt = parse(process.argv.slice(2));
  applyBenchEnv(ENV); // the modes' processes inherit it, their mode's settings on top
  const others = otherBenchmarks();
  console.log(
    `assignLicense benchmark: ${opt.users} single-user calls at concurrency ${opt.concurrency} and ${opt.latencyCalls} at concurrency 1, per mode: ${opt.modes.map((m) => MODES[m].name).join(', ')} ` +
      `(cosmosdb-server + Azurite + local host in a process per mode, load from a child process)`,
  );
  console.log(runtime());
  console.log(
    `machine at start: ${machineLoad()}${others.length ? `; other benchmarks running: ${others.join(' | ')}` : '; no other benchmark running'} (figures are noisy beside other work)`,
  );
  const results: ModeResult[] = [];
  // the last mode's process also runs step 4b against a second host with the first mode's settings
  const pairWith = opt.modes.length > 1 ? opt.modes[0] : undefined;
  for (const [i, mode] of opt.modes.entries()) results.push(await measureMode(mode, opt, i === opt.modes.length - 1 ? pairWith : undefined));
  printReport(results);
  const problems = results.flatMap((r) => r.problems.map((p) => `${MODES[r.mode].name}: ${p}`));
  for (const p of problems) console.log(`FAIL: ${p}`);
  return problems.length ? 1 : 0;
}

runScript(module, main, { 'mode-runner': modeRunner, 'load-generator': loadGenerator });
