/**
 * Health for load balancers and the operator on call. The endpoint is anonymous, so what it says is only
 * Healthy / Unhealthy per dependency and how long the check took: the reason a dependency failed (host
 * names, error text) goes to the logs, never to the caller. The probes cost backend calls, so one result
 * serves every caller for HEALTH_CACHE_SECONDS: hammering /health cannot become load on Cosmos DB.
 */
import { log } from '../log';

export type Probe = () => Promise<unknown>;
export interface CheckResult {
  status: 'Healthy' | 'Unhealthy';
  durationMs: number;
}
export interface HealthReport {
  status: 'Healthy' | 'Unhealthy';
  checkedDateTime: string;
  checks: Record<string, CheckResult>;
}

const TIMEOUT_MS = 3000;

async function check(name: string, probe: Probe, clock: () => number): Promise<CheckResult> {
  const started = clock();
  try {
    await Promise.race([probe(), new Promise((_, reject) => setTimeout(() => reject(new Error(`no answer within ${TIMEOUT_MS} ms`)), TIMEOUT_MS).unref())]);
    return { status: 'Healthy', durationMs: clock() - started };
  } catch (e) {
    log.warn('health check failed', {
      check: name,
      error: String((e as Error)?.message ?? e)
        .split('\n')[0]
        .slice(0, 500),
    });
    return { status: 'Unhealthy', durationMs: clock() - started };
  }
}

/** A health reporter over named probes, its result reused for `cacheSeconds` (the clock is injectable). */
export function healthReporter(probes: Record<string, Probe>, cacheSeconds: number, clock: () => number = Date.now) {
  let last: { at: number; report: Promise<HealthReport> } | undefined;
  return (): Promise<HealthReport> => {
    const now = clock();
    if (last && now - last.at < cacheSeconds * 1000) return last.report;
    const report = (async () => {
      const entries = await Promise.all(Object.entries(probes).map(async ([name, probe]) => [name, await check(name, probe, clock)] as const));
      const checks = Object.fromEntries(entries);
      const healthy = entries.every(([, r]) => r.status === 'Healthy');
      const status: HealthReport['status'] = healthy ? 'Healthy' : 'Unhealthy';
      return { status, checkedDateTime: new Date(now).toISOString(), checks };
    })();
    last = { at: now, report };
    return report;
  };
}
