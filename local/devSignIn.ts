/**
 * The admin console's sign-in on the local host, in place of Entra ID: the console's sign-in page posts
 * the admin role to pick and gets back a dev token for it, as MSAL gets an access token from Entra ID in
 * Azure. Local only: wired in local/stack.ts next to the dev JWKS, signed with the dev key that only the
 * local host trusts, and never part of functions/ (test/integration/console.test.ts proves the
 * deployed entry registers no such route).
 *
 *   POST /.local/dev-token  { "role": "LicenseAdministrator" }  ->  { access_token, token_type, expires_in }
 *   GET  /console-config.json  ->  how the console signs in here ({ signIn: "dev" })
 *
 * Tokens are for one organization only: the demo organization, or DEV_SIGNIN_TENANT_ID.
 */
import { DirectoryRoleName } from '../shared/domain/roles';
import type { ExtraRoute } from './host';
import { mintDevToken } from './devTokens';

export const DEV_SIGNIN_PATH = '/.local/dev-token';
export const CONSOLE_CONFIG_PATH = '/console-config.json';

const EXPIRES_IN = 8 * 3600;

/**
 * The roles the sign-in page offers, each with a fixed object id and name (a dev admin, not one of the
 * demo users) so the audit log shows the same actor for every sign-in with that role.
 */
export const SIGN_IN_ROLES: Record<DirectoryRoleName, { objectId: string; name: string }> = {
  GlobalAdministrator: { objectId: '0d000000-0000-4000-8000-000000000001', name: 'Kat Larsson' },
  LicenseAdministrator: { objectId: '0d000000-0000-4000-8000-000000000002', name: 'Henrik Jansen' },
  UserAdministrator: { objectId: '0d000000-0000-4000-8000-000000000003', name: 'Sanne de Vries' },
  BillingAdministrator: { objectId: '0d000000-0000-4000-8000-000000000004', name: 'Ravi Patel' },
  GlobalReader: { objectId: '0d000000-0000-4000-8000-000000000005', name: 'Eva Smit' },
};

export function devSignInRoutes(o: { tenantId: string; issuer: string; audience: string }): Record<string, ExtraRoute> {
  const roles = Object.keys(SIGN_IN_ROLES) as DirectoryRoleName[];
  return {
    [DEV_SIGNIN_PATH]: {
      async post(body) {
        const role = (body as { role?: unknown } | null)?.role;
        if (typeof role !== 'string' || !roles.includes(role as DirectoryRoleName)) {
          return {
            status: 400,
            body: { error: { code: 'invalidRequest', message: `Pick one of these roles: ${roles.join(', ')}.`, target: 'role' } },
          };
        }
        const who = SIGN_IN_ROLES[role as DirectoryRoleName];
        const access_token = await mintDevToken({
          role: role as DirectoryRoleName,
          tenantId: o.tenantId,
          issuer: o.issuer,
          audience: o.audience,
          expiresIn: EXPIRES_IN,
          ...who,
        });
        return { status: 200, body: { access_token, token_type: 'Bearer', expires_in: EXPIRES_IN } };
      },
    },
    [CONSOLE_CONFIG_PATH]: async () => ({ signIn: 'dev' }),
  };
}
