/**
 * Graph's error shape, and the one thing this service adds to it: `parameters` on each detail, what a
 * client needs to write the refusal in its own language with its own names (the console does, in English
 * and Dutch). A Graph client ignores a property it does not know, so the shape stays Graph's.
 */
import { z } from 'zod';

/**
 * The facts behind a refusal's detail: ids, counts, flags, never text. Named the same across rules; each
 * rule sets the ones it is about (docs/errors.md lists them per code).
 */
export const errorParameters = z
  .object({
    userId: z.string().describe('the user the detail is about'),
    userType: z.enum(['Member', 'Guest']).describe('Authorization_RequestDenied: the user is a guest'),
    requiredRole: z.string().describe('Authorization_RequestDenied: the directory role that may make this change (GlobalAdministrator)'),
    skuId: z.string().describe('the product concerned; with servicePlanId, the product the plan is in'),
    skuIds: z.array(z.string()).describe('several products concerned (a group’s, for a guest member)'),
    servicePlanId: z.string().describe('the service plan concerned (in skuId); unknownServicePlan: the id as given'),
    conflictingSkuId: z.string().describe('MutuallyExclusiveViolation: the product of the plan it conflicts with'),
    conflictingServicePlanId: z.string().describe('MutuallyExclusiveViolation: the plan it conflicts with'),
    conflictingSkuAssigned: z.boolean().describe('MutuallyExclusiveViolation: the user already holds conflictingSkuId'),
    conflictingSkuInChange: z.boolean().describe('MutuallyExclusiveViolation: conflictingSkuId comes with this same change'),
    requiredServicePlanIds: z.array(z.string()).describe('DependencyViolation: servicePlanId needs one of these plans'),
    requiredServicePlanSwitchedOff: z.boolean().describe('DependencyViolation: this change switches the needed plan off (rather than it never being on)'),
    usageLocation: z.string().describe("the user's usage location (two-letter country code)"),
    needed: z.number().describe('CountViolation: licenses needed; quantityBelowAssigned (reduction): users still to pick'),
    available: z.number().describe('CountViolation: licenses available'),
    assigned: z.number().describe('licenses assigned'),
    total: z.number().describe('CountViolation: licenses bought (enabled)'),
    requestedTotal: z.number().describe('quantityBelowAssigned: the quantity asked for'),
    onWaitingList: z.boolean().describe('CountViolation of a group license: the member waits for a free license'),
    capabilityStatus: z.enum(['Enabled', 'Warning', 'Suspended', 'Deleted']).describe("the subscription's state"),
    requestedStatus: z.enum(['Enabled', 'Warning', 'Suspended', 'Deleted']).describe('invalidLifecycleTransition: the state asked for'),
    allowedStatuses: z.array(z.string()).describe('invalidLifecycleTransition: the states it can move to'),
    operation: z.enum(['assign', 'remove', 'change']).describe('what the refused change would do to skuId'),
    groupId: z.string().describe('the group concerned (a group license failed for the user through it)'),
    groupIds: z.array(z.string()).describe('licenseInheritedFromGroup: the groups the user gets skuId through'),
    row: z.number().describe('a bulk job or CSV: the row'),
    column: z.string().describe('a CSV: the column'),
    mode: z.string().describe('a bulk job: its mode'),
  })
  .partial()
  .describe('machine-readable parameters of the detail (not in Graph; a Graph client ignores them)');

export type ErrorParameters = z.infer<typeof errorParameters>;

export const errorDetail = z.object({ code: z.string(), message: z.string(), target: z.string().optional(), parameters: errorParameters.optional() });

export const errorResponse = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    target: z.string().optional(),
    details: z.array(errorDetail).optional(),
    innerError: z.object({ 'request-id': z.string(), date: z.string() }),
  }),
});
