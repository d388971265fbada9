/**
 * Alert webhooks (directory container) and their deliveries (jobs container, expiring after 30 days).
 */
import { container, createIfAbsent, deleteIfPresent, patchDoc, readOf, setFields, tracked } from './cosmos';
import { Page } from './documents';
import { queryPage } from './queries';

import { ALERT_EVENTS } from '../schemas/alerts';

export { ALERT_EVENTS };
export type AlertEvent = (typeof ALERT_EVENTS)[number];

export interface WebhookDoc {
  id: string;
  tenantId: string;
  type: 'alertWebhook';
  url: string;
  events: AlertEvent[];
  /** lowSeats: alert when a product's available seats fall to this number (per skuId). */
  lowSeatThresholds: Record<string, number>;
  /** unusedSeats: alert when a product's unused seats cost more than this a month (per skuId, in the product's currency). */
  unusedSeatCostThresholds?: Record<string, number>;
  /** inactiveLicensedUsers: alert when more licensed users than `count` have not signed in for `days`. */
  inactiveUsersThreshold?: { days: number; count: number } | null;
  /** HMAC key for the payload signature; shown once, at registration. */
  secret: string;
  createdDateTime: string;
  /** The tenant's webhook slot it holds (storage/slots.ts): at most MAX_WEBHOOKS_PER_TENANT. */
  slot?: number;
}

export interface DeliveryDoc {
  id: string;
  tenantId: string;
  type: 'alertDelivery';
  webhookId: string;
  event: AlertEvent;
  payload: unknown;
  status: 'pending' | 'retrying' | 'delivered' | 'failed';
  attempts: number;
  lastError: string | null;
  createdDateTime: string;
  lastAttemptDateTime: string | null;
  ttl: number;
}

const DELIVERY_TTL = 30 * 24 * 3600;

/** Once-a-day alerts: a marker per webhook, event, subject and day (created once; expires after 3 days). */
export const alertMarkers = {
  claim: (tenantId: string, key: string) => createIfAbsent('jobs', { id: `alertOnce_${key}`, tenantId, type: 'alertOnce', ttl: 3 * 24 * 3600 }),
};

export const webhooks = {
  async create(doc: WebhookDoc): Promise<WebhookDoc> {
    return (await tracked(() => container('directory').items.create(doc))).resource as WebhookDoc;
  },
  remove: (tenantId: string, id: string) => deleteIfPresent('directory', id, tenantId),
  async get(tenantId: string, id: string): Promise<WebhookDoc | undefined> {
    const r = await tracked(() => container('directory').item(id, tenantId).read<WebhookDoc>());
    return r.resource?.type === 'alertWebhook' ? r.resource : undefined;
  },
  async all(tenantId: string): Promise<WebhookDoc[]> {
    const page = await queryPage<WebhookDoc>('directory', tenantId, `SELECT * FROM c WHERE c.tenantId = @tenantId AND c.type = 'alertWebhook'`, [], 100);
    return page.items;
  },
};

export const deliveries = {
  async create(doc: Omit<DeliveryDoc, 'ttl'>): Promise<DeliveryDoc> {
    return (await tracked(() => container('jobs').items.create({ ...doc, ttl: DELIVERY_TTL }))).resource as DeliveryDoc;
  },
  async get(tenantId: string, id: string): Promise<DeliveryDoc | undefined> {
    return readOf<DeliveryDoc>('jobs', id, tenantId, 'alertDelivery');
  },
  async set(tenantId: string, id: string, fields: Partial<DeliveryDoc>): Promise<void> {
    await patchDoc('jobs', id, tenantId, setFields(fields));
  },
  list(tenantId: string, top: number, token?: string): Promise<Page<DeliveryDoc>> {
    return queryPage<DeliveryDoc>(
      'jobs',
      tenantId,
      `SELECT * FROM c WHERE c.tenantId = @tenantId AND c.type = 'alertDelivery' ORDER BY c.createdDateTime DESC`,
      [],
      top,
      token,
    );
  },
};
