/**
 * The incremental run's change set: the documents of the tenant's directory written since the last run's
 * checkpoint (shared/storage/changes.ts: the change feed on Azure, a `_ts` query here), a page at a time.
 * From it: the audit records of the users' last changes are checked (re-created when lost), accounts
 * switched off without a date get one, and what group licensing and the query fields need is gathered for
 * their steps. What the change set cannot show (a seat reserved by a run that died before its user write)
 * is the seat intents' (openSeats.ts).
 */
import { auditCheckSince } from '../../../domain/reconciliation';
import { changeSource, ChangedDoc } from '../../../storage/changes';
import { Run } from '../run';
import { REPORT_LIST_CAP } from '../report';
import { recreateMissingAuditOf } from './audit';

/** Documents per page of the change set (its projection is small: ids, dates, group fields). */
const CHANGE_PAGE = 1000;

export async function changesStep(run: Run, previousAuditFrom: string | undefined): Promise<void> {
  const source = changeSource();
  const reader = source.since(run.tenantId, run.from!, run.startTs, CHANGE_PAGE);
  const since = auditCheckSince(previousAuditFrom, run.now);
  const report = run.report;
  report.auditRecords.checkedSince = since;
  const summary = { source: source.name, sinceDateTime: new Date(run.from!.since * 1000).toISOString(), documents: 0, users: 0 };
  report.changes = summary;
  for await (const page of reader.pages()) {
    summary.documents += page.length;
    const recheck: { userId: string; recordId: string }[] = [];
    for (const doc of page) {
      if (doc.type === 'user') {
        summary.users++;
        noteUser(run, doc);
        if (doc.lastChangeId && doc.lastChangeAt && doc.lastChangeAt >= since) recheck.push({ userId: doc.id, recordId: doc.lastChangeId });
      } else if (doc.type === 'groupMember' && doc.groupId && doc.userId) run.changes.memberships.push({ groupId: doc.groupId, userId: doc.userId });
      else if (doc.type === 'group') run.changes.groups.push({ id: doc.id, state: doc.licenseProcessingState?.state ?? null });
      else if (doc.type === 'tenant') run.changes.tenantChanged = true;
    }
    if (recheck.length) await recreateMissingAuditOf(run, recheck);
    await run.lease.keepAlive();
  }
  run.auditChecked = true;
  run.next = reader.next();
}

/** What a changed user tells the other steps: a disable date to record, group paths to check, query fields to add. */
function noteUser(run: Run, u: ChangedDoc): void {
  if (run.policy.enabled && u.accountEnabled === false && !u.disabledDateTime && run.disabledWithoutDate.length < REPORT_LIST_CAP)
    run.disabledWithoutDate.push(u.id);
  if (u.groupPaths?.length || u.groupsInError?.length)
    run.changes.groupUsers.push({ id: u.id, groupPaths: u.groupPaths ?? [], groupsInError: u.groupsInError ?? [] });
  // the fields users.withoutQueryFields looks for (SCIM's search.userName the latest of them)
  if (u.assignedLicenseCount === undefined || u.displayNameWords === undefined || u.searchUserName === undefined) run.changes.withoutQueryFields.push(u.id);
  if (u.assignedLicenseCount === undefined) run.uncounted++;
}
