/**
 * Benchmark: `GET /v1.0/reports/licenseAssignments` of one large tenant (default 100,000 users), streamed
 * through the local host, against one plain read of the tenant's users (target: within 1.5x of the read's
 * time), with the host's peak memory while it streams (target: under 200 MB).
 *
 * 1. Starts the stack in this process (emulators as children, the local host here: this process is the
 *    host whose memory is measured) on ports of its own.
 * 2. A set-up process creates the tenant and its priced subscriptions through the use-cases, then writes the
 *    users straight to the store in bulk (as the write engine leaves them: one to three assignments each,
 *    every tenth through a group, every fiftieth in error), so the set-up's memory is not the host's.
 * 3. The yardstick, in this process: one plain read of the tenant's users (`SELECT * ... type = 'user'`, the
 *    reports' page size), every page fetched and dropped.
 * 4. A client process downloads the report (JSON, then CSV) and counts bytes and rows; this process samples
 *    its own RSS every 20 ms meanwhile (and the kernel's peak, VmHWM, reset before each phase where Linux
 *    allows it).
 * 5. Prints the times, the ratio, the peaks and whether the targets are met.
 *
 * Usage: npm run bench:report [-- --users N] (-- --smoke: a tiny run that checks the bench works, --users 200)
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { parseArgs } from './lib/args';
import { runScript, serveChild, startChild } from './lib/child';
import { applyBenchEnv, benchEnv, benchPorts } from './lib/env';
import { childProc, EMULATORS, machineLoad, otherBenchmarks } from './lib/proc';
import { runtime } from './lib/runtime';
import { startBenchStack } from './lib/stack';
import { fmt, mb, MB, met, pool } from './lib/stats';
import { printTable } from './lib/table';

const PORTS = benchPorts({ host: 27571, cosmos: 28581, queue: 30501 });
const TARGET = { ratio: 1.5, peakRssMb: 200 };
const REPORT_PAGE = 500;
const ENV = benchEnv({
  ports: PORTS,
  database: 'licensing-bench-report',
  keyFile: 'bench-report-dev-signing-key.json',
  extra: { RECONCILIATION_SCHEDULE: '0 0 3 1 1 *' },
});

interface Options {
  users: number;
  /** Also the reports' read alone and the report rendered without HTTP (where the time goes). */
  diagnostics: boolean;
}
const USAGE =
  'usage: node --expose-gc dist/bench/report.js [--users N (default 100000)] [--brief (only the plain read and the two downloads: the emulator pages in O(N) each)]';

// ---------------- set-up (child process) ----------------

interface SetupTask {
  type: 'setup';
  users: number;
}
interface SetupResult {
  type: 'setup';
  tenantId: string;
  seconds: number;
  assignments: number;
  meanUserBytes: number;
}

async function setup(task: SetupTask): Promise<SetupResult> {
  const started = performance.now();
  const { createSubscription, createTenant } = await import('../shared/usecases/directory');
  const { bulk, bulkBody } = await import('../shared/storage/cosmos');
  const { catalog, SKU } = await (await import('./lib/demoCatalog')).demoCatalog();
  const { withQueryFields } = await import('../shared/storage/users');
  const tenant = await createTenant({ displayName: 'Report bench', defaultUsageLocation: 'NL', cloud: 'Worldwide' });
  const tenantId = tenant.id;
  const products = [
    { skuId: SKU.ENTERPRISEPACK, unitPrice: { amount: 23.1, currency: 'EUR', billingPeriod: 'month' as const } },
    { skuId: SKU.POWER_BI_PRO, unitPrice: { amount: 9.4, currency: 'EUR', billingPeriod: 'month' as const } },
    { skuId: SKU.PROJECTPROFESSIONAL, unitPrice: { amount: 337.2, currency: 'EUR', billingPeriod: 'year' as const } },
  ];
  for (const p of products) await createSubscription(catalog, tenantId, { ...p, totalLicenses: task.users, purchaseChannel: 'admin' });
  const groupId = randomUUID();
  const now = Date.now();
  let assignments = 0;
  let bytes = 0;
  const userDoc = (i: number) => {
    const at = new Date(now - (i % 700) * 86_400_000).toISOString();
    const held = products.slice(0, 1 + (i % 3));
    const licenseAssignments = held.map((p, k) => ({
      skuId: p.skuId,
      disabledPlans: [],
      assignedByGroup: k === 0 && i % 10 === 0 ? groupId : null,
      assignedDateTime: at,
      lastUpdatedDateTime: at,
      ...(k === 1 && i % 50 === 0 ? { state: 'Error' as const, error: 'CountViolation' as const } : {}),
    }));
    assignments += licenseAssignments.length;
    const upn = `rp${i}@bench.dev`;
    // with the query fields every write of the service derives (the report's filter reads them)
    return withQueryFields({
      id: randomUUID(),
      tenantId,
      type: 'user',
      displayName: `Report user ${i}`,
      userPrincipalName: upn,
      mail: null,
      usageLocation: 'NL',
      accountEnabled: i % 100 !== 0,
      userType: i % 40 === 0 ? 'Guest' : 'Member',
      department: null,
      jobTitle: null,
      createdDateTime: at,
      signInActivity: i % 7 === 0 ? undefined : { lastSignInDateTime: new Date(now - (i % 200) * 86_400_000).toISOString() },
      licenseAssignments,
      skuIds: held.map((p) => p.skuId),
      search: { displayName: `report user ${i}`, userPrincipalName: upn },
    });
  };
  const BATCH = 100;
  await pool(Math.ceil(task.users / BATCH), 8, async (b) => {
    const docs = Array.from({ length: Math.min(BATCH, task.users - b * BATCH) }, (_, k) => userDoc(b * BATCH + k));
    if (b === 0) bytes = docs.reduce((n, d) => n + Buffer.byteLength(JSON.stringify(d)), 0) / docs.length;
    for (let attempt = 0; ; attempt++) {
      const res = await bulk(
        'directory',
        docs.map((d) => ({ operationType: 'Upsert' as const, resourceBody: bulkBody(d) })),
      );
      if (res.every((r) => r.statusCode < 300)) break;
      if (attempt > 5) throw new Error(`bulk write kept failing: ${res.find((r) => r.statusCode >= 300)?.statusCode}`);
    }
  });
  return { type: 'setup', tenantId, seconds: (performance.now() - started) / 1000, assignments, meanUserBytes: bytes };
}

// ---------------- client (child process) ----------------

interface DownloadTask {
  type: 'download';
  url: string;
  token: string;
  accept: string;
}
interface DownloadResult {
  type: 'download';
  status: number;
  seconds: number;
  firstByteSeconds: number;
  bytes: number;
  /** JSON: rows counted by their userId field; CSV: lines minus the header. */
  rows: number;
}

async function download(task: DownloadTask): Promise<DownloadResult> {
  const started = performance.now();
  const res = await fetch(task.url, { headers: { authorization: `Bearer ${task.token}`, accept: task.accept } });
  let firstByte = 0;
  let bytes = 0;
  let rows = 0;
  let carry = '';
  const decoder = new TextDecoder();
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    if (!firstByte) firstByte = performance.now();
    bytes += chunk.length;
    const text = carry + decoder.decode(chunk, { stream: true });
    const marker = task.accept === 'text/csv' ? '\r\n' : '"userId":';
    rows += text.split(marker).length - 1;
    carry = text.slice(-marker.length + 1);
  }
  return {
    type: 'download',
    status: res.status,
    seconds: (performance.now() - started) / 1000,
    firstByteSeconds: (firstByte - started) / 1000,
    bytes,
    rows: task.accept === 'text/csv' ? rows - 1 : rows,
  };
}

// ---------------- measuring this process (the host) ----------------

/** Resets the kernel's peak-RSS mark of this process (Linux: clear_refs 5); false where not allowed. */
function resetPeak(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}
const kernelPeak = () => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) * 1024;

interface Measured<T> {
  result: T;
  seconds: number;
  rssStart: number;
  rssPeak: number;
  kernelPeak: number | null;
  heapStart: number;
  heapPeak: number;
  /** heapUsed after a full collection at the end (with --expose-gc): what the phase left behind. */
  heapAfterGc: number | null;
}

async function measured<T>(what: () => Promise<T>): Promise<Measured<T>> {
  global.gc?.();
  const reset = resetPeak();
  const m0 = process.memoryUsage();
  let rssPeak = m0.rss;
  let heapPeak = m0.heapUsed;
  const sample = () => {
    const m = process.memoryUsage();
    rssPeak = Math.max(rssPeak, m.rss);
    heapPeak = Math.max(heapPeak, m.heapUsed);
  };
  const timer = setInterval(sample, 20);
  const t = performance.now();
  try {
    const result = await what();
    const seconds = (performance.now() - t) / 1000;
    sample();
    const kernel = reset ? kernelPeak() : null;
    global.gc?.();
    return {
      result,
      seconds,
      rssStart: m0.rss,
      rssPeak,
      kernelPeak: kernel,
      heapStart: m0.heapUsed,
      heapPeak,
      heapAfterGc: global.gc ? process.memoryUsage().heapUsed : null,
    };
  } finally {
    clearInterval(timer);
  }
}

const optional = <T>(on: boolean, what: () => Promise<T>) => (on ? measured(what) : Promise.resolve(undefined));

// ---------------- main ----------------

async function main(): Promise<number> {
  const o = parseArgs<Options>(
    process.argv.slice(2),
    USAGE,
    { users: 100_000, diagnostics: true },
    { users: { int: 'users' }, brief: { set: { diagnostics: false } } },
    { users: 200 },
  );
  applyBenchEnv(ENV);
  const others = otherBenchmarks();
  console.log(`report benchmark: GET /v1.0/reports/licenseAssignments of one tenant of ${o.users} users, streamed, vs one plain read of its users`);
  console.log(runtime());
  console.log(`  machine: ${machineLoad()}${others.length ? `; other benchmarks running: ${others.join(', ')}` : ''}`);
  const stack = await startBenchStack(PORTS);
  const setupChild = await startChild<SetupTask, SetupResult>(__filename, 'setup');
  const client = await startChild<DownloadTask, DownloadResult>(__filename, 'client');
  try {
    const s = await setupChild.run({ type: 'setup', users: o.users });
    await setupChild.stop();
    console.log(
      `  set-up: ${o.users} users (${s.assignments} assignments, ${fmt(s.meanUserBytes / 1000, 2)} KB per user document) in ${fmt(s.seconds)} s, written in bulk to the store`,
    );

    const { queryPages } = await import('../shared/storage/queries');
    const read = await measured(async () => {
      let n = 0;
      for await (const page of queryPages<{ id: string }>(
        'directory',
        s.tenantId,
        `SELECT * FROM c WHERE c.tenantId = @tenantId AND c.type = 'user'`,
        [],
        REPORT_PAGE,
      ))
        n += page.length;
      return n;
    });

    // the same read with the report's filter and projection (what the report asks the store for)
    const { usersWithAssignmentPages } = await import('../shared/storage/reports');
    const projected = await optional(o.diagnostics, async () => {
      let n = 0;
      for await (const page of usersWithAssignmentPages(s.tenantId, REPORT_PAGE)) n += page.length;
      return n;
    });

    // the report rendered in this process, without HTTP: what the use-case itself costs
    const { licenseAssignmentsReport, render } = await import('../shared/usecases/reports');
    const rendered = await optional(o.diagnostics, async () => {
      let bytes = 0;
      for await (const piece of render(await licenseAssignmentsReport((await (await import('./lib/demoCatalog')).demoCatalog()).catalog, s.tenantId), 'json'))
        bytes += piece.length;
      return bytes;
    });

    const { mintDevToken } = await import('../local/devTokens');
    const token = await mintDevToken({ role: 'GlobalReader', tenantId: s.tenantId, issuer: ENV.AUTH_ISSUER, audience: ENV.AUTH_AUDIENCE });
    const url = `${stack.url}/v1.0/reports/licenseAssignments`;
    const json = await measured(() => client.run({ type: 'download', url, token, accept: 'application/json' }));
    const csv = await measured(() => client.run({ type: 'download', url, token, accept: 'text/csv' }));
    for (const [name, r] of [
      ['JSON', json],
      ['CSV', csv],
    ] as const) {
      if (r.result.status !== 200) throw new Error(`${name} report answered ${r.result.status}`);
      if (r.result.rows !== s.assignments) throw new Error(`${name} report has ${r.result.rows} rows, expected ${s.assignments}`);
    }

    console.log('');
    const cells = (name: string, m: Measured<unknown>, o: { firstByte?: number; rows?: number; bytes?: number }) => [
      name,
      `${fmt(m.seconds, 2)} s`,
      fmt(m.seconds / read.seconds, 2),
      o.firstByte === undefined ? '' : `${fmt(o.firstByte, 2)} s`,
      o.rows === undefined ? '' : String(o.rows),
      o.bytes === undefined ? '' : mb(o.bytes),
      mb(m.rssStart),
      mb(m.rssPeak),
      m.kernelPeak ? mb(m.kernelPeak) : 'n/a',
      `${mb(m.heapStart)} -> ${mb(m.heapPeak)}`,
      m.heapAfterGc === null ? 'n/a' : mb(m.heapAfterGc),
    ];
    printTable(
      '  ',
      [
        { title: 'phase' },
        { title: 'time', align: 'right' },
        { title: 'x read', align: 'right' },
        { title: 'first byte', align: 'right' },
        { title: 'rows', align: 'right' },
        { title: 'bytes', align: 'right' },
        { title: 'RSS start', align: 'right' },
        { title: 'RSS peak (20 ms)', align: 'right' },
        { title: 'VmHWM', align: 'right' },
        { title: 'heapUsed start -> peak', align: 'right' },
        { title: 'heap after GC', align: 'right' },
      ],
      [
        cells('plain read of the users', read, { rows: read.result }),
        ...(projected ? [cells("  the reports' projection", projected, { rows: projected.result })] : []),
        ...(rendered ? [cells('  the report rendered here', rendered, { bytes: rendered.result })] : []),
        cells('report, JSON', json, { firstByte: json.result.firstByteSeconds, rows: json.result.rows, bytes: json.result.bytes }),
        cells('report, CSV', csv, { firstByte: csv.result.firstByteSeconds, rows: csv.result.rows, bytes: csv.result.bytes }),
      ],
    );
    const worstRatio = Math.max(json.seconds, csv.seconds) / read.seconds;
    const worstPeak = Math.max(json.rssPeak, csv.rssPeak, json.kernelPeak ?? 0, csv.kernelPeak ?? 0);
    console.log('');
    console.log(`  time: the slower report took ${fmt(worstRatio, 2)}x the plain read (target <= ${TARGET.ratio}x): ${met(worstRatio <= TARGET.ratio)}`);
    console.log(`  memory: the host's peak RSS while streaming ${mb(worstPeak)} (target < ${TARGET.peakRssMb} MB): ${met(worstPeak < TARGET.peakRssMb * MB)}`);
    const emulator = childProc(EMULATORS.cosmos)?.peakRss;
    if (emulator) console.log(`  (the emulator's own peak RSS, for context: ${mb(emulator)}; it keeps every document in memory)`);
    return 0;
  } finally {
    await client.stop();
    await stack.stop();
  }
}

runScript(module, main, {
  setup: async () => {
    applyBenchEnv(ENV);
    await serveChild<SetupTask, SetupResult>({ setup });
  },
  client: () => serveChild<DownloadTask, DownloadResult>({ download }),
});
