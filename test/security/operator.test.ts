/**
 * Finding 1 (critical): operator routes accepted a token from any tenant, and a user token carrying the
 * operator's app role. Finding 9: the verified-token cache held whole tokens. Plus: roles count only in
 * app tokens, wids only in delegated ones, RS256 only.
 */
import { randomUUID, createHmac } from 'node:crypto';
import { AppRole, DirectoryRole } from '../../shared/domain/roles';
import { DEV_CLIENT } from '../../local/devTokens';
import { testStackEnv } from '../env';
import { call, newTenant, operatorToken, signedToken, SKU, TestTenant, tokenFor } from '../helpers';

const OPERATOR_TENANT = testStackEnv.OPERATOR_TENANT_ID;
let t: TestTenant;
beforeAll(async () => {
  t = await newTenant('Operator checks org');
});

const createTenant = (token: string) => call('POST', '/v1.0/tenants', { token, body: { id: randomUUID(), displayName: 'Rogue org' } });
const buySeats = (token: string, tenantId: string) =>
  call('POST', `/v1.0/tenants/${tenantId}/subscriptions`, { token, body: { skuId: SKU.E3, totalLicenses: 1_000_000 } });

test('the operator app (operator tenant, allow-listed client, app-only, Tenants.ReadWrite.All) may create organizations', async () => {
  const r = await createTenant(await operatorToken());
  expect(r.status).toBe(201);
});

test('an app token from any other tenant with the operator role is refused, and creates nothing', async () => {
  const rogueTenant = randomUUID();
  const rogue = await tokenFor('Operator', rogueTenant); // same client id, same role, another tenant
  const id = randomUUID();
  const r = await call('POST', '/v1.0/tenants', { token: rogue, body: { id, displayName: 'Rogue org' } });
  expect(r.status).toBe(403);
  expect(r.body.error.code).toBe('Authorization_RequestDenied');
  // buying seats in an existing organization through the operator route: refused too
  const buy = await buySeats(rogue, t.id);
  expect(buy.status).toBe(403);
  const skus = (await call('GET', '/v1.0/subscribedSkus', { token: t.tokens.reader })).body.value;
  expect(skus.filter((s: any) => s.skuId === SKU.E3)).toEqual([]);
  // the organization was not created: its own admin is told it is not set up
  expect((await call('GET', '/v1.0/organization', { token: await tokenFor('GlobalAdministrator', id) })).body.error.code).toBe('tenantNotProvisioned');
});

test('an operator-tenant app token from a client that is not allow-listed is refused', async () => {
  const token = await signedToken({ tid: OPERATOR_TENANT, idtyp: 'app', azp: DEV_CLIENT.automation, roles: [AppRole.TenantsManage] });
  expect((await createTenant(token)).status).toBe(403);
});

test('a user (delegated) token carrying the operator app role is refused: roles count only in app tokens', async () => {
  const asUser = await signedToken({ tid: OPERATOR_TENANT, idtyp: 'user', azp: DEV_CLIENT.operator, roles: [AppRole.TenantsManage], name: 'Someone' });
  expect((await createTenant(asUser)).status).toBe(403);
  // no idtyp at all (a token without the optional claim): not an app token either
  const noIdtyp = await signedToken({ tid: OPERATOR_TENANT, azp: DEV_CLIENT.operator, roles: [AppRole.TenantsManage] });
  expect((await createTenant(noIdtyp)).status).toBe(403);
  // inside an organization, an app role in a user token grants nothing either
  const userWithAppRole = await signedToken({ tid: t.id, idtyp: 'user', roles: [AppRole.ReadWriteAll] });
  expect((await call('GET', '/v1.0/users', { token: userWithAppRole })).status).toBe(403);
});

test('directory roles count only in delegated tokens: an app token carrying wids is no Global Administrator', async () => {
  const app = await signedToken({ tid: t.id, idtyp: 'app', azp: DEV_CLIENT.automation, wids: [DirectoryRole.GlobalAdministrator] });
  const r = await call('GET', '/v1.0/users', { token: app });
  expect(r.status).toBe(403);
});

test("the operator's role grants nothing inside an organization: a tenant's own app with Tenants.ReadWrite.All cannot buy itself seats", async () => {
  const own = await signedToken({ tid: t.id, idtyp: 'app', azp: randomUUID(), roles: [AppRole.TenantsManage] });
  const r = await call('POST', '/v1.0/directory/subscriptions', { token: own, body: { skuId: SKU.PROJECT, totalLicenses: 1_000_000 } });
  expect(r.status).toBe(403);
  expect((await call('GET', '/v1.0/subscribedSkus', { token: own })).status).toBe(403);
});

test('only RS256: an HS256 token (signed with the public key as the secret) is refused', async () => {
  const { devKey } = await import('../../local/devTokens');
  const k = await devKey();
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const header = b64({ alg: 'HS256', kid: k.kid, typ: 'JWT' });
  const payload = b64({
    tid: t.id,
    oid: randomUUID(),
    idtyp: 'user',
    wids: [DirectoryRole.GlobalAdministrator],
    iss: testStackEnv.AUTH_ISSUER.replace('{tenantid}', t.id),
    aud: testStackEnv.AUTH_AUDIENCE,
    iat: now,
    exp: now + 600,
  });
  const sig = createHmac('sha256', JSON.stringify(k.publicJwk)).update(`${header}.${payload}`).digest('base64url');
  const r = await call('GET', '/v1.0/users', { token: `${header}.${payload}.${sig}` });
  expect(r.status).toBe(401);
});

describe('the verified-token cache (in this process, against the test stack JWKS)', () => {
  test('keys are hashes and entries small: a 40 KB token costs the cache no more than a short one', async () => {
    const { authenticate, verifiedCacheSize } = await import('../../shared/auth/tokens');
    const before = verifiedCacheSize();
    const big = await signedToken({ tid: t.id, idtyp: 'user', wids: [DirectoryRole.GlobalReader], name: 'x'.repeat(40_000), padding: 'p'.repeat(20_000) });
    expect(big.length).toBeGreaterThan(60_000);
    const principal = await authenticate(`Bearer ${big}`);
    expect(principal.displayName.length).toBeLessThanOrEqual(256);
    const after = verifiedCacheSize();
    expect(after.entries).toBe(before.entries + 1);
    // the entry: a 43-character hash key and a bounded principal, never the token
    expect(after.chars - before.chars).toBeLessThan(1_000);
    // the same token again is a cache hit (no second entry)
    await authenticate(`Bearer ${big}`);
    expect(verifiedCacheSize().entries).toBe(after.entries);
  });

  test('the number of entries is bounded', async () => {
    const { authenticate, verifiedCacheSize, MAX_VERIFIED } = await import('../../shared/auth/tokens');
    const { mintDevToken } = await import('../../local/devTokens');
    const tokens = await Promise.all(
      Array.from({ length: MAX_VERIFIED + 20 }, () =>
        mintDevToken({ role: 'GlobalReader', tenantId: t.id, issuer: testStackEnv.AUTH_ISSUER, audience: testStackEnv.AUTH_AUDIENCE }),
      ),
    );
    for (const token of tokens) await authenticate(`Bearer ${token}`);
    expect(verifiedCacheSize().entries).toBe(MAX_VERIFIED);
  });
});

describe('audiences (in this process, against the test stack JWKS)', () => {
  test("AUTH_AUDIENCE may list the API's client id and its api:// URI: a token for either is taken, one for anything else is not", async () => {
    // Entra ID's v2 access tokens carry the API's client id as aud, v1 tokens its Application ID URI
    const clientId = '99999999-8888-4777-8666-555555555555';
    const saved = process.env.AUTH_AUDIENCE;
    process.env.AUTH_AUDIENCE = ` ${clientId} , ${testStackEnv.AUTH_AUDIENCE}`;
    try {
      let tokens!: typeof import('../../shared/auth/tokens');
      jest.isolateModules(() => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- a fresh module registry, so the settings are read again
        tokens = require('../../shared/auth/tokens');
      });
      const { mintDevToken } = await import('../../local/devTokens');
      const mint = (audience: string) => mintDevToken({ role: 'GlobalReader', tenantId: t.id, issuer: testStackEnv.AUTH_ISSUER, audience });
      expect((await tokens.authenticate(`Bearer ${await mint(clientId)}`)).tenantId).toBe(t.id);
      expect((await tokens.authenticate(`Bearer ${await mint(testStackEnv.AUTH_AUDIENCE)}`)).tenantId).toBe(t.id);
      const other = await tokens.authenticate(`Bearer ${await mint('api://another-api')}`).catch((e: { status: number; message: string }) => e);
      expect(other).toMatchObject({ status: 401, message: expect.stringMatching(/aud claim/) });
    } finally {
      process.env.AUTH_AUDIENCE = saved;
    }
  });
});
