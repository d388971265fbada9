/**
 * The admin console's deployment: azd builds and deploys it as the Static Web App service `web`, the
 * Function App's CORS allows the console's origin, and the console's Azure configuration
 * (console-config.json: Entra ID sign-in, the API's address) is written from the azd environment.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const read = (p: string) => readFileSync(join(ROOT, p), 'utf8');

test('azure.yaml deploys the built console (dist/web) as the Static Web App service "web", after building it and its configuration', () => {
  const yaml = read('azure.yaml');
  const web = yaml.slice(yaml.indexOf('\n  web:'));
  expect(web).toMatch(/^\s+host:\s*staticwebapp\s*$/m);
  expect(web).toMatch(/^\s+dist:\s*dist\/web\s*$/m);
  expect(web).toMatch(/prepackage:[\s\S]*run:\s*npm run build:web && node infra\/console-config\.mjs/);
});

test('the Bicep declares the Static Web App tagged for azd, and the Function App allows its origin (CORS)', () => {
  const module = read('infra/modules/static-web-app.bicep');
  expect(module).toMatch(/resource \w+ 'Microsoft\.Web\/staticSites@[\d-]+'/);
  expect(module).toMatch(/'azd-service-name':\s*'web'/);
  expect(module).toMatch(/output origin string = 'https:\/\/\$\{\w+\.properties\.defaultHostname\}'/);
  const main = read('infra/main.bicep');
  expect(main).toMatch(/module web '\.\/modules\/static-web-app\.bicep'/);
  expect(main).toMatch(/corsAllowedOrigins: concat\(\[web\.outputs\.origin\]/);
});

test('console-config.json for Azure: Entra ID sign-in for the console app, the API scope and address from the azd environment; a missing client id is named', () => {
  const out = join(mkdtempSync(join(tmpdir(), 'console-config-')), 'console-config.json');
  const env = {
    ...process.env,
    SERVICE_API_ENDPOINT: 'https://func-api-x.azurewebsites.net/api',
    CONSOLE_CLIENT_ID: '11111111-2222-4333-8444-555555555555',
    AUTH_AUDIENCE: 'api://license-assignment-service',
  };
  const ok = spawnSync(process.execPath, ['infra/console-config.mjs', out], { cwd: ROOT, env, encoding: 'utf8' });
  expect(ok.status).toBe(0);
  expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual({
    signIn: 'msal',
    apiBaseUrl: 'https://func-api-x.azurewebsites.net/api',
    msal: {
      clientId: '11111111-2222-4333-8444-555555555555',
      authority: 'https://login.microsoftonline.com/organizations',
      scopes: ['api://license-assignment-service/.default'],
    },
  });

  // the API's client id and its URI, as AUTH_AUDIENCE may list both: the scope names the API by the first
  const both = spawnSync(process.execPath, ['infra/console-config.mjs', out], {
    cwd: ROOT,
    env: { ...env, AUTH_AUDIENCE: ' 99999999-8888-4777-8666-555555555555, api://license-assignment-service' },
    encoding: 'utf8',
  });
  expect(both.status).toBe(0);
  expect(JSON.parse(readFileSync(out, 'utf8')).msal.scopes).toEqual(['99999999-8888-4777-8666-555555555555/.default']);

  const missing = spawnSync(process.execPath, ['infra/console-config.mjs', out], { cwd: ROOT, env: { ...env, CONSOLE_CLIENT_ID: '' }, encoding: 'utf8' });
  expect(missing.status).toBe(1);
  expect(missing.stderr).toMatch(/CONSOLE_CLIENT_ID is not set\. Register the console as a single-page application/);
});

test("the console signs in with the deployment's cloud: AZURE_CLOUD (the Bicep's environment().name) picks the MSAL authority; one on another cloud is refused", () => {
  const out = join(mkdtempSync(join(tmpdir(), 'console-config-')), 'console-config.json');
  const env = {
    ...process.env,
    SERVICE_API_ENDPOINT: 'https://func-api-x.azurewebsites.us/api',
    CONSOLE_CLIENT_ID: '11111111-2222-4333-8444-555555555555',
    AUTH_AUDIENCE: 'api://license-assignment-service',
    CONSOLE_AUTHORITY: '',
  };
  const authorityIn = (cloud: string) => {
    const r = spawnSync(process.execPath, ['infra/console-config.mjs', out], { cwd: ROOT, env: { ...env, AZURE_CLOUD: cloud }, encoding: 'utf8' });
    expect(r.status).toBe(0);
    return JSON.parse(readFileSync(out, 'utf8')).msal.authority;
  };
  expect(authorityIn('AzureCloud')).toBe('https://login.microsoftonline.com/organizations');
  expect(authorityIn('AzureUSGovernment')).toBe('https://login.microsoftonline.us/organizations');
  expect(authorityIn('AzureChinaCloud')).toBe('https://login.partner.microsoftonline.cn/organizations');

  const oneTenant = spawnSync(process.execPath, ['infra/console-config.mjs', out], {
    cwd: ROOT,
    env: { ...env, AZURE_CLOUD: 'AzureUSGovernment', CONSOLE_AUTHORITY: 'https://login.microsoftonline.us/c0ffee00-0000-4000-8000-0000000000c1' },
    encoding: 'utf8',
  });
  expect(oneTenant.status).toBe(0);
  expect(JSON.parse(readFileSync(out, 'utf8')).msal.authority).toBe('https://login.microsoftonline.us/c0ffee00-0000-4000-8000-0000000000c1');

  const wrongCloud = spawnSync(process.execPath, ['infra/console-config.mjs', out], {
    cwd: ROOT,
    env: { ...env, AZURE_CLOUD: 'AzureUSGovernment', CONSOLE_AUTHORITY: 'https://login.microsoftonline.com/organizations' },
    encoding: 'utf8',
  });
  expect(wrongCloud.status).toBe(1);
  expect(wrongCloud.stderr).toMatch(/CONSOLE_AUTHORITY https:\/\/login\.microsoftonline\.com\/organizations is not on https:\/\/login\.microsoftonline\.us/);

  const unknown = spawnSync(process.execPath, ['infra/console-config.mjs', out], {
    cwd: ROOT,
    env: { ...env, AZURE_CLOUD: 'AzureGermanCloud' },
    encoding: 'utf8',
  });
  expect(unknown.status).toBe(1);
  expect(unknown.stderr).toMatch(/AZURE_CLOUD is AzureGermanCloud: it must be one of AzureCloud, AzureUSGovernment, AzureChinaCloud/);
});
