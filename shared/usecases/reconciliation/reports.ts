/**
 * The reconciliation's stored reports as readers see them: without the storage's fields, and with people
 * concealed when the organization's report settings say so (reports/concealedLists.ts), read at the time
 * of reading, so a report stored before the setting changed follows it.
 */
import { Page } from '../../storage/documents';
import { ReconciliationReportDoc, reconciliationReports } from '../../storage/reconciliation';
import { reconciliationReportShown } from '../reports/concealedLists';
import { Concealment, concealmentFor } from '../reports/names';
import { ReconciliationReport } from './report';

type ReportView = Record<string, unknown>;

function shown(doc: object, c: Concealment): ReportView {
  const { tenantId, type, ttl, createdDateTime, _rid, _self, _etag, _attachments, _ts, ...view } = doc as Record<string, unknown>;
  void [tenantId, type, ttl, createdDateTime, _rid, _self, _etag, _attachments, _ts];
  return reconciliationReportShown(view as Partial<ReconciliationReport>, c);
}

/** The answer of a run just made. */
export async function runReportView(report: ReconciliationReport): Promise<ReportView> {
  return shown(report, await concealmentFor(report.tenantId));
}

export async function listReconciliationReports(tenantId: string, top: number, token?: string): Promise<Page<ReportView>> {
  const [page, c] = await Promise.all([reconciliationReports.list(tenantId, top, token), concealmentFor(tenantId)]);
  return { ...page, items: page.items.map((d: ReconciliationReportDoc) => shown(d, c)) };
}

export async function getReconciliationReport(tenantId: string, id: string): Promise<ReportView | undefined> {
  const [doc, c] = await Promise.all([reconciliationReports.get(tenantId, id), concealmentFor(tenantId)]);
  return doc && shown(doc, c);
}
