/**
 * Bearer-token validation with `jose`: signature against the issuer's JWKS, issuer, audience, expiry.
 * The same code runs on Azure (Entra ID's JWKS and issuers in the deployment's cloud, AZURE_CLOUD) and
 * locally (the local host's dev JWKS), for the API's callers and for Entra ID calling the custom
 * authentication extension, each with audiences of their own.
 */
import { createHash } from 'node:crypto';
import { createRemoteJWKSet, decodeJwt, errors as joseErrors, JWTPayload, jwtVerify } from 'jose';
import { issuerTemplates, jwksUri, settings } from '../config';
import { CLOUDS, cloudOfIssuer } from '../domain/clouds';
import { ApiError, ErrorCodes } from '../errors';
import { appRolesFromClaims, Principal, rolesFromClaims } from '../domain/roles';

let jwks: ReturnType<typeof createRemoteJWKSet> | undefined;
let jwksAt: string | undefined;

function keySet() {
  const uri = jwksUri(settings());
  if (!jwks || jwksAt !== uri) {
    // jose caches the keys and refetches when a token names an unknown key id (key rollover).
    jwks = createRemoteJWKSet(new URL(uri), { cooldownDuration: 30_000, cacheMaxAge: 10 * 60_000 });
    jwksAt = uri;
  }
  return jwks;
}

const unauthenticated = (message: string) =>
  new ApiError(401, ErrorCodes.unauthenticated, message, undefined, undefined, { 'WWW-Authenticate': 'Bearer error="invalid_token"' });

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Microsoft Entra's authentication events service: the client (`azp` in v2 tokens, `appid` in v1) of the
 * token Entra ID sends with every call of a custom authentication extension ("Protect your REST API",
 * custom authentication extensions overview).
 */
export const AUTHENTICATION_EVENTS_APP_ID = '99045fe1-7639-4a75-9d4a-577b6ca3810f';

/** Who may present a token: the API's callers, or Entra ID calling the custom authentication extension. */
export type Audience = 'api' | 'authenticationEvents';

/**
 * Tokens already verified, until they expire: a portal sends the same token with every call (and Entra ID
 * its extension token with every sign-in), and the signature check is the costliest step of a request.
 * Keyed by the audience checked and the SHA-256 of the header (a token is a bearer secret and may be
 * large: neither is kept), each entry a small principal of bounded size, at most MAX_VERIFIED of them
 * (oldest dropped first).
 */
const verified = new Map<string, { principal: Principal; exp: number }>();
export const MAX_VERIFIED = 5000;
const cacheKey = (audience: Audience, authorization: string) => `${audience}:${createHash('sha256').update(authorization).digest('base64url')}`;

/** What the cache holds (tests): entries, and the characters of their keys and principals. */
export function verifiedCacheSize(): { entries: number; chars: number } {
  let chars = 0;
  for (const [k, v] of verified) chars += k.length + JSON.stringify(v.principal).length;
  return { entries: verified.size, chars };
}

/** The caller of an API route: a token for AUTH_AUDIENCE, from the deployment's cloud. */
export const authenticate = (authorization: string | null) => authenticateFor('api', authorization);

/** Entra ID calling the custom authentication extension: a token for AUTH_EVENTS_AUDIENCE, issued to Entra's authentication events app. */
export const authenticateEventsCaller = (authorization: string | null) => authenticateFor('authenticationEvents', authorization);

async function authenticateFor(audience: Audience, authorization: string | null): Promise<Principal> {
  const key = authorization ? cacheKey(audience, authorization) : undefined;
  const hit = key ? verified.get(key) : undefined;
  if (hit) {
    if (hit.exp * 1000 > Date.now()) return hit.principal;
    verified.delete(key!);
  }
  const { principal, exp } = await verify(audience, authorization);
  if (verified.size >= MAX_VERIFIED) verified.delete(verified.keys().next().value!);
  verified.set(key!, { principal, exp });
  return principal;
}

const str = (v: unknown) => (typeof v === 'string' ? v : '');

async function verify(audience: Audience, authorization: string | null): Promise<{ principal: Principal; exp: number }> {
  if (!authorization) {
    throw new ApiError(401, ErrorCodes.unauthenticated, 'Access token is missing. Send an Authorization: Bearer <token> header.', undefined, undefined, {
      'WWW-Authenticate': 'Bearer',
    });
  }
  const match = /^Bearer\s+(\S+)$/i.exec(authorization);
  if (!match) throw unauthenticated('The Authorization header must be "Bearer <token>".');
  const token = match[1];

  let unverified: JWTPayload;
  try {
    unverified = decodeJwt(token);
  } catch {
    throw unauthenticated('Access token is malformed.');
  }
  const tid = typeof unverified.tid === 'string' ? unverified.tid : '';
  if (!GUID.test(tid)) throw unauthenticated('Access token has no valid tid (tenant) claim.');
  const s = settings();
  const issuers = issuerTemplates(s).map((i) => i.replace(/\{tenantid\}/gi, tid));
  // a token of another cloud's Entra ID says where it is from; it is refused before any key is fetched
  const from = typeof unverified.iss === 'string' && !issuers.includes(unverified.iss) ? cloudOfIssuer(unverified.iss, tid) : undefined;
  if (from && from !== s.AZURE_CLOUD)
    throw unauthenticated(
      `Access token was issued by Microsoft Entra ID in ${CLOUDS[from].displayName} (${from}); this deployment is in ${CLOUDS[s.AZURE_CLOUD].displayName} (AZURE_CLOUD=${s.AZURE_CLOUD}) and accepts tokens issued there only. Sign in with your organization's account in ${s.AZURE_CLOUD}, or use the deployment for ${from}.`,
    );
  const audiences = audience === 'api' ? s.AUTH_AUDIENCE : s.AUTH_EVENTS_AUDIENCE;
  if (!audiences.length)
    throw unauthenticated(
      'This deployment has no custom authentication extension set up (AUTH_EVENTS_AUDIENCE is empty): it takes no calls from Entra ID here.',
    );

  let payload: JWTPayload;
  try {
    // RS256 only: Entra ID signs access tokens with it, and a pinned algorithm leaves no room for alg confusion
    ({ payload } = await jwtVerify(token, keySet(), {
      issuer: issuers,
      audience: audiences, // any of them (settings parse the list)
      algorithms: ['RS256'],
      clockTolerance: 60,
      requiredClaims: ['exp', 'tid'],
    }));
  } catch (e) {
    if (e instanceof joseErrors.JWTExpired) throw unauthenticated('Access token has expired. Get a new token and try again.');
    if (e instanceof joseErrors.JWTClaimValidationFailed) throw unauthenticated(`Access token is not valid for this API (${e.claim} claim).`);
    if (e instanceof joseErrors.JOSEError) throw unauthenticated('Access token validation failed: the signature does not match a trusted key.');
    throw e;
  }

  // the calling app: `azp` in v2 tokens, `appid` in v1 ones (Entra ID names the client one way or the other)
  const clientId = (payload.ver === '1.0' ? str(payload.appid) : str(payload.azp) || str(payload.appid)).toLowerCase();
  const fromEvents = clientId === AUTHENTICATION_EVENTS_APP_ID;
  if (audience === 'authenticationEvents' && !fromEvents)
    throw unauthenticated(
      `Access token was not issued to Microsoft Entra's authentication events service (${payload.ver === '1.0' ? 'appid' : 'azp'} ${AUTHENTICATION_EVENTS_APP_ID}): only Entra ID calls the custom authentication extension.`,
    );
  if (audience === 'api' && fromEvents)
    throw unauthenticated("Access token was issued to Microsoft Entra's authentication events service: it calls the custom authentication extension only.");

  const oid = str(payload.oid) || str(payload.sub);
  // App-only tokens say so in `idtyp` (an optional claim the API's app registration must emit; see
  // docs/security.md). Application permissions (`roles`) count only there, directory roles
  // (`wids`) only in delegated tokens: a user who is given an app role, or an app whose token carries
  // `wids`, gains nothing. Entra ID's extension token is app-only whatever it carries, and holds no role.
  const isApp = payload.idtyp === 'app' || fromEvents;
  const name = fromEvents
    ? 'Microsoft Entra authentication events'
    : (str(payload.name) || str(payload.preferred_username) || str(payload.app_displayname) || oid).slice(0, 256);
  const principal: Principal = {
    tenantId: tid.toLowerCase(),
    objectId: oid.toLowerCase().slice(0, 64),
    displayName: name,
    directoryRoles: isApp ? [] : rolesFromClaims(payload.wids),
    appRoles: isApp && !fromEvents ? appRolesFromClaims(payload.roles) : [],
    isApp,
    ...(GUID.test(clientId) ? { clientId } : {}),
  };
  return { principal, exp: payload.exp! };
}
