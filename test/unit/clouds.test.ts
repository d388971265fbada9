/**
 * The clouds table (shared/domain/clouds.ts): per cloud, the issuers a deployment accepts, where an
 * issuer comes from, the signing keys and the console's authority; which products a deployment sells; and
 * the settings that pick the cloud.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AZURE_CLOUDS,
  AzureCloudName,
  cloudOfIssuer,
  CLOUDS,
  cloudServing,
  issuersOf,
  jwksUriOf,
  organizationsAuthorityOf,
  soldIn,
} from '../../shared/domain/clouds';
import { issuerTemplates, jwksUri, loadSettings, tokenIssuer } from '../../shared/config';

const TID = 'c0ffee00-0000-4000-8000-0000000000c1';
const base = { COSMOS_ENDPOINT: 'https://acct.documents.azure.com:443/', AUTH_AUDIENCE: 'api://licensing' };

// per cloud: its v2 and v1 issuers (Entra ID signs access tokens with one or the other), its authority
const expected: Record<AzureCloudName, { v2: string; v1: string; authority: string }> = {
  AzureCloud: { v2: `https://login.microsoftonline.com/${TID}/v2.0`, v1: `https://sts.windows.net/${TID}/`, authority: 'https://login.microsoftonline.com' },
  AzureUSGovernment: {
    v2: `https://login.microsoftonline.us/${TID}/v2.0`,
    v1: `https://login.microsoftonline.us/${TID}/`,
    authority: 'https://login.microsoftonline.us',
  },
  AzureChinaCloud: {
    v2: `https://login.partner.microsoftonline.cn/${TID}/v2.0`,
    v1: `https://sts.chinacloudapi.cn/${TID}/`,
    authority: 'https://login.partner.microsoftonline.cn',
  },
};

describe.each(AZURE_CLOUDS)('%s', (cloud) => {
  const e = expected[cloud];

  test('accepts its own v2 and v1 issuers, with the token tenant, and says which cloud an issuer is from', () => {
    expect(issuersOf(cloud, TID)).toEqual([e.v2, e.v1]);
    expect(cloudOfIssuer(e.v2, TID)).toBe(cloud);
    expect(cloudOfIssuer(e.v1, TID)).toBe(cloud);
    // another tenant's issuer is no issuer of this token
    expect(cloudOfIssuer(e.v2.replace(TID, 'c0ffee00-0000-4000-8000-0000000000c2'), TID)).toBeUndefined();
  });

  test("no other cloud's issuer is one of its own", () => {
    for (const other of AZURE_CLOUDS.filter((c) => c !== cloud)) for (const iss of issuersOf(other, TID)) expect(issuersOf(cloud, TID)).not.toContain(iss);
  });

  test('keys and the console authority are on its own Entra ID host', () => {
    expect(jwksUriOf(cloud)).toBe(`${e.authority}/common/discovery/v2.0/keys`);
    expect(organizationsAuthorityOf(cloud)).toBe(`${e.authority}/organizations`);
  });

  test('settings: AZURE_CLOUD picks the issuers and keys, unless AUTH_ISSUER / AUTH_JWKS_URI name others', () => {
    const s = loadSettings({ ...base, AZURE_CLOUD: cloud });
    expect(s.AZURE_CLOUD).toBe(cloud);
    expect(issuerTemplates(s).map((t) => t.replace('{tenantid}', TID))).toEqual([e.v2, e.v1]);
    expect(tokenIssuer(s).replace('{tenantid}', TID)).toBe(e.v2);
    expect(jwksUri(s)).toBe(jwksUriOf(cloud));
    const dev = loadSettings({ ...base, AZURE_CLOUD: cloud, AUTH_ISSUER: 'https://login.dev.local/{tenantid}/v2.0', AUTH_JWKS_URI: 'http://127.0.0.1:1/jwks' });
    expect(issuerTemplates(dev)).toEqual(['https://login.dev.local/{tenantid}/v2.0']);
    expect(jwksUri(dev)).toBe('http://127.0.0.1:1/jwks');
  });

  test('an organization of its cloud is served here', () => {
    for (const org of CLOUDS[cloud].organizationClouds) expect(cloudServing(org)).toBe(cloud);
  });
});

test('which products a deployment sells: the product clouds, a product without them being the worldwide cloud only', () => {
  expect(soldIn(undefined, 'AzureCloud')).toBe(true);
  expect(soldIn([], 'AzureCloud')).toBe(true);
  expect(soldIn(undefined, 'AzureUSGovernment')).toBe(false);
  expect(soldIn(undefined, 'AzureChinaCloud')).toBe(false);
  expect(soldIn(['AzureUSGovernment'], 'AzureUSGovernment')).toBe(true);
  expect(soldIn(['AzureUSGovernment'], 'AzureCloud')).toBe(false);
  expect(soldIn(['AzureCloud', 'AzureChinaCloud'], 'AzureChinaCloud')).toBe(true);
  expect(soldIn(['AzureCloud', 'AzureChinaCloud'], 'AzureUSGovernment')).toBe(false);
});

test('Microsoft Cloud Germany (closed in 2021): its organizations are the worldwide deployment’s', () => {
  expect(cloudServing('Germany')).toBe('AzureCloud');
  expect(cloudServing('Worldwide')).toBe('AzureCloud');
  expect(cloudServing('USGovernment')).toBe('AzureUSGovernment');
  expect(cloudServing('China')).toBe('AzureChinaCloud');
});

test('AZURE_CLOUD defaults to the worldwide cloud and takes only the names Bicep environment().name gives', () => {
  expect(loadSettings(base).AZURE_CLOUD).toBe('AzureCloud');
  expect(() => loadSettings({ ...base, AZURE_CLOUD: 'AzureGermanCloud' })).toThrow(
    /AZURE_CLOUD: AZURE_CLOUD must be one of AzureCloud, AzureUSGovernment, AzureChinaCloud/,
  );
  expect(() => loadSettings({ ...base, AZURE_CLOUD: 'azurecloud' })).toThrow(/AZURE_CLOUD/);
});

test("the extension's audience is an app registration of its own: one shared with the API is refused at start-up", () => {
  expect(loadSettings({ ...base, AUTH_EVENTS_AUDIENCE: ' 11111111-2222-4333-8444-555555555555 , api://events ' }).AUTH_EVENTS_AUDIENCE).toEqual([
    '11111111-2222-4333-8444-555555555555',
    'api://events',
  ]);
  expect(loadSettings(base).AUTH_EVENTS_AUDIENCE).toEqual([]);
  expect(() => loadSettings({ ...base, AUTH_EVENTS_AUDIENCE: 'API://LICENSING' })).toThrow(
    /AUTH_EVENTS_AUDIENCE: API:\/\/LICENSING is also in AUTH_AUDIENCE: the authentication extension needs an app registration of its own/,
  );
});

test('the console configuration script reads the same table (infra/console-config.mjs)', () => {
  const script = readFileSync(join(__dirname, '..', '..', 'infra', 'console-config.mjs'), 'utf8');
  expect(script).toMatch(/shared\/domain\/clouds\.json/);
});
