/**
 * Subscriptions (products bought) and their seat counters. Atomicity is per document (Cosmos DB's guarantee,
 * and all the local emulator offers): a seat is reserved by one conditional patch on the subscription
 * (`consumed + n <= limit`), so seats are never over-assigned whatever the number of instances, and the
 * order is always reserve -> write user -> release, so an interruption can only leave a seat counted that
 * nobody holds (the scheduled reconciliation recounts), never a held seat that is not counted.
 */
import { settings } from '../config';
import { ApiError, ErrorCodes } from '../errors';
import { seatLimit } from '../domain/licensing';
import { PatchOperation } from '@azure/cosmos';
import { container, isCosmosError, patchDoc, readOf, replaceIfMatch, setFields, tracked } from './cosmos';
import { SubscriptionDoc } from './documents';
import { queryAll } from './queries';
import { seatsFreed, seatsTaken } from './seatEvents';

const subscriptionCache = new Map<string, { at: number; docs: Promise<SubscriptionDoc[]> }>();

export const subscriptionId = (tenantId: string, skuId: string) => `${tenantId}_${skuId.toLowerCase()}`;

export const subscriptions = {
  /** Fresh list of a tenant's subscriptions (one query). */
  async list(tenantId: string): Promise<SubscriptionDoc[]> {
    const docs = await queryAll<SubscriptionDoc>('directory', tenantId, `SELECT * FROM c WHERE c.tenantId = @tenantId AND c.type = 'subscription'`);
    subscriptionCache.set(tenantId, { at: Date.now(), docs: Promise.resolve(docs) });
    return docs;
  },

  /**
   * The tenant's subscriptions for rule checks, reused for SUBSCRIPTION_CACHE_TTL_MS per instance.
   * Seat counts from here are never trusted: the conditional write that reserves a seat is the check.
   */
  forRules(tenantId: string): Promise<SubscriptionDoc[]> {
    const hit = subscriptionCache.get(tenantId);
    if (hit && Date.now() - hit.at < settings().SUBSCRIPTION_CACHE_TTL_MS) return hit.docs;
    const docs = subscriptions.list(tenantId);
    subscriptionCache.set(tenantId, { at: Date.now(), docs });
    docs.catch(() => subscriptionCache.delete(tenantId));
    return docs;
  },

  invalidate(tenantId: string): void {
    subscriptionCache.delete(tenantId);
  },

  get: (tenantId: string, skuId: string) => readOf<SubscriptionDoc>('directory', subscriptionId(tenantId, skuId), tenantId, 'subscription'),

  async create(doc: SubscriptionDoc): Promise<SubscriptionDoc> {
    try {
      const res = await tracked(() => container('directory').items.create(doc));
      subscriptions.invalidate(doc.tenantId);
      return res.resource as SubscriptionDoc;
    } catch (e) {
      if (isCosmosError(e, 409))
        throw new ApiError(
          409,
          ErrorCodes.conflict,
          `Your organization already has a ${doc.skuPartNumber} subscription. Change its totalLicenses instead of buying a second one.`,
          'skuId',
        );
      throw e;
    }
  },

  /** Replaces a subscription if it still has that etag (buying a deleted product again); undefined when it changed meanwhile. */
  async replaceIfMatch(doc: SubscriptionDoc, etag: string): Promise<SubscriptionDoc | undefined> {
    const written = await replaceIfMatch('directory', doc, etag);
    subscriptions.invalidate(doc.tenantId);
    return written;
  },

  /**
   * Reserves n seats in one conditional write: succeeds only while consumed + n <= limit, where the limit
   * is 0 unless the subscription is active and admin-managed. False when the seats are not there.
   */
  async reserveSeats(tenantId: string, skuId: string, n: number): Promise<boolean> {
    if (n <= 0) return true;
    const doc = await patchDoc<SubscriptionDoc>(
      'directory',
      subscriptionId(tenantId, skuId),
      tenantId,
      [{ op: 'incr', path: '/seat/consumed', value: n }],
      `c.seat.consumed + ${n} <= c.seat.limit`,
    );
    if (!doc) return false;
    await seatsTaken(doc, n);
    return true;
  },

  /**
   * Creates a chunk's hold of n seats in one conditional write (only if that hold does not exist yet and
   * the seats are there). False when the condition fails: the hold exists already, or too few seats.
   */
  async createHold(tenantId: string, skuId: string, key: string, n: number): Promise<boolean> {
    const condition = `not is_defined(c.seat.holds["${key}"])${n > 0 ? ` and c.seat.consumed + ${n} <= c.seat.limit` : ''}`;
    const doc = await patchDoc<SubscriptionDoc>(
      'directory',
      subscriptionId(tenantId, skuId),
      tenantId,
      [
        { op: 'incr', path: '/seat/consumed', value: n },
        { op: 'set', path: `/seat/holds/${key}`, value: n },
      ],
      condition,
    );
    if (!doc) return false;
    await seatsTaken(doc, n);
    return true;
  },

  /** Settles a chunk's hold once: removes it and adjusts consumed by delta in the same write. */
  async settleHold(tenantId: string, skuId: string, key: string, delta: number): Promise<boolean> {
    const ops: PatchOperation[] = [
      { op: 'remove', path: `/seat/holds/${key}` },
      { op: 'incr', path: '/seat/consumed', value: delta },
    ];
    return !!(await patchDoc<SubscriptionDoc>('directory', subscriptionId(tenantId, skuId), tenantId, ops, `is_defined(c.seat.holds["${key}"])`));
  },

  /** Gives n seats back (after the users no longer hold them). */
  async releaseSeats(tenantId: string, skuId: string, n: number): Promise<void> {
    if (n <= 0) return;
    await seatsFreed(
      await patchDoc<SubscriptionDoc>('directory', subscriptionId(tenantId, skuId), tenantId, [{ op: 'incr', path: '/seat/consumed', value: -n }]),
    );
  },

  /** Counts members waiting for a seat of this product (+1 joined the waiting list, -1 left it). */
  async adjustWaiting(tenantId: string, skuId: string, delta: number): Promise<void> {
    await patchDoc('directory', subscriptionId(tenantId, skuId), tenantId, [{ op: 'incr', path: '/seat/waiting', value: delta }]);
  },

  /**
   * Changes quantity, state or purchase channel in one conditional write: the condition pins `gen` (no
   * concurrent quantity/state change) and, when the quantity shrinks, that it stays at or above consumed.
   * Returns the updated document, or undefined when the condition failed (re-read and decide again).
   */
  async update(
    doc: SubscriptionDoc,
    change: Partial<
      Pick<SubscriptionDoc, 'totalLicenses' | 'capabilityStatus' | 'purchaseChannel' | 'takenOverDateTime' | 'nextLifecycleDateTime' | 'unitPrice'>
    >,
  ): Promise<SubscriptionDoc | undefined> {
    const next = { ...doc, ...change };
    const limit = seatLimit(next);
    const conditions = [`c.seat.gen = ${doc.seat.gen}`];
    if (change.totalLicenses !== undefined) conditions.push(`c.seat.consumed <= ${change.totalLicenses}`);
    const operations: PatchOperation[] = [...setFields(change), { op: 'set', path: '/seat/limit', value: limit }, { op: 'incr', path: '/seat/gen', value: 1 }];
    const updated = await patchDoc<SubscriptionDoc>('directory', doc.id, doc.tenantId, operations, conditions.join(' and '));
    if (!updated) return undefined;
    subscriptions.invalidate(doc.tenantId);
    if (updated.seat.limit > doc.seat.limit) await seatsFreed(updated);
    return updated;
  },
};

/** A product an organization holds: its subscription is not Deleted, or seats of it are still in use. */
export interface Holding {
  tenantId: string;
  skuId: string;
}

/**
 * The organizations holding products (the operator's question, across tenants: a cross-partition query of
 * the subscription documents, never made for a tenant's call). With `skuId`, that product's only.
 */
export async function holdings(skuId?: string): Promise<Holding[]> {
  const iterator = container('directory').items.query<{ tenantId: string; skuId: string; capabilityStatus: string; consumed?: number }>(
    {
      query: `SELECT c.tenantId, c.skuId, c.capabilityStatus, c.seat.consumed AS consumed FROM c WHERE c.type = 'subscription'${skuId ? ' AND c.skuId = @sku' : ''}`,
      parameters: skuId ? [{ name: '@sku', value: skuId.toLowerCase() }] : [],
    },
    { maxItemCount: 1000 },
  );
  const out: Holding[] = [];
  while (iterator.hasMoreResults()) {
    const page = await tracked(() => iterator.fetchNext());
    for (const r of page.resources) if (r.capabilityStatus !== 'Deleted' || (r.consumed ?? 0) > 0) out.push({ tenantId: r.tenantId, skuId: r.skuId });
  }
  return out;
}
