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
 *
 * Only the console's own page may ask: over https, with a loopback Host (`localhost`, 127.0.0.1, [::1]) on
 * the https port and the Origin of the console on one of those names. A page of another site that
 * rebinds its name to 127.0.0.1 sends its own Host and Origin; a cross-site POST sends its Origin: both
 * get 403 before the body is read. Scripts mint tokens with `npm run token` instead (it reads the key).
 */
import { DirectoryRoleName } from '../shared/domain/roles';
import type { ExtraAnswer, ExtraRequest, ExtraRoute } from './host';
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

/** This machine's loopback names, as a Host header and an origin spell them. */
const LOOPBACK = ['localhost', '127.0.0.1', '[::1]'];

/** The refusal of a sign-in request that is not the console's own page, or undefined. */
export function signInRefusal(r: ExtraRequest, httpsPort: number): ExtraAnswer | undefined {
  const page = `https://localhost:${httpsPort}/`;
  const refuse = (why: string): ExtraAnswer => ({
    status: 403,
    body: {
      error: {
        code: 'Authorization_RequestDenied',
        message: `The dev sign-in answers the admin console's own page at ${page} only: ${why}. Open the console there, or get a token for a script with npm run token.`,
      },
    },
  });
  if (!r.secure) return refuse('this request came over http');
  const hosts = LOOPBACK.map((name) => `${name}:${httpsPort}`);
  if (!r.host || !hosts.includes(r.host.toLowerCase())) return refuse(`the request names host '${r.host ?? ''}', not this machine`);
  if (!r.origin) return refuse('the request comes from no page (it has no Origin)');
  if (!hosts.map((h) => `https://${h}`).includes(r.origin.toLowerCase())) return refuse(`the request comes from a page of ${r.origin}`);
  return undefined;
}

export function devSignInRoutes(o: { tenantId: string; issuer: string; audience: string; httpsPort: number }): Record<string, ExtraRoute> {
  const roles = Object.keys(SIGN_IN_ROLES) as DirectoryRoleName[];
  return {
    [DEV_SIGNIN_PATH]: {
      guard: (r) => signInRefusal(r, o.httpsPort),
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
