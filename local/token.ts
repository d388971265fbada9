/**
 * `npm run token -- <Role> [--tenant <tenantId>] [--user <id or UPN>] [--expires <seconds>]`: prints one
 * fresh dev token and nothing else, for scripts and curl. Roles: GlobalAdministrator, LicenseAdministrator,
 * UserAdministrator, BillingAdministrator, GlobalReader, User (no admin role), App
 * (LicenseAssignment.ReadWrite.All), SignInEvents (SignInEvents.Write), Scim (ScimProvisioning.ReadWrite.All),
 * Operator (Tenants.ReadWrite.All), AuthenticationEvents (the token Entra ID sends the custom authentication
 * extension, for AUTH_EVENTS_AUDIENCE).
 * `--user` makes the token that user's own (`oid` = the user's id; a UPN is looked up in the running local
 * stack's store). Signed with the local host's dev key; not valid anywhere else.
 */
import { join } from 'node:path';
import { settings, tokenIssuer } from '../shared/config';
import { applyLocalSettings } from './settingsFile';
import { DEV_ROLES, mintDevToken, parseDevRole } from './devTokens';
import { DEMO_TENANT_ID } from './seed';

async function main() {
  const root = join(__dirname, '..', '..');
  process.chdir(root);
  applyLocalSettings(root);
  const args = process.argv.slice(2);
  const roleArg = args.find((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'));
  const role = roleArg ? parseDevRole(roleArg) : undefined;
  if (!role) {
    console.error(`usage: npm run token -- <Role> [--tenant <tenantId>] [--user <id or UPN>]\n  Role: ${DEV_ROLES.join(', ')}`);
    process.exit(2);
  }
  const flag = (name: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : undefined;
  };
  // the operator's token comes from the operator's own tenant; any other from the organization asked for
  const tenantId = (role === 'Operator' ? (process.env.OPERATOR_TENANT_ID ?? '') : (flag('tenant') ?? DEMO_TENANT_ID)).toLowerCase();
  const s = settings();
  const issuer = tokenIssuer(s); // AUTH_ISSUER, or the cloud's own v2 issuer (shared/config.ts)
  // the first of the API's audiences, or of the extension's for Entra ID's own token
  const audience = role === 'AuthenticationEvents' ? s.AUTH_EVENTS_AUDIENCE[0] : s.AUTH_AUDIENCE[0];
  if (!audience) {
    console.error('AUTH_EVENTS_AUDIENCE is empty: this stack has no custom authentication extension to make a token for.');
    process.exit(2);
  }
  const expires = flag('expires');
  const user = flag('user');
  let objectId: string | undefined;
  let name: string | undefined;
  let username: string | undefined;
  if (user && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(user)) objectId = user.toLowerCase();
  else if (user) {
    // a UPN: the user's id from the local stack's store (it must be running: `npm start`)
    const { users } = await import('../shared/storage/users');
    const doc = await users.findByUpn(tenantId, user).catch((e: Error) => {
      console.error(`could not read the local store (is \`npm start\` running?): ${e.message}`);
      process.exit(2);
    });
    if (!doc) {
      console.error(`no user '${user}' in organization ${tenantId}`);
      process.exit(2);
    }
    objectId = doc.id;
    name = doc.displayName;
    username = doc.userPrincipalName;
  }
  process.stdout.write(
    `${await mintDevToken({ role, tenantId, issuer, audience, objectId, name, username, expiresIn: expires ? Number(expires) : undefined })}\n`,
    () => process.exit(0), // the store's client (after a UPN look-up) would keep the process alive
  );
}

void main();
