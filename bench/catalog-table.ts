/**
 * Benchmark: reading Microsoft's product table (shared/catalog/microsoftTable.ts), no service involved.
 *   1. A generated table the size of Microsoft's (default 6,000 rows, 620 products, 800 plans; bench/lib/
 *      microsoftTableFixture.ts), or a real edition (--file), read from 64 KiB chunks as an upload arrives:
 *      time per read, the heap's growth while reading (sampled at every chunk) and what the result keeps.
 *   2. A 30 MB upload: refused past MAX_TABLE_BYTES; how much of it was read, how long, the heap's growth.
 * Targets (printed, never asserted): a whole table in under a second, under 50 MB of heap growth for either.
 *
 * Usage: npm run bench:catalog [-- --rows N] [-- --file <path.csv>] [-- --repeat N]
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { parseArgs, usage } from './lib/args';
import { machineLoad } from './lib/proc';
import { runtime } from './lib/runtime';
import { fmt, mb, MB, met } from './lib/stats';
import { printTable } from './lib/table';
import { generateMicrosoftTable } from './lib/microsoftTableFixture';
import { MAX_TABLE_BYTES, readMicrosoftTable } from '../shared/catalog/microsoftTable';

const TARGET = { seconds: 1, heapMb: 50 };
const CHUNK = 64 * 1024;
const USAGE =
  'usage: node --expose-gc dist/bench/catalog-table.js [--rows N (default 6000)] [--file <path.csv> (a real edition instead)] [--repeat N (default 3)]';

interface Options {
  rows: number;
  repeat: number;
}

const gc = () => (globalThis as { gc?: () => void }).gc?.();

/** Bytes in chunks, the heap sampled at each (deterministic: no timer). */
function chunksOf(bytes: Buffer, peak: { heap: number }): AsyncGenerator<Uint8Array> {
  return (async function* () {
    for (let i = 0; i < bytes.length; i += CHUNK) {
      peak.heap = Math.max(peak.heap, process.memoryUsage().heapUsed);
      yield bytes.subarray(i, i + CHUNK);
    }
  })();
}

async function main() {
  const argv = process.argv.slice(2);
  const fileAt = argv.indexOf('--file');
  const file = fileAt >= 0 ? argv[fileAt + 1] : undefined;
  if (fileAt >= 0 && !file) usage(USAGE, '--file needs a path');
  const rest = fileAt >= 0 ? [...argv.slice(0, fileAt), ...argv.slice(fileAt + 2)] : argv;
  const o = parseArgs<Options>(
    rest,
    USAGE,
    { rows: 6000, repeat: 3 },
    { rows: { int: 'rows', check: (n) => (n < 200 ? '--rows takes at least 200' : undefined) }, repeat: { int: 'repeat' } },
    { rows: 1000, repeat: 1 },
  );
  console.log(runtime());
  if (!(globalThis as { gc?: unknown }).gc) console.log('(run with node --expose-gc for the retained size)');

  const scale = o.rows / 6000;
  const bytes = file
    ? readFileSync(file)
    : generateMicrosoftTable({
        rows: o.rows,
        products: Math.max(20, Math.round(620 * scale)),
        plans: Math.max(30, Math.round(800 * scale)),
        biggestProductPlans: Math.max(10, Math.min(112, Math.round(112 * scale))),
      }).bytes;
  console.log(`Reading ${file ?? `a generated table of ${o.rows} rows`} (${mb(bytes.length)}), ${o.repeat} times; load: ${machineLoad()}`);

  const reads: string[][] = [];
  let worst = { seconds: 0, heap: 0 };
  for (let i = 0; i < o.repeat; i++) {
    gc();
    const before = process.memoryUsage().heapUsed;
    const peak = { heap: before };
    const t0 = performance.now();
    const table = await readMicrosoftTable(chunksOf(bytes, peak));
    const seconds = (performance.now() - t0) / 1000;
    peak.heap = Math.max(peak.heap, process.memoryUsage().heapUsed);
    gc();
    const kept = process.memoryUsage().heapUsed - before;
    worst = { seconds: Math.max(worst.seconds, seconds), heap: Math.max(worst.heap, peak.heap - before) };
    const biggest = table.products.reduce((a, b) => (b.servicePlans.length > a.servicePlans.length ? b : a));
    reads.push([
      String(i + 1),
      String(table.rows),
      String(table.products.length),
      String(table.servicePlans.length),
      `${biggest.skuPartNumber} (${biggest.servicePlans.length})`,
      fmt(seconds, 2),
      fmt((peak.heap - before) / MB),
      fmt(kept / MB),
    ]);
    if (i === 0) for (const n of table.notes) console.log(`  note ${n.code}: ${n.count}`);
  }
  printTable(
    '  ',
    [
      { title: 'read' },
      { title: 'rows', align: 'right' },
      { title: 'products', align: 'right' },
      { title: 'plans', align: 'right' },
      { title: 'biggest product (plans)' },
      { title: 'seconds', align: 'right' },
      { title: 'heap growth MB', align: 'right' },
      { title: 'kept MB', align: 'right' },
    ],
    reads,
  );

  // a 30 MB upload of rows that are all fine: refused once past the limit, the rest never read
  const row = Buffer.from(
    `Office 365 E3 ${'with a long name '.repeat(20)},ENTERPRISEPACK,6fd2c87f-b296-42f0-b197-1e91e994b900,TEAMS1,57ff2da0-773e-42df-b2af-ffb7a2317929,Microsoft Teams\r\n`,
  );
  const chunk = Buffer.concat(Array.from({ length: Math.ceil(CHUNK / row.length) }, () => row));
  gc();
  const before = process.memoryUsage().heapUsed;
  const peak = { heap: before };
  let pulled = 0;
  async function* upload() {
    yield Buffer.from('\uFEFFProduct_Display_Name,String_Id,GUID,Service_Plan_Name,Service_Plan_Id,Service_Plans_Included_Friendly_Names\r\n');
    while (pulled < 30 * MB) {
      peak.heap = Math.max(peak.heap, process.memoryUsage().heapUsed);
      pulled += chunk.length;
      yield chunk;
    }
  }
  const t0 = performance.now();
  const outcome = await readMicrosoftTable(upload()).then(
    () => 'read (not refused!)',
    (e: { status?: number; code?: string }) => `${e.status} ${e.code}`,
  );
  const refusedSeconds = (performance.now() - t0) / 1000;
  console.log(
    `30 MB upload: ${outcome} after ${mb(pulled)} read (limit ${mb(MAX_TABLE_BYTES)}), ${fmt(refusedSeconds, 2)} s, heap growth ${fmt((peak.heap - before) / MB)} MB`,
  );
  console.log(
    `Targets: a whole table in under ${TARGET.seconds} s: ${met(worst.seconds < TARGET.seconds)} (worst ${fmt(worst.seconds, 2)} s); heap growth under ${TARGET.heapMb} MB: ${met(
      Math.max(worst.heap, peak.heap - before) < TARGET.heapMb * MB,
    )}`,
  );
}

void main();
