/** Users: Graph's create and update bodies, the user view, list queries. */
import { z } from 'zod';
import { MAX_UPN_LENGTH } from '../domain/upn';
import { countryCode, guid, odataOption, pageQuery, userPrincipalName } from './common';
import { errorParameters } from './errors';

export const userListQuery = pageQuery.extend({
  $filter: odataOption.$filter.optional(),
  $search: odataOption.$search.optional(),
  $orderby: odataOption.$orderby.optional(),
  $select: odataOption.$select.optional(),
  $count: odataOption.$count.optional(),
});

/** `GET /users/$count`: the number of users matching, as text. */
export const userCountQuery = z.strictObject({ $filter: odataOption.$filter.optional(), $search: odataOption.$search.optional() });

export const userType = z.enum(['Member', 'Guest']);

/** Graph's mailNickname: the mail alias, at most 64 characters, none of `@ ( ) \ [ ] " ; : < > ,` or spaces. */
export const mailNickname = z
  .string()
  .max(64, { error: 'must be at most 64 characters', abort: true })
  .regex(/^[^@()\\[\]";:<>,\s]+$/, { error: 'must be a mail alias: no spaces and none of @ ( ) \\ [ ] " ; : < > ,' });

/**
 * Entra ID's password rules for a new user: 8 to 256 characters of A-Z, a-z, 0-9, the usual symbols and
 * spaces, with three of the four kinds. Checked because a Graph client sends it; then dropped: this
 * service signs nobody in, so the password is never stored or logged.
 */
const password = z
  .string()
  .max(256, { error: 'must be at most 256 characters', abort: true })
  .refine(
    (p) =>
      p.length >= 8 &&
      /^[A-Za-z0-9@#$%^&*\-_!+=[\]{}|\\:',.?/`~"();<> ]+$/.test(p) &&
      [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((r) => r.test(p)).length >= 3,
    { error: 'does not meet the password complexity requirements: 8 to 256 characters with three of lowercase, uppercase, digits and symbols' },
  );

export const passwordProfile = z.strictObject({
  password,
  forceChangePasswordNextSignIn: z.boolean().optional(),
  forceChangePasswordNextSignInWithMfa: z.boolean().optional(),
});

export const createUserBody = z.strictObject({
  displayName: z.string().trim().min(1).max(256),
  userPrincipalName,
  /** Graph requires it; here it defaults to the part of the user principal name before the @. */
  mailNickname: mailNickname.optional(),
  /** Validated as Entra ID would, then discarded (never stored, never logged): the service signs nobody in. */
  passwordProfile: passwordProfile.optional(),
  givenName: z.string().max(64).optional(),
  surname: z.string().max(64).optional(),
  mail: z.string().max(254, { abort: true }).pipe(z.email()).optional(),
  usageLocation: countryCode.nullable().optional(),
  accountEnabled: z.boolean().default(true),
  userType: userType.default('Member'),
  department: z.string().max(64).optional(),
  jobTitle: z.string().max(128).optional(),
});

export const updateUserBody = z
  .strictObject({
    displayName: z.string().trim().min(1).max(256).optional(),
    /** A new sign-in name: free in the organization (409 otherwise), as in Entra ID. */
    userPrincipalName: userPrincipalName.optional(),
    mailNickname: mailNickname.optional(),
    givenName: z.string().max(64).nullable().optional(),
    surname: z.string().max(64).nullable().optional(),
    usageLocation: countryCode.nullable().optional(),
    accountEnabled: z.boolean().optional(),
    userType: userType.optional(),
    department: z.string().max(64).nullable().optional(),
    jobTitle: z.string().max(128).nullable().optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { error: 'give at least one property to change' });

/** A user by object id or by userPrincipalName, as Graph accepts. */
export const userRef = z.union(
  [
    guid,
    z
      .string()
      .max(MAX_UPN_LENGTH, { abort: true })
      .regex(/^[^@\s/]+@[^@\s/]+$/),
  ],
  { error: 'must be a user id (GUID) or a userPrincipalName' },
);

export const userRefParam = z.strictObject({ id: userRef });

export const assignedLicense = z.object({ skuId: z.string(), disabledPlans: z.array(z.string()) });

export const licenseAssignmentState = z.object({
  skuId: z.string(),
  disabledPlans: z.array(z.string()),
  assignedByGroup: z.string().nullable(),
  state: z.string(),
  error: z.string(),
  errorMessage: z.string().optional().describe('why the group license failed for this user, and how to fix it'),
  errorCode: z
    .string()
    .optional()
    .describe("the rule's code (error is Graph's coarser value): CountViolation, usageLocationRequired, Authorization_RequestDenied, ..."),
  errorParameters: errorParameters.optional().describe("the rule's parameters, as on an error detail (groupId: the group it came through)"),
  lastUpdatedDateTime: z.string(),
});

export const user = z.object({
  '@odata.etag': z.string(),
  id: z.string(),
  displayName: z.string(),
  userPrincipalName: z.string(),
  mailNickname: z.string(),
  givenName: z.string().nullable(),
  surname: z.string().nullable(),
  mail: z.string().nullable(),
  usageLocation: z.string().nullable(),
  accountEnabled: z.boolean(),
  userType: userType,
  department: z.string().nullable(),
  jobTitle: z.string().nullable(),
  createdDateTime: z.string(),
  signInActivity: z
    .object({ lastSignInDateTime: z.string().nullable() })
    .optional()
    .describe('when the user last signed in (POST /signInEvents records it); returned only with $select=signInActivity, as in Graph'),
  assignedLicenses: z.array(assignedLicense),
  licenseAssignmentStates: z.array(licenseAssignmentState),
});
