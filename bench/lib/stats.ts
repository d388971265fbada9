/** Small helpers for timing and summing up: bounded concurrency, percentiles, formatting, time-weighted levels. */
import { performance } from 'node:perf_hooks';

export const MB = 1e6;

/** Runs task(0..count-1) with at most `concurrency` in flight; the results in index order. */
export async function pool<T>(count: number, concurrency: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results = new Array<T>(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      results[i] = await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return results;
}

/** Nearest-rank percentile of an ascending array. */
export const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
export const fmt = (n: number, digits = 1) => n.toFixed(digits);
export const mb = (bytes: number) => `${fmt(bytes / MB)} MB`;
export const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;
export const diffCpu = (a: NodeJS.CpuUsage, b: NodeJS.CpuUsage): NodeJS.CpuUsage => ({ user: a.user - b.user, system: a.system - b.system });
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const met = (ok: boolean) => (ok ? 'met' : 'NOT met');

/** Time (ms) covered by at least one of the intervals. */
export function busyMs(intervals: [number, number][]): number {
  const sorted = [...intervals].sort((a, b) => a[0] - b[0]);
  let busy = 0;
  let curStart = -1;
  let curEnd = -1;
  for (const [a, b] of sorted) {
    if (a > curEnd) {
      busy += curEnd - curStart;
      curStart = a;
      curEnd = b;
    } else curEnd = Math.max(curEnd, b);
  }
  return busy + (curEnd - curStart);
}

/** Time-weighted mean of a counter (calls in flight, chunks running) over a window. */
export class Level {
  value = 0;
  max = 0;
  private area = 0;
  private last = performance.now();
  private zeroMs = 0;
  change(delta: number, now = performance.now()) {
    this.area += this.value * (now - this.last);
    if (this.value === 0) this.zeroMs += now - this.last;
    this.last = now;
    this.value += delta;
    if (this.value > this.max) this.max = this.value;
  }
  /** Area (value x ms) and time at zero (ms) so far. */
  snapshot(now = performance.now()) {
    return { area: this.area + this.value * (now - this.last), zeroMs: this.zeroMs + (this.value === 0 ? now - this.last : 0), at: now };
  }
  resetMax() {
    this.max = this.value;
  }
}
