/**
 * Ask-first reclaim marks (directory container): one document per user and product, `reclaimMark_{userId}_{skuId}`.
 * A run marks a product (the user is asked), the user keeps it, a later run reclaims it. Who wins when a
 * keep and a reclaim meet is decided by the document's etag: the reclaim first turns the mark to
 * `reclaiming` with If-Match on the version it read, the keep writes with If-Match on the version it read,
 * so one of them finds the other's write and stands back.
 */
import { ReclaimMarkState } from '../domain/reconciliation';
import { putIfMatch, readOf } from './cosmos';
import { queryPages } from './queries';

export interface ReclaimMarkDoc extends ReclaimMarkState {
  id: string;
  tenantId: string;
  type: 'reclaimMark';
  userId: string;
  skuId: string;
  /** Who kept it (the user's own token). */
  keptBy?: string | null;
  reclaimedDateTime?: string | null;
  _etag?: string;
}

export const reclaimMarkId = (userId: string, skuId: string) => `reclaimMark_${userId.toLowerCase()}_${skuId.toLowerCase()}`;

export const reclaimMarks = {
  get: (tenantId: string, userId: string, skuId: string) => readOf<ReclaimMarkDoc>('directory', reclaimMarkId(userId, skuId), tenantId, 'reclaimMark'),

  /** Every mark of a tenant (a few per inactive user), keyed by id. */
  async all(tenantId: string): Promise<Map<string, ReclaimMarkDoc>> {
    const out = new Map<string, ReclaimMarkDoc>();
    for await (const page of queryPages<ReclaimMarkDoc>(
      'directory',
      tenantId,
      `SELECT * FROM c WHERE c.tenantId = @tenantId AND c.type = 'reclaimMark'`,
      [],
      500,
    ))
      for (const m of page) out.set(m.id, m);
    return out;
  },

  /** Writes the mark over the version read (or creates it when there was none): undefined when it changed meanwhile. */
  async put(doc: Omit<ReclaimMarkDoc, 'id' | 'type'>, etag: string | undefined): Promise<ReclaimMarkDoc | undefined> {
    const body: ReclaimMarkDoc = { ...doc, id: reclaimMarkId(doc.userId, doc.skuId), type: 'reclaimMark' };
    return putIfMatch('directory', body, etag);
  },
};
