/**
 * Licensing reports: reconciliation runs and their reports, the audit log of license changes, the
 * seat-reduction planner, a product's waiting list, alert webhooks with their deliveries, and what licenses
 * cost and who does not use them.
 */
import { Client, ResponseType } from '@microsoft/microsoft-graph-client';
import type {
  AlertDelivery,
  InactiveReport,
  SpendReport,
  AlertEvent,
  Collection,
  CompanySubscription,
  ReconciliationReport,
  ReductionPlan,
  WaitingEntry,
  Webhook,
  WebhookCreated,
} from './types';

export const listReconciliations = (client: Client) => client.api('/reconciliations').top(20).get() as Promise<Collection<ReconciliationReport>>;

/** A run now: what the timer runs (incremental unless the organization's full run is due), or a full one. */
export const runReconciliation = (client: Client, mode?: 'full') => client.api('/reconciliations').post(mode ? { mode } : {}) as Promise<ReconciliationReport>;

export interface AuditFilter {
  userId?: string;
  skuId?: string;
  jobId?: string;
}

export const auditRequest = (client: Client, f: AuditFilter) => {
  const params = Object.fromEntries(Object.entries(f).filter(([, v]) => v)) as Record<string, string>;
  return client.api('/auditLogs/licenseChanges').top(50).query(params);
};

export const reductionPlan = (client: Client, subscriptionId: string, totalLicenses: number) =>
  client
    .api(`/directory/subscriptions/${subscriptionId}/reductionPlan`)
    .query({ totalLicenses: String(totalLicenses) })
    .get() as Promise<ReductionPlan>;

export const reduceSeats = (client: Client, subscriptionId: string, totalLicenses: number, unassignUserIds: string[]) =>
  client.api(`/directory/subscriptions/${subscriptionId}/reduce`).post({ totalLicenses, unassignUserIds }) as Promise<CompanySubscription>;

export const waitingListRequest = (client: Client, skuId: string) => client.api(`/subscribedSkus/${skuId}/waitingList`).top(50);

export const setWaitingPriority = (client: Client, skuId: string, userId: string, priority: number) =>
  client.api(`/subscribedSkus/${skuId}/waitingList/${userId}`).patch({ priority }) as Promise<void>;

export const listWebhooks = (client: Client) => client.api('/alerts/webhooks').get() as Promise<Collection<Webhook>>;

export const createWebhook = (client: Client, body: { url: string; events: AlertEvent[]; lowSeatThresholds: Record<string, number> }) =>
  client.api('/alerts/webhooks').post(body) as Promise<WebhookCreated>;

export const deleteWebhook = (client: Client, id: string) => client.api(`/alerts/webhooks/${id}`).delete() as Promise<void>;

export const deliveriesRequest = (client: Client) => client.api('/alerts/deliveries').top(50);

export type { WaitingEntry, AlertDelivery };

// ---------------- spend ----------------

export const licenseSpend = (client: Client) => client.api('/reports/licenseSpend').get() as Promise<SpendReport>;

export const inactiveLicensedUsers = (client: Client, days: number) =>
  client
    .api('/reports/inactiveLicensedUsers')
    .query({ days: String(days) })
    .get() as Promise<InactiveReport>;

/** A report as CSV (the same rows), for a download. */
export const reportCsv = (client: Client, name: 'licenseSpend' | 'inactiveLicensedUsers' | 'licenseAssignments', query: Record<string, string> = {}) =>
  client.api(`/reports/${name}`).query(query).header('Accept', 'text/csv').responseType(ResponseType.TEXT).get() as Promise<string>;
