/**
 * A bulk job chunk's seats: per product, one conditional write holds the chunk's whole need (or what is
 * left) in the subscription document, keyed by the chunk (`seat.holds[{job}_{chunk}]`) and counted in
 * `consumed`. The chunk's users are granted seats from the hold in order; those who find none fail with
 * CountViolation. Seats released by the chunk's changes are not given back one by one: after the chunk,
 * one conditional write settles the hold — it removes the hold and moves `consumed` by what the chunk's
 * users actually gained and lost — and only if the hold is still there, so a chunk delivered twice, or a
 * worker killed mid-chunk, settles once. A redelivered chunk finds its hold and reuses what is left of it.
 *
 * The audit records of these changes carry `seatSource: 'jobHold'`, so a later delivery can tell (from the
 * users' records) what the hold already paid for; a seat that a user changed meanwhile needed beyond the
 * hold is reserved the ordinary way and listed in the record's `plainSkus` (not the hold's).
 */
import { countViolation } from '../domain/licensing';
import { AuditDoc, SubscriptionDoc } from '../storage/documents';
import { subscriptions } from '../storage/subscriptions';
import { SeatSource, SeatStrategy } from './seats';
import { forRules } from './records';

/** Per product, the change to `consumed` that settles a chunk's hold. */
export type Settlement = Record<string, number>;

const hasSku = (list: { skuId: string }[] | undefined, sku: string) => !!list?.some((l) => l.skuId === sku);
/** Seats a chunk's changes took from the hold (product gained, not reserved apart) and gave back (product lost). */
export const gained = (records: AuditDoc[], sku: string) =>
  records.filter((r) => hasSku(r.after, sku) && !hasSku(r.before, sku) && !r.plainSkus?.includes(sku)).length;
export const lost = (records: AuditDoc[], sku: string) => records.filter((r) => hasSku(r.before, sku) && !hasSku(r.after, sku)).length;
const touchedSkus = (records: AuditDoc[]) => records.flatMap((r) => [...r.before, ...r.after].map((l) => l.skuId));

/** Holds n seats for a chunk, or as many as are left (never more than the limit). Returns the hold. */
async function holdUpTo(tenantId: string, skuId: string, key: string, n: number): Promise<number> {
  let want = n;
  for (let attempt = 0; attempt < 5; attempt++) {
    if (await subscriptions.createHold(tenantId, skuId, key, want)) return want;
    const fresh = await subscriptions.get(tenantId, skuId);
    if (!fresh) return 0;
    const existing = fresh.seat.holds?.[key];
    if (existing !== undefined) return existing; // created by another delivery of this chunk
    want = Math.min(n, Math.max(0, fresh.seat.limit - fresh.seat.consumed));
  }
  return 0;
}

export interface ChunkHoldSeats extends SeatStrategy {
  /** The settlement of the chunk, once its users are written: `written` the records of this delivery. */
  settlement(written: AuditDoc[]): Settlement;
}

/**
 * `subs`: the tenant's subscriptions as read for the chunk (a hold left by an earlier delivery is found
 * there, or by its creation failing); `done`: records of changes an earlier delivery made with the hold.
 */
export function chunkHoldSeats(o: { tenantId: string; key: string; subs: SubscriptionDoc[]; done: AuditDoc[] }): ChunkHoldSeats {
  const hold = new Map<string, number>();
  const free = new Map<string, number>();
  const bySku = new Map(o.subs.map((d) => [d.skuId, d]));
  const ensure = async (sku: string, want: number) => {
    if (hold.has(sku)) return;
    const value = bySku.get(sku)?.seat.holds?.[o.key] ?? (await holdUpTo(o.tenantId, sku, o.key, want));
    hold.set(sku, value);
    free.set(sku, value - gained(o.done, sku));
  };
  return {
    name: 'chunkHold',
    source: 'hold',
    attempts: 1,
    async willRelease(skus) {
      for (const sku of [...skus, ...touchedSkus(o.done)]) await ensure(sku, 0);
    },
    async take(needs) {
      const total = new Map<string, number>();
      for (const g of needs) for (const [s, n] of g.need) total.set(s, (total.get(s) ?? 0) + n);
      for (const [sku, n] of total) await ensure(sku, n);
      // the first users get what there is
      return needs.map((g) => {
        const short = [...g.need].find(([s, n]) => (free.get(s) ?? 0) < n)?.[0];
        if (short) return short;
        for (const [s, n] of g.need) free.set(s, free.get(s)! - n);
        return undefined;
      });
    },
    async takeOne(sku): Promise<SeatSource | undefined> {
      if ((free.get(sku) ?? 0) > 0) {
        free.set(sku, free.get(sku)! - 1);
        return 'hold';
      }
      return (await subscriptions.reserveSeats(o.tenantId, sku, 1)) ? 'reserved' : undefined;
    },
    async giveBack(sku, n, source) {
      if (source === 'hold') free.set(sku, (free.get(sku) ?? 0) + n);
      else await subscriptions.releaseSeats(o.tenantId, sku, n);
    },
    // released through the settlement (lost), once, with the hold
    release: async () => undefined,
    shortage(catalog, sku, needed, target) {
      const s = bySku.get(sku);
      return countViolation(
        catalog,
        sku,
        s
          ? { ...forRules(s), consumedUnits: s.totalLicenses }
          : { skuId: sku, capabilityStatus: 'Enabled', purchaseChannel: 'admin', totalLicenses: 0, consumedUnits: 0 },
        needed,
        target,
      );
    },
    settlement(written) {
      const all = [...o.done, ...written];
      return Object.fromEntries([...hold].map(([sku, h]) => [sku, gained(all, sku) - h - lost(all, sku)]));
    },
  };
}

/** The marks on a chunk change's audit record: where its seats came from. */
export function chunkRecordMark(plan: { taken: ReadonlyMap<string, SeatSource> }): Partial<AuditDoc> {
  const plain = [...plan.taken].filter(([, source]) => source !== 'hold').map(([sku]) => sku);
  return { seatSource: 'jobHold', ...(plain.length ? { plainSkus: plain } : {}) };
}
