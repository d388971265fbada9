/** License requests (users ask, admins approve or deny), their policy, and the auto-claim policy with its sign-in events. */
import { z } from 'zod';
import { guid, MAX_USERS_PER_ASSIGN, pageQuery } from './common';
import { errorParameters } from './errors';

export const LICENSE_REQUEST_STATUSES = ['pending', 'approved', 'denied', 'expired'] as const;

export const createLicenseRequestBody = z.strictObject({
  skuId: guid,
  justification: z.string().trim().max(1000, { error: 'must be at most 1000 characters' }).default(''),
});

const disabledPlans = z.array(guid).max(100).optional();

export const approveLicenseRequestBody = z
  .strictObject({
    disabledPlans,
    groupId: guid.optional().describe('approve by adding the user to this group, which must carry the product (group-based licensing does the rest)'),
  })
  .refine((b) => !(b.groupId && b.disabledPlans), { error: 'give disabledPlans or groupId, not both: the group decides its own plans', path: ['groupId'] });

export const approveLicenseRequestsBody = z.strictObject({
  ids: z
    .array(guid)
    .min(1)
    .max(MAX_USERS_PER_ASSIGN, { error: `at most ${MAX_USERS_PER_ASSIGN} requests per call` }),
  disabledPlans,
});

export const denyLicenseRequestBody = z.strictObject({ reason: z.string().trim().max(1000).default('') });

export const licenseRequestListQuery = pageQuery.extend({
  $filter: z.string().max(500).optional().describe("status eq 'pending'|'approved'|'denied'|'expired' and/or skuId eq {guid}, joined with and"),
});

const actor = z.object({ id: z.string(), displayName: z.string() });

export const licenseRequest = z.object({
  id: z.string(),
  status: z.enum(LICENSE_REQUEST_STATUSES),
  requestedBy: z.object({ id: z.string(), displayName: z.string(), userPrincipalName: z.string() }),
  skuId: z.string(),
  skuPartNumber: z.string(),
  productName: z.string(),
  justification: z.string(),
  createdDateTime: z.string(),
  expirationDateTime: z.string(),
  decidedBy: actor.nullable(),
  decidedDateTime: z.string().nullable(),
  decisionReason: z.string().nullable().describe('why it was denied, or (still pending) why the last approval was refused'),
  lastApprovalError: z.object({ code: z.string(), message: z.string(), parameters: errorParameters.optional(), dateTime: z.string() }).nullable(),
  approvedVia: z.object({ groupId: z.string().nullable(), disabledPlans: z.array(z.string()) }).nullable(),
});

export const approveManyResult = z.object({
  value: z.array(
    z.object({
      id: z.string(),
      status: z.number().describe('the HTTP status this request alone would have had'),
      request: licenseRequest.optional(),
      error: z.object({ code: z.string(), message: z.string(), parameters: errorParameters.optional() }).optional(),
    }),
  ),
});

export const licenseRequestPolicy = z.object({
  enabled: z.boolean(),
  customMessage: z.string(),
  customUrl: z.string().nullable(),
});

export const updateLicenseRequestPolicyBody = z.strictObject({
  enabled: z.boolean().optional(),
  customMessage: z.string().trim().max(1000).optional(),
  customUrl: z
    .string()
    .max(2000)
    .pipe(z.url({ protocol: /^https?$/, error: 'must be an http(s):// URL' }))
    .nullable()
    .optional(),
});

export const MAX_AUTO_CLAIM_PRODUCTS = 4;

export const autoClaimProduct = z.strictObject({ skuId: guid, disabledPlans: z.array(guid).max(100).default([]) });

export const autoClaimPolicy = z.object({
  enabled: z.boolean(),
  app: z.string(),
  products: z.array(z.object({ skuId: z.string(), disabledPlans: z.array(z.string()) })),
  availableApps: z.array(z.string()).describe('the apps the catalog knows (a service plan gives each): the values app takes'),
});

export const updateAutoClaimPolicyBody = z.strictObject({
  enabled: z.boolean().optional(),
  app: z.string().max(100).optional().describe('the app whose sign-in claims a license: Teams'),
  products: z
    .array(autoClaimProduct)
    .max(MAX_AUTO_CLAIM_PRODUCTS, { error: `at most ${MAX_AUTO_CLAIM_PRODUCTS} products, tried in order` })
    .optional(),
});

export const signInEventBody = z.strictObject({
  userId: z.string().min(1).max(320).describe('the user (id or userPrincipalName)'),
  app: z.string().min(1).max(100),
  dateTime: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date and time, like 2026-11-30T09:00:00Z' }),
});

export const signInEventResult = z.object({
  userId: z.string(),
  lastSignInDateTime: z.string().nullable(),
  claim: z.object({
    outcome: z.enum(['claimed', 'hasApp', 'policyOff', 'failed', 'notEligible']),
    skuId: z.string().nullable(),
    reason: z.string().nullable(),
  }),
});

export const autoClaimListQuery = z.strictObject({
  days: z.enum(['1', '7', '30', '90']).default('30').transform(Number),
});

export const autoClaimEntry = z.object({
  id: z.string(),
  outcome: z.enum(['claimed', 'failed']),
  dateTime: z.string(),
  userId: z.string(),
  userPrincipalName: z.string(),
  app: z.string(),
  skuId: z.string().nullable(),
  skuPartNumber: z.string().nullable(),
  reason: z.string().nullable(),
});
