/** Groups and group-based licensing: groups, members, the waiting list, the group-licensing queue message. */
import { z } from 'zod';
import { guid, odataOption, pageQuery } from './common';

export const createGroupBody = z.strictObject({
  displayName: z.string().trim().min(1).max(256),
  description: z.string().max(1024).optional(),
  mailNickname: z.string().max(64).optional(),
  mailEnabled: z.boolean().optional(),
  securityEnabled: z.boolean().optional(),
});

/** Graph's `POST /groups/{id}/members/$ref` body: `{ "@odata.id": "https://.../directoryObjects/{id}" }`. */
export const memberRefBody = z.strictObject({
  '@odata.id': z
    .string()
    .max(2000, { abort: true })
    .regex(/\/(directoryObjects|users)\/[0-9a-fA-F-]{36}$/, { error: 'must end in /directoryObjects/{user id}' }),
});

export const groupListQuery = pageQuery.extend({
  $filter: odataOption.$filter.describe('hasMembersWithLicenseErrors eq true|false; displayName eq|startswith; id eq|in').optional(),
  $search: z.string().max(200).describe('"displayName:sa": a case-insensitive prefix of the name; needs ConsistencyLevel: eventual').optional(),
  $select: odataOption.$select.optional(),
  $count: odataOption.$count.optional(),
});

export const groupMemberParams = z.strictObject({ id: guid, userId: guid });

export const groupLicensingMessage = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('group'),
    tenantId: guid,
    groupId: guid,
    continuation: z.string().optional(),
    /** Why the members converge when it is not the group's own change: the catalog's (the members' audit records say so). */
    operation: z.enum(['catalogServicePlans']).optional(),
  }),
  z.strictObject({
    kind: z.literal('user'),
    tenantId: guid,
    userId: guid,
    /** Who changed the membership, when it was not an admin of this service (a SCIM credential): the audit record's actor. */
    by: z.strictObject({ id: z.string().max(64), displayName: z.string().max(256) }).optional(),
  }),
  z.strictObject({ kind: z.literal('seats'), tenantId: guid, skuId: guid }),
]);

export const waitingEntry = z.object({
  position: z.number(),
  userId: z.string(),
  displayName: z.string().nullable(),
  userPrincipalName: z.string().nullable(),
  groupId: z.string(),
  since: z.string(),
  priority: z.number(),
});

export const waitingPriorityBody = z.strictObject({ priority: z.number().int().min(-1000).max(1000) });

export const group = z.object({
  '@odata.etag': z.string(),
  id: z.string(),
  displayName: z.string(),
  description: z.string().nullable(),
  createdDateTime: z.string(),
  assignedLicenses: z.array(z.object({ skuId: z.string(), disabledPlans: z.array(z.string()) })),
  licenseProcessingState: z.object({ state: z.string() }),
});
