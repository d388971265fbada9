/** Finding 8 (low): the anonymous /health returned dependency error text and cost three backend calls per hit. */
import { healthReporter } from '../../shared/usecases/health';
import { TEST_API } from '../env';
import { OwnStack, startOwnStack } from '../ownStack';

test('an anonymous caller gets statuses and timings, no reasons', async () => {
  const r = await fetch(`${TEST_API}/health`);
  const body = await r.json();
  expect(r.status).toBe(200);
  expect(Object.keys(body).sort()).toEqual(['checkedDateTime', 'checks', 'status']);
  expect(Object.keys(body.checks).sort()).toEqual(['cosmosDb', 'queues']); // the loop below looks at each
  for (const check of Object.values<object>(body.checks)) expect(Object.keys(check).sort()).toEqual(['durationMs', 'status']);
});

test('one probe run answers every caller within the cache window (injected clock); a failure is not explained', async () => {
  let now = 1_000_000;
  let calls = 0;
  const report = healthReporter(
    {
      db: async () => {
        calls++;
        throw new Error('connect ECONNREFUSED 10.0.0.7:443 (secret-host.internal)');
      },
    },
    5,
    () => now,
  );
  const first = await report();
  for (let i = 0; i < 100; i++) await report();
  expect(calls).toBe(1);
  expect(first).toEqual({ status: 'Unhealthy', checkedDateTime: new Date(1_000_000).toISOString(), checks: { db: { status: 'Unhealthy', durationMs: 0 } } });
  expect(JSON.stringify(first)).not.toMatch(/ECONNREFUSED|secret-host|10\.0\.0\.7/);
  now += 5000;
  await report();
  expect(calls).toBe(2);
});

describe('with a dependency down (a stack of its own, whose Cosmos DB emulator is stopped)', () => {
  let stack: OwnStack;
  beforeAll(async () => {
    // a cache window longer than any test: every call below is answered by the first probe
    stack = await startOwnStack(130, { HEALTH_CACHE_SECONDS: '300', LOG_LEVEL: 'warn' });
  });
  afterAll(() => stack?.stop());

  test('anonymous callers learn that Cosmos DB is Unhealthy, not why; one probe answers them all and its reason goes to the log once', async () => {
    process.kill(stack.emulatorPids[0], 'SIGKILL'); // the Cosmos DB emulator
    const answers = [];
    for (let i = 0; i < 5; i++) {
      const r = await fetch(`${stack.api}/health`);
      answers.push({ status: r.status, body: await r.json() });
    }
    expect(answers.map((a) => a.status)).toEqual([503, 503, 503, 503, 503]);
    const [first] = answers;
    expect(first.body.checks.cosmosDb).toEqual({ status: 'Unhealthy', durationMs: expect.any(Number) });
    expect(JSON.stringify(first.body)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|connect|timeout|error/i);
    for (const a of answers) expect(a.body).toEqual(first.body); // the same probe, same time
    const reasons = stack.lines.filter((l) => l.includes('health check failed') && l.includes('cosmosDb'));
    expect(reasons).toHaveLength(1);
  });
});
