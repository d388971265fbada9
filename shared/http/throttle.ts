/**
 * Per-tenant throttling: a token bucket per tenant (sustained rate + burst), as Graph throttles per app and
 * tenant. Over the budget the caller gets 429 with Retry-After and nothing runs, so one tenant cannot
 * exhaust the service for the others. The budget is per instance (no shared state, no extra request to a
 * store on every call): N instances admit at most N x the budget, and the platform's own scale limits
 * bound N. Buckets of idle tenants are dropped; the number of buckets is capped (the oldest go first), so
 * tokens from very many tenants cannot grow an instance's memory without bound.
 */
import { settings } from '../config';
import { ApiError } from '../errors';

interface Bucket {
  tokens: number;
  at: number;
}

const MAX_BUCKETS = 10_000;

/** An idle tenant's bucket may be dropped after this long (it would be full again by then at any sane rate). */
const IDLE_MS = 60_000;

/**
 * A set of per-tenant buckets with the given budget; `now` is injectable (tests move the clock). At
 * `maxBuckets`, idle tenants' buckets are dropped and, if that is not enough, the least recently created:
 * that tenant starts again from a full burst, the price of a hard bound on memory.
 */
export function tokenBuckets(budget: () => { rate: number; burst: number }, maxBuckets = MAX_BUCKETS) {
  const buckets = new Map<string, Bucket>();
  /** Takes one request from the tenant's budget, or throws 429 with the seconds until one is available. */
  function admit(tenantId: string, now = Date.now()): void {
    const { rate, burst } = budget();
    let b = buckets.get(tenantId);
    if (!b) {
      if (buckets.size >= maxBuckets) {
        for (const [k, v] of buckets) if (now - v.at > IDLE_MS) buckets.delete(k);
        // a Map iterates in insertion order: the first keys are the oldest buckets
        for (const k of buckets.keys()) {
          if (buckets.size < maxBuckets) break;
          buckets.delete(k);
        }
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
  }
  /** How many tenants have a bucket (tests). */
  admit.tenants = () => buckets.size;
  return admit;
}

/** The service's budget, from the settings. */
export const admit = tokenBuckets(() => {
  const s = settings();
  return { rate: s.THROTTLE_TENANT_REQUESTS_PER_SECOND, burst: s.THROTTLE_TENANT_BURST };
});
