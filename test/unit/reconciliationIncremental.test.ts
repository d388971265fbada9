/**
 * The incremental reconciliation's pure and seam parts: which kind a run is and when a tenant's full run
 * falls (shared/domain/reconciliationSchedule.ts); the change source's contract, for both sources
 * (shared/storage/changes.ts: the `_ts` query that runs here and in every integration test, and the change
 * feed Azure runs, each against a fake partition that keeps a log like Cosmos DB's: write times on the
 * partition's clock, and a log sequence the change feed's continuation points into); and the engine's
 * seat intent (shared/licensing/seatIntent.ts): written before any counter moves, closed only when every
 * seat is settled.
 */
import { dirname } from 'node:path';

type Stored = Record<string, unknown> & { id: string; _ts: number; _lsn: number };
const partition: {
  docs: Map<string, Stored>;
  lsn: number;
  clock: number;
  write(doc: Record<string, unknown> & { id: string }, ts?: number): void;
  reset(): void;
} = {
  docs: new Map<string, Stored>(),
  lsn: 0,
  /** The partition's clock (epoch seconds): a write's `_ts`. */
  clock: 1_000_000,
  /** A write of the app: a user is stamped as written (users.withQueryFields) by the writer's clock, here the partition's. */
  write(doc: Record<string, unknown> & { id: string }, ts = partition.clock) {
    partition.lsn++;
    const stamp = doc.type === 'user' ? { writtenDateTime: new Date(ts * 1000).toISOString() } : {};
    partition.docs.set(doc.id, { tenantId: 't1', ...stamp, ...doc, _ts: ts, _lsn: partition.lsn });
  },
  reset() {
    partition.docs.clear();
    partition.lsn = 0;
    partition.clock = 1_000_000;
  },
};

/** The documents after a log position, oldest change first, each once as it is now (latest-version mode). */
const changedAfter = (lsn: number) => [...partition.docs.values()].filter((d) => d._lsn > lsn).sort((a, b) => a._lsn - b._lsn);

function fakeChangeFeed(o: { changeFeedStartFrom?: unknown; maxItemCount?: number }) {
  const from = o.changeFeedStartFrom as { continuationToken?: string; startTime?: Date; constructor: { name: string } };
  let position: number;
  if (from.constructor.name === 'ChangeFeedStartFromContinuation') position = (JSON.parse(from.continuationToken!) as { lsn: number }).lsn;
  else if (from.constructor.name === 'ChangeFeedStartFromTime')
    position = Math.max(0, ...[...partition.docs.values()].filter((d) => d._ts * 1000 < from.startTime!.getTime()).map((d) => d._lsn));
  else position = partition.lsn; // Now
  return {
    async readNext() {
      const page = changedAfter(position).slice(0, o.maxItemCount ?? 100);
      if (page.length) position = page[page.length - 1]._lsn;
      return { statusCode: page.length ? 200 : 304, result: page.map((d) => ({ ...d })), continuationToken: JSON.stringify({ lsn: position }) };
    },
  };
}

/** The query as the emulator runs it: its own query engine (@zeit/cosmosdb-query) over the partition's documents. */
function fakeQuery(spec: { query: string; parameters: { name: string; value: unknown }[] }, o: { maxItemCount?: number }) {
  const enginePath = require.resolve('@zeit/cosmosdb-query', { paths: [dirname(require.resolve('@vercel/cosmosdb-server'))] });
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the emulator's engine, from its package
  const engine = (require(enginePath) as { default: (sql: string) => { exec(docs: object[], o: object): { result: Record<string, unknown>[] } } }).default;
  const rows = engine(spec.query).exec([...partition.docs.values()], { parameters: spec.parameters }).result;
  let at = 0;
  return {
    hasMoreResults: () => at < rows.length,
    async fetchNext() {
      const page = rows.slice(at, at + (o.maxItemCount ?? 100));
      at += page.length;
      return { resources: page };
    },
  };
}

const intentWrites: { skuIds: string[]; id: string }[] = [];
jest.mock('../../shared/storage/cosmos', () => ({
  container: () => ({ items: { query: fakeQuery, getChangeFeedIterator: fakeChangeFeed } }),
  tracked: (call: () => Promise<unknown>) => call(),
}));
jest.mock('../../shared/storage/seatIntents', () => ({
  newSeatIntentId: () => `seatIntent-${intentWrites.length}`,
  seatIntents: {
    put: async (doc: { skuIds: string[]; id: string }) => {
      intentWrites.push({ id: doc.id, skuIds: [...doc.skuIds] });
    },
    removal: (tenantId: string, id: string) => ({ operationType: 'Delete', id, partitionKey: tenantId }),
  },
}));

import { ChangeCheckpoint, changeFeedChanges, ChangeSource, timestampChanges } from '../../shared/storage/changes';
import { fullRunOffsetMs, lastFullRunTurn, nextFullRunTurn, runMode } from '../../shared/domain/reconciliationSchedule';
import { withSeatIntent } from '../../shared/licensing/seatIntent';
import { SeatStrategy } from '../../shared/licensing/seats';

const DAY = 86_400_000;
const HOUR = 3_600_000;

// ---------------- the kind of run and the full run's turn ----------------

describe('runMode and the full run turns', () => {
  const base = { tenantId: 'tenant-a', now: '2026-06-10T02:00:00.000Z', periodDays: 7, incrementalFrom: true };

  test('asked for full: full; never a full run or nothing to be incremental from: full (first run); else incremental unless the turn has come', () => {
    expect(runMode({ ...base, requested: 'full', lastFullRun: base.now })).toEqual({ mode: 'full', reason: 'requested' });
    expect(runMode({ ...base, lastFullRun: null })).toEqual({ mode: 'full', reason: 'firstRun' });
    expect(runMode({ ...base, lastFullRun: base.now, incrementalFrom: false, requested: 'incremental' })).toEqual({ mode: 'full', reason: 'firstRun' });
    expect(runMode({ ...base, lastFullRun: base.now, requested: 'incremental' })).toEqual({ mode: 'incremental', reason: 'requested' });
    expect(runMode({ ...base, lastFullRun: base.now })).toEqual({ mode: 'incremental', reason: 'default' });
    const turn = lastFullRunTurn(base.tenantId, base.now, 7);
    const justBefore = new Date(Date.parse(turn) - 1).toISOString();
    expect(runMode({ ...base, lastFullRun: justBefore })).toEqual({ mode: 'full', reason: 'scheduled' });
    expect(runMode({ ...base, lastFullRun: turn })).toEqual({ mode: 'incremental', reason: 'default' });
  });

  test("a tenant's turns: once per period, at the same whole hour of the period, the latest at or before now and the next after it", () => {
    for (const now of ['2026-06-10T02:00:00.000Z', '2026-06-10T02:00:00.001Z', '2031-01-01T23:59:59.999Z']) {
      const last = Date.parse(lastFullRunTurn('tenant-a', now, 7));
      expect(last).toBeLessThanOrEqual(Date.parse(now));
      expect(Date.parse(now) - last).toBeLessThan(7 * DAY);
      expect(last % HOUR).toBe(0);
      expect(Date.parse(nextFullRunTurn('tenant-a', now, 7)) - last).toBe(7 * DAY);
      expect((last - fullRunOffsetMs('tenant-a', 7)) % (7 * DAY)).toBe(0);
    }
    // the same tenant whatever the case of its id
    expect(fullRunOffsetMs('TENANT-A', 7)).toBe(fullRunOffsetMs('tenant-a', 7));
  });

  test('spread: 1,000 tenants fall on every day of the week and on many hours, none on more than a few percent of the slots', () => {
    const slots = new Map<number, number>();
    const days = new Set<number>();
    for (let i = 0; i < 1000; i++) {
      const offset = fullRunOffsetMs(`00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, 7);
      slots.set(offset, (slots.get(offset) ?? 0) + 1);
      days.add(Math.floor(offset / DAY));
    }
    expect(days.size).toBe(7);
    expect(slots.size).toBeGreaterThan(150); // of 168 hours in a week
    expect(Math.max(...slots.values())).toBeLessThanOrEqual(20);
  });
});

// ---------------- the change source's contract ----------------

/** Reads every page of a reader and its next checkpoint. */
async function readAll(source: ChangeSource, from: ChangeCheckpoint, startTs: number, pageSize = 2) {
  const reader = source.since('t1', from, startTs, pageSize);
  const ids: string[] = [];
  for await (const page of reader.pages()) ids.push(...page.map((d) => d.id));
  return { ids, next: reader.next() };
}

describe.each([
  ['timestamp', timestampChanges],
  ['changeFeed', changeFeedChanges],
] as const)('the %s change source', (_name, source) => {
  beforeEach(() => partition.reset());

  test('a checkpoint taken before a run reads covers everything written after it; the next run reads only what changed since, each document once, as it is now', async () => {
    partition.write({ id: 'old', type: 'user' });
    partition.clock += 60;
    const fullRunStart = await source.now('t1', partition.clock);
    partition.clock += 60;
    partition.write({ id: 'a', type: 'user', accountEnabled: true });
    partition.write({ id: 'b', type: 'groupMember', groupId: 'g', userId: 'a' });
    partition.write({ id: 'a', type: 'user', accountEnabled: false, lastLicenseChange: { id: 'r1', activityDateTime: '2026-01-01T00:00:00.000Z' } });
    partition.clock += 60;
    const first = await readAll(source, fullRunStart, partition.clock);
    expect(first.ids.sort()).toEqual(['a', 'b']);
    // the projection: the same fields from either source
    const reader = source.since('t1', fullRunStart, partition.clock, 10);
    const [page] = await collect(reader.pages());
    expect(page.find((d) => d.id === 'a')).toEqual({
      id: 'a',
      type: 'user',
      _ts: expect.any(Number),
      accountEnabled: false,
      lastChangeId: 'r1',
      lastChangeAt: '2026-01-01T00:00:00.000Z',
    });
    expect(page.find((d) => d.id === 'b')).toMatchObject({ groupId: 'g', userId: 'a' });

    partition.clock += 60;
    expect((await readAll(source, first.next, partition.clock)).ids).toEqual([]);
    partition.write({ id: 'c', type: 'user' });
    partition.clock += 60;
    expect((await readAll(source, first.next, partition.clock)).ids).toEqual(['c']);
  });

  test('a run that dies half-way stores nothing: next() refuses before the end, and reading again from the old checkpoint gives everything again', async () => {
    const from = await source.now('t1', partition.clock);
    partition.clock += 60;
    for (const id of ['a', 'b', 'c', 'd', 'e']) partition.write({ id, type: 'user' });
    partition.clock += 60;
    const reader = source.since('t1', from, partition.clock, 2);
    const pages = reader.pages();
    expect((await pages.next()).value.map((d: { id: string }) => d.id)).toHaveLength(2);
    expect(() => reader.next()).toThrow(/not read to their end/);
    expect((await readAll(source, from, partition.clock)).ids.sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  test("a sign-in's patch of a user (no write of the app's: the stamp stays) is no change; the app's next write is", async () => {
    partition.write({ id: 'u', type: 'user' });
    partition.clock += 60;
    const from = await source.now('t1', partition.clock);
    partition.clock += 60;
    const signedIn = { ...partition.docs.get('u')!, signInActivity: { lastSignInDateTime: '2026-01-01T00:00:00.000Z' } };
    partition.write(signedIn); // the patch: a new _ts and a new place in the log, the old stamp
    partition.clock += 60;
    expect((await readAll(source, from, partition.clock)).ids).toEqual([]);
    partition.write({ id: 'u', type: 'user', accountEnabled: false });
    partition.clock += 60;
    expect((await readAll(source, from, partition.clock)).ids).toEqual(['u']);
  });

  test("clock skew: a write stamped up to the margin before the checkpoint (another partition's clock ahead) is still read", async () => {
    partition.clock += 60;
    const from = await source.now('t1', partition.clock);
    // written after the checkpoint was taken, stamped by a clock one second behind the one that took it
    partition.write({ id: 'late', type: 'user' }, from.since - 1);
    partition.clock += 60;
    expect((await readAll(source, from, partition.clock)).ids).toEqual(['late']);
  });
});

async function collect<T>(it: AsyncGenerator<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

// ---------------- the seat intent ----------------

describe("the engine run's seat intent", () => {
  beforeEach(() => intentWrites.splice(0));
  const moves: string[] = [];
  const inner = (fail?: 'take' | 'release' | 'giveBack'): SeatStrategy => ({
    name: 'reserved',
    source: 'reserved',
    attempts: 1,
    take: async (needs) => {
      moves.push(`take ${needs.flatMap((n) => [...n.need.keys()]).join(',')} after ${intentWrites.length} intent write(s)`);
      if (fail === 'take') throw new Error('store down');
      return needs.map(() => undefined);
    },
    takeOne: async (sku) => {
      moves.push(`takeOne ${sku} after ${intentWrites.length} intent write(s)`);
      return 'reserved';
    },
    giveBack: async (sku) => {
      moves.push(`giveBack ${sku}`);
      if (fail === 'giveBack') throw new Error('store down');
    },
    release: async (sku) => {
      moves.push(`release ${sku}`);
      if (fail === 'release') throw new Error('store down');
    },
  });
  beforeEach(() => moves.splice(0));
  const about = { at: '2026-01-01T00:00:00.000Z', userIds: ['U1'] };

  test('written once, before the first counter moves, naming the products; again only for a product it did not name; closed when all is settled', async () => {
    const seats = withSeatIntent('t1', inner(), about);
    expect(seats.closing()).toEqual([]); // nothing written, nothing to close
    await seats.cover(['e3', 'e1']);
    await seats.take([{ need: new Map([['e3', 2]]) }]);
    await seats.release('e1', 1);
    expect(intentWrites).toEqual([{ id: 'seatIntent-0', skuIds: ['e3', 'e1'] }]);
    expect(moves).toEqual(['take e3 after 1 intent write(s)', 'release e1']);
    await seats.takeOne('pbi'); // a user decided again needs another product: named before its seat is taken
    expect(intentWrites[1]).toEqual({ id: 'seatIntent-0', skuIds: ['e3', 'e1', 'pbi'] });
    expect(moves[2]).toBe('takeOne pbi after 2 intent write(s)');
    expect(seats.closing()).toEqual([{ operationType: 'Delete', id: 'seatIntent-0', partitionKey: 't1' }]);
  });

  test('a counter move that throws, or a write whose outcome is unknown, keeps the intent for the reconciliation', async () => {
    for (const fail of ['take', 'release', 'giveBack'] as const) {
      const seats = withSeatIntent('t1', inner(fail), about);
      await seats.cover(['e3']);
      const move =
        fail === 'take' ? seats.take([{ need: new Map([['e3', 1]]) }]) : fail === 'release' ? seats.release('e3', 1) : seats.giveBack('e3', 1, 'reserved');
      await expect(move).rejects.toThrow('store down');
      expect(seats.closing()).toEqual([]);
    }
    const unknown = withSeatIntent('t1', inner(), about);
    await unknown.cover(['e3']);
    unknown.keep();
    expect(unknown.closing()).toEqual([]);
  });

  test('when the intent cannot be written, no counter moves', async () => {
    const seats = withSeatIntent('t1', inner(), about);
    const put = jest.requireMock('../../shared/storage/seatIntents').seatIntents;
    const original = put.put;
    put.put = async () => {
      throw new Error('store down');
    };
    try {
      await expect(seats.take([{ need: new Map([['e3', 1]]) }])).rejects.toThrow('store down');
      expect(moves).toEqual([]);
    } finally {
      put.put = original;
    }
    // and the next attempt writes it afresh
    await seats.take([{ need: new Map([['e3', 1]]) }]);
    expect(intentWrites).toEqual([{ id: 'seatIntent-0', skuIds: ['e3'] }]);
  });
});
