/** Subscriptions and organizations: purchases, quantity and lifecycle, the seat-reduction planner, the operator's bodies. */
import { z } from 'zod';
import { ORGANIZATION_CLOUDS } from '../domain/clouds';
import { MAX_USERS_PER_ASSIGN, countryCode, guid } from './common';
import { isCurrency, minorUnits } from '../domain/money';

export const capabilityStatus = z.enum(['Enabled', 'Warning', 'Suspended', 'Deleted']);

/** What one license costs: amount in the currency's units (at most its minor-unit decimals), per month or per year. */
export const unitPrice = z
  .strictObject({
    amount: z.number().min(0).max(1_000_000),
    currency: z
      .string()
      .transform((c) => c.toUpperCase())
      .refine(isCurrency, { error: 'must be an ISO 4217 currency code, like EUR or USD' }),
    billingPeriod: z.enum(['month', 'year'], { error: "must be 'month' or 'year'" }),
  })
  .superRefine((p, ctx) => {
    if (isCurrency(p.currency) && minorUnits(p.amount, p.currency) === undefined)
      ctx.addIssue({ code: 'custom', message: `has more decimals than ${p.currency} has minor units`, path: ['amount'] });
  });

export const createSubscriptionBody = z
  .strictObject({
    skuId: guid.optional(),
    skuPartNumber: z.string().min(1).max(64).optional(),
    totalLicenses: z.number().int().min(1).max(1_000_000),
    purchaseChannel: z.enum(['admin', 'selfService']).default('admin'),
    /** The user who bought a self-service subscription; they hold one of its seats. */
    ownerUserId: guid.optional(),
    unitPrice: unitPrice.optional(),
  })
  .superRefine((b, ctx) => {
    if (!b.skuId && !b.skuPartNumber) ctx.addIssue({ code: 'custom', message: 'give the product as skuId or skuPartNumber', path: ['skuId'] });
    if (b.purchaseChannel === 'selfService' && !b.ownerUserId)
      ctx.addIssue({ code: 'custom', message: 'a self-service purchase needs the buying user in ownerUserId', path: ['ownerUserId'] });
  });

export const updateSubscriptionBody = z
  .strictObject({
    totalLicenses: z.number().int().min(0).max(1_000_000).optional(),
    status: capabilityStatus.optional(),
    /** The commerce side: when the reconciliation moves the subscription to its next lifecycle state (null: never). */
    nextLifecycleDateTime: z.iso
      .datetime({ offset: true, error: 'must be an ISO 8601 date and time, like 2026-01-31T00:00:00Z' })
      .transform((d) => new Date(d).toISOString())
      .nullable()
      .optional(),
    /** The price per license (null: no price known). */
    unitPrice: unitPrice.nullable().optional(),
  })
  .refine((b) => b.totalLicenses !== undefined || b.status !== undefined || b.nextLifecycleDateTime !== undefined || b.unitPrice !== undefined, {
    error: 'give totalLicenses, status, nextLifecycleDateTime or unitPrice',
    path: ['totalLicenses'],
  });

export const reductionPlanQuery = z.strictObject({ totalLicenses: z.coerce.number().int().min(0).max(1_000_000).optional() });

export const reduceSeatsBody = z.strictObject({
  totalLicenses: z.number().int().min(0).max(1_000_000),
  /** Whose licenses go first (at most 20 at a time; for more, a bulk job with mode remove). */
  unassignUserIds: z
    .array(guid)
    .max(MAX_USERS_PER_ASSIGN, { error: `at most ${MAX_USERS_PER_ASSIGN} users at a time; for more use a bulk license job (mode remove)` })
    .refine((ids) => new Set(ids.map((i) => i.toLowerCase())).size === ids.length, { error: 'a user is listed twice' })
    .default([]),
});

const plannedHolder = z.object({
  userId: z.string(),
  displayName: z.string(),
  userPrincipalName: z.string(),
  assignedDateTime: z.string(),
  inheritedFrom: z.array(z.string()),
  hasDirectAssignment: z.boolean(),
});

export const reductionPlan = z.object({
  subscriptionId: z.string(),
  skuId: z.string(),
  skuPartNumber: z.string(),
  status: z.string(),
  currentTotal: z.number(),
  nextLifecycleDateTime: z.string().nullable(),
  assigned: z.number(),
  newTotal: z.number(),
  overBy: z.number(),
  windowDays: z.number(),
  daysLeft: z.number().nullable(),
  usersOverTheLine: z.array(plannedHolder),
});

export const createTenantBody = z.strictObject({
  id: guid.optional(),
  displayName: z.string().trim().min(1).max(256),
  defaultUsageLocation: countryCode.optional(),
  cloud: z
    .enum(ORGANIZATION_CLOUDS)
    .optional()
    .describe("where the organization lives; default: this deployment's own (Worldwide, USGovernment or China, after AZURE_CLOUD)"),
});

export const companySubscription = z.object({
  '@odata.etag': z.string(),
  id: z.string(),
  skuId: z.string(),
  skuPartNumber: z.string(),
  status: capabilityStatus,
  totalLicenses: z.number(),
  consumedUnits: z.number(),
  purchaseChannel: z.enum(['admin', 'selfService']),
  ownerId: z.string().nullable(),
  createdDateTime: z.string(),
  takenOverDateTime: z.string().nullable(),
  nextLifecycleDateTime: z.string().nullable().describe('when the scheduled reconciliation moves the subscription to its next lifecycle state'),
  unitPrice: z
    .object({ amount: z.number(), currency: z.string(), billingPeriod: z.enum(['month', 'year']) })
    .nullable()
    .describe('what one license costs (null: no price known); the spend reports use it'),
});

export const organization = z.object({
  id: z.string(),
  displayName: z.string(),
  defaultUsageLocation: z.string().nullable(),
  cloud: z.string(),
  createdDateTime: z.string(),
});
