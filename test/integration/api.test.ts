/**
 * The API's edges: tokens, tenant isolation, malformed input, etags, paging, the OpenAPI document.
 */
import { randomUUID } from 'node:crypto';
import { SignJWT, generateKeyPair } from 'jose';
import { addBody, call, newTenant, SKU, TestTenant, tokenFor } from '../helpers';
import { testStackEnv } from '../env';

let t: TestTenant;
let other: TestTenant;
beforeAll(async () => {
  [t, other] = await Promise.all([newTenant('Edge org'), newTenant('Other org')]);
  await t.buy(SKU.E3, 10);
  await other.buy(SKU.E3, 10);
});

describe('tokens', () => {
  test('no token, a malformed header, a garbage token: 401 with the reason', async () => {
    const none = await call('GET', '/v1.0/subscribedSkus');
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe('InvalidAuthenticationToken');
    expect(none.headers.get('www-authenticate')).toMatch(/Bearer/);
    expect((await call('GET', '/v1.0/subscribedSkus', { headers: { authorization: 'Basic abc' } })).status).toBe(401);
    expect((await call('GET', '/v1.0/subscribedSkus', { token: 'not.a.jwt' })).status).toBe(401);
  });

  test('expired, wrong audience, wrong issuer, foreign signing key: 401', async () => {
    const expired = await tokenFor('GlobalAdministrator', t.id, { expiresIn: -3600 });
    const r = await call('GET', '/v1.0/subscribedSkus', { token: expired });
    expect(r.status).toBe(401);
    expect(r.body.error.message).toMatch(/expired/);

    const { privateKey } = await generateKeyPair('RS256');
    const now = Math.floor(Date.now() / 1000);
    const sign = (claims: Record<string, unknown>, iss: string, aud: string, key = privateKey) =>
      new SignJWT({ tid: t.id, oid: randomUUID(), wids: ['62e90394-69f5-4237-9190-012177145e10'], ...claims })
        .setProtectedHeader({ alg: 'RS256', kid: 'evil' })
        .setIssuer(iss)
        .setAudience(aud)
        .setIssuedAt(now)
        .setExpirationTime(now + 600)
        .sign(key);
    const iss = testStackEnv.AUTH_ISSUER.replace('{tenantid}', t.id);
    expect((await call('GET', '/v1.0/subscribedSkus', { token: await sign({}, iss, testStackEnv.AUTH_AUDIENCE) })).status).toBe(401);

    // correctly signed tokens with the wrong audience or issuer
    const { devKey } = await import('../../local/devTokens');
    const { importJWK } = await import('jose');
    const k = await devKey();
    const good = await importJWK(k.privateJwk, 'RS256');
    const signGood = (iss2: string, aud: string) =>
      new SignJWT({ tid: t.id, oid: randomUUID(), wids: ['62e90394-69f5-4237-9190-012177145e10'] })
        .setProtectedHeader({ alg: 'RS256', kid: k.kid })
        .setIssuer(iss2)
        .setAudience(aud)
        .setIssuedAt(now)
        .setExpirationTime(now + 600)
        .sign(good);
    expect((await call('GET', '/v1.0/subscribedSkus', { token: await signGood(iss, testStackEnv.AUTH_AUDIENCE) })).status).toBe(200);
    const wrongAud = await call('GET', '/v1.0/subscribedSkus', { token: await signGood(iss, 'api://someone-else') });
    expect(wrongAud.status).toBe(401);
    expect(wrongAud.body.error.message).toMatch(/aud/);
    // issued for another tenant than the tid it claims
    const otherIss = testStackEnv.AUTH_ISSUER.replace('{tenantid}', other.id);
    expect((await call('GET', '/v1.0/subscribedSkus', { token: await signGood(otherIss, testStackEnv.AUTH_AUDIENCE) })).status).toBe(401);
  });

  test('a valid token of an organization that is not set up here: 403, saying so', async () => {
    const r = await call('GET', '/v1.0/subscribedSkus', { token: await tokenFor('GlobalAdministrator', randomUUID()) });
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('tenantNotProvisioned');
  });

  test('a signed-in user without an admin role cannot read; only the operator creates organizations', async () => {
    const r = await call('GET', '/v1.0/users', { token: t.tokens.plain });
    expect(r.status).toBe(403);
    const create = await call('POST', '/v1.0/tenants', { token: t.tokens.global, body: { displayName: 'Nope' } });
    expect(create.status).toBe(403);
  });
});

describe('tenant isolation', () => {
  test("another organization's users, subscriptions and licenses are invisible and untouchable", async () => {
    const mine = await t.createUser({ displayName: 'Mine Only' });
    const theirs = await other.createUser({ displayName: 'Theirs Only' });
    expect((await call('GET', `/v1.0/users/${theirs.id}`, { token: t.tokens.global })).status).toBe(404);
    expect((await call('GET', `/v1.0/users/${theirs.id}/licenseDetails`, { token: t.tokens.global })).status).toBe(404);
    const assign = await t.assign(theirs.id, addBody(SKU.E3), t.tokens.global);
    expect(assign.status).toBe(404);
    expect(assign.body.error.message).not.toMatch(/Theirs/);
    expect((await call('GET', `/v1.0/subscribedSkus/${other.id}_${SKU.E3}`, { token: t.tokens.global })).status).toBe(404);
    expect((await call('PATCH', `/v1.0/directory/subscriptions/${other.id}_${SKU.E3}`, { token: t.tokens.global, body: { totalLicenses: 1 } })).status).toBe(
      404,
    );
    const list = await call('GET', '/v1.0/users?$top=999', { token: t.tokens.global });
    expect(list.body.value.map((u: any) => u.id)).toContain(mine.id);
    expect(list.body.value.map((u: any) => u.id)).not.toContain(theirs.id);
    expect((await other.sku(SKU.E3)).consumedUnits).toBe(0);
    // the same UPN may exist in two organizations
    const dup = await other.createUser({ userPrincipalName: mine.userPrincipalName });
    expect(dup.userPrincipalName).toBe(mine.userPrincipalName);
  });
});

describe('malformed input answers 400 naming the field, and changes nothing', () => {
  let userId: string;
  beforeAll(async () => {
    userId = (await t.createUser()).id;
  });
  const cases: [string, unknown, string][] = [
    ['wrong type', { addLicenses: 'E3', removeLicenses: [] }, 'addLicenses'],
    ['missing array (Graph wants [])', { addLicenses: [{ skuId: SKU.E3, disabledPlans: [] }] }, 'removeLicenses'],
    ['both empty', { addLicenses: [], removeLicenses: [] }, 'addLicenses'],
    ['unknown field', { addLicenses: [], removeLicenses: [SKU.E3], force: true }, 'force'],
    ['unknown nested field', { addLicenses: [{ skuId: SKU.E3, disabledPlans: [], plans: [] }], removeLicenses: [] }, 'addLicenses[0].plans'],
    ['bad GUID', { addLicenses: [{ skuId: 'E3', disabledPlans: [] }], removeLicenses: [] }, 'addLicenses[0].skuId'],
    ['bad GUID in disabledPlans', { addLicenses: [{ skuId: SKU.E3, disabledPlans: ['x'] }], removeLicenses: [] }, 'addLicenses[0].disabledPlans[0]'],
    ['huge array', { addLicenses: [], removeLicenses: Array.from({ length: 5000 }, () => SKU.E3) }, 'removeLicenses'],
    [
      'same product added twice',
      {
        addLicenses: [
          { skuId: SKU.E3, disabledPlans: [] },
          { skuId: SKU.E3, disabledPlans: [] },
        ],
        removeLicenses: [],
      },
      'addLicenses[1].skuId',
    ],
    ['added and removed', { addLicenses: [{ skuId: SKU.E3, disabledPlans: [] }], removeLicenses: [SKU.E3] }, 'removeLicenses[0]'],
    ['not an object', [1, 2, 3], 'body'],
  ];
  test.each(cases)('%s', async (_name, body, target) => {
    const r = await t.assign(userId, body, t.tokens.global);
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('invalidRequest');
    expect(r.body.error.target).toBe(target);
    expect(r.body.error.innerError['request-id']).toBeTruthy();
    const u = await call('GET', `/v1.0/users/${userId}`, { token: t.tokens.reader });
    expect(u.body.assignedLicenses).toEqual([]);
  });

  test('not JSON, no body, wrong content type, a body over 1 MB, a bad path id, a bad $top', async () => {
    const notJson = await call('POST', `/v1.0/users/${userId}/assignLicense`, {
      token: t.tokens.global,
      rawBody: '{"addLicenses": [',
      headers: { 'content-type': 'application/json' },
    });
    expect(notJson.status).toBe(400);
    expect(notJson.body.error.target).toBe('body');
    const empty = await call('POST', `/v1.0/users/${userId}/assignLicense`, { token: t.tokens.global });
    expect(empty.status).toBe(400);
    const text = await call('POST', `/v1.0/users/${userId}/assignLicense`, {
      token: t.tokens.global,
      rawBody: 'hello',
      headers: { 'content-type': 'text/plain' },
    });
    expect(text.status).toBe(415);
    const big = await call('POST', `/v1.0/users/${userId}/assignLicense`, {
      token: t.tokens.global,
      rawBody: JSON.stringify({ x: 'a'.repeat(1_100_000) }),
      headers: { 'content-type': 'application/json' },
    });
    expect(big.status).toBe(413);
    const badId = await call('GET', '/v1.0/users/not-a-guid', { token: t.tokens.global });
    expect(badId.status).toBe(400);
    expect(badId.body.error.target).toBe('id');
    const badTop = await call('GET', '/v1.0/users?$top=100000', { token: t.tokens.global });
    expect(badTop.status).toBe(400);
    expect(badTop.body.error.target).toBe('$top');
    const badSkip = await call('GET', '/v1.0/users?$skiptoken=garbage', { token: t.tokens.global });
    expect(badSkip.status).toBe(400);
    expect(badSkip.body.error.target).toBe('$skiptoken');
    const badUser = await call('POST', '/v1.0/users', {
      token: t.tokens.global,
      body: { displayName: 'X', userPrincipalName: 'nope', usageLocation: 'Netherlands' },
    });
    expect(badUser.status).toBe(400);
    expect(badUser.body.error.details.map((d: any) => d.target).sort()).toEqual(['usageLocation', 'userPrincipalName']);
  });
});

describe('users', () => {
  test('PATCH with a stale If-Match answers 412; with the current etag it applies', async () => {
    const u = await t.createUser({ displayName: 'Etag Person' });
    const read = await call('GET', `/v1.0/users/${u.id}`, { token: t.tokens.global });
    const etag = read.body['@odata.etag'];
    expect(etag).toBeTruthy();
    expect((await t.assign(u.id, addBody(SKU.E3), t.tokens.global)).status).toBe(200); // changes the etag
    const stale = await call('PATCH', `/v1.0/users/${u.id}`, { token: t.tokens.global, headers: { 'if-match': etag }, body: { displayName: 'Renamed' } });
    expect(stale.status).toBe(412);
    expect(stale.body.error.code).toBe('PreconditionFailed');
    const fresh = await call('GET', `/v1.0/users/${u.id}`, { token: t.tokens.global });
    const ok = await call('PATCH', `/v1.0/users/${u.id}`, {
      token: t.tokens.global,
      headers: { 'if-match': fresh.body['@odata.etag'], prefer: 'return=representation' },
      body: { displayName: 'Renamed' },
    });
    expect(ok.status).toBe(200);
    expect(ok.body.displayName).toBe('Renamed');
    expect(ok.body.assignedLicenses).toHaveLength(1); // the license change was not lost
  });

  test('who may change users: User Administrator yes, License Administrator only the usage location, Global Reader no', async () => {
    const u = await t.createUser();
    expect((await call('PATCH', `/v1.0/users/${u.id}`, { token: t.tokens.userAdmin, body: { jobTitle: 'Chef' } })).status).toBe(204);
    expect((await call('PATCH', `/v1.0/users/${u.id}`, { token: t.tokens.license, body: { usageLocation: 'DE' } })).status).toBe(204);
    const la = await call('PATCH', `/v1.0/users/${u.id}`, { token: t.tokens.license, body: { usageLocation: 'DE', userType: 'Guest' } });
    expect(la.status).toBe(403);
    // userType decides who may license the user: a Global Administrator's call
    expect(la.body.error.message).toMatch(/change whether a user is a member or a guest.*Global Administrator/);
    expect((await call('PATCH', `/v1.0/users/${u.id}`, { token: t.tokens.userAdmin, body: { userType: 'Guest' } })).status).toBe(403);
    expect((await call('PATCH', `/v1.0/users/${u.id}`, { token: t.tokens.reader, body: { usageLocation: 'FR' } })).status).toBe(403);
    expect((await call('POST', '/v1.0/users', { token: t.tokens.license, body: { displayName: 'x', userPrincipalName: 'x@y.dev' } })).status).toBe(403);
    const after = await call('GET', `/v1.0/users/${u.id}`, { token: t.tokens.reader });
    expect(after.body).toMatchObject({ jobTitle: 'Chef', usageLocation: 'DE', userType: 'Member' });
  });

  test('a user principal name is unique within the organization', async () => {
    const u = await t.createUser();
    const dup = await call('POST', '/v1.0/users', {
      token: t.tokens.global,
      body: { displayName: 'Dup', userPrincipalName: u.userPrincipalName.toUpperCase() },
    });
    expect(dup.status).toBe(409);
    expect(dup.body.error.target).toBe('userPrincipalName');
  });

  test('users page with $top and @odata.nextLink until the end, each user once', async () => {
    const org = await newTenant('Paging org');
    const created = [];
    for (let i = 0; i < 7; i++) created.push(await org.createUser({ displayName: `Pager ${i}` }));
    const seen: string[] = [];
    let next: string | undefined = '/v1.0/users?$top=3';
    let pages = 0;
    while (next) {
      const r: any = await call('GET', next, { token: org.tokens.reader });
      expect(r.status).toBe(200);
      expect(r.body.value.length).toBeLessThanOrEqual(3);
      seen.push(...r.body.value.map((u: any) => u.id));
      next = r.body['@odata.nextLink'];
      pages++;
    }
    expect(pages).toBe(3);
    expect(seen.sort()).toEqual(created.map((u) => u.id).sort());
  });
});

test('the OpenAPI document is served, generated from the same schemas', async () => {
  const r = await call('GET', '/openapi.json');
  expect(r.status).toBe(200);
  expect(r.body.openapi).toBe('3.1.0');
  const assign = r.body.paths['/v1.0/users/{id}/assignLicense'].post;
  expect(assign.requestBody.content['application/json'].schema.properties.addLicenses.maxItems).toBe(50);
  expect(assign.requestBody.content['application/json'].schema.additionalProperties).toBe(false);
  expect(r.body.paths['/v1.0/subscribedSkus/{id}/assign'].post.requestBody.content['application/json'].schema.properties.userIds.maxItems).toBe(20);
  expect(Object.keys(r.body.paths)).toEqual(
    expect.arrayContaining(['/v1.0/subscribedSkus', '/v1.0/users', '/v1.0/auditLogs/licenseChanges', '/v1.0/directory/subscriptions/{id}/takeOver']),
  );
  // SCIM's routes and the credentials' are there too, SCIM's in its media type and error shape
  expect(r.body.paths['/v1.0/admin/provisioning/credentials'].post.requestBody.content['application/json'].schema.properties.displayName.maxLength).toBe(128);
  const patchUser = r.body.paths['/scim/v2/Users/{id}'].patch;
  expect(Object.keys(patchUser.requestBody.content)).toEqual(['application/scim+json']);
  expect(patchUser.responses['400']).toEqual({ $ref: '#/components/responses/ScimError' });
  expect(r.body.paths['/scim/v2/Users/{id}'].put).toBeDefined();
  expect(r.body.components.responses.ScimError.content['application/scim+json'].schema.properties.scimType.enum).toContain('uniqueness');
});

test("unknown routes answer 404 and unknown methods 405 (with Allow), in Graph's error shape (test/integration/routing.test.ts has more)", async () => {
  const missing = await call('GET', '/v1.0/nothing-here', { token: t.tokens.global });
  expect([missing.status, missing.body.error.code]).toEqual([404, 'Request_ResourceNotFound']);
  const wrong = await call('DELETE', '/v1.0/subscribedSkus', { token: t.tokens.global });
  expect([wrong.status, wrong.headers.get('allow')]).toEqual([405, 'GET']);
});

test("the product catalog is for the organization's readers (and the operator), and subscriptions honour If-Match too", async () => {
  expect((await call('GET', '/v1.0/catalog/products')).status).toBe(401);
  const cat = await call('GET', '/v1.0/catalog/products', { token: t.tokens.reader });
  expect(cat.status).toBe(200);
  expect(cat.body.value.map((p: any) => p.skuPartNumber)).toEqual(expect.arrayContaining(['ENTERPRISEPACK', 'STANDARDPACK', 'POWER_BI_PRO']));

  const sub = await call('GET', `/v1.0/directory/subscriptions/${SKU.E3}`, { token: t.tokens.billing });
  expect(sub.body['@odata.etag']).toBeTruthy();
  const u = await t.createUser();
  expect((await t.assign(u.id, addBody(SKU.E3), t.tokens.global)).status).toBe(200); // a seat moves: new etag
  const stale = await call('PATCH', `/v1.0/directory/subscriptions/${SKU.E3}`, {
    token: t.tokens.billing,
    headers: { 'if-match': sub.body['@odata.etag'] },
    body: { totalLicenses: 11 },
  });
  expect(stale.status).toBe(412);
  expect((await t.sku(SKU.E3)).prepaidUnits.enabled).toBe(10);
  const fresh = await call('GET', `/v1.0/directory/subscriptions/${SKU.E3}`, { token: t.tokens.billing });
  const ok = await call('PATCH', `/v1.0/directory/subscriptions/${SKU.E3}`, {
    token: t.tokens.billing,
    headers: { 'if-match': fresh.body['@odata.etag'] },
    body: { totalLicenses: 11 },
  });
  expect(ok.status).toBe(200);
  expect((await t.sku(SKU.E3)).prepaidUnits.enabled).toBe(11);
});
