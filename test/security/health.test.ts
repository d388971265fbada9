/** Finding 8 (low): the anonymous /health returned dependency error text and cost three backend calls per hit. */
import { healthReporter } from '../../shared/usecases/health';
import { TEST_API } from '../env';

test('an anonymous caller gets statuses and timings, no reasons', async () => {
  const r = await fetch(`${TEST_API}/health`);
  const body = (await r.json()) as any;
  expect(r.status).toBe(200);
  expect(Object.keys(body).sort()).toEqual(['checkedDateTime', 'checks', 'status']);
  for (const check of Object.values(body.checks) as any[]) expect(Object.keys(check).sort()).toEqual(['durationMs', 'status']);
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
