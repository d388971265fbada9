/**
 * SCIM provisioning: the organization's SCIM credentials and settings (Graph-shaped admin API), the
 * directory audit records, and the SCIM 2.0 requests as far as a schema can say (the SCIM adapter,
 * shared/provisioning, checks the rest in SCIM's own terms).
 */
import { z } from 'zod';

export const createScimCredentialBody = z.strictObject({
  displayName: z.string().trim().min(1).max(128).describe('a name to tell credentials apart, like "Entra ID provisioning"'),
  endDateTime: z.iso
    .datetime({ offset: true, error: 'must be a date and time with a zone, like 2027-06-30T00:00:00Z' })
    .optional()
    .describe('when the credential stops working: at most 2 years ahead (default: 2 years)'),
});

/** A credential as listed (Graph's passwordCredential, with this service's id and the last request seen). */
export const scimCredential = z.object({
  id: z.string(),
  keyId: z.string().describe("the same as id (Graph's passwordCredential keyId)"),
  displayName: z.string(),
  hint: z.string().describe("the secret's last four characters"),
  startDateTime: z.string(),
  endDateTime: z.string(),
  createdBy: z.object({ id: z.string(), displayName: z.string() }),
  lastRequest: z
    .object({ dateTime: z.string(), method: z.string(), path: z.string(), status: z.number() })
    .nullable()
    .describe('the last request made with it (recorded at most once a minute), null if none yet'),
});

/** The answer to creating one: the secret, shown this once (stored only as a hash). */
export const createdScimCredential = scimCredential.extend({
  secretText: z.string().describe("the bearer secret for the identity provider's Secret Token field; shown only now"),
});

export const scimCredentialParam = z.strictObject({ id: z.guid({ error: 'must be a credential id (a GUID)' }) });

/** A DNS domain name: labels of letters, digits and hyphens, at least two. */
const domainName = z
  .string()
  .trim()
  .max(48, { error: 'must be at most 48 characters (the part of a user principal name after the @)', abort: true })
  .regex(/^(?=.{1,48}$)([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,}$/, { error: 'must be a domain name, like contoso.com' })
  .transform((d) => d.toLowerCase());

export const provisioningSettings = z.object({
  scimBaseUrl: z.string().describe("the Tenant URL to give an identity provider's provisioning: this service's /scim/v2"),
  userPrincipalNameDomain: z.string().nullable().describe('the domain a SCIM userName without one gets (null: the domain of the first member user)'),
  effectiveUserPrincipalNameDomain: z.string().nullable().describe('the domain used now; null when the organization has no member user yet'),
});

export const updateProvisioningSettingsBody = z.strictObject({ userPrincipalNameDomain: domainName.nullable() });

export const directoryAudit = z.object({
  id: z.string(),
  activityDateTime: z.string(),
  activityDisplayName: z.string(),
  category: z.string(),
  operationType: z.string(),
  loggedByService: z.string(),
  result: z.string(),
  correlationId: z.string(),
  initiatedBy: z.object({
    app: z.object({ appId: z.string().nullable(), displayName: z.string(), servicePrincipalId: z.string() }).nullable(),
    user: z.object({ id: z.string(), displayName: z.string() }).nullable(),
  }),
  targetResources: z.array(
    z.object({
      id: z.string(),
      displayName: z.string().nullable(),
      type: z.string(),
      userPrincipalName: z.string().nullable().optional(),
      modifiedProperties: z.array(z.object({ displayName: z.string(), oldValue: z.string().nullable(), newValue: z.string().nullable() })),
    }),
  ),
});

// ---------------- SCIM 2.0 (RFC 7644) ----------------

/**
 * Entra ID's provisioning flags (`?aadOptscim062020`, `?AzureAdScimPatch2017`) ride on the Tenant URL an
 * admin enters, so they may reach every call: taken and ignored (the adapter accepts both PATCH styles).
 */
const entraFlags = { aadOptscim062020: z.string().optional(), AzureAdScimPatch2017: z.string().optional() };

const attributeList = z.string().max(2000).describe('comma-separated attribute names (RFC 7644 section 3.4.2.5)');

export const scimGetQuery = z.strictObject({ attributes: attributeList.optional(), excludedAttributes: attributeList.optional(), ...entraFlags });

export const scimListQuery = z.strictObject({
  filter: z
    .string()
    .max(2048)
    .describe('RFC 7644 filter: eq ne co sw ew gt ge lt le pr, and or not, parentheses, valuePath like emails[type eq "work"].value')
    .optional(),
  startIndex: z.coerce.number().int().optional().describe('1-based position of the first result (below 1 counts as 1)'),
  count: z.coerce.number().int().optional().describe('results per page, at most 1000 (negative counts as 0)'),
  attributes: attributeList.optional(),
  excludedAttributes: attributeList.optional(),
  ...entraFlags,
});

export const scimIdParam = z.strictObject({ id: z.string().max(128) });

/** A SCIM resource body (User or Group): an object; the adapter reads the attributes it keeps, in SCIM's terms. */
export const scimResourceBody = z.looseObject({ schemas: z.array(z.string()).optional() }).describe('a SCIM User or Group (RFC 7643)');

/** A SCIM PatchOp body (RFC 7644 section 3.5.2). */
export const scimPatchBody = z
  .looseObject({
    schemas: z.array(z.string()).optional(),
    Operations: z.array(z.looseObject({ op: z.string(), path: z.string().optional(), value: z.unknown().optional() })).optional(),
  })
  .describe('{ "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{ "op": "replace", "path": "...", "value": ... }] }');

export const scimResponse = z.looseObject({ schemas: z.array(z.string()) }).describe('a SCIM resource or ListResponse (application/scim+json)');

/** SCIM's error (RFC 7644 section 3.12). */
export const scimErrorResponse = z.object({
  schemas: z.array(z.literal('urn:ietf:params:scim:api:messages:2.0:Error')),
  status: z.string().describe('the HTTP status, as a string'),
  scimType: z
    .enum(['invalidFilter', 'tooMany', 'uniqueness', 'mutability', 'invalidSyntax', 'invalidPath', 'noTarget', 'invalidValue', 'sensitive'])
    .optional(),
  detail: z.string().describe('what is wrong and how to fix it'),
});
