/**
 * Users and groups listed with OData options ($filter, $search, $orderby, $count, $select): the query
 * options parsed and checked against Graph's rules (shared/odata/query.ts), run as one parameterised query
 * in the tenant's partition (shared/storage/odata.ts), plus a count query when $count=true.
 */
import { ListQuery, ListQueryInput, parseListQuery } from '../odata/query';
import { groupSchema, ResourceSchema, userSchema } from '../odata/resources';
import * as c from '../schemas/contracts';
import { GroupDoc } from '../storage/groups';
import { lists } from '../storage/odata';
import { UserDoc } from '../storage/documents';
import { users } from '../storage/users';

/** Properties $select may name: every property of the documented view but the etag annotation. */
export const USER_PROPERTIES = Object.keys(c.user.shape).filter((k) => !k.startsWith('@'));
export const GROUP_PROPERTIES = Object.keys(c.group.shape).filter((k) => !k.startsWith('@'));
export const SUBSCRIBED_SKU_PROPERTIES = Object.keys(c.subscribedSku.shape).filter((k) => !k.startsWith('@'));

export interface ListedPage<T> {
  items: T[];
  continuationToken?: string;
  /** Set when $count=true: every match, not just this page. */
  count?: number;
}

async function list<T>(schema: ResourceSchema, tenantId: string, q: ListQuery, top: number, token?: string): Promise<ListedPage<T>> {
  const spec = { where: q.where, orderBy: q.orderBy };
  const [page, count] = await Promise.all([lists.page<T>(schema, tenantId, spec, top, token), q.count ? lists.count(schema, tenantId, spec) : undefined]);
  return { ...page, ...(count !== undefined ? { count } : {}) };
}

export const parseUserQuery = (input: ListQueryInput, consistencyLevel: string | null) => parseListQuery(userSchema, input, consistencyLevel, USER_PROPERTIES);
export const parseGroupQuery = (input: ListQueryInput, consistencyLevel: string | null) =>
  parseListQuery(groupSchema, input, consistencyLevel, GROUP_PROPERTIES);

export const listUsers = (tenantId: string, q: ListQuery, top: number, token?: string) => list<UserDoc>(userSchema, tenantId, q, top, token);
export const listGroups = (tenantId: string, q: ListQuery, top: number, token?: string) => list<GroupDoc>(groupSchema, tenantId, q, top, token);
export const countUsers = (tenantId: string, q: ListQuery) => lists.count(userSchema, tenantId, { where: q.where });

/**
 * Gives the query fields (users.withQueryFields: assignedSkuIds, assignedLicenseCount, hasLicenseErrors,
 * search.department) to users written before they existed, by writing each once (the write derives them).
 * A reconciliation step, so every tenant is brought up to date by the next run; until then such a user is
 * only missed by the filters on those fields. Always from the first page: a user written drops out of it.
 */
export async function addMissingQueryFields(tenantId: string): Promise<{ updated: number }> {
  let updated = 0;
  for (let round = 0; round < 10_000; round++) {
    const page = await users.withoutQueryFields(tenantId, 100);
    if (!page.items.length) break;
    // a user changed meanwhile (412) was written by someone else, which derived its fields as well
    const written = await users.replaceManyIfMatch(page.items.map((doc) => ({ doc, etag: doc._etag! })));
    updated += written.filter((w) => !!w).length;
  }
  return { updated };
}

/** The same for these users only (an incremental reconciliation's, from its change set). */
export async function addQueryFieldsTo(tenantId: string, ids: string[]): Promise<{ updated: number }> {
  let updated = 0;
  for (let i = 0; i < ids.length; i += 100) {
    const found = [...(await users.getMany(tenantId, ids.slice(i, i + 100))).values()].filter(
      (u) => u.assignedLicenseCount === undefined || u.displayNameWords === undefined || u.search?.userName === undefined,
    );
    const written = await users.replaceManyIfMatch(found.map((doc) => ({ doc, etag: doc._etag! })));
    updated += written.filter((w) => !!w).length;
  }
  return { updated };
}
