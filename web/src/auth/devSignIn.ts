/**
 * The local host's sign-in: pick an admin role, get a dev token for the demo organization from the
 * local host (`POST /.local/dev-token`, a route that exists only there). Kept for this browser tab only.
 */
import type { DirectoryRoleName } from '../../../shared/domain/roles';
import { readClaims, rolesOf, Session } from './session';

const KEY = 'licensing-console.devToken';

export async function devSignIn(role: DirectoryRoleName): Promise<void> {
  const res = await fetch('.local/dev-token', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ role }) });
  const body = (await res.json()) as { access_token?: string; error?: { message: string } };
  if (!res.ok || !body.access_token) throw new Error(body.error?.message ?? `Sign-in failed (HTTP ${res.status}).`);
  sessionStorage.setItem(KEY, body.access_token);
}

/** The session of this tab, while its token is valid for at least another minute. */
export function devSession(onSignOut: () => void): Session | null {
  const token = sessionStorage.getItem(KEY);
  if (!token) return null;
  const claims = readClaims(token);
  if (!claims.exp || claims.exp * 1000 < Date.now() + 60_000) {
    sessionStorage.removeItem(KEY);
    return null;
  }
  return {
    displayName: claims.name ?? 'Admin',
    tenantId: claims.tid ?? '',
    roles: rolesOf(claims),
    getToken: async () => token,
    signOut() {
      sessionStorage.removeItem(KEY);
      onSignOut();
    },
  };
}
