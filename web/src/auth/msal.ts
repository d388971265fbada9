/**
 * Entra ID sign-in (Azure) with MSAL: loaded only when console-config.json asks for it, so the local
 * console never downloads it. The roles come from the ID token's `wids` claim (the console's app
 * registration emits it with groupMembershipClaims "DirectoryRole"; infra/README.md).
 */
import { createStandardPublicClientApplication, InteractionRequiredAuthError } from '@azure/msal-browser';
import type { ConsoleConfig } from '../config';
import { rolesOf, Session, TokenClaims } from './session';

export async function msalSession(config: NonNullable<ConsoleConfig['msal']>): Promise<Session | null> {
  const app = await createStandardPublicClientApplication({
    auth: { clientId: config.clientId, authority: config.authority, redirectUri: window.location.origin + window.location.pathname },
    cache: { cacheLocation: 'sessionStorage' },
  });
  const redirect = await app.handleRedirectPromise();
  const account = redirect?.account ?? app.getAllAccounts()[0];
  if (!account) {
    await app.loginRedirect({ scopes: config.scopes });
    return null; // the page leaves for Entra ID
  }
  app.setActiveAccount(account);
  const claims = (account.idTokenClaims ?? {}) as TokenClaims;
  return {
    displayName: account.name ?? account.username,
    tenantId: account.tenantId,
    roles: rolesOf(claims),
    async getToken() {
      try {
        return (await app.acquireTokenSilent({ scopes: config.scopes, account })).accessToken;
      } catch (e) {
        if (e instanceof InteractionRequiredAuthError) await app.acquireTokenRedirect({ scopes: config.scopes, account });
        throw e;
      }
    },
    signOut: () => void app.logoutRedirect({ account }),
  };
}
