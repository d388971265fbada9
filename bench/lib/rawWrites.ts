/**
 * The emulator's raw single-document write rate, the yardstick the benchmarks compare the app with: plain
 * creates or upserts of a document of a given size into the directory container and the tenant's
 * partition, at a given concurrency, from the load generator's own SDK client (configured like the app's,
 * as it inherits the bench settings), while the measured process is idle. Each write is one request.
 */
import { performance } from 'node:perf_hooks';
import { childProc, EMULATORS } from './proc';
import { cpuMs, percentile, pool } from './stats';

export interface RawWriteTask {
  type: 'raw';
  tenantId: string;
  /** Makes the ids of this run's documents unique. */
  run: string;
  targetSize: number;
  /** Documents from..from+count-1. */
  from: number;
  count: number;
  concurrency: number;
  op: 'create' | 'upsert';
}
export interface RawWriteResult {
  type: 'raw';
  seconds: number;
  latencies: number[];
  requests: number;
  cpuMs: number;
  failures: number;
  firstError?: string;
}

/** The load generator's side: the writes, timed there. */
export async function rawWrites(m: RawWriteTask): Promise<RawWriteResult> {
  const { container, tracked, cosmosRequestStats } = await import('../../shared/storage/cosmos');
  const cpu = process.cpuUsage();
  const rawDoc = (i: number) => {
    const doc = { id: `raw-${m.run}-${i}`, tenantId: m.tenantId, type: 'benchRaw', createdDateTime: new Date().toISOString(), pad: '' };
    doc.pad = 'x'.repeat(Math.max(0, m.targetSize - Buffer.byteLength(JSON.stringify(doc))));
    return doc;
  };
  const before = cosmosRequestStats.requests;
  const latencies: number[] = [];
  let failures = 0;
  let firstError: string | undefined;
  const started = performance.now();
  await pool(m.count, m.concurrency, async (i) => {
    const doc = rawDoc(m.from + i);
    const t = performance.now();
    try {
      await tracked(() => (m.op === 'create' ? container('directory').items.create(doc) : container('directory').items.upsert(doc)));
      latencies.push(performance.now() - t);
    } catch (e) {
      failures++;
      firstError ??= String((e as Error).message ?? e).split('\n')[0];
    }
  });
  const seconds = (performance.now() - started) / 1000;
  return { type: 'raw', seconds, latencies, requests: cosmosRequestStats.requests - before, cpuMs: cpuMs(process.cpuUsage(cpu)), failures, firstError };
}

export interface RawWritePass {
  concurrency: number;
  raw: RawWriteResult;
  /** Successful writes per second. */
  rate: number;
  p50: number;
  p99: number;
  /** CPU (ms) of the Cosmos DB emulator and of this (idle) process over the pass. */
  emuMs?: number;
  hostCpuMs: number;
}

/** The measuring process's side: one pass through the load generator, with the emulator's CPU over it. */
export async function measureRawWrites(
  generator: { run(task: RawWriteTask): Promise<RawWriteResult> },
  task: Omit<RawWriteTask, 'type'>,
): Promise<RawWritePass> {
  const emuBefore = childProc(EMULATORS.cosmos)?.cpuMs;
  const hostCpu = process.cpuUsage();
  const raw = await generator.run({ type: 'raw', ...task });
  const hostCpuMs = cpuMs(process.cpuUsage(hostCpu));
  const emuAfter = childProc(EMULATORS.cosmos)?.cpuMs;
  const lat = raw.latencies.sort((a, b) => a - b);
  return {
    concurrency: task.concurrency,
    raw,
    rate: (task.count - raw.failures) / raw.seconds,
    p50: percentile(lat, 50),
    p99: percentile(lat, 99),
    emuMs: emuBefore !== undefined && emuAfter !== undefined ? emuAfter - emuBefore : undefined,
    hostCpuMs,
  };
}
