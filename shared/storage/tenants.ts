/** Tenants (organizations): one document each, its id the tenant id. */
import { ApiError, ErrorCodes } from '../errors';
import { container, isCosmosError, readOf, tracked } from './cosmos';
import { TenantDoc } from './documents';

const tenantCache = new Map<string, { at: number; doc: TenantDoc }>();

export const tenants = {
  /** The tenant document, reused briefly per instance (tenants are never deleted here). */
  async get(tenantId: string): Promise<TenantDoc | undefined> {
    const hit = tenantCache.get(tenantId);
    if (hit && Date.now() - hit.at < 60_000) return hit.doc;
    const doc = await readOf<TenantDoc>('directory', tenantId, tenantId, 'tenant');
    if (doc) tenantCache.set(tenantId, { at: Date.now(), doc });
    return doc;
  },
  async create(doc: TenantDoc): Promise<TenantDoc> {
    try {
      const res = await tracked(() => container('directory').items.create(doc));
      return res.resource as TenantDoc;
    } catch (e) {
      if (isCosmosError(e, 409)) throw new ApiError(409, ErrorCodes.conflict, `Organization ${doc.id} already exists.`, 'id');
      throw e;
    }
  },
};
