/**
 * `npm start`: everything the service needs on one machine, then the app on the local Functions host.
 *   1. settings from local.settings.json (or the sample on a fresh clone)
 *   2. the emulators: Cosmos DB (@vercel/cosmosdb-server) and Azurite queues
 *   3. database and containers; demo data
 *   4. the local host on http://localhost:7071/api serving functions/index.ts's registrations, the same
 *      over https on 7072, and there at / the admin console (dist/web) with its dev sign-in
 *   5. ready-to-use dev tokens for each admin role
 * Ctrl-C stops everything. `--no-seed` skips the demo data (the tests use it); `--attach` starts only the
 * host, on emulators already running (a second worker on the same data); `--print-pids` prints the
 * emulators' process ids (tests that kill the host and keep the data).
 */
import { join } from 'node:path';
import { applyLocalSettings } from './settingsFile';

async function main() {
  const root = join(__dirname, '..', '..');
  process.chdir(root);
  const { file, port, httpsPort, cors } = applyLocalSettings(root);
  const args = process.argv.slice(2);
  const quiet = args.includes('--quiet');
  const seed = !args.includes('--no-seed');
  const attach = args.includes('--attach');

  const { startStack } = await import('./stack');
  let stack: import('./stack').Stack | undefined;
  const stop = async (code = 0) => {
    await stack?.stop();
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  try {
    stack = await startStack({ port, httpsPort, quiet, root, attach, cors });
    const host = stack.host;
    if (args.includes('--print-pids')) console.log(`EMULATOR_PIDS ${stack.emulatorPids.join(',')}`);
    if (seed) {
      const { seedDemo, DEMO_TENANT_ID } = await import('./seed');
      const { created } = await seedDemo();
      await printWelcome(stack, DEMO_TENANT_ID, created, file);
    }
    console.log(`READY ${host.url} ${stack.httpsUrl}`);
  } catch (e) {
    console.error((e as Error).message ?? e);
    await stop(1);
  }
}

async function printWelcome(stack: import('./stack').Stack, tenantId: string, created: boolean, file: string) {
  const url = stack.url;
  const { mintDevToken } = await import('./devTokens');
  const { settings, tokenIssuer } = await import('../shared/config');
  const s = settings();
  const roles = ['GlobalAdministrator', 'LicenseAdministrator', 'UserAdministrator', 'BillingAdministrator', 'GlobalReader'] as const;
  const consoleLine = stack.consoleUrl
    ? [`Admin console: ${stack.consoleUrl}  (pick an admin role to sign in; the first visit shows one certificate warning: README, "The admin console")`, '']
    : ['Admin console: not built (npm run build:web), so not served', ''];
  const lines = [
    '',
    ...consoleLine,
    `License assignment service on ${url}  (settings: ${file.split('/').pop()})`,
    `                       and on ${stack.httpsUrl}  (for Graph clients: they send tokens only over https)`,
    `  A Node.js client trusts it with: NODE_EXTRA_CA_CERTS=${stack.caFile}`,
    `Demo organization "Contoso (demo)" ${created ? 'created' : 'already there'}: tenant ${tenantId}`,
    `OpenAPI document: ${url}/openapi.json`,
    '',
    'Dev tokens (valid 8 hours; `npm run token -- <Role>` prints a fresh one):',
  ];
  for (const role of roles) {
    lines.push(`  ${role}:`, `    ${await mintDevToken({ role, tenantId, issuer: tokenIssuer(s), audience: s.AUTH_AUDIENCE[0] })}`);
  }
  lines.push(
    '',
    'Try:',
    `  TOKEN=$(npm run token -- GlobalAdministrator)`,
    `  curl -s -H "Authorization: Bearer $TOKEN" ${url}/v1.0/subscribedSkus`,
    `  curl -s -H "Authorization: Bearer $TOKEN" -H "ConsistencyLevel: eventual" "${url}/v1.0/users?\\$search=al"`,
    '',
    'Ctrl-C stops the host and the emulators.',
    '',
  );
  console.log(lines.join('\n'));
}

void main();
