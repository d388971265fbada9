/**
 * Alerts: a tenant registers webhooks (HTTPS, payload signed with HMAC-SHA256) for low seats (a threshold
 * per product), group-licensing failures, over-assignment, and (shared/usecases/spendAlerts.ts) unused seats'
 * cost, inactive licensed users and ask-first reclaim marks. Each alert becomes a delivery record and a
 * queue message; the delivery function posts it and, on failure, tries again later with growing delays
 * (5 s, 1 min, 5 min, 30 min) before marking it failed. Deliveries are listable.
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { Catalog } from '../domain/catalog';
import { ApiError, ErrorCodes, notFound } from '../errors';
import { log } from '../log';
import { settings } from '../config';
import * as c from '../schemas/contracts';
import { AlertEvent, alertMarkers, deliveries, DeliveryDoc, WebhookDoc, webhooks } from '../storage/alerts';
import { QUEUES, sendMessage } from '../storage/queues';
import { SeatSubscriber } from '../storage/seatEvents';
import { SubscriptionDoc } from '../storage/documents';
import { releaseSlot, takeSlot } from '../storage/slots';
import { postPinned, resolveDestination, UnsafeDestination } from '../net/webhookPost';
import { can, Principal } from '../domain/roles';
import { ReconciliationStep } from './reconciliation';
import { deliveryShown } from './reports/concealedLists';
import { concealmentFor } from './reports/names';

export const RETRY_DELAYS_SECONDS = [5, 60, 300, 1800];
export const DELIVERY_FAILED = 'The webhook did not accept the delivery (no 2xx answer). It is tried again later; check the endpoint.';

/** Webhooks a tenant may register: each is a way out of the service, so their number is bounded. */
export const MAX_WEBHOOKS_PER_TENANT = 10;
const WEBHOOK_SLOTS = 'webhookSlot';
/**
 * A slot whose webhook does not exist is being registered right now (the slot is taken before the webhook
 * is stored) unless it was taken longer ago than this: then its registration died half-way and the slot
 * is free again. Deleting a webhook gives its slot back itself.
 */
export const ABANDONED_WEBHOOK_SLOT_MS = 60_000;

export async function registerWebhook(tenantId: string, body: z.infer<typeof c.createWebhookBody>): Promise<WebhookDoc> {
  try {
    await resolveDestination(body.url, settings().ALERTS_ALLOW_HTTP_LOCALHOST);
  } catch (e) {
    if (e instanceof UnsafeDestination) throw new ApiError(400, ErrorCodes.invalidRequest, e.message, 'url');
    throw e;
  }
  const id = randomUUID();
  const slot = await takeSlot(
    'directory',
    tenantId,
    WEBHOOK_SLOTS,
    MAX_WEBHOOKS_PER_TENANT,
    id,
    async (held) => Date.now() - Date.parse(held.takenDateTime) > ABANDONED_WEBHOOK_SLOT_MS && !(await webhooks.get(tenantId, held.holder)),
  );
  if (slot === undefined) {
    throw new ApiError(
      409,
      'webhookLimitReached',
      `Your organization already has ${MAX_WEBHOOKS_PER_TENANT} webhooks. Delete one (DELETE /v1.0/alerts/webhooks/{id}) before adding another.`,
      'url',
    );
  }
  const doc = await webhooks.create({
    id,
    tenantId,
    type: 'alertWebhook',
    url: body.url,
    events: body.events,
    lowSeatThresholds: Object.fromEntries(Object.entries(body.lowSeatThresholds).map(([k, v]) => [k.toLowerCase(), v])),
    unusedSeatCostThresholds: Object.fromEntries(Object.entries(body.unusedSeatCostThresholds).map(([k, v]) => [k.toLowerCase(), v])),
    inactiveUsersThreshold: body.inactiveUsersThreshold ?? null,
    secret: randomBytes(32).toString('base64url'),
    createdDateTime: new Date().toISOString(),
    slot,
  });
  cache.delete(tenantId);
  return doc;
}

/**
 * The webhooks as a caller may see them: a webhook URL often carries a token of the receiving service, so
 * only those who may manage webhooks see it whole; other readers see where it goes (scheme and host).
 */
export async function listWebhooks(tenantId: string, principal: Principal) {
  const whole = can(principal, 'manageSubscriptions');
  return (await webhooks.all(tenantId)).map((w) => ({ ...webhookView(w), url: whole ? w.url : `${new URL(w.url).origin}/…` }));
}

/** A webhook as the API shows it (without its secret). */
export const webhookView = (w: WebhookDoc) => ({
  id: w.id,
  url: w.url,
  events: w.events,
  lowSeatThresholds: w.lowSeatThresholds,
  unusedSeatCostThresholds: w.unusedSeatCostThresholds ?? {},
  inactiveUsersThreshold: w.inactiveUsersThreshold ?? null,
  createdDateTime: w.createdDateTime,
});

export async function deleteWebhook(tenantId: string, id: string): Promise<void> {
  const hook = await webhooks.get(tenantId, id);
  if (!hook || !(await webhooks.remove(tenantId, id))) throw notFound('Webhook', id);
  if (hook.slot !== undefined) await releaseSlot('directory', tenantId, WEBHOOK_SLOTS, hook.slot, id);
  cache.delete(tenantId);
}

// the webhooks of a tenant, reused briefly per instance (the seat hook runs on every assignment)
const cache = new Map<string, { at: number; hooks: Promise<WebhookDoc[]> }>();
export function hooksOf(tenantId: string): Promise<WebhookDoc[]> {
  const hit = cache.get(tenantId);
  if (hit && Date.now() - hit.at < 10_000) return hit.hooks;
  const hooks = webhooks.all(tenantId);
  cache.set(tenantId, { at: Date.now(), hooks });
  hooks.catch(() => cache.delete(tenantId));
  return hooks;
}

/** Records and queues one delivery per webhook subscribed to the event. */
export async function emit(tenantId: string, event: AlertEvent, data: Record<string, unknown>, filter?: (w: WebhookDoc) => boolean): Promise<number> {
  const targets = (await hooksOf(tenantId)).filter((w) => w.events.includes(event) && (!filter || filter(w)));
  for (const w of targets) {
    const delivery = await deliveries.create({
      id: randomUUID(),
      tenantId,
      type: 'alertDelivery',
      webhookId: w.id,
      event,
      payload: { id: randomUUID(), event, tenantId, occurredDateTime: new Date().toISOString(), data },
      status: 'pending',
      attempts: 0,
      lastError: null,
      createdDateTime: new Date().toISOString(),
      lastAttemptDateTime: null,
    });
    await sendMessage(QUEUES.alertDeliveries, { tenantId, deliveryId: delivery.id } satisfies z.infer<typeof c.alertDeliveryMessage>);
  }
  return targets.length;
}

/** Once per webhook and subject (a catalog version's announcement: a redelivered message sends nothing twice). */
export const emitOnce = (tenantId: string, event: AlertEvent, subject: string, data: Record<string, unknown>) =>
  emitOnceADay(tenantId, event, subject, 'once', data, () => true);

/**
 * Once a day per webhook and subject: the alert goes to each webhook whose `wants` says so and that has not
 * had it for this subject on this day (UTC; a marker document claimed by create, so two runs or instances
 * of the same day send it once).
 */
export async function emitOnceADay(
  tenantId: string,
  event: AlertEvent,
  subject: string,
  day: string,
  data: Record<string, unknown>,
  wants: (w: WebhookDoc) => boolean,
): Promise<number> {
  let sent = 0;
  for (const w of (await hooksOf(tenantId)).filter((h) => h.events.includes(event) && wants(h))) {
    if (!(await alertMarkers.claim(tenantId, `${w.id}_${event}_${subject}_${day}`))) continue;
    sent += await emit(tenantId, event, data, (h) => h.id === w.id);
  }
  return sent;
}

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`: the receiver recomputes it with its secret. */
export function signature(secret: string, body: string, timestamp: number): string {
  return `t=${timestamp},v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** Queue handler: posts one delivery; on failure schedules the next try, or marks it failed. */
export async function deliver(m: z.infer<typeof c.alertDeliveryMessage>): Promise<void> {
  const d = await deliveries.get(m.tenantId, m.deliveryId);
  if (!d || d.status === 'delivered' || d.status === 'failed') return;
  const hook = await webhooks.get(m.tenantId, d.webhookId);
  const now = new Date();
  if (!hook) {
    await deliveries.set(m.tenantId, d.id, { status: 'failed', lastError: 'The webhook was deleted.', lastAttemptDateTime: now.toISOString() });
    return;
  }
  const body = JSON.stringify(d.payload);
  let error: string | null = null;
  try {
    // resolved and checked again at every attempt (what a name points to can change), connected to the checked address
    const destination = await resolveDestination(hook.url, settings().ALERTS_ALLOW_HTTP_LOCALHOST);
    const status = await postPinned(
      destination,
      body,
      {
        'content-type': 'application/json',
        'x-license-alert-signature': signature(hook.secret, body, Math.floor(now.getTime() / 1000)),
        'x-license-alert-event': d.event,
      },
      10_000,
    );
    if (status < 200 || status >= 300) error = `answered HTTP ${status}${status >= 300 && status < 400 ? ' (redirects are not followed)' : ''}`;
  } catch (e) {
    error = (e as Error).message;
  }
  if (error) log.warn('alert delivery attempt failed', { tenantId: m.tenantId, deliveryId: d.id, webhookId: d.webhookId, error: error.slice(0, 300) });
  const attempts = d.attempts + 1;
  if (!error) {
    await deliveries.set(m.tenantId, d.id, { status: 'delivered', attempts, lastError: null, lastAttemptDateTime: now.toISOString() });
    return;
  }
  const delay = RETRY_DELAYS_SECONDS[attempts - 1];
  // readers of the deliveries learn that it failed, not how (a status or a connection error would make the
  // webhook a port scanner of whatever it points at); the operator finds the reason in the log
  await deliveries.set(m.tenantId, d.id, {
    status: delay === undefined ? 'failed' : 'retrying',
    attempts,
    lastError: DELIVERY_FAILED,
    lastAttemptDateTime: now.toISOString(),
  });
  if (delay !== undefined) await sendMessage(QUEUES.alertDeliveries, m, delay);
  else log.warn('alert delivery failed for good', { tenantId: m.tenantId, deliveryId: d.id, webhookId: d.webhookId });
}

// low seats: when a product's available seats fall to (or through) a webhook's threshold; the product's
// name from the catalog in force when it happens (wired where the app starts: functions/index.ts)
export const lowSeatAlerts = (catalog: () => Promise<Catalog>): SeatSubscriber => ({
  seatsTaken: async (doc: SubscriptionDoc, n: number) => lowSeatAlert(await catalog(), doc, n),
});

async function lowSeatAlert(catalog: Catalog, doc: SubscriptionDoc, n: number): Promise<void> {
  const available = doc.seat.limit - doc.seat.consumed;
  await emit(
    doc.tenantId,
    'lowSeats',
    {
      skuId: doc.skuId,
      skuPartNumber: doc.skuPartNumber,
      productName: catalog.productName(doc.skuId, doc.skuPartNumber),
      availableUnits: Math.max(0, available),
      totalLicenses: doc.totalLicenses,
    },
    (w) => {
      const threshold = w.lowSeatThresholds[doc.skuId];
      return threshold !== undefined && available <= threshold && available + n > threshold;
    },
  );
}

export const deliveryView = (d: DeliveryDoc) => ({
  id: d.id,
  webhookId: d.webhookId,
  event: d.event,
  status: d.status,
  attempts: d.attempts,
  lastError: d.lastError,
  createdDateTime: d.createdDateTime,
  lastAttemptDateTime: d.lastAttemptDateTime,
  payload: d.payload,
});

// over-assignment: each product the reconciliation finds over its enabled units, once per run
export const overAssignmentAlertsStep: ReconciliationStep = async (tenant, report) => {
  let alerted = 0;
  for (const o of report.overAssignments) alerted += await emit(tenant.id, 'overAssignment', { ...o });
  return { alerted };
};

/** The deliveries, newest first, as readers see them (people concealed when the report settings say so). */
export async function listDeliveries(tenantId: string, top: number, token?: string) {
  const [page, c] = await Promise.all([deliveries.list(tenantId, top, token), concealmentFor(tenantId)]);
  return { ...page, items: page.items.map((d) => deliveryShown(deliveryView(d), c)) };
}
