/**
 * Bearer-token validation with `jose`: signature against the issuer's JWKS, issuer, audience, expiry.
 * The same code runs on Azure (Entra ID's JWKS and issuer) and locally (the local host's dev JWKS).
 */
import { createHash } from 'node:crypto';
import { createRemoteJWKSet, decodeJwt, errors as joseErrors, JWTPayload, jwtVerify } from 'jose';
import { settings } from '../config';
import { ApiError, ErrorCodes } from '../errors';
import { appRolesFromClaims, Principal, rolesFromClaims } from '../domain/roles';

let jwks: ReturnType<typeof createRemoteJWKSet> | undefined;
let jwksUri: string | undefined;

function keySet() {
  const uri = settings().AUTH_JWKS_URI;
  if (!jwks || jwksUri !== uri) {
    // jose caches the keys and refetches when a token names an unknown key id (key rollover).
    jwks = createRemoteJWKSet(new URL(uri), { cooldownDuration: 30_000, cacheMaxAge: 10 * 60_000 });
    jwksUri = uri;
  }
  return jwks;
}

const unauthenticated = (message: string) =>
  new ApiError(401, ErrorCodes.unauthenticated, message, undefined, undefined, { 'WWW-Authenticate': 'Bearer error="invalid_token"' });

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Tokens already verified, until they expire: a portal sends the same token with every call, and the
 * signature check is the costliest step of a request. Keyed by the SHA-256 of the header (a token is a
 * bearer secret and may be large: neither is kept), each entry a small principal of bounded size, at
 * most MAX_VERIFIED of them (oldest dropped first).
 */
const verified = new Map<string, { principal: Principal; exp: number }>();
export const MAX_VERIFIED = 5000;
const cacheKey = (authorization: string) => createHash('sha256').update(authorization).digest('base64url');

/** What the cache holds (tests): entries, and the characters of their keys and principals. */
export function verifiedCacheSize(): { entries: number; chars: number } {
  let chars = 0;
  for (const [k, v] of verified) chars += k.length + JSON.stringify(v.principal).length;
  return { entries: verified.size, chars };
}

export async function authenticate(authorization: string | null): Promise<Principal> {
  const key = authorization ? cacheKey(authorization) : undefined;
  const hit = key ? verified.get(key) : undefined;
  if (hit) {
    if (hit.exp * 1000 > Date.now()) return hit.principal;
    verified.delete(key!);
  }
  const { principal, exp } = await verify(authorization);
  if (verified.size >= MAX_VERIFIED) verified.delete(verified.keys().next().value!);
  verified.set(key!, { principal, exp });
  return principal;
}

async function verify(authorization: string | null): Promise<{ principal: Principal; exp: number }> {
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
  const issuer = s.AUTH_ISSUER.replace(/\{tenantid\}/gi, tid);

  let payload: JWTPayload;
  try {
    // RS256 only: Entra ID signs access tokens with it, and a pinned algorithm leaves no room for alg confusion
    ({ payload } = await jwtVerify(token, keySet(), {
      issuer,
      audience: s.AUTH_AUDIENCE, // any of them (settings parse the list)
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

  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  const oid = str(payload.oid) || str(payload.sub);
  // App-only tokens say so in `idtyp` (an optional claim the API's app registration must emit; see the
  // README's security model). Application permissions (`roles`) count only there, directory roles
  // (`wids`) only in delegated tokens: a user who is given an app role, or an app whose token carries
  // `wids`, gains nothing.
  const isApp = payload.idtyp === 'app';
  const name = (str(payload.name) || str(payload.preferred_username) || str(payload.app_displayname) || oid).slice(0, 256);
  const clientId = (str(payload.azp) || str(payload.appid)).toLowerCase();
  const principal: Principal = {
    tenantId: tid.toLowerCase(),
    objectId: oid.toLowerCase().slice(0, 64),
    displayName: name,
    directoryRoles: isApp ? [] : rolesFromClaims(payload.wids),
    appRoles: isApp ? appRolesFromClaims(payload.roles) : [],
    isApp,
    ...(GUID.test(clientId) ? { clientId } : {}),
  };
  return { principal, exp: payload.exp! };
}
