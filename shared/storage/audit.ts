/** The audit trail of license changes (container `audit`), newest first per tenant. */
import { randomUUID } from 'node:crypto';
import { OperationInput, SqlParameter } from '@azure/cosmos';
import { bulk, bulkBody, container, readOf, retriable, tracked } from './cosmos';
import { AuditDoc, Page } from './documents';
import { queryAll, queryPage } from './queries';

export const audit = {
  newId: () => randomUUID(),

  get: (tenantId: string, id: string) => readOf<AuditDoc>('audit', id, tenantId, 'licenseChange'),

  /**
   * Idempotent: the record id is fixed when the change is decided, so a retry overwrites, never duplicates.
   * `also`: operations of the same tenant that ride in the same bulk request (the engine's removal of its
   * seat intent, shared/storage/seatIntents.ts); one that fails is reported like a record.
   */
  async write(records: AuditDoc[], also: OperationInput[] = []): Promise<void> {
    if (records.length <= 1 && !also.length) {
      await Promise.all(records.map((r) => tracked(() => container('audit').items.upsert(r))));
      return;
    }
    const res = await bulk('audit', [
      ...records.map((r) => ({ operationType: 'Upsert' as const, partitionKey: r.tenantId, resourceBody: bulkBody(r) })),
      ...also,
    ]);
    await Promise.all(
      res.map(async (r, i) => {
        if (i >= records.length) {
          // a removal of what is gone already (404) is done
          if (r.statusCode >= 400 && r.statusCode !== 404) throw new Error(`an operation riding with the audit records answered ${r.statusCode}`);
          return;
        }
        if (retriable(r.statusCode)) await tracked(() => container('audit').items.upsert(records[i]));
        else if (r.statusCode >= 400) throw new Error(`writing audit record ${records[i].id} answered ${r.statusCode}`);
      }),
    );
  },

  /** The records of one operation since a date, newest first (the auto-claims of the last days). */
  ofOperationSince: (tenantId: string, operation: string, since: string) =>
    queryAll<AuditDoc>(
      'audit',
      tenantId,
      `SELECT * FROM c WHERE c.tenantId = @tenantId AND c.type = 'licenseChange' AND c.operation = @operation AND c.activityDateTime >= @since ORDER BY c.activityDateTime DESC`,
      [
        { name: '@operation', value: operation },
        { name: '@since', value: since },
      ],
    ),

  list(tenantId: string, top: number, token?: string, filter: { userId?: string; skuId?: string; jobId?: string } = {}): Promise<Page<AuditDoc>> {
    const where: string[] = [];
    const params: SqlParameter[] = [];
    if (filter.userId) {
      where.push('c.userId = @userId');
      params.push({ name: '@userId', value: filter.userId.toLowerCase() });
    }
    if (filter.jobId) {
      where.push('c.jobId = @jobId');
      params.push({ name: '@jobId', value: filter.jobId.toLowerCase() });
    }
    if (filter.skuId) {
      where.push('ARRAY_CONTAINS(c.skuIds, @skuId)');
      params.push({ name: '@skuId', value: filter.skuId.toLowerCase() });
    }
    return queryPage<AuditDoc>(
      'audit',
      tenantId,
      `SELECT * FROM c WHERE c.tenantId = @tenantId AND c.type = 'licenseChange'${where.map((w) => ` AND ${w}`).join('')} ORDER BY c.activityDateTime DESC`,
      params,
      top,
      token,
    );
  },
};
