/**
 * Which kind of reconciliation run a tenant gets (pure, no I/O): incremental (what changed since the last
 * run, and what the engine left open) unless a full run (every user read, every counter recounted) is
 * asked for, the tenant has never had one, or its turn has come. Turns are spread: each tenant's full run
 * falls at a time of its own within the period (day of the week and hour, from a hash of its id), so that
 * not every tenant is read whole the same night.
 */

const HOUR_MS = 3_600_000;

export type RunMode = 'incremental' | 'full';
/** Why a run is what it is: asked for; the tenant's first (nothing to be incremental from); its scheduled turn; the default. */
export type RunModeReason = 'requested' | 'firstRun' | 'scheduled' | 'default';

/** FNV-1a, 32 bits: a stable spread of tenant ids (not a secret). */
function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** The tenant's offset within the period, in whole hours (the same tenant always gets the same one). */
export const fullRunOffsetMs = (tenantId: string, periodDays: number): number => (fnv1a32(tenantId.toLowerCase()) % (periodDays * 24)) * HOUR_MS;

/** The tenant's latest turn for a full run at or before `now`: turns are every period, at its offset from 1970-01-01T00:00Z. */
export function lastFullRunTurn(tenantId: string, now: string, periodDays: number): string {
  const period = periodDays * 24 * HOUR_MS;
  const t = Date.parse(now) - fullRunOffsetMs(tenantId, periodDays);
  return new Date(t - (((t % period) + period) % period) + fullRunOffsetMs(tenantId, periodDays)).toISOString();
}

/** The tenant's next turn after `now`. */
export const nextFullRunTurn = (tenantId: string, now: string, periodDays: number): string =>
  new Date(Date.parse(lastFullRunTurn(tenantId, now, periodDays)) + periodDays * 24 * HOUR_MS).toISOString();

/**
 * The kind of this run. `requested`: what the caller asked for (on demand), if anything; `lastFullRun`: when
 * the tenant's last full run started; `incrementalFrom`: whether there is a checkpoint to be incremental
 * from (there is none before the first full run, or after a setting change wiped it).
 */
export function runMode(input: {
  tenantId: string;
  now: string;
  periodDays: number;
  requested?: RunMode;
  lastFullRun?: string | null;
  incrementalFrom: boolean;
}): { mode: RunMode; reason: RunModeReason } {
  if (input.requested === 'full') return { mode: 'full', reason: 'requested' };
  if (!input.incrementalFrom || !input.lastFullRun) return { mode: 'full', reason: 'firstRun' };
  if (input.requested === 'incremental') return { mode: 'incremental', reason: 'requested' };
  if (input.lastFullRun < lastFullRunTurn(input.tenantId, input.now, input.periodDays)) return { mode: 'full', reason: 'scheduled' };
  return { mode: 'incremental', reason: 'default' };
}
