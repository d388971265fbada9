/**
 * The local Functions host itself, on a fixture app (test/fixtures/triggerApp): it must serve the same
 * app.http / app.storageQueue / app.timer registrations with the Functions host's semantics — route
 * prefix and templates, base64 queue messages, retries, maxDequeueCount then `-poison`, NCRONTAB timers.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { QueueServiceClient } from '@azure/storage-queue';
import { TEST_PORTS, testStackEnv } from '../env';

const port = TEST_PORTS.host + 5;
const base = `http://localhost:${port}/fx`;
const queueName = `fixture-echo-${Date.now()}`;
let child: ChildProcess;
const service = QueueServiceClient.fromConnectionString(testStackEnv.AzureWebJobsStorage);

beforeAll(async () => {
  child = spawn(process.execPath, [join(__dirname, '..', 'fixtures', 'triggerApp', 'run.js')], {
    env: { ...process.env, ...testStackEnv, FIXTURE_PORT: String(port), FIXTURE_QUEUE: queueName },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('READY') && resolve());
    child.once('exit', (code) => reject(new Error(`fixture host exited ${code}`)));
  });
});
afterAll(() => {
  child?.kill('SIGTERM');
});

const seen = async () =>
  (await (await fetch(`${base}/seen`)).json()) as {
    queue: { message: unknown; dequeueCount: number }[];
    failures: number;
    failedDequeueCounts: number[];
    ticks: number;
  };

jest.setTimeout(240_000);

/** Polls until `ok`; the time is only the bound after which the test reports failure (generous: a loaded machine is slow, not wrong). */
async function until<T>(probe: () => Promise<T>, ok: (v: T) => boolean, ms = 90_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = await probe();
    if (ok(v) || Date.now() - start > ms) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('HTTP: route prefix from host.json, literal segments before parameters, constraints, optional parameters, 404 otherwise', async () => {
  const get = async (path: string, init?: RequestInit) => {
    const r = await fetch(`${base}${path}`, init);
    return { status: r.status, body: r.status === 404 ? undefined : await r.json() };
  };
  expect((await get('/items/special')).body).toEqual({ route: 'special' });
  expect((await get('/items/42')).body).toEqual({ route: 'byId', id: '42' });
  expect((await get('/items/abc?q=1')).body).toMatchObject({ route: 'byName', name: 'abc', rest: null, q: '1' });
  expect((await get('/items/abc/def')).body).toMatchObject({ route: 'byName', name: 'abc', rest: 'def' });
  const posted = await get('/items/abc', { method: 'POST', body: JSON.stringify({ a: 1 }), headers: { 'content-type': 'application/json' } });
  expect(posted).toEqual({ status: 201, body: expect.objectContaining({ body: { a: 1 } }) });
  expect((await get('/items/abc/def/ghi')).status).toBe(404);
  expect((await fetch(`http://localhost:${port}/api/seen`)).status).toBe(404);
  expect((await get('/items/42', { method: 'DELETE' })).status).toBe(404);
});

test('queue trigger: base64 messages are decoded (JSON parsed) and deleted once handled', async () => {
  const q = service.getQueueClient(queueName);
  await q.createIfNotExists();
  await q.sendMessage(Buffer.from(JSON.stringify({ job: 1 })).toString('base64'));
  await q.sendMessage(Buffer.from('plain text').toString('base64'));
  const s = await until(seen, (v) => v.queue.length >= 2);
  expect(s.queue).toEqual(
    expect.arrayContaining([
      { message: { job: 1 }, dequeueCount: 1 },
      { message: 'plain text', dequeueCount: 1 },
    ]),
  );
  const left = await q.peekMessages({ numberOfMessages: 5 });
  expect(left.peekedMessageItems).toHaveLength(0);
});

test('queue trigger: a failing message is retried maxDequeueCount times, then moved to <queue>-poison', async () => {
  const q = service.getQueueClient(`${queueName}-fails`);
  const poison = service.getQueueClient(`${queueName}-fails-poison`);
  await q.createIfNotExists();
  await poison.createIfNotExists();
  await poison.clearMessages();
  const before = (await seen()).failedDequeueCounts.length;
  const text = Buffer.from(JSON.stringify({ bad: true })).toString('base64');
  await q.sendMessage(text);
  const peeked = await until(
    () => poison.peekMessages({ numberOfMessages: 5 }),
    (p) => p.peekedMessageItems.length > 0,
  );
  expect(peeked.peekedMessageItems.map((m) => m.messageText)).toEqual([text]);
  // the handler failed on each delivery until the queue's dequeue count reached host.json's maxDequeueCount (2);
  // counted by the deliveries' own dequeueCount, since a receive whose answer was lost on a loaded machine
  // still counts as a delivery in the queue (the message comes back after its lease with the next count)
  const failed = (await seen()).failedDequeueCounts.slice(before);
  expect(failed.at(-1)).toBe(2);
  expect(failed.every((n, i) => n <= 2 && (i === 0 || n > failed[i - 1]))).toBe(true);
  expect((await q.peekMessages({ numberOfMessages: 5 })).peekedMessageItems).toHaveLength(0);
});

test('timer trigger: runs on its NCRONTAB schedule (every second here) with a timer object', async () => {
  const first = (await seen()).ticks;
  const later = await until(seen, (v) => v.ticks >= first + 2, 60_000); // a failure bound only: a loaded machine may run a tick late
  expect(later.ticks).toBeGreaterThanOrEqual(first + 2);
});
