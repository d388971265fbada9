/**
 * Directory audit records (Graph's directoryAudit): who changed which user, group or credential, and what
 * changed. Written after the change itself, like the license audit's records: a record that cannot be
 * written is logged, never turned into a failure of a change already made.
 */
import { Principal } from '../domain/roles';
import { log } from '../log';
import { DirectoryAuditDoc, directoryAudits } from '../storage/directoryAudits';

export interface Initiator {
  principal: Pick<Principal, 'objectId' | 'displayName' | 'isApp' | 'clientId'>;
  requestId: string;
}

export type AuditedChange = Pick<DirectoryAuditDoc, 'activityDisplayName' | 'category' | 'operationType' | 'loggedByService' | 'targetResources'>;

/** Graph's initiatedBy: an application (a SCIM credential, an app-only token) or a user. */
export const initiatedBy = (p: Initiator['principal']): DirectoryAuditDoc['initiatedBy'] =>
  p.isApp
    ? { app: { appId: p.clientId ?? null, displayName: p.displayName, servicePrincipalId: p.objectId }, user: null }
    : { app: null, user: { id: p.objectId, displayName: p.displayName } };

/** A property's values as Graph's modifiedProperties carry them: JSON text, null when absent. */
export const auditValue = (v: unknown): string | null => (v === undefined || v === null ? null : JSON.stringify(v));

/** The properties whose values differ between two versions (names as the caller gives them). */
export function modifiedProperties(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
): DirectoryAuditDoc['targetResources'][number]['modifiedProperties'] {
  return Object.keys(after)
    .filter((k) => JSON.stringify(before[k] ?? null) !== JSON.stringify(after[k] ?? null))
    .map((k) => ({ displayName: k, oldValue: auditValue(before[k]), newValue: auditValue(after[k]) }));
}

export async function auditDirectoryChange(tenantId: string, by: Initiator, change: AuditedChange, now = new Date()): Promise<void> {
  try {
    await directoryAudits.write({
      id: directoryAudits.newId(),
      tenantId,
      type: 'directoryChange',
      activityDateTime: now.toISOString(),
      result: 'success',
      correlationId: by.requestId,
      initiatedBy: initiatedBy(by.principal),
      ...change,
    });
  } catch (e) {
    log.warn('directory audit record not written', { tenantId, requestId: by.requestId, activity: change.activityDisplayName, error: String(e) });
  }
}
