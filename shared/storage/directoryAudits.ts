/**
 * The directory's audit trail (container `audit`, type `directoryChange`), in the shape of Graph's
 * `directoryAudit`: who (a user or an application) did what to which users and groups, when, and which
 * properties changed. Provisioning writes one per change it makes; SCIM credentials are audited here too.
 * License changes have their own records (audit.ts), with the same actor.
 */
import { randomUUID } from 'node:crypto';
import { bulk, bulkBody, container, retriable, tracked } from './cosmos';
import { Page } from './documents';
import { queryPage } from './queries';

export interface DirectoryAuditDoc {
  id: string;
  tenantId: string;
  type: 'directoryChange';
  activityDateTime: string;
  /** `Add user`, `Update user`, `Delete user`, `Add group`, `Add member to group`, ... */
  activityDisplayName: string;
  category: 'UserManagement' | 'GroupManagement' | 'ApplicationManagement';
  operationType: 'Add' | 'Update' | 'Delete';
  loggedByService: 'Account Provisioning' | 'Core Directory';
  result: 'success';
  /** The request that made the change. */
  correlationId: string;
  initiatedBy: { app: { appId: string | null; displayName: string; servicePrincipalId: string } | null; user: { id: string; displayName: string } | null };
  targetResources: {
    id: string;
    displayName: string | null;
    type: 'User' | 'Group' | 'ServicePrincipal';
    userPrincipalName?: string | null;
    modifiedProperties: { displayName: string; oldValue: string | null; newValue: string | null }[];
  }[];
}

export const directoryAudits = {
  newId: () => randomUUID(),

  async write(doc: DirectoryAuditDoc): Promise<void> {
    await tracked(() => container('audit').items.upsert(doc));
  },

  /** Many records in bulk requests (one membership change each, say). */
  async writeMany(docs: DirectoryAuditDoc[]): Promise<void> {
    if (docs.length <= 1) return void (await Promise.all(docs.map((d) => directoryAudits.write(d))));
    const res = await bulk(
      'audit',
      docs.map((d) => ({ operationType: 'Upsert' as const, partitionKey: d.tenantId, resourceBody: bulkBody(d) })),
    );
    await Promise.all(
      res.map(async (r, i) => {
        if (retriable(r.statusCode)) await directoryAudits.write(docs[i]);
        else if (r.statusCode >= 400) throw new Error(`writing directory audit record ${docs[i].id} answered ${r.statusCode}`);
      }),
    );
  },

  list(tenantId: string, top: number, token?: string): Promise<Page<DirectoryAuditDoc>> {
    return queryPage<DirectoryAuditDoc>(
      'audit',
      tenantId,
      `SELECT * FROM c WHERE c.tenantId = @tenantId AND c.type = 'directoryChange' ORDER BY c.activityDateTime DESC`,
      [],
      top,
      token,
    );
  },
};
