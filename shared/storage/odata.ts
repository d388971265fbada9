/**
 * List queries of the directory with OData options (users, groups): the tenant's partition, the resource's
 * document type, then the translated $filter / $search condition (shared/odata/translate.ts: parameters
 * only, paths from the resource's table), sorted by an indexed path. The tenant condition and the
 * partition key are set here and nowhere else, so no filter text can widen a query beyond the caller's
 * tenant: a filter is always ANDed after `c.tenantId = @tenantId` (the translation hands it over AND-safe:
 * an OR at its top comes parenthesised).
 */
import type { SqlParameter } from '@azure/cosmos';
import type { ResourceSchema } from '../odata/resources';
import type { SqlCondition } from '../odata/translate';
import { container, tracked } from './cosmos';
import { Page } from './documents';
import { queryAll, queryPage } from './queries';

export interface ListSpec {
  where?: SqlCondition & { needs: string[] };
  orderBy?: { path: string; desc: boolean };
}

/** The SQL text and parameters of a list (without @tenantId: queryPage binds it, with the partition key). */
export function listQuery(schema: ResourceSchema, spec: ListSpec, bindings: SqlParameter[] = [], select = '*'): { query: string; parameters: SqlParameter[] } {
  const order = spec.orderBy ?? { path: [...schema.orderBy.values()][0].path, desc: false };
  // the condition comes AND-safe from the translation (an OR at its top parenthesised): no extra
  // parentheses, which the local emulator's parser pays for exponentially
  const where = spec.where ? ` AND ${spec.where.sql}` : '';
  return {
    query: `SELECT ${select} FROM c WHERE c.tenantId = @tenantId AND c.type = '${schema.docType}'${where}${select === '*' ? ` ORDER BY c.${order.path} ${order.desc ? 'DESC' : 'ASC'}` : ''}`,
    parameters: [...(spec.where?.parameters ?? []), ...bindings.filter((b) => spec.where?.needs.includes(b.name))],
  };
}

/** The parameters a membership property needs (`hasMembersWithLicenseErrors`), computed from the users. */
async function bind(tenantId: string, spec: ListSpec): Promise<SqlParameter[]> {
  if (!spec.where?.needs.includes('@groupsWithLicenseErrors')) return [];
  return [{ name: '@groupsWithLicenseErrors', value: await lists.groupsWithLicenseErrors(tenantId) }];
}

export const lists = {
  async page<T>(schema: ResourceSchema, tenantId: string, spec: ListSpec, top: number, token?: string): Promise<Page<T>> {
    const q = listQuery(schema, spec, await bind(tenantId, spec));
    return queryPage<T>('directory', tenantId, q.query, q.parameters, top, token);
  },

  /** How many match (`@odata.count`, `/$count`): one aggregate query in the tenant's partition. */
  async count(schema: ResourceSchema, tenantId: string, spec: ListSpec): Promise<number> {
    const q = listQuery(schema, spec, await bind(tenantId, spec), 'VALUE COUNT(1)');
    const res = await tracked(() =>
      container('directory')
        .items.query<number>({ query: q.query, parameters: [{ name: '@tenantId', value: tenantId }, ...q.parameters] }, { partitionKey: tenantId })
        .fetchAll(),
    );
    return res.resources.reduce((a, b) => a + b, 0);
  },

  /** Groups some member is in error for: from the (few) users whose licenses are in error. */
  async groupsWithLicenseErrors(tenantId: string): Promise<string[]> {
    const rows = await queryAll<{ groupsInError?: string[] }>(
      'directory',
      tenantId,
      `SELECT c.groupsInError FROM c WHERE c.tenantId = @tenantId AND c.type = 'user' AND c.hasLicenseErrors = true`,
    );
    return [...new Set(rows.flatMap((r) => r.groupsInError ?? []))];
  },
};
