/** Alert webhooks and their deliveries. */
import { z } from 'zod';
import { INACTIVITY_WINDOWS, INACTIVITY_WINDOWS_IN_WORDS } from '../domain/reclaim';
import { guid } from './common';

/** The events a webhook may subscribe to. */
export const ALERT_EVENTS = [
  'lowSeats',
  'groupLicensingFailure',
  'overAssignment',
  'licenseRequestCreated',
  'licenseRequestDecided',
  'autoClaimFailed',
  'unusedSeats',
  'inactiveLicensedUsers',
  'licenseReclaimPending',
  'servicePlansAdded',
  'servicePlansRemoved',
  'catalogChangeScheduled',
] as const;

export const createWebhookBody = z.strictObject({
  url: z
    .string()
    .max(2000, { error: 'must be at most 2000 characters', abort: true })
    .pipe(z.url({ error: 'must be an https:// URL' })),
  events: z.array(z.enum(ALERT_EVENTS)).min(1).max(ALERT_EVENTS.length),
  /** lowSeats: per skuId, alert when available seats fall to this number. */
  lowSeatThresholds: z.record(guid, z.number().int().min(0).max(1_000_000)).default({}),
  /** unusedSeats: per skuId, alert (once a day) when the product's unused seats cost more than this a month, in its price's currency. */
  unusedSeatCostThresholds: z.record(guid, z.number().min(0).max(1_000_000_000)).default({}),
  /** inactiveLicensedUsers: alert (once a day) when more than `count` licensed users have not signed in for `days`. */
  inactiveUsersThreshold: z
    .strictObject({
      days: z.literal(INACTIVITY_WINDOWS, { error: `must be ${INACTIVITY_WINDOWS_IN_WORDS}` }),
      count: z.number().int().min(0).max(10_000_000),
    })
    .optional(),
});

export const webhook = z.object({
  id: z.string(),
  url: z.string(),
  events: z.array(z.string()),
  lowSeatThresholds: z.record(z.string(), z.number()),
  unusedSeatCostThresholds: z.record(z.string(), z.number()),
  inactiveUsersThreshold: z.object({ days: z.number(), count: z.number() }).nullable(),
  createdDateTime: z.string(),
});

export const webhookCreated = webhook.extend({ secret: z.string().describe('HMAC-SHA256 key of the x-license-alert-signature header; shown only now') });

export const alertDelivery = z.object({
  id: z.string(),
  webhookId: z.string(),
  event: z.string(),
  status: z.enum(['pending', 'retrying', 'delivered', 'failed']),
  attempts: z.number(),
  lastError: z.string().nullable(),
  createdDateTime: z.string(),
  lastAttemptDateTime: z.string().nullable(),
  payload: z.unknown(),
});

export const alertDeliveryMessage = z.strictObject({ tenantId: guid, deliveryId: guid });
