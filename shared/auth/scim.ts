/**
 * Who calls /scim/v2: an identity provider's provisioning service. Two ways in, as Entra ID's provisioning
 * offers them:
 * - the organization's SCIM credential, a long-lived bearer secret an admin pasted into the provider's
 *   "Secret Token" field: `scim_{tenant id, 32 hex}_{43 characters: 32 random bytes, base64url}`. The
 *   secret names its organization, so authenticating is one point read of `scimCredential-{sha256}` in
 *   that organization's partition; a secret of another organization, a revoked or an expired one, finds
 *   nothing usable and is a 401 like any bad token;
 * - an Entra-issued app-only token for this API with the ScimProvisioning.ReadWrite.All application
 *   permission (checked by the pipeline's role step), validated like every token (shared/auth/tokens.ts).
 *
 * SHA-256 is the right hash here, not a slow password hash: the secret is 256 random bits, so there is
 * nothing to guess from the hash, and a slow hash would cost every provisioning request.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { ApiError, ErrorCodes } from '../errors';
import { AppRole, Principal } from '../domain/roles';
import { ScimCredentialDoc, scimCredentials } from '../storage/scim';
import { authenticate } from './tokens';
import { log } from '../log';

const SECRET = /^scim_([0-9a-f]{32})_([A-Za-z0-9_-]{43})$/;

export const secretHash = (secret: string) => createHash('sha256').update(secret).digest('base64url');

/** A new secret for an organization: its id without dashes, then 32 random bytes. */
export function newSecret(tenantId: string): string {
  return `scim_${tenantId.replace(/-/g, '').toLowerCase()}_${randomBytes(32).toString('base64url')}`;
}

const tenantOf = (hex: string) => `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;

const refused = () =>
  new ApiError(
    401,
    ErrorCodes.unauthenticated,
    "The SCIM credential is not valid: it was revoked, it expired, or it is not this service's. Create a new one under Settings > Provisioning and paste it into your identity provider's Secret Token field.",
    undefined,
    undefined,
    { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
  );

/**
 * Credentials recently read, by hash: a provisioning cycle sends thousands of requests with one secret.
 * Kept CACHE_MS at most, so a credential revoked on another instance stops working there within that
 * time (on the instance that revoked it, at once: `forget`). Expiry is checked on every request.
 */
const CACHE_MS = 15_000;
const MAX_CACHED = 1000;
const cache = new Map<string, { doc: ScimCredentialDoc; at: number }>();
/** credentialId -> its document's id, for recording its use. */
const docIds = new Map<string, string>();

export function forgetCredential(hash: string): void {
  cache.delete(hash);
}

/**
 * Secrets that found no credential, for as long: a client repeating a wrong or revoked secret (a
 * provider retrying) costs one read, not one per request. A new credential's secret was never seen, so
 * nothing here can hide it.
 */
const unknown = new Map<string, number>();

async function credentialFor(tenantId: string, hash: string, now: number): Promise<ScimCredentialDoc | undefined> {
  const hit = cache.get(hash);
  if (hit && now - hit.at < CACHE_MS && hit.doc.tenantId === tenantId) return hit.doc;
  const missed = unknown.get(`${tenantId}|${hash}`);
  if (missed !== undefined && now - missed < CACHE_MS) return undefined;
  const doc = await scimCredentials.byHash(tenantId, hash);
  if (!doc) {
    cache.delete(hash);
    if (unknown.size >= MAX_CACHED) unknown.delete(unknown.keys().next().value!);
    unknown.set(`${tenantId}|${hash}`, now);
    return undefined;
  }
  if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value!);
  cache.set(hash, { doc, at: now });
  if (docIds.size >= MAX_CACHED) docIds.delete(docIds.keys().next().value!);
  docIds.set(doc.credentialId, doc.id);
  return doc;
}

/** The caller of a SCIM request: a credential's principal, or a token's (whose permission the role step checks). */
export async function authenticateScim(authorization: string | null, now = Date.now()): Promise<Principal> {
  const bearer = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
  const m = bearer ? SECRET.exec(bearer) : null;
  if (!m) {
    // a bearer that is not a SCIM secret is a token (or nothing): the usual validation and its messages
    return authenticate(authorization);
  }
  const tenantId = tenantOf(m[1]);
  const hash = secretHash(bearer!);
  const doc = await credentialFor(tenantId, hash, now);
  if (!doc || !timingSafeEqual(Buffer.from(doc.secretHash), Buffer.from(hash))) throw refused();
  if (Date.parse(doc.endDateTime) <= now) {
    log.warn('expired SCIM credential used', { tenantId, credentialId: doc.credentialId });
    throw refused();
  }
  return {
    tenantId,
    objectId: doc.credentialId,
    displayName: doc.displayName,
    directoryRoles: [],
    appRoles: [AppRole.ScimProvisioning],
    isApp: true,
    credentialId: doc.credentialId,
  };
}

/** When each credential's last request was recorded on this instance (at most once a minute each). */
const RECORD_EVERY_MS = 60_000;
const recorded = new Map<string, number>();

/**
 * Records the request on the credential, for the console's "last request seen": at most once a minute per
 * credential and instance, so a provisioning cycle costs a write a minute, not one per request.
 */
export async function noteCredentialUse(principal: Principal, request: { method: string; path: string; status: number }, now = Date.now()): Promise<void> {
  if (!principal.credentialId) return;
  const docId = docIds.get(principal.credentialId);
  if (!docId) return;
  if (now - (recorded.get(principal.credentialId) ?? 0) < RECORD_EVERY_MS) return;
  recorded.set(principal.credentialId, now);
  if (recorded.size > MAX_CACHED) recorded.delete(recorded.keys().next().value!);
  await scimCredentials
    .recordRequest(principal.tenantId, docId, { dateTime: new Date(now).toISOString(), ...request })
    .catch((e) => log.warn('SCIM credential use not recorded', { tenantId: principal.tenantId, error: String(e) }));
}
