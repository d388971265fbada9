/**
 * Who is signed in, and what they may do. The directory roles come from the token's `wids` claim, read
 * with the service's own role table (shared/domain/roles.ts), so the console offers exactly what the API
 * allows: a control for an action the role lacks is not shown at all.
 */
import { createContext, useContext } from 'react';
import { Action, can, DirectoryRoleName, rolesFromClaims, roleDisplayName } from '../../../shared/domain/roles';

export interface Session {
  displayName: string;
  tenantId: string;
  roles: DirectoryRoleName[];
  /** A valid access token for the API (renewed silently where the sign-in allows it). */
  getToken(): Promise<string>;
  signOut(): void;
}

export interface TokenClaims {
  tid?: string;
  oid?: string;
  name?: string;
  wids?: string[];
  exp?: number;
}

/** The claims of a JWT, without checking it: the API checks it; the console only reads who and which roles. */
export function readClaims(token: string): TokenClaims {
  const payload = token.split('.')[1] ?? '';
  const json = atob(
    payload
      .replace(/-/g, '+')
      .replace(/_/g, '/')
      .padEnd(Math.ceil(payload.length / 4) * 4, '='),
  );
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (ch) => ch.charCodeAt(0)))) as TokenClaims;
}

export const rolesOf = (claims: TokenClaims) => rolesFromClaims(claims.wids);
export const roleNames = (roles: DirectoryRoleName[]) => roles.map((r) => roleDisplayName[r]);

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a signed-in console');
  return session;
}

/** May the signed-in admin do this? (Same table as the API's role middleware.) */
export function useCan(action: Action): boolean {
  const session = useSession();
  return can({ directoryRoles: session.roles, appRoles: [] }, action);
}
