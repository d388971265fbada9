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
import { container, isCosmosError, readOf, replaceIfMatch, tracked } from './cosmos';
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
        throw new ApiError(409, ErrorCodes.conflict, `Your organization already has a ${doc.skuPartNumber} subscription. Change its totalLicenses instead of buying a second one.`, 'skuId');
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
    try {
      const res = await tracked(() =>
        container('directory')
          .item(subscriptionId(tenantId, skuId), tenantId)
          .patch({ condition: `from c where c.seat.consumed + ${n} <= c.seat.limit`, operations: [{ op: 'incr', path: '/seat/consumed', value: n }] }),
      );
      await seatsTaken(res.resource as unknown as SubscriptionDoc | undefined, n);
      return true;
    } catch (e) {
      if (isCosmosError(e, 412) || isCosmosError(e, 404)) return false;
      throw e;
    }
  },

  /**
   * Creates a chunk's hold of n seats in one conditional write (only if that hold does not exist yet and
   * the seats are there). False when the condition fails: the hold exists already, or too few seats.
   */
  async createHold(tenantId: string, skuId: string, key: string, n: number): Promise<boolean> {
    const condition = `from c where not is_defined(c.seat.holds["${key}"])${n > 0 ? ` and c.seat.consumed + ${n} <= c.seat.limit` : ''}`;
    try {
      const res = await tracked(() =>
        container('directory')
          .item(subscriptionId(tenantId, skuId), tenantId)
          .patch({ condition, operations: [{ op: 'incr', path: '/seat/consumed', value: n }, { op: 'set', path: `/seat/holds/${key}`, value: n }] }),
      );
      await seatsTaken(res.resource as unknown as SubscriptionDoc | undefined, n);
      return true;
    } catch (e) {
      if (isCosmosError(e, 412) || isCosmosError(e, 404)) return false;
      throw e;
    }
  },

  /** Settles a chunk's hold once: removes it and adjusts consumed by delta in the same write. */
  async settleHold(tenantId: string, skuId: string, key: string, delta: number): Promise<boolean> {
    try {
      await tracked(() =>
        container('directory')
          .item(subscriptionId(tenantId, skuId), tenantId)
          .patch({ condition: `from c where is_defined(c.seat.holds["${key}"])`, operations: [{ op: 'remove', path: `/seat/holds/${key}` }, { op: 'incr', path: '/seat/consumed', value: delta }] }),
      );
      return true;
    } catch (e) {
      if (isCosmosError(e, 412) || isCosmosError(e, 404)) return false;
      throw e;
    }
  },

  /** Gives n seats back (after the users no longer hold them). */
  async releaseSeats(tenantId: string, skuId: string, n: number): Promise<void> {
    if (n <= 0) return;
    const res = await tracked(() =>
      container('directory')
        .item(subscriptionId(tenantId, skuId), tenantId)
        .patch([{ op: 'incr', path: '/seat/consumed', value: -n }]),
    );
    await seatsFreed(res.resource as unknown as SubscriptionDoc | undefined);
  },

  /** Counts members waiting for a seat of this product (+1 joined the waiting list, -1 left it). */
  async adjustWaiting(tenantId: string, skuId: string, delta: number): Promise<void> {
    await tracked(() => container('directory').item(subscriptionId(tenantId, skuId), tenantId).patch([{ op: 'incr', path: '/seat/waiting', value: delta }]));
  },

  /**
   * Changes quantity, state or purchase channel in one conditional write: the condition pins `gen` (no
   * concurrent quantity/state change) and, when the quantity shrinks, that it stays at or above consumed.
   * Returns the updated document, or undefined when the condition failed (re-read and decide again).
   */
  async update(
    doc: SubscriptionDoc,
    change: Partial<Pick<SubscriptionDoc, 'totalLicenses' | 'capabilityStatus' | 'purchaseChannel' | 'takenOverDateTime' | 'nextLifecycleDateTime'>>,
  ): Promise<SubscriptionDoc | undefined> {
    const next = { ...doc, ...change };
    const limit = seatLimit(next);
    const conditions = [`c.seat.gen = ${doc.seat.gen}`];
    if (change.totalLicenses !== undefined) conditions.push(`c.seat.consumed <= ${change.totalLicenses}`);
    const operations = [
      ...Object.entries(change).map(([k, value]) => ({ op: 'set' as const, path: `/${k}`, value })),
      { op: 'set' as const, path: '/seat/limit', value: limit },
      { op: 'incr' as const, path: '/seat/gen', value: 1 },
    ];
    try {
      const res = await tracked(() =>
        container('directory')
          .item(doc.id, doc.tenantId)
          .patch({ condition: `from c where ${conditions.join(' and ')}`, operations }),
      );
      subscriptions.invalidate(doc.tenantId);
      const updated = res.resource as unknown as SubscriptionDoc;
      if (updated.seat.limit > doc.seat.limit) await seatsFreed(updated);
      return updated;
    } catch (e) {
      if (isCosmosError(e, 412)) return undefined;
      throw e;
    }
  },
};
