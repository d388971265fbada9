/** Licenses: Graph's assignLicense, the Licenses page's bulk assign, service-plan switches, products and license details, the audit trail. */
import { z } from 'zod';
import { MAX_LICENSES_PER_REQUEST, MAX_USERS_PER_ASSIGN, guid, pageQuery } from './common';
import { capabilityStatus } from './subscriptions';
import { assignedLicense, userRef } from './users';

export const auditQuery = pageQuery.extend({
  userId: guid.optional(),
  skuId: guid.optional(),
  jobId: guid.optional(),
});

export const addLicense = z.strictObject({
  skuId: guid,
  disabledPlans: z.array(guid).max(100),
});

export const assignLicenseBody = z
  .strictObject({
    addLicenses: z.array(addLicense).max(MAX_LICENSES_PER_REQUEST, { error: `at most ${MAX_LICENSES_PER_REQUEST} products per request` }),
    removeLicenses: z.array(guid).max(MAX_LICENSES_PER_REQUEST, { error: `at most ${MAX_LICENSES_PER_REQUEST} products per request` }),
  })
  .superRefine((b, ctx) => {
    if (!b.addLicenses.length && !b.removeLicenses.length)
      ctx.addIssue({
        code: 'custom',
        message: 'No license changes provided: give at least one product in addLicenses or removeLicenses.',
        path: ['addLicenses'],
      });
    const adds = b.addLicenses.map((a) => a.skuId.toLowerCase());
    adds.forEach((s, i) => {
      if (adds.indexOf(s) !== i) ctx.addIssue({ code: 'custom', message: `Product ${s} is listed twice in addLicenses.`, path: ['addLicenses', i, 'skuId'] });
    });
    b.removeLicenses.forEach((s, i) => {
      if (adds.includes(s.toLowerCase()))
        ctx.addIssue({ code: 'custom', message: `Product ${s} is both added and removed; pick one.`, path: ['removeLicenses', i] });
    });
  });

export type AssignLicenseBody = z.infer<typeof assignLicenseBody>;

export const assignSkuToUsersBody = z.strictObject({
  userIds: z
    .array(guid)
    .min(1, { error: 'pick at least one user' })
    .max(MAX_USERS_PER_ASSIGN, {
      error: `At most ${MAX_USERS_PER_ASSIGN} users can be assigned at a time. For larger selections use a bulk license job.`,
    })
    .refine((ids) => new Set(ids.map((i) => i.toLowerCase())).size === ids.length, { error: 'a user is listed twice' }),
  disabledPlans: z.array(guid).max(100).default([]),
});

export const servicePlanToggleBody = z
  .strictObject({
    /** Plans to switch on, by servicePlanId or servicePlanName. */
    enable: z.array(z.string().min(1).max(100)).max(100).default([]),
    /** Plans to switch off, by servicePlanId or servicePlanName. */
    disable: z.array(z.string().min(1).max(100)).max(100).default([]),
  })
  .refine((b) => b.enable.length + b.disable.length > 0, { error: 'name at least one plan in enable or disable', path: ['enable'] });

export const userAndSkuParams = z.strictObject({ id: userRef, skuId: guid });

/** subscribedSku ids are Graph's `{tenantId}_{skuId}`; a bare skuId is accepted too. */
const subscribedSkuId = z.string().regex(/^([0-9a-fA-F-]{36}_)?[0-9a-fA-F-]{36}$/, { error: 'must be a subscribedSku id ({tenantId}_{skuId}) or a skuId' });

export const skuAndUserParams = z.strictObject({ id: subscribedSkuId, userId: guid });

export const subscribedSkuParam = z.strictObject({ id: subscribedSkuId });

export const servicePlanInfo = z.object({
  servicePlanId: z.string(),
  servicePlanName: z.string(),
  provisioningStatus: z.string(),
  appliesTo: z.string(),
  displayName: z.string(),
  conflictsWith: z.array(z.string()).describe('servicePlanIds that cannot be enabled together with this plan'),
  dependsOn: z.array(z.string()).describe('this plan needs one of these servicePlanIds enabled'),
  isAutoAssigned: z
    .boolean()
    .describe('comes with the product on its own: no separate assignment needed; it can still be switched off through disabledPlans like any plan'),
  notOfferedIn: z.array(z.string()).describe('usage locations where the plan is not offered'),
  addedDateTime: z.string().nullable().describe('when the catalog added the plan to the product (null: it came with the product)'),
});

export const subscribedSku = z.object({
  '@odata.etag': z.string().optional(),
  id: z.string(),
  skuId: z.string(),
  skuPartNumber: z.string(),
  displayName: z.string(),
  appliesTo: z.string(),
  capabilityStatus: capabilityStatus,
  consumedUnits: z.number(),
  prepaidUnits: z.object({ enabled: z.number(), suspended: z.number(), warning: z.number(), lockedOut: z.number() }),
  availableUnits: z.number().describe('seats an admin can still assign: enabled - warning - consumed'),
  purchaseChannel: z.enum(['admin', 'selfService']),
  servicePlans: z.array(servicePlanInfo),
});

export const licenseDetails = z.object({
  id: z.string(),
  skuId: z.string(),
  skuPartNumber: z.string(),
  servicePlans: z.array(servicePlanInfo.pick({ servicePlanId: true, servicePlanName: true, provisioningStatus: true, appliesTo: true })),
});

export const licenseChangeRecord = z.object({
  id: z.string(),
  activityDateTime: z.string(),
  requestId: z.string(),
  jobId: z.string().nullable().describe('the bulk license job that made the change, if any'),
  licenseRequestId: z.string().optional().describe('the license request whose approval made the change'),
  actor: z.object({ id: z.string(), displayName: z.string() }),
  operation: z.string(),
  userId: z.string(),
  userPrincipalName: z.string(),
  skuIds: z.array(z.string()),
  before: z.array(assignedLicense),
  after: z.array(assignedLicense),
});

export const assignSkuResult = z.object({
  skuId: z.string(),
  assigned: z.array(z.object({ userId: z.string(), changed: z.boolean() })),
  subscribedSku: subscribedSku,
});
