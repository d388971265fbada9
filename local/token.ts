/**
 * `npm run token -- <Role> [--tenant <tenantId>] [--expires <seconds>]`: prints one fresh dev token and
 * nothing else, for scripts and curl. Roles: GlobalAdministrator, LicenseAdministrator, UserAdministrator,
 * BillingAdministrator, GlobalReader, User (no admin role), App (LicenseAssignment.ReadWrite.All),
 * Operator (Tenants.ReadWrite.All). Signed with the local host's dev key; not valid anywhere else.
 */
import { join } from 'node:path';
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
    console.error(`usage: npm run token -- <Role> [--tenant <tenantId>]\n  Role: ${DEV_ROLES.join(', ')}`);
    process.exit(2);
  }
  const flag = (name: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : undefined;
  };
  // the operator's token comes from the operator's own tenant; any other from the organization asked for
  const tenantId = (role === 'Operator' ? (process.env.OPERATOR_TENANT_ID ?? '') : (flag('tenant') ?? DEMO_TENANT_ID)).toLowerCase();
  const issuer = process.env.AUTH_ISSUER!;
  const audience = process.env.AUTH_AUDIENCE!;
  const expires = flag('expires');
  process.stdout.write(`${await mintDevToken({ role, tenantId, issuer, audience, expiresIn: expires ? Number(expires) : undefined })}\n`);
}

void main();
