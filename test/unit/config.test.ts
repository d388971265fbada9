import { loadSettings, SettingsError } from '../../shared/config';

const valid = {
  COSMOS_ENDPOINT: 'https://acct.documents.azure.com:443/',
  AUTH_ISSUER: 'https://login.microsoftonline.com/{tenantid}/v2.0',
  AUTH_AUDIENCE: 'api://licensing',
  AUTH_JWKS_URI: 'https://login.microsoftonline.com/common/discovery/v2.0/keys',
};

test('valid settings parse, with defaults for the optional ones', () => {
  const s = loadSettings(valid);
  // AUTH_AUDIENCE is parsed into the list of audiences a token may carry
  expect(s).toMatchObject({ ...valid, AUTH_AUDIENCE: ['api://licensing'], COSMOS_DATABASE: 'licensing', SUBSCRIPTION_CACHE_TTL_MS: 2000 });
  expect(s.COSMOS_KEY).toBeUndefined();
  expect(loadSettings({ ...valid, AUTH_AUDIENCE: ' 99999999-8888-4777-8666-555555555555, api://licensing ' }).AUTH_AUDIENCE).toEqual([
    '99999999-8888-4777-8666-555555555555',
    'api://licensing',
  ]);
  expect(() => loadSettings({ ...valid, AUTH_AUDIENCE: ' , ' })).toThrow(/AUTH_AUDIENCE: .*API app registration/);
});

test('start-up fails with one message naming every missing or malformed setting', () => {
  let error: unknown;
  try {
    loadSettings({ AUTH_AUDIENCE: 'x', AUTH_JWKS_URI: 'not a url', SUBSCRIPTION_CACHE_TTL_MS: '-5', AZURE_CLOUD: 'AzureGermany' });
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(SettingsError);
  const message = (error as Error).message;
  expect(message).toMatch(/COSMOS_ENDPOINT: missing/);
  // no AUTH_ISSUER is needed: the cloud's own issuers are taken (test/unit/clouds.test.ts)
  expect(message).not.toMatch(/AUTH_ISSUER/);
  expect(message).toMatch(/AZURE_CLOUD: AZURE_CLOUD must be one of AzureCloud, AzureUSGovernment, AzureChinaCloud/);
  expect(message).toMatch(/AUTH_JWKS_URI: .*JWKS address/);
  expect(message).not.toMatch(/AUTH_JWKS_URI: missing/);
  expect(message).toMatch(/SUBSCRIPTION_CACHE_TTL_MS/);
  expect(message).not.toMatch(/AUTH_AUDIENCE/);
});
