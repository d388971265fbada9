/**
 * Queries and bulk reads within one tenant's partition: every query names the tenant (partition key and
 * `@tenantId`), so no read ever crosses tenants.
 */
import { SqlParameter } from '@azure/cosmos';
import { ApiError, ErrorCodes } from '../errors';
import { CONTAINERS, bulk, bulkDoc, container, isCosmosError, retriable, tracked } from './cosmos';
import { Page } from './documents';

const tenantParam = (tenantId: string): SqlParameter => ({ name: '@tenantId', value: tenantId });

export async function queryPage<T>(
  which: keyof typeof CONTAINERS,
  tenantId: string,
  query: string,
  parameters: SqlParameter[],
  top: number,
  continuationToken?: string,
): Promise<Page<T>> {
  const iterator = container(which).items.query<T>(
    { query, parameters: [tenantParam(tenantId), ...parameters] },
    { partitionKey: tenantId, maxItemCount: top, continuationToken },
  );
  try {
    const page = await tracked(() => iterator.fetchNext());
    return { items: page.resources, continuationToken: page.continuationToken || undefined };
  } catch (e) {
    if (continuationToken && isCosmosError(e, 400)) {
      throw new ApiError(
        400,
        ErrorCodes.invalidRequest,
        'The $skiptoken is not valid (it may be from another list or expired). Start again from the first page.',
        '$skiptoken',
      );
    }
    throw e;
  }
}

/**
 * Every page of a query, one after the other, from one iterator (so the SDK plans the query once, not once
 * per page as a new iterator per continuation token would): for scans of a whole tenant.
 */
export async function* queryPages<T>(
  which: keyof typeof CONTAINERS,
  tenantId: string,
  query: string,
  parameters: SqlParameter[],
  pageSize: number,
): AsyncGenerator<T[]> {
  const iterator = container(which).items.query<T>(
    { query, parameters: [tenantParam(tenantId), ...parameters] },
    { partitionKey: tenantId, maxItemCount: pageSize },
  );
  while (iterator.hasMoreResults()) {
    const page = await tracked(() => iterator.fetchNext());
    if (page.resources.length) yield page.resources;
  }
}

/** Every page of a query, gathered (for lists that are small by nature: a tenant's subscriptions, a user's groups). */
export async function queryAll<T>(which: keyof typeof CONTAINERS, tenantId: string, query: string, parameters: SqlParameter[] = []): Promise<T[]> {
  const out: T[] = [];
  for await (const page of queryPages<T>(which, tenantId, query, parameters, 100)) out.push(...page);
  return out;
}

/** Point reads of many documents of one tenant in bulk requests; undefined where there is none. */
export async function bulkRead<T>(tenantId: string, ids: string[], which: keyof typeof CONTAINERS = 'directory'): Promise<(T | undefined)[]> {
  const res = await bulk(
    which,
    ids.map((id) => ({ operationType: 'Read' as const, id, partitionKey: tenantId })),
  );
  return Promise.all(
    res.map(async (r, i) => {
      if (r.statusCode === 404) return undefined;
      if (retriable(r.statusCode)) return readDoc<T & object>(which, ids[i], tenantId);
      if (r.statusCode >= 400) throw new Error(`reading ${ids[i]} answered ${r.statusCode}`);
      return bulkDoc<T>(r);
    }),
  );
}

async function readDoc<T extends object>(which: keyof typeof CONTAINERS, id: string, tenantId: string): Promise<T | undefined> {
  const res = await tracked(() => container(which).item(id, tenantId).read<T>());
  return res.resource ?? undefined;
}
