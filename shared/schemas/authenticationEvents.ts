/**
 * Microsoft Entra ID's custom authentication extension for the token issuance start event, as Microsoft
 * documents it ("Custom claims provider reference"): the request Entra ID sends
 * (microsoft.graph.authenticationEvent.tokenIssuanceStart, data onTokenIssuanceStartCalloutData) and the
 * answer it takes (onTokenIssuanceStartResponseData with one provideClaimsForToken action).
 *
 * Unlike this API's own bodies the request is not strict: it is Entra ID's protocol, and Entra ID adds
 * fields over time (B2B users carry preferredDataLocation, say); a field this service does not read is
 * ignored rather than failing a sign-in. What it reads is checked.
 */
import { z } from 'zod';
import { guid } from './common';

export const TOKEN_ISSUANCE_START_EVENT = 'microsoft.graph.authenticationEvent.tokenIssuanceStart';
export const TOKEN_ISSUANCE_START_CALLOUT_DATA = 'microsoft.graph.onTokenIssuanceStartCalloutData';
export const TOKEN_ISSUANCE_START_RESPONSE_DATA = 'microsoft.graph.onTokenIssuanceStartResponseData';
export const PROVIDE_CLAIMS_FOR_TOKEN = 'microsoft.graph.tokenIssuanceStart.provideClaimsForToken';

const text = z.string().max(1024);

const servicePrincipal = z.object({
  id: text,
  appId: guid,
  appDisplayName: text.optional(),
  displayName: text.optional(),
});

export const tokenIssuanceStartEvent = z.object({
  type: z.literal(TOKEN_ISSUANCE_START_EVENT, { error: `must be ${TOKEN_ISSUANCE_START_EVENT}: this endpoint takes the token issuance start event` }),
  source: text.describe('/tenants/{tenantId}/applications/{appId}'),
  data: z.object({
    '@odata.type': z.literal(TOKEN_ISSUANCE_START_CALLOUT_DATA, { error: `must be ${TOKEN_ISSUANCE_START_CALLOUT_DATA}` }),
    tenantId: guid,
    authenticationEventListenerId: text,
    customAuthenticationExtensionId: text,
    authenticationContext: z.object({
      correlationId: text,
      client: z.object({ ip: text.optional(), locale: text.optional(), market: text.optional() }).optional(),
      protocol: text.describe('OAUTH2.0, SAML, ...'),
      clientServicePrincipal: servicePrincipal.describe('the application the user signs in to (auto-claim knows Teams by its app id)'),
      resourceServicePrincipal: servicePrincipal,
      user: z
        .object({
          id: guid.describe("the user's Entra ID object id"),
          userPrincipalName: text.optional(),
          displayName: text.optional(),
          userType: text.optional(),
          mail: text.nullable().optional(),
        })
        .describe('the user signing in (more of the profile may come; it is not read)'),
    }),
  }),
});

export const tokenIssuanceStartResponse = z.object({
  data: z.object({
    '@odata.type': z.literal(TOKEN_ISSUANCE_START_RESPONSE_DATA),
    actions: z.array(
      z.object({
        '@odata.type': z.literal(PROVIDE_CLAIMS_FOR_TOKEN),
        claims: z
          .record(z.string(), z.union([z.string(), z.array(z.string())]))
          .describe(
            'servicePlans: the names of the service plans the user may use now (as GET /me/cloudLicensing/usageRights), at most 3 KB; empty when the user is not known here or the service could not answer in time',
          ),
      }),
    ),
  }),
});
