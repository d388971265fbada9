/**
 * Where a change's seats come from: an explicit, named choice of the caller, so one engine serves every
 * path. Whatever the strategy, a seat is had before the user who takes it is written, and given back only
 * after a write that no longer needs it: an interruption can leave at worst a seat counted that nobody
 * holds (the reconciliation recounts), never a held license without its seat.
 */
import { Catalog } from '../domain/catalog';
import { Violation } from '../errors';
import { subscriptions } from '../storage/subscriptions';

/** Where one seat taken for a user came from. */
export type SeatSource = 'reserved' | 'hold' | 'precounted';

export interface SeatNeed {
  /** Products, and how many seats of each the group needs. */
  need: ReadonlyMap<string, number>;
}

export interface SeatStrategy {
  readonly name: string;
  /**
   * Seats for each group's whole need (all of a group's, or none of them). Per group: undefined when its
   * seats were had, else the product that ran short. Independent groups never fail because of each other.
   */
  take(needs: SeatNeed[]): Promise<(string | undefined)[]>;
  /** Where take() got a product's seats from, for what to give back. */
  readonly source: SeatSource;
  /** One more seat for a change decided again after a conflict: where it came from, or undefined when there is none. */
  takeOne(skuId: string): Promise<SeatSource | undefined>;
  /** Seats taken but not used (a failed group, a change that no longer needs them). */
  giveBack(skuId: string, n: number, source: SeatSource): Promise<void>;
  /** Seats of products users no longer hold, after their writes. */
  release(skuId: string, n: number): Promise<void>;
  /** Products whose seats the changes will release (a chunk's hold must exist to settle them); called before take(). */
  willRelease?(skuIds: string[]): Promise<void>;
  /**
   * How often a refused group tries again (after a moment, on its users re-read): a refusal of a
   * reservation may only mean that concurrent requests hold seats in flight. 1: never.
   */
  readonly attempts: number;
  /** Why a product's seats could not be had (default: from a fresh read of its subscription). */
  shortage?(catalog: Catalog, skuId: string, needed: number, target?: string): Violation;
}

/** Reserves each product's seats in one conditional write; on a refusal gives back what it took and names that product. */
export async function reserveAll(tenantId: string, need: ReadonlyMap<string, number>): Promise<string | undefined> {
  const taken: [string, number][] = [];
  const giveBack = () => Promise.all(taken.map(([s, k]) => subscriptions.releaseSeats(tenantId, s, k)));
  for (const [skuId, n] of need) {
    if (n <= 0) continue;
    let ok: boolean;
    try {
      ok = await subscriptions.reserveSeats(tenantId, skuId, n);
    } catch (e) {
      await giveBack().catch(() => undefined); // still failing: an over-count at worst
      throw e;
    }
    if (!ok) {
      await giveBack();
      return skuId;
    }
    taken.push([skuId, n]);
  }
  return undefined;
}

/**
 * Interactive requests: one conditional write per product for all the groups at once (`consumed + n <=
 * limit`); when that is refused, group by group, so that no request fails for lack of seats that another
 * request of the same batch took.
 */
export function reservedSeats(tenantId: string): SeatStrategy {
  return {
    name: 'reserved',
    source: 'reserved',
    attempts: 4,
    async take(needs) {
      if (needs.length > 1) {
        const total = new Map<string, number>();
        for (const g of needs) for (const [s, n] of g.need) total.set(s, (total.get(s) ?? 0) + n);
        if ((await reserveAll(tenantId, total)) === undefined) return needs.map(() => undefined);
      }
      const out: (string | undefined)[] = [];
      for (const g of needs) out.push(await reserveAll(tenantId, g.need));
      return out;
    },
    takeOne: async (skuId) => ((await subscriptions.reserveSeats(tenantId, skuId, 1)) ? 'reserved' : undefined),
    giveBack: (skuId, n) => subscriptions.releaseSeats(tenantId, skuId, n),
    release: (skuId, n) => subscriptions.releaseSeats(tenantId, skuId, n),
  };
}

/**
 * Seats counted when they were bought (a self-service buyer's own seat): nothing to reserve; a change that
 * does not happen gives its counted seat back, as a reservation would be (a run that dies before leaves
 * its seat intent, and the reconciliation recounts).
 */
export function precountedSeats(tenantId: string): SeatStrategy {
  return {
    name: 'precounted',
    source: 'precounted',
    attempts: 1,
    take: async (needs) => needs.map(() => undefined),
    takeOne: async () => 'precounted',
    giveBack: (skuId, n) => subscriptions.releaseSeats(tenantId, skuId, n),
    release: (skuId, n) => subscriptions.releaseSeats(tenantId, skuId, n),
  };
}
