/** Building blocks every contract uses: ids, user principal names, country codes, paging and OData options, collections (the error shape is in errors.ts). */
import { z } from 'zod';
import { isUserPrincipalName, MAX_UPN_LENGTH } from '../domain/upn';

export const guid = z.guid({ error: 'must be a GUID, like 6fd2c87f-b296-42f0-b197-1e91e994b900' });

/**
 * A user principal name: the length is checked first and stops the checks (abort), so the pattern never
 * runs on a long input; the pattern itself is a linear scan (shared/domain/upn.ts).
 */
export const userPrincipalName = z
  .string()
  .trim()
  .max(MAX_UPN_LENGTH, { error: `must be at most ${MAX_UPN_LENGTH} characters`, abort: true })
  .refine((v) => isUserPrincipalName(v), { error: 'must look like name@domain' });

/** Usage location: a two-letter country code (ISO 3166-1 alpha-2), stored upper case. */
export const countryCode = z
  .string()
  .regex(/^[A-Za-z]{2}$/, { error: 'must be a two-letter country code, like NL or US' })
  .transform((s) => s.toUpperCase());

export const MAX_USERS_PER_ASSIGN = 20;

export const MAX_LICENSES_PER_REQUEST = 50;

export const MAX_PAGE_SIZE = 999;

export const pageQuery = z.strictObject({
  $top: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_PAGE_SIZE, { error: `$top can be at most ${MAX_PAGE_SIZE}` })
    .optional(),
  $skiptoken: z.string().max(4000).optional(),
});

export const odataOption = {
  $filter: z
    .string()
    .max(2048)
    .describe(
      "Graph's $filter: eq/ne/in on accountEnabled, userType, usageLocation, department, displayName, userPrincipalName, id; startswith(displayName|userPrincipalName|department|usageLocation, '...'); and, or, not, parentheses; assignedLicenses/any(x:x/skuId eq {guid}); assignedLicenses/$count eq|ne|gt|ge|lt|le n; licenseAssignmentStates/any(x:x/state eq 'Error'); signInActivity/lastSignInDateTime eq|ne|ge|le 2026-01-01T00:00:00Z (a date without quotes). ne, not, eq null and /$count need ConsistencyLevel: eventual and $count=true",
    ),
  $search: z
    .string()
    .max(200)
    .describe(
      '"displayName:al" OR "userPrincipalName:al" (AND, OR, parentheses): each clause a case-insensitive prefix of the property; needs ConsistencyLevel: eventual',
    ),
  $orderby: z.string().max(100).describe('displayName or userPrincipalName, asc or desc; with $filter needs ConsistencyLevel: eventual and $count=true'),
  $select: z.string().max(2000).describe('comma-separated properties to return (id always comes back)'),
  $count: z
    .string()
    .regex(/^(true|false)$/i, { error: 'must be true or false' })
    .transform((v) => v.toLowerCase() === 'true')
    .describe('true adds @odata.count (all matches, not the page); needs ConsistencyLevel: eventual'),
};

const selectOnly = { $select: odataOption.$select };

export const selectQuery = z.strictObject({ $select: selectOnly.$select.optional() });

/** A query flag: `?dryRun`, `?dryRun=true` or `?dryRun=false` (a bare flag means true). */
export const flag = z.enum(['true', 'false', ''], { error: 'must be true or false (or the bare flag, meaning true)' }).transform((v) => v !== 'false');

export const idParam = z.strictObject({ id: guid });

export const collection = <T extends z.ZodType>(item: T) =>
  z.object({ '@odata.count': z.number().optional().describe('with $count=true: every match'), value: z.array(item), '@odata.nextLink': z.string().optional() });
