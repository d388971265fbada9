/**
 * Dev tokens for the local host only: an RSA key kept in .local/ (never committed, never deployed), its
 * JWKS served by the local host, and tokens shaped like Entra ID access tokens (tid, oid, wids, roles).
 * The app validates them with the very code that validates Entra ID tokens in Azure.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { exportJWK, generateKeyPair, importJWK, JWK, SignJWT } from 'jose';
import { AppRole, DirectoryRole } from '../shared/domain/roles';
import { AUTHENTICATION_EVENTS_APP_ID } from '../shared/auth/tokens';

export const DEV_KEY_FILE = process.env.DEV_KEY_FILE ?? join(process.cwd(), '.local', 'dev-signing-key.json');

interface StoredKey {
  kid: string;
  privateJwk: JWK;
  publicJwk: JWK;
}

let loaded: StoredKey | undefined;

export async function devKey(file = DEV_KEY_FILE): Promise<StoredKey> {
  if (loaded) return loaded;
  if (existsSync(file)) {
    loaded = JSON.parse(readFileSync(file, 'utf8')) as StoredKey;
    return loaded;
  }
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = `dev-${randomUUID().slice(0, 8)}`;
  loaded = { kid, privateJwk: await exportJWK(privateKey), publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
  mkdirSync(dirname(file), { recursive: true });
  try {
    // 'wx': if another process wrote the key first, use theirs (one key per file, whoever starts first)
    writeFileSync(file, JSON.stringify(loaded), { mode: 0o600, flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    loaded = JSON.parse(readFileSync(file, 'utf8')) as StoredKey;
  }
  return loaded;
}

export async function devJwks() {
  return { keys: [(await devKey()).publicJwk] };
}

/**
 * Roles a dev token can carry: the directory roles, `Operator` (app-only, creates tenants), `User` (no admin
 * role), `App` (LicenseAssignment.ReadWrite.All), `SignInEvents` (app-only, SignInEvents.Write: an identity
 * provider's sign-in hook), `Scim` (app-only, ScimProvisioning.ReadWrite.All: a provisioning service with an
 * Entra-issued token instead of a SCIM credential), `AuthenticationEvents` (the token Entra ID sends the
 * custom authentication extension: client Entra's authentication events app, audience the extension's app
 * registration).
 */
export const DEV_ROLES = [
  'GlobalAdministrator',
  'LicenseAdministrator',
  'UserAdministrator',
  'BillingAdministrator',
  'GlobalReader',
  'Operator',
  'User',
  'App',
  'SignInEvents',
  'Scim',
  'AuthenticationEvents',
] as const;
export type DevRole = (typeof DEV_ROLES)[number];

/** Client ids the dev tokens name in `azp`: the operator's provisioning app (allow-listed in the sample settings), an automation app, the console. */
export const DEV_CLIENT = {
  operator: 'c0ffee00-0000-4000-8000-00000000a990',
  automation: 'c0ffee00-0000-4000-8000-00000000a991',
  signInHook: 'c0ffee00-0000-4000-8000-00000000a993',
  scim: 'c0ffee00-0000-4000-8000-00000000a994',
  portal: 'c0ffee00-0000-4000-8000-00000000a992',
} as const;

/** A role by its name or a short form (`Global`, `license-admin`, `reader`); `User` is the plain user, never User Administrator. */
export function parseDevRole(input: string): DevRole | undefined {
  const lower = input.toLowerCase().replace(/[^a-z]/g, '');
  const exact = DEV_ROLES.find((r) => r.toLowerCase() === lower);
  if (exact) return exact;
  if (lower === 'reader') return 'GlobalReader';
  // `Global`, `license-admin`, `UserAdmin`: an administrator role by its first word (`user` alone is the plain user, found above)
  const norm = lower.replace(/administrator$|admin$/, '');
  return DEV_ROLES.find((r) => r.endsWith('Administrator') && r.toLowerCase().replace(/administrator$/, '') === norm);
}

export interface DevTokenOptions {
  role: DevRole;
  tenantId: string;
  issuer: string;
  audience: string;
  objectId?: string;
  name?: string;
  /** preferred_username (a user's UPN with `--user`). */
  username?: string;
  /** Seconds until expiry; negative for an already expired token (tests). */
  expiresIn?: number;
}

export async function mintDevToken(o: DevTokenOptions): Promise<string> {
  const key = await devKey();
  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = { tid: o.tenantId, oid: o.objectId ?? randomUUID(), ver: '2.0' };
  if (o.role === 'AuthenticationEvents') {
    // as Entra ID's client-credentials token for the extension's app registration (v2: the client in azp)
    claims.azp = AUTHENTICATION_EVENTS_APP_ID;
    claims.azpacr = '2';
    claims.idtyp = 'app';
  } else if (o.role === 'Operator' || o.role === 'App' || o.role === 'SignInEvents' || o.role === 'Scim') {
    const app = {
      Operator: { azp: DEV_CLIENT.operator, role: AppRole.TenantsManage, name: 'Provisioning (dev)' },
      App: { azp: DEV_CLIENT.automation, role: AppRole.ReadWriteAll, name: 'License automation (dev)' },
      SignInEvents: { azp: DEV_CLIENT.signInHook, role: AppRole.SignInEventsWrite, name: 'Sign-in hook (dev)' },
      Scim: { azp: DEV_CLIENT.scim, role: AppRole.ScimProvisioning, name: 'SCIM provisioning (dev)' },
    }[o.role];
    claims.idtyp = 'app';
    claims.azp = app.azp;
    claims.roles = [app.role];
    claims.app_displayname = o.name ?? app.name;
  } else {
    claims.idtyp = 'user';
    claims.azp = DEV_CLIENT.portal;
    claims.name = o.name ?? `Dev ${o.role}`;
    claims.preferred_username = o.username ?? `${o.role.toLowerCase()}@dev.local`;
    claims.wids = o.role === 'User' ? [] : [DirectoryRole[o.role]];
  }
  const privateKey = await importJWK(key.privateJwk, 'RS256');
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT' })
    .setIssuer(o.issuer.replace(/\{tenantid\}/gi, o.tenantId))
    .setAudience(o.audience)
    .setSubject(claims.oid as string)
    .setIssuedAt(now)
    .setNotBefore(now - 5)
    .setExpirationTime(now + (o.expiresIn ?? 8 * 3600))
    .sign(privateKey);
}
