/**
 * Benchmark: one bulk license job ("add" over N users) end to end on the local host with the emulators,
 * against the emulator's raw single-document upsert rate, and the memory of the process that ran the job.
 *
 *   npx tsc -p tsconfig.build.json && node dist/bench/bulk-job.js [--users 10000] [--concurrency C] [--no-trace]
 *   (--users 100000 for the memory target: about 10 minutes with the job as it is, set-up ~40 s included;
 *   --smoke for a tiny run that checks the bench works: --users 200)
 *
 * 1. Starts the whole local stack (Cosmos DB emulator + Azurite + the local Functions host with its queue
 *    listener) on bench-only ports with its own database, so a running `npm start`, test stack or the
 *    assignLicense benchmark is not touched. The host runs in THIS process: it answers the HTTP calls and
 *    runs every queue-triggered chunk, so this is "the process that ran the job" whose peak resident
 *    memory is reported, and `cosmosRequestStats` sees every Cosmos DB request the job makes. Everything
 *    else comes from a child process (this file run with --load-generator): creating the users, the POST
 *    and the status polls, and the raw writes of step 5. So the set-up's 2 x N creates never inflate this
 *    process's memory, and generating load costs the host's event loop nothing.
 *    The emulator's query engine used to copy the container once per document for every query (O(n^2));
 *    the launcher (local/cosmosEmulator.ts, installLinearQueryScan) now runs that scan linearly, as it
 *    does for every local stack: still a scan of the whole container per query (and its query-plan lookup).
 * 2. Set-up, not timed (in the child, directly through shared/usecases/directory.ts createUser, bounded
 *    concurrency): one organization, an ENTERPRISEPACK subscription with exactly --users seats, a
 *    STANDARDPACK one for the warm-up job, --users + warm-up users with a usage location.
 * 3. A warm-up job (STANDARDPACK, 2 x CHUNKS_IN_FLIGHT chunks, or --users users when fewer: sockets, JWKS,
 *    caches, JIT, the queue chain), then the measured job: POST /v1.0/licenseJobs {mode:'add', userIds: all
 *    N, addLicenses: ENTERPRISEPACK} must answer 202; the child polls GET /v1.0/licenseJobs/{id} every POLL_MS until the job is final.
 *    End to end = from sending the POST to the job's completion (the moment the host wrote status
 *    `completed`, seen here in the SDK call that writes it), so the poll interval does not round the time.
 *    The job must end `completed` with counts.succeeded == N (no failed, no skipped), the subscribedSku must
 *    show consumedUnits == N with no seat hold left, N users must hold the product and the audit trail must
 *    hold N records of the job; otherwise FAIL, exit 1.
 * 4. While the job runs, this process's resident memory is sampled every 50 ms (peak and growth over the
 *    job) next to the kernel's lifetime peak (process.resourceUsage().maxRSS: start-up and warm-up included,
 *    the figure the memory target is checked against). The target (< 300 MB) is stated for a 100,000-user
 *    job: run `--users 100000` to check it; smaller runs print the figures and say so.
 * 5. The emulator's raw write rate: N plain single-document upserts of a document the size of an assigned
 *    user (the job's main write), into the same container and tenant partition, from the child's own SDK
 *    client (same settings as the app's), after a warm-up of their own; the host process is idle meanwhile.
 *
 *    "The same concurrency" is defined as the job's structural concurrency: CHUNKS_IN_FLIGHT chunk messages
 *    x CHUNK_SIZE users, because a chunk issues the reads, the user replaces and the audit upserts of all
 *    its CHUNK_SIZE users at once (Promise.all) and at most CHUNKS_IN_FLIGHT chunks of a job are in the
 *    queue, so that is how many single-document writes the job can have in flight (4 x 100 = 400).
 *    `--concurrency C` overrides it. As a cross-check, the raw rate is also measured at the concurrency the job actually achieved: the
 *    time-weighted mean number of Cosmos DB requests in flight in the host process between the POST and the
 *    completion (every SDK item/query call is wrapped to count it), rounded, at least 1.
 * 6. Prints users/s end to end (and over the processing phase alone), the time split (POST, queue pickup,
 *    processing), Cosmos DB requests per user by part (chunk processing / job creation / status polls) and per
 *    operation type, with metadata lookups and retried attempts in rows of their own; the chunk profile
 *    (chunk duration, chunks running on average, and per chunk the span of each step and the time spent
 *    outside any Cosmos DB / queue call); raw writes/s and the ratio job users/s / raw writes/s against the
 *    target (>= 0.5); peak RSS against the target; the CPU of the host process, the emulators and the child.
 *    --no-trace turns the per-part / per-chunk attribution off (it
 *    uses AsyncLocalStorage, whose promise hooks cost the host some CPU) to see the job's speed without it.
 * Exit code 0 when the run completed and verified (targets met or not), 1 on a FAIL, 2 on bad arguments.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { parseArgs } from './lib/args';
import { runScript, serveChild, startChild, type Child } from './lib/child';
import { applyBenchEnv, benchEnv, benchPorts } from './lib/env';
import { childProc, EMULATORS } from './lib/proc';
import { measureRawWrites, rawWrites, type RawWriteResult, type RawWriteTask } from './lib/rawWrites';
import { documentKind, OpTally, standardLabel, statusList, traceSdk, type SdkCall } from './lib/sdkTrace';
import { runtime } from './lib/runtime';
import { startBenchStack } from './lib/stack';
import { busyMs, cpuMs, diffCpu, fmt, Level, mb, met, percentile, pool, sleep } from './lib/stats';
import { printTable } from './lib/table';

/** Ports of their own (not those of npm start, the tests or bench/assign-license.ts), so they can run side by side. */
const PORTS = benchPorts({ host: 27171, cosmos: 28181, queue: 30101 });
const TARGET = { ratio: 0.5, peakRssBytes: 300e6, memoryUsers: 100_000 };
const POLL_MS = 500;
const SETUP_CONCURRENCY = 64;
const ENV = benchEnv({ ports: PORTS, database: 'licensing-bench-jobs', keyFile: 'bench-jobs-dev-signing-key.json' });

// ---------------- command line ----------------

interface Options {
  users: number;
  /** Raw-write concurrency; undefined: the job's structural concurrency (CHUNKS_IN_FLIGHT x CHUNK_SIZE). */
  concurrency?: number;
  trace: boolean;
}

const USAGE =
  'usage: node dist/bench/bulk-job.js [--users N (default 10000, at most 100000)] [--concurrency C (raw writes; default CHUNKS_IN_FLIGHT x CHUNK_SIZE)] [--no-trace]';
const parse = (argv: string[]) =>
  parseArgs<Options>(
    argv,
    USAGE,
    { users: 10_000, trace: true },
    {
      users: { int: 'users', check: (n) => (n > TARGET.memoryUsers ? `--users is at most ${TARGET.memoryUsers} (the API's limit per job)` : undefined) },
      concurrency: { int: 'concurrency' },
      'no-trace': { set: { trace: false } },
    },
    { users: 200 },
  );

// ---------------- the load generator (child process) ----------------

interface JobView {
  id: string;
  status: string;
  createdDateTime: string;
  startedDateTime: string | null;
  completedDateTime: string | null;
  counts: { total: number; succeeded: number; failed: number; skipped: number; processed: number };
  error: { code: string; message: string } | null;
}
type ToGenerator =
  | { type: 'setup'; users: number; warmup: number; run: string; concurrency: number }
  | { type: 'job'; which: 'bench' | 'warmup'; url: string; headers: Record<string, string>; skuId: string; timeoutMs: number }
  | RawWriteTask
  | { type: 'size'; tenantId: string };
type FromGenerator =
  | { type: 'setup'; seconds: number; tenantId: string; created: number }
  | {
      type: 'job';
      postStatus: number;
      postMs: number;
      postBytes: number;
      postError?: string;
      sentAt: number;
      polls: number;
      view?: JobView;
      timedOut: boolean;
      cpuMs: number;
    }
  | RawWriteResult
  | { type: 'size'; userBytes: number; auditBytes: number };

/**
 * The child process: creates the organization and its users, starts jobs over HTTP and polls them, and runs
 * the raw writes; one task at a time, answering with its timings and its own CPU time. It inherits the
 * parent's environment (the bench settings), so its SDK client is configured exactly like the app's.
 */
async function loadGenerator(): Promise<void> {
  const { container } = await import('../shared/storage/cosmos');
  const { createTenant, createSubscription } = await import('../shared/usecases/directory');
  const { createUser } = await import('../shared/usecases/users');
  let tenantId = '';
  const ids: { bench: string[]; warmup: string[] } = { bench: [], warmup: [] };
  const body = (m: object) => Object.fromEntries(Object.entries(m).filter(([k]) => !k.startsWith('_')));

  const handlers: Parameters<typeof serveChild<ToGenerator, FromGenerator>>[0] = {
    async setup(m: Extract<ToGenerator, { type: 'setup' }>): Promise<FromGenerator> {
      const started = performance.now();
      const { catalog, SKU } = await (await import('./lib/demoCatalog')).demoCatalog();
      const tenant = await createTenant({ displayName: 'Bench org (bulk jobs)', defaultUsageLocation: 'NL', cloud: 'Worldwide' });
      tenantId = tenant.id;
      await createSubscription(catalog, tenantId, { skuId: SKU.ENTERPRISEPACK, totalLicenses: m.users, purchaseChannel: 'admin' });
      await createSubscription(catalog, tenantId, { skuId: SKU.STANDARDPACK, totalLicenses: m.warmup, purchaseChannel: 'admin' });
      const all = await pool(m.users + m.warmup, m.concurrency, async (i) => {
        const u = await createUser(tenantId, {
          displayName: `Bench user ${i}`,
          userPrincipalName: `bulk${i}-${m.run}@bench.dev`,
          usageLocation: 'NL',
          accountEnabled: true,
          userType: 'Member',
        });
        return u.id;
      });
      ids.bench = all.slice(0, m.users);
      ids.warmup = all.slice(m.users);
      return { type: 'setup', seconds: (performance.now() - started) / 1000, tenantId, created: all.length };
    },

    async job(m: Extract<ToGenerator, { type: 'job' }>): Promise<FromGenerator> {
      const cpu = process.cpuUsage();
      const payload = JSON.stringify({ mode: 'add', userIds: ids[m.which], addLicenses: [{ skuId: m.skuId, disabledPlans: [] }] });
      const sentAt = Date.now();
      const t = performance.now();
      const res = await fetch(`${m.url}/v1.0/licenseJobs`, { method: 'POST', headers: m.headers, body: payload });
      const text = await res.text();
      const postMs = performance.now() - t;
      const base = { type: 'job' as const, postStatus: res.status, postMs, postBytes: Buffer.byteLength(payload), sentAt, polls: 0, timedOut: false };
      if (res.status !== 202) return { ...base, postError: text.slice(0, 500), cpuMs: cpuMs(process.cpuUsage(cpu)) };
      let view = JSON.parse(text) as JobView;
      let polls = 0;
      const deadline = performance.now() + m.timeoutMs;
      while (!['completed', 'completedWithErrors', 'failed', 'cancelled'].includes(view.status)) {
        if (performance.now() > deadline) return { ...base, polls, view, timedOut: true, cpuMs: cpuMs(process.cpuUsage(cpu)) };
        await sleep(POLL_MS);
        const r = await fetch(`${m.url}/v1.0/licenseJobs/${view.id}`, { headers: m.headers });
        polls++;
        if (r.status === 200) view = (await r.json()) as JobView;
        else await r.text();
      }
      return { ...base, polls, view, cpuMs: cpuMs(process.cpuUsage(cpu)) };
    },

    async size(m: Extract<ToGenerator, { type: 'size' }>): Promise<FromGenerator> {
      const user = (await container('directory').item(ids.bench[0], m.tenantId).read()).resource as object;
      const q = await container('audit')
        .items.query(
          { query: "SELECT TOP 1 * FROM c WHERE c.tenantId = @t AND c.type = 'licenseChange'", parameters: [{ name: '@t', value: m.tenantId }] },
          { partitionKey: m.tenantId },
        )
        .fetchAll();
      const bytes = (o: object | undefined) => (o ? Buffer.byteLength(JSON.stringify(body(o))) : 0);
      return { type: 'size', userBytes: bytes(user), auditBytes: bytes(q.resources[0] as object | undefined) };
    },

    raw: rawWrites,
  };

  await serveChild<ToGenerator, FromGenerator>(handlers);
}

// ---------------- instrumentation of the host process ----------------

/**
 * What made a request: a chunk (the queue-triggered function), the POST that creates the job, a status
 * poll (GET), or anything else (the queue listener itself). Set by wrapping those functions' handlers in
 * an AsyncLocalStorage context (off with --no-trace: then everything is `all`).
 */
type Part = 'chunk' | 'create' | 'poll' | 'other' | 'all';
interface Ctx {
  part: Part;
  chunk?: ChunkTrace;
}
const als = new AsyncLocalStorage<Ctx>();
let tracing = true;
const partOf = (): Ctx | undefined => (tracing ? als.getStore() : undefined);

/**
 * Per-operation tally of the SDK's diagnostics (lib/sdkTrace.ts), by part: an operation's row has its
 * answered requests (the last attempt); the SDK's metadata lookups and retried attempts have rows of their
 * own. Counted the same way as the app's own counter (cosmosRequestStats).
 */
const opStats = new OpTally();
let tallying = false;

const cosmosInFlight = new Level();
const chunksRunning = new Level();

/** One chunk's Cosmos DB and queue calls: per step label, count, first start, last end, summed duration; and the intervals (merged at the end). */
interface ChunkTrace {
  start: number;
  ops: Map<string, { n: number; first: number; last: number; ms: number }>;
  intervals: [number, number][];
}
/** Aggregates over the measured job's chunks (only aggregates are kept, so tracing does not grow the process with N). */
const chunkAgg = {
  chunks: 0,
  ms: [] as number[],
  busyMs: 0,
  failures: 0,
  redeliveries: 0,
  steps: new Map<string, { chunks: number; n: number; spanMs: number; ms: number; order: number }>(),
};
let measuringChunks = false;

function recordOp(trace: ChunkTrace, label: string, t0: number, t1: number) {
  const o = trace.ops.get(label);
  if (o) {
    o.n++;
    o.first = Math.min(o.first, t0);
    o.last = Math.max(o.last, t1);
    o.ms += t1 - t0;
  } else trace.ops.set(label, { n: 1, first: t0, last: t1, ms: t1 - t0 });
  trace.intervals.push([t0, t1]);
}

function finishChunk(trace: ChunkTrace, end: number) {
  if (!measuringChunks) return;
  chunkAgg.chunks++;
  chunkAgg.ms.push(end - trace.start);
  chunkAgg.busyMs += busyMs(trace.intervals);
  for (const [label, o] of trace.ops) {
    let s = chunkAgg.steps.get(label);
    if (!s) chunkAgg.steps.set(label, (s = { chunks: 0, n: 0, spanMs: 0, ms: 0, order: 0 }));
    s.chunks++;
    s.n += o.n;
    s.spanMs += o.last - o.first;
    s.ms += o.ms;
    s.order += o.first - trace.start; // mean start offset: the table lists steps in the order a chunk runs them
  }
}

/** The moment the host wrote a final status of the measured job (the end of "end to end"). */
type Completion = {
  at: number;
  inFlight: ReturnType<Level['snapshot']>;
  chunks: ReturnType<Level['snapshot']>;
  cpu: NodeJS.CpuUsage;
  emulator?: number;
  azurite?: number;
};
let completion: Completion | undefined;
const resetCompletion = () => (completion = undefined);
let watching = false;
let onCompletion: (() => void) | undefined;

async function instrument(tenantDocId: () => string | undefined) {
  const queues = await import('@azure/storage-queue');
  const kind = documentKind(tenantDocId);
  type PatchArg = { condition?: string; operations?: { path: string; value?: unknown }[] } | { path: string; value?: unknown }[] | undefined;
  const patchOps = (args: unknown[]) => {
    const a = args[0] as PatchArg;
    return Array.isArray(a) ? a : (a?.operations ?? []);
  };
  // which conditional patch: a chunk's seat hold, its settlement, the job's progress count
  const patchLabel = (self: { container: { id: string }; id: string }, args: unknown[]) => {
    const a = args[0] as PatchArg;
    const condition = Array.isArray(a) ? undefined : a?.condition;
    const what = !condition
      ? patchOps(args).some((o) => o.path === '/status')
        ? ' (status)'
        : ''
      : /not is_defined\(c\.seat\.holds/i.test(condition)
        ? ' (create hold)'
        : /is_defined\(c\.seat\.holds/i.test(condition)
          ? ' (settle hold)'
          : /progress\.done/i.test(condition)
            ? ' (count chunk)'
            : ' (conditional)';
    return `patch ${kind(self.container.id, self.id)}${what}`;
  };
  // the final status of the watched job: the end of the measured window
  const afterPatch = (call: SdkCall) => {
    if (!watching || completion || kind(call.self.container.id, call.self.id) !== 'job') return;
    if (!patchOps(call.args).some((o) => o.path === '/status' && ['completed', 'completedWithErrors', 'failed', 'cancelled'].includes(String(o.value)))) return;
    completion = {
      at: performance.now(),
      inFlight: cosmosInFlight.snapshot(),
      chunks: chunksRunning.snapshot(),
      cpu: process.cpuUsage(),
      emulator: childProc(EMULATORS.cosmos)?.cpuMs,
      azurite: childProc(EMULATORS.azurite)?.cpuMs,
    };
    onCompletion?.();
  };
  await traceSdk<Ctx | undefined>({
    label: standardLabel(kind, patchLabel),
    onStart(t0) {
      cosmosInFlight.change(1, t0);
      return partOf();
    },
    onEnd(call, ctx) {
      const part: Part = tracing ? (ctx?.part ?? 'other') : 'all';
      if (tallying) opStats.add(part, call);
      if (call.ok && call.method === 'patch') afterPatch(call);
      cosmosInFlight.change(-1, call.t1);
      if (ctx?.chunk) recordOp(ctx.chunk, call.label, call.t0, call.t1);
    },
  });

  // queue calls (Azurite): not Cosmos DB requests, counted apart; inside a chunk they are one of its steps
  for (const method of ['sendMessage', 'receiveMessages', 'deleteMessage', 'updateMessage'] as const) {
    const proto = queues.QueueClient.prototype as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
    const original = proto[method];
    proto[method] = async function (this: { name: string }, ...args: unknown[]) {
      const ctx = partOf();
      const t0 = performance.now();
      try {
        return await original.apply(this, args);
      } finally {
        const t1 = performance.now();
        if (tallying) {
          const q = queueStats.get(method) ?? { calls: 0, ms: 0 };
          q.calls++;
          q.ms += t1 - t0;
          queueStats.set(method, q);
        }
        if (ctx?.chunk) recordOp(ctx.chunk, `queue ${method}`, t0, t1);
      }
    };
  }
}
const queueStats = new Map<string, { calls: number; ms: number }>();

/** Wraps the host's registered handlers: chunk timing and the AsyncLocalStorage part of each call. */
function wrapHandlers(registrations: { name: string; handler: (...args: unknown[]) => unknown }[]) {
  const parts: Record<string, Part> = { processLicenseJobChunk: 'chunk', createLicenseJob: 'create', getLicenseJob: 'poll' };
  for (const reg of registrations) {
    const part = parts[reg.name];
    if (!part) continue;
    const original = reg.handler;
    reg.handler = (...args: unknown[]) => {
      if (part !== 'chunk') return tracing ? als.run({ part }, () => original(...args)) : original(...args);
      const trace: ChunkTrace = { start: performance.now(), ops: new Map(), intervals: [] };
      const dequeueCount = Number((args[1] as { triggerMetadata?: { dequeueCount?: number } } | undefined)?.triggerMetadata?.dequeueCount ?? 1);
      if (measuringChunks && dequeueCount > 1) chunkAgg.redeliveries++;
      chunksRunning.change(1, trace.start);
      const run = () => Promise.resolve(original(...args));
      return (tracing ? als.run({ part, chunk: trace }, run) : run()).then(
        (v) => {
          const end = performance.now();
          chunksRunning.change(-1, end);
          finishChunk(trace, end);
          return v;
        },
        (e) => {
          chunksRunning.change(-1);
          if (measuringChunks) chunkAgg.failures++;
          throw e;
        },
      );
    };
  }
}

function printBreakdown(per: number, totalRequests: number) {
  const order: Part[] = ['chunk', 'create', 'poll', 'other', 'all'];
  const partName: Record<Part, string> = { chunk: 'chunk', create: 'POST', poll: 'poll', other: 'other', all: 'all' };
  const rows = opStats.ordered(order);
  if (!rows.length) return;
  console.log(
    `  Cosmos DB requests between the POST and the completion, by part and operation (from the SDK diagnostics; ${totalRequests} in the app's own counter):`,
  );
  printTable(
    '    ',
    [
      { title: 'part', width: 6 },
      { title: 'operation', width: 30 },
      { title: 'calls', width: 8, align: 'right' },
      { title: 'requests', width: 9, align: 'right' },
      { title: 'per user', width: 9, align: 'right' },
      { title: 'mean ms', width: 8, align: 'right' },
      { title: 'statuses', gap: 2 },
    ],
    rows.map((s) => [
      partName[s.group as Part],
      s.label,
      String(s.calls),
      String(s.requests),
      fmt(s.requests / per, 3),
      fmt(s.ms / Math.max(1, s.timed), 2),
      statusList(s.statuses),
    ]),
  );
  if (tracing)
    console.log(
      `    (part: chunk = the queue-triggered chunk function; POST = creating the job; poll = the status GETs; other = outside those, e.g. the queue listener)`,
    );
  if (queueStats.size)
    console.log(
      `  queue (Azurite) calls of the host in the same window: ${[...queueStats].map(([m, q]) => `${m} ${q.calls} (mean ${fmt(q.ms / q.calls, 1)} ms)`).join(', ')}`,
    );
}

function printChunkProfile(chunkSize: number) {
  const n = chunkAgg.chunks;
  if (!n) return;
  const sorted = [...chunkAgg.ms].sort((a, b) => a - b);
  const mean = sorted.reduce((t, x) => t + x, 0) / n;
  console.log(
    `  chunks: ${n} of up to ${chunkSize} users, ${fmt(mean)} ms each on average (p50 ${fmt(percentile(sorted, 50))} ms, p99 ${fmt(percentile(sorted, 99))} ms, max ${fmt(sorted[n - 1])} ms)` +
      `${chunkAgg.redeliveries ? `, ${chunkAgg.redeliveries} redelivered` : ''}${chunkAgg.failures ? `, ${chunkAgg.failures} attempts failed` : ''}`,
  );
  if (!tracing || !chunkAgg.steps.size) return;
  const steps = [...chunkAgg.steps].sort((a, b) => a[1].order / a[1].chunks - b[1].order / b[1].chunks);
  console.log(
    `  a chunk's steps (means per chunk; span = first call's start to last call's end of that step within the chunk; steps run one after the other, calls within a step at once):`,
  );
  const idle = mean - chunkAgg.busyMs / n;
  printTable(
    '    ',
    [
      { title: 'step', width: 30 },
      { title: 'calls', width: 7, align: 'right' },
      { title: 'starts at', width: 10, align: 'right' },
      { title: 'span ms', width: 9, align: 'right' },
      { title: 'share', width: 6, align: 'right' },
      { title: 'call ms', width: 8, align: 'right' },
    ],
    [
      ...steps.map(([label, s]) => [
        label,
        fmt(s.n / n, 1),
        fmt(s.order / s.chunks, 1),
        fmt(s.spanMs / n, 1),
        `${fmt((100 * s.spanMs) / n / mean, 0)}%`,
        fmt(s.ms / s.n, 2),
      ]),
      {
        cells: ['outside any Cosmos DB / queue call', '', '', fmt(idle, 1), `${fmt((100 * idle) / mean, 0)}%`],
        tail: '   (app CPU: JSON, rules, results; and waiting for the event loop)',
      },
    ],
  );
}

// ---------------- the benchmark ----------------

async function main(): Promise<number> {
  const opt = parse(process.argv.slice(2));
  tracing = opt.trace;
  applyBenchEnv(ENV);

  const { cosmosRequestStats, container } = await import('../shared/storage/cosmos');
  const { mintDevToken } = await import('../local/devTokens');
  const { settings, tokenIssuer } = await import('../shared/config');
  const { CHUNK_SIZE, CHUNKS_IN_FLIGHT } = await import('../shared/usecases/licenseJobs');

  let tenantId: string | undefined;
  await instrument(() => tenantId);

  const N = opt.users;
  const structural = CHUNKS_IN_FLIGHT * CHUNK_SIZE;
  const C = opt.concurrency ?? structural;
  const WARMUP = Math.min(2 * CHUNKS_IN_FLIGHT * CHUNK_SIZE, N); // a small run's warm-up no larger than the run
  const timeoutMs = 120_000 + N * 20;

  console.log(
    `bulk license job benchmark: one 'add' job over ${N} users (CHUNK_SIZE ${CHUNK_SIZE}, CHUNKS_IN_FLIGHT ${CHUNKS_IN_FLIGHT}) vs ${N} raw upserts at concurrency ${C} ` +
      `(cosmosdb-server + Azurite + local host in this process, load from a child process${tracing ? '' : ', --no-trace'}; emulator launcher with linear query scans)`,
  );
  console.log(runtime());
  const stack = await startBenchStack(PORTS);
  // the stack loaded the demo's catalog: its products by part number
  const { SKU } = await (await import('./lib/demoCatalog')).demoCatalog();
  const SKU_BENCH = SKU.ENTERPRISEPACK;
  const SKU_WARMUP = SKU.STANDARDPACK; // warm-up on another product, so ENTERPRISEPACK counts the measured job only
  let generator: Child<ToGenerator, FromGenerator> | undefined;
  wrapHandlers(stack.host.registrations);
  try {
    generator = await startChild<ToGenerator, FromGenerator>(__filename, 'load-generator');
    // -------- set-up (not timed; in the child) --------
    const run = randomUUID().slice(0, 8);
    const setup = await generator.run({ type: 'setup', users: N, warmup: WARMUP, run, concurrency: SETUP_CONCURRENCY });
    tenantId = setup.tenantId;
    const s = settings();
    const token = await mintDevToken({ role: 'GlobalAdministrator', tenantId, issuer: tokenIssuer(s), audience: s.AUTH_AUDIENCE[0] });
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    console.log(
      `set-up: tenant ${tenantId}, ${setup.created} users (${N} + ${WARMUP} for the warm-up job), ${N} ENTERPRISEPACK seats in ${fmt(setup.seconds)} s`,
    );

    // -------- warm-up job --------
    const warm = await generator.run({ type: 'job', which: 'warmup', url: stack.url, headers, skuId: SKU_WARMUP, timeoutMs });
    if (warm.postStatus !== 202 || warm.view?.status !== 'completed' || warm.view.counts.succeeded !== WARMUP) {
      console.log(
        `FAIL: warm-up job: POST ${warm.postStatus} ${warm.postError ?? ''} status ${warm.view?.status} counts ${JSON.stringify(warm.view?.counts)}${warm.timedOut ? ' (timed out)' : ''}`,
      );
      return 1;
    }

    // -------- measured job --------
    const requestsBefore = { ...cosmosRequestStats };
    opStats.clear();
    queueStats.clear();
    const rssBefore = process.memoryUsage();
    const maxRssBefore = process.resourceUsage().maxRSS * 1024;
    const peak = { rss: rssBefore.rss, heapUsed: rssBefore.heapUsed, external: rssBefore.external };
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      peak.rss = Math.max(peak.rss, m.rss);
      peak.heapUsed = Math.max(peak.heapUsed, m.heapUsed);
      peak.external = Math.max(peak.external, m.external);
    }, 50);
    cosmosInFlight.resetMax();
    chunksRunning.resetMax();
    const inFlightStart = cosmosInFlight.snapshot();
    const chunksStart = chunksRunning.snapshot();
    const hostCpu = process.cpuUsage();
    const emulatorBefore = childProc(EMULATORS.cosmos)?.cpuMs;
    const aziriteBefore = childProc(EMULATORS.azurite)?.cpuMs;
    let requestsAtCompletion = 0;
    onCompletion = () => {
      requestsAtCompletion = cosmosRequestStats.requests;
      tallying = false; // the window ends here: later polls are not the job's
    };
    resetCompletion();
    tallying = true;
    measuringChunks = true;
    const t0 = performance.now();
    // the measured job is the only one running: its final-status write ends the window (its id is only known from the answer)
    watching = true;
    const measured = await generator.run({ type: 'job', which: 'bench', url: stack.url, headers, skuId: SKU_BENCH, timeoutMs });
    watching = false;
    clearInterval(sampler);
    tallying = false;
    measuringChunks = false;
    const fin = completion; // set by the SDK hook meanwhile
    const windowEnd = fin?.at ?? performance.now();
    const seconds = (windowEnd - t0) / 1000;
    const jobId = measured.view?.id;

    const problems: string[] = [];
    if (measured.postStatus !== 202) {
      console.log(`FAIL: POST /v1.0/licenseJobs answered ${measured.postStatus}: ${measured.postError}`);
      return 1;
    }
    const view = measured.view!;
    if (measured.timedOut)
      problems.push(`the job did not finish within ${fmt(timeoutMs / 1000, 0)} s (status ${view.status}, counts ${JSON.stringify(view.counts)})`);
    if (!fin) problems.push('the completion write of the job was not seen');
    if (view.status !== 'completed')
      problems.push(`the job ended ${view.status}${view.error ? ` (${view.error.code}: ${view.error.message})` : ''}, expected completed`);
    if (view.counts.succeeded !== N || view.counts.failed || view.counts.skipped)
      problems.push(`the job's counts are ${JSON.stringify(view.counts)}, expected succeeded ${N}, failed 0, skipped 0`);

    const requests = (fin ? requestsAtCompletion : cosmosRequestStats.requests) - requestsBefore.requests;
    const metadataRequests = cosmosRequestStats.metadata - requestsBefore.metadata;
    const retriedRequests = cosmosRequestStats.retries - requestsBefore.retries;
    const hostCpuMs = cpuMs(fin ? diffCpu(fin.cpu, hostCpu) : process.cpuUsage(hostCpu));
    const emulatorMs = fin?.emulator !== undefined && emulatorBefore !== undefined ? fin.emulator - emulatorBefore : undefined;
    const azuriteMs = fin?.azurite !== undefined && aziriteBefore !== undefined ? fin.azurite - aziriteBefore : undefined;
    const inFlightEnd = fin?.inFlight ?? cosmosInFlight.snapshot();
    const chunksEnd = fin?.chunks ?? chunksRunning.snapshot();
    const windowMs = windowEnd - t0;
    const meanInFlight = (inFlightEnd.area - inFlightStart.area) / windowMs;
    const meanChunks = (chunksEnd.area - chunksStart.area) / windowMs;
    const noChunkMs = chunksEnd.zeroMs - chunksStart.zeroMs;
    const maxRss = process.resourceUsage().maxRSS * 1024;
    const rate = N / seconds;

    // -------- verification --------
    const skuRes = await fetch(`${stack.url}/v1.0/subscribedSkus/${tenantId}_${SKU_BENCH}`, { headers });
    const skuBody = (await skuRes.json().catch(() => undefined)) as { consumedUnits?: number } | undefined;
    if (skuRes.status !== 200 || skuBody?.consumedUnits !== N)
      problems.push(`subscribedSku ENTERPRISEPACK shows consumedUnits ${skuBody?.consumedUnits} (HTTP ${skuRes.status}), expected ${N}`);
    const subDoc = (
      await container('directory').item(`${tenantId}_${SKU_BENCH}`, tenantId).read<{ seat: { consumed: number; holds?: Record<string, number> } }>()
    ).resource;
    const holdsLeft = Object.keys(subDoc?.seat.holds ?? {}).length;
    if (holdsLeft) problems.push(`${holdsLeft} seat holds left on the ENTERPRISEPACK subscription`);
    const count = async (which: 'directory' | 'audit', where: string, params: { name: string; value: string }[]) =>
      (
        await container(which)
          .items.query<number>(
            { query: `SELECT VALUE COUNT(1) FROM c WHERE c.tenantId = @t AND ${where}`, parameters: [{ name: '@t', value: tenantId! }, ...params] },
            { partitionKey: tenantId },
          )
          .fetchAll()
      ).resources[0] ?? 0;
    const holders = await count('directory', "c.type = 'user' AND ARRAY_CONTAINS(c.skuIds, @sku)", [{ name: '@sku', value: SKU_BENCH }]);
    if (holders !== N) problems.push(`${holders} users hold ENTERPRISEPACK, expected ${N}`);
    const auditCount = jobId ? await count('audit', "c.type = 'licenseChange' AND c.jobId = @job", [{ name: '@job', value: jobId }]) : 0;
    if (auditCount !== N) problems.push(`the audit trail holds ${auditCount} records of the job, expected ${N}`);
    const poisoned = await (await import('../shared/storage/queues')).queue('license-jobs-poison').peekMessages({ numberOfMessages: 32 });
    if (poisoned.peekedMessageItems.length) problems.push(`${poisoned.peekedMessageItems.length} chunk messages in license-jobs-poison`);

    // -------- raw single-document upserts, same container, partition and document size --------
    // From the child's own SDK client (configured like the app's; a warm-up first for its connections), the
    // host process idle meanwhile: the emulator's single-document write capacity at that concurrency.
    const size = await generator.run({ type: 'size', tenantId });
    const targetSize = size.userBytes;
    const rawJob = { tenantId, run, targetSize, op: 'upsert' as const };
    const rawWarm = await generator.run({ type: 'raw', ...rawJob, from: 10 * N, count: Math.min(N, 2 * C), concurrency: C });
    if (rawWarm.failures) problems.push(`${rawWarm.failures} raw warm-up writes failed: ${rawWarm.firstError}`);
    const rawPass = async (concurrency: number, from: number) => {
      const pass = await measureRawWrites(generator!, { ...rawJob, from, count: N, concurrency });
      if (pass.raw.failures) problems.push(`${pass.raw.failures}/${N} raw writes at concurrency ${concurrency} failed: ${pass.raw.firstError}`);
      return pass;
    };
    const main1 = await rawPass(C, 0);
    const achieved = Math.max(1, Math.round(meanInFlight));
    const main2 = achieved !== C ? await rawPass(achieved, N) : undefined;
    const ratio = rate / main1.rate;

    // -------- report --------
    const iso = (t: string | null | undefined) => (t ? Date.parse(t) : NaN);
    const created = iso(view.createdDateTime);
    const started = iso(view.startedDateTime);
    const completed = iso(view.completedDateTime);
    const processingS = (completed - started) / 1000;
    const byPart = (part: Part) => [...opStats.rows.values()].filter((o) => o.group === part).reduce((t, o) => t + o.requests, 0);
    const pollRequests = byPart('poll');
    const pct = (ms: number | undefined, secs: number) => (ms === undefined ? 'n/a' : `${fmt(ms / 10 / secs, 0)}% of a core`);
    console.log('');
    console.log(
      `job:                         ${N} users, ${view.status}, succeeded ${view.counts.succeeded}, failed ${view.counts.failed}, skipped ${view.counts.skipped}; ${chunkAgg.chunks} chunk runs`,
    );
    console.log(`end to end:                  ${fmt(seconds, 2)} s from sending the POST to the completion write`);
    console.log(
      `users per second:            ${fmt(rate)} end to end${Number.isFinite(processingS) ? `; ${fmt(N / processingS)} over the processing phase alone (first chunk start to completion, ${fmt(processingS, 2)} s)` : ''}`,
    );
    console.log(
      `  time split:                POST answered 202 after ${fmt(measured.postMs, 0)} ms (${mb(measured.postBytes)} body; job stored ${Number.isFinite(created) ? fmt(created - measured.sentAt, 0) : '?'} ms after sending, its ${Math.ceil(N / CHUNK_SIZE)} chunk documents first), ` +
        `first chunk picked up ${Number.isFinite(started - created) ? fmt(started - created, 0) : '?'} ms after that (queue polling), processing ${fmt(processingS, 2)} s`,
    );
    console.log(
      `  chunks running (of ${CHUNKS_IN_FLIGHT} allowed): ${fmt(meanChunks, 2)} on average over the window, max ${chunksRunning.max}; none running for ${fmt(noChunkMs, 0)} ms (${fmt((100 * noChunkMs) / windowMs, 0)}%)`,
    );
    console.log(
      `Cosmos DB requests:          ${requests} (${fmt(requests / N, 3)} per user; of them ${metadataRequests} SDK metadata lookups and ${retriedRequests} retried attempts)` +
        (tracing
          ? `; without the status polls (${pollRequests} requests, a poll every ${POLL_MS} ms): ${fmt((requests - pollRequests) / N, 3)} per user`
          : `; status polls (every ${POLL_MS} ms) included`),
    );
    console.log(`  in flight (host process):  ${fmt(meanInFlight, 1)} on average over the window (time-weighted), max ${cosmosInFlight.max}`);
    console.log(
      `peak RSS of this process:    ${mb(maxRss)} (kernel's lifetime peak, maxRSS; ${mb(maxRssBefore)} before the job); sampled every 50 ms during the job: ${mb(rssBefore.rss)} at the POST, peak ${mb(peak.rss)}, ` +
        `growth ${mb(peak.rss - rssBefore.rss)}; peak heapUsed ${mb(peak.heapUsed)}, peak external ${mb(peak.external)}`,
    );
    console.log(
      `verified:                    consumedUnits ${skuBody?.consumedUnits} of ${N}, ${holdsLeft} holds left, ${holders} users hold the product, ${auditCount} audit records of the job, no poison messages`,
    );
    console.log(
      `raw single-document upserts: ${N} of ${targetSize} B (an assigned user; an audit record is ${size.auditBytes} B) at concurrency ${C} in ${fmt(main1.raw.seconds, 2)} s = ${fmt(main1.rate)} writes/s ` +
        `(p50 ${fmt(main1.p50)} ms, p99 ${fmt(main1.p99)} ms, ${fmt(main1.raw.requests / N, 2)} requests each)`,
    );
    if (main2)
      console.log(
        `  at the job's achieved concurrency ${main2.concurrency} (mean in flight): ${fmt(main2.raw.seconds, 2)} s = ${fmt(main2.rate)} writes/s (p50 ${fmt(main2.p50)} ms, p99 ${fmt(main2.p99)} ms); ratio at that concurrency ${fmt(rate / main2.rate, 3)}`,
      );
    console.log(
      `ratio job users/s / raw writes/s: ${fmt(ratio, 3)} (end to end)${Number.isFinite(processingS) ? `; ${fmt(N / processingS / main1.rate, 3)} over the processing phase` : ''}`,
    );
    console.log(
      `CPU during the job:          host process ${fmt(hostCpuMs / N, 3)} ms per user (${pct(hostCpuMs, seconds)}), Cosmos DB emulator ${emulatorMs === undefined ? 'n/a' : `${fmt(emulatorMs / N, 3)} ms per user`} (${pct(emulatorMs, seconds)}), ` +
        `Azurite ${pct(azuriteMs, seconds)}, load generator ${pct(measured.cpuMs, seconds)} (10 ms resolution for the emulators)`,
    );
    console.log(
      `CPU during the raw upserts:  load generator ${fmt(main1.raw.cpuMs / N, 3)} ms per write (${pct(main1.raw.cpuMs, main1.raw.seconds)}), Cosmos DB emulator ${main1.emuMs === undefined ? 'n/a' : `${fmt(main1.emuMs / N, 3)} ms per write`} (${pct(main1.emuMs, main1.raw.seconds)})`,
    );
    const cosmosPeak = childProc(EMULATORS.cosmos)?.peakRss;
    if (cosmosPeak) console.log(`  (the emulator's own peak RSS, for context: ${mb(cosmosPeak)}; it keeps every document in memory)`);
    console.log('');
    console.log(`target ratio >= ${TARGET.ratio}:               ${met(ratio >= TARGET.ratio)} (${fmt(ratio, 3)})`);
    const memOk = maxRss < TARGET.peakRssBytes;
    console.log(
      N >= TARGET.memoryUsers
        ? `target peak RSS < ${mb(TARGET.peakRssBytes)} for ${TARGET.memoryUsers} users: ${met(memOk)} (${mb(maxRss)})`
        : `target peak RSS < ${mb(TARGET.peakRssBytes)} (stated for ${TARGET.memoryUsers} users; this run has ${N}: run --users ${TARGET.memoryUsers} to check it): ${mb(maxRss)} here`,
    );
    console.log('');
    printBreakdown(N, requests);
    printChunkProfile(CHUNK_SIZE);

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
