/**
 * Audit records lost to a crash between a user write and the audit write, re-created from the user (the
 * record is embedded in it as `lastLicenseChange`, its id fixed before the write): from the records the
 * full pass read, or from the ids an incremental run's change set names (the users read only when one is
 * missing).
 */
import { audit } from '../../../storage/audit';
import { AuditDoc, UserDoc } from '../../../storage/documents';
import { existingAuditIds } from '../../../storage/reconciliation';
import { users } from '../../../storage/users';
import { Run } from '../run';
import { REPORT_LIST_CAP } from '../report';

/** Ids of a check at once (one query each): the change set's page, or the full pass's. */
const CHECK_BATCH = 1000;

/** Audit records of these changes that the audit trail lacks: written again, same id. */
export async function recreateMissingAudit(run: Run, records: AuditDoc[]): Promise<void> {
  for (let i = 0; i < records.length; i += CHECK_BATCH) {
    const batch = records.slice(i, i + CHECK_BATCH);
    const existing = await existingAuditIds(
      run.tenantId,
      batch.map((r) => r.id),
    );
    await rewrite(
      run,
      batch.length,
      batch.filter((r) => !existing.has(r.id)),
    );
  }
}

/**
 * The same for users' last changes known by their record's id (the change set's projection): a user is
 * read only when its record is missing. A user changed again since is left to the next run, whose
 * change set has it.
 */
export async function recreateMissingAuditOf(run: Run, changes: { userId: string; recordId: string }[]): Promise<void> {
  for (let i = 0; i < changes.length; i += CHECK_BATCH) {
    const batch = changes.slice(i, i + CHECK_BATCH);
    const existing = await existingAuditIds(
      run.tenantId,
      batch.map((c) => c.recordId),
    );
    const missing = new Set(batch.filter((c) => !existing.has(c.recordId)).map((c) => c.recordId));
    const read = missing.size
      ? await users.getMany(run.tenantId, [...new Set(batch.filter((c) => missing.has(c.recordId)).map((c) => c.userId))])
      : new Map<string, UserDoc>();
    const records = [...read.values()].map((u) => u.lastLicenseChange).filter((r): r is AuditDoc => !!r && missing.has(r.id));
    await rewrite(run, batch.length, records);
  }
}

async function rewrite(run: Run, checked: number, missing: AuditDoc[]): Promise<void> {
  if (missing.length) await audit.write(missing);
  const a = run.report.auditRecords;
  a.checked += checked;
  a.recreated += missing.length;
  for (const r of missing) if (a.recreatedIds.length < REPORT_LIST_CAP) a.recreatedIds.push(r.id);
}
