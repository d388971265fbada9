/** The per-tenant token bucket, on an injected clock: exact counts, no waiting. */
import { ApiError } from '../../shared/errors';
import { tokenBuckets } from '../../shared/http/throttle';

const refused = (f: () => void): ApiError | undefined => {
  try {
    f();
    return undefined;
  } catch (e) {
    return e as ApiError;
  }
};

test('a burst is served up to the budget, then 429 with the seconds until the next request; it refills at the rate', () => {
  const admit = tokenBuckets(() => ({ rate: 5, burst: 25 }));
  const t0 = 1_000_000;
  for (let i = 0; i < 25; i++) expect(refused(() => admit('a', t0))).toBeUndefined();
  const e = refused(() => admit('a', t0))!;
  expect(e.status).toBe(429);
  expect(e.code).toBe('TooManyRequests');
  expect(e.headers!['Retry-After']).toBe('1'); // one token takes 0.2 s at 5/s: at least a second
  // another tenant has its own budget
  expect(refused(() => admit('b', t0))).toBeUndefined();
  // 199 ms later still nothing; at 200 ms one request, not two
  expect(refused(() => admit('a', t0 + 199))?.status).toBe(429);
  expect(refused(() => admit('a', t0 + 200))).toBeUndefined();
  expect(refused(() => admit('a', t0 + 200))?.status).toBe(429);
  // after Retry-After the tenant is served again; after a long pause, a full burst (never more)
  expect(refused(() => admit('a', t0 + 1200))).toBeUndefined();
  const later = t0 + 3_600_000;
  let served = 0;
  while (!refused(() => admit('a', later))) served++;
  expect(served).toBe(25);
});

test('a clock that goes backwards never adds requests', () => {
  const admit = tokenBuckets(() => ({ rate: 1, burst: 2 }));
  admit('a', 10_000);
  admit('a', 10_000);
  expect(refused(() => admit('a', 5_000))?.status).toBe(429);
  expect(refused(() => admit('a', 10_000))?.status).toBe(429);
});

test('Retry-After follows the sustained rate', () => {
  const admit = tokenBuckets(() => ({ rate: 0.001, burst: 1 }));
  admit('a', 0);
  expect(refused(() => admit('a', 0))!.headers!['Retry-After']).toBe('1000');
});

test('the buckets are capped: idle tenants go first, then the oldest, and a newcomer is always served', () => {
  const admit = tokenBuckets(() => ({ rate: 1, burst: 1 }), 100);
  for (let i = 0; i < 100; i++) admit(`t${i}`, 0);
  expect(admit.tenants()).toBe(100);
  // all busy (none idle for a minute): the oldest bucket makes room, the cap holds
  for (let i = 100; i < 1_000; i++) expect(refused(() => admit(`t${i}`, 1_000))).toBeUndefined();
  expect(admit.tenants()).toBe(100);
  // a tenant still in the map keeps its empty bucket: 429
  expect(refused(() => admit('t999', 1_000))?.status).toBe(429);
  // a minute later every bucket is idle: they are swept, not just one
  admit('late', 1_000 + 61_000);
  expect(admit.tenants()).toBe(1);
});
