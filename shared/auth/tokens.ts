/**
 * Bearer-token validation with `jose`: signature against the issuer's JWKS, issuer, audience, expiry.
 * The same code runs on Azure (Entra ID's JWKS and issuer) and locally (the local host's dev JWKS).
 */
import { createRemoteJWKSet, decodeJwt, errors as joseErrors, JWTPayload, jwtVerify } from 'jose';
import { settings } from '../config';
import { ApiError, ErrorCodes } from '../errors';
import { Principal, rolesFromClaims } from '../domain/roles';

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
 * signature check is the costliest step of a request. Bounded; a token is a bearer secret, so only its
 * exact string finds the entry.
 */
const verified = new Map<string, { principal: Principal; exp: number }>();
const MAX_VERIFIED = 5000;

export async function authenticate(authorization: string | null): Promise<Principal> {
  const hit = authorization ? verified.get(authorization) : undefined;
  if (hit) {
    if (hit.exp * 1000 > Date.now()) return hit.principal;
    verified.delete(authorization!);
  }
  const { principal, exp } = await verify(authorization);
  if (verified.size >= MAX_VERIFIED) verified.delete(verified.keys().next().value!);
  verified.set(authorization!, { principal, exp });
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
    ({ payload } = await jwtVerify(token, keySet(), { issuer, audience: s.AUTH_AUDIENCE, clockTolerance: 60, requiredClaims: ['exp', 'tid'] }));
  } catch (e) {
    if (e instanceof joseErrors.JWTExpired) throw unauthenticated('Access token has expired. Get a new token and try again.');
    if (e instanceof joseErrors.JWTClaimValidationFailed) throw unauthenticated(`Access token is not valid for this API (${e.claim} claim).`);
    if (e instanceof joseErrors.JOSEError) throw unauthenticated('Access token validation failed: the signature does not match a trusted key.');
    throw e;
  }

  const oid = typeof payload.oid === 'string' ? payload.oid : typeof payload.sub === 'string' ? payload.sub : '';
  const appRoles = Array.isArray(payload.roles) ? payload.roles.filter((r): r is string => typeof r === 'string') : [];
  const isApp = payload.idtyp === 'app' || (!payload.wids && appRoles.length > 0 && !payload.upn && !payload.preferred_username);
  const name =
    (typeof payload.name === 'string' && payload.name) ||
    (typeof payload.preferred_username === 'string' && payload.preferred_username) ||
    (typeof payload.app_displayname === 'string' && payload.app_displayname) ||
    oid;
  const principal: Principal = {
    tenantId: tid.toLowerCase(),
    objectId: oid.toLowerCase(),
    displayName: name,
    directoryRoles: rolesFromClaims(payload.wids),
    appRoles,
    isApp,
  };
  return { principal, exp: payload.exp! };
}
