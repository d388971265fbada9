/**
 * Per-tenant throttling: a token bucket per tenant (sustained rate + burst), as Graph throttles per app and
 * tenant. Over the budget the caller gets 429 with Retry-After and nothing runs, so one tenant cannot
 * exhaust the service for the others. The budget is per instance (no shared state, no extra request to a
 * store on every call): N instances admit at most N x the budget, and the platform's own scale limits
 * bound N. Buckets of idle tenants are dropped.
 */
import { settings } from '../config';
import { ApiError } from '../errors';

interface Bucket {
  tokens: number;
  at: number;
}

const MAX_BUCKETS = 10_000;

/** A set of per-tenant buckets with the given budget; `now` is injectable (tests move the clock). */
export function tokenBuckets(budget: () => { rate: number; burst: number }) {
  const buckets = new Map<string, Bucket>();
  /** Takes one request from the tenant's budget, or throws 429 with the seconds until one is available. */
  return function admit(tenantId: string, now = Date.now()): void {
    const { rate, burst } = budget();
    let b = buckets.get(tenantId);
    if (!b) {
      if (buckets.size >= MAX_BUCKETS) {
        for (const [k, v] of buckets) if (now - v.at > 60_000) buckets.delete(k);
      }
      b = { tokens: burst, at: now };
      buckets.set(tenantId, b);
    }
    b.tokens = Math.min(burst, b.tokens + (Math.max(0, now - b.at) / 1000) * rate);
    b.at = Math.max(b.at, now);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return;
    }
    const retryAfter = Math.max(1, Math.ceil((1 - b.tokens) / rate));
    throw new ApiError(
      429,
      'TooManyRequests',
      `Your organization is sending more requests than this service accepts (${rate} per second, bursts of ${burst}). Wait ${retryAfter} s and try again; for many users at once, use a bulk license job.`,
      undefined,
      undefined,
      { 'Retry-After': String(retryAfter) },
    );
  };
}

/** The service's budget, from the settings. */
export const admit = tokenBuckets(() => {
  const s = settings();
  return { rate: s.THROTTLE_TENANT_REQUESTS_PER_SECOND, burst: s.THROTTLE_TENANT_BURST };
});
