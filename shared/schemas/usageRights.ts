/** Usage rights (Graph's cloudLicensing usageRight, beta): what a user may use now. */
import { z } from 'zod';
import { guid } from './common';
import { userRef } from './users';

export const usageRightService = z.object({
  planId: z.string(),
  planName: z.string(),
  assignableTo: z.string().describe("Graph's assigneeTypes, comma-separated: user,group (a user plan), none (a company plan)"),
});

export const usageRight = z.object({
  id: z.string().describe("the right's id: the product's skuId (one right per product and user)"),
  skuId: z.string(),
  skuPartNumber: z.string(),
  services: z.array(usageRightService).describe('the service plans the user may use: switched on by at least one active path of the product'),
});

export const usageRightsQuery = z.strictObject({
  $filter: z
    .string()
    .max(2048)
    .optional()
    .describe('skuId eq {guid}, skuId in ({guid}, ...), services/any(s:s/planId eq {guid}) (GUIDs unquoted), joined with and, or, not'),
});

export const userUsageRightParams = z.strictObject({ id: userRef, usageRightId: guid });
export const myUsageRightParams = z.strictObject({ usageRightId: guid });
