/**
 * SCIM credentials through HTTP: a Global Administrator creates one (the secret shown once, a long random
 * bearer naming its organization, two years by default), lists them without secrets, revokes them; the
 * settings (SCIM base URL, the domain a plain userName gets); creation and revocation audited; the last
 * request a credential made.
 */
import { call, newTenant, storeOf, TestTenant } from '../helpers';
import { TEST_API } from '../env';
import { scimCall } from '../scim';

let t: TestTenant;
beforeAll(async () => {
  t = await newTenant('SCIM credentials org');
});

const create = (body: unknown, token = t.tokens.global) => call('POST', '/v1.0/admin/provisioning/credentials', { token, body });

test('create: 201 with the secret once (32 random bytes, base64url, naming the organization), two years by default; stored only as a hash', async () => {
  const r = await create({ displayName: 'Entra ID provisioning' });
  expect(r.status).toBe(201);
  const { id, secretText, endDateTime, startDateTime, hint, keyId } = r.body;
  expect(secretText).toMatch(new RegExp(`^scim_${t.id.replace(/-/g, '')}_[A-Za-z0-9_-]{43}$`));
  expect(keyId).toBe(id);
  expect(hint).toBe(secretText.slice(-4));
  const years = (Date.parse(endDateTime) - Date.parse(startDateTime)) / (365 * 86400_000);
  expect(years).toBeGreaterThan(1.99);
  expect(years).toBeLessThanOrEqual(2.01);
  expect(r.headers.get('location')).toMatch(new RegExp(`/v1.0/admin/provisioning/credentials/${id}$`));

  // the list: no secret, the hint
  const list = await call('GET', '/v1.0/admin/provisioning/credentials', { token: t.tokens.reader });
  expect(list.status).toBe(200);
  const listed = list.body.value.find((c: any) => c.id === id);
  expect(listed).toMatchObject({ displayName: 'Entra ID provisioning', hint, lastRequest: null });
  expect(JSON.stringify(list.body)).not.toContain(secretText.slice(38));

  // the store holds a hash, never the secret
  const store = storeOf();
  try {
    const { resources } = await store.container('directory').items.query('SELECT * FROM c WHERE c.type = "scimCredential"', { partitionKey: t.id }).fetchAll();
    expect(JSON.stringify(resources)).not.toContain(secretText.slice(38));
    expect(resources.find((d: any) => d.credentialId === id).secretHash).toMatch(/^[A-Za-z0-9_-]{43}$/);
  } finally {
    store.dispose();
  }

  // two credentials have two different secrets
  const again = await create({ displayName: 'Second' });
  expect(again.body.secretText).not.toBe(secretText);
});

test('its last request is seen in the list', async () => {
  const r = await create({ displayName: 'Used once' });
  expect((await scimCall(r.body.secretText, 'GET', '/Users?count=1')).status).toBe(200);
  const listed = (await call('GET', '/v1.0/admin/provisioning/credentials', { token: t.tokens.global })).body.value.find((c: any) => c.id === r.body.id);
  expect(listed.lastRequest).toMatchObject({ method: 'GET', path: '/api/scim/v2/Users', status: 200 });
  expect(Date.now() - Date.parse(listed.lastRequest.dateTime)).toBeLessThan(10 * 60_000);
});

test('only a Global Administrator creates and revokes; a Global Reader lists; others are refused', async () => {
  for (const token of [t.tokens.license, t.tokens.userAdmin, t.tokens.billing, t.tokens.reader, t.tokens.plain]) {
    const r = await create({ displayName: 'Not allowed' }, token);
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('Authorization_RequestDenied');
  }
  for (const token of [t.tokens.license, t.tokens.userAdmin, t.tokens.billing])
    expect((await call('GET', '/v1.0/admin/provisioning/credentials', { token })).status).toBe(403);
  const c = await create({ displayName: 'Keep' });
  expect((await call('DELETE', `/v1.0/admin/provisioning/credentials/${c.body.id}`, { token: t.tokens.reader })).status).toBe(403);
});

test('bad input: an expiry outside an hour to two years, an unknown field, an unknown credential; another organization cannot revoke it', async () => {
  for (const endDateTime of [new Date(Date.now() + 60_000).toISOString(), new Date(Date.now() + 3 * 365 * 86400_000).toISOString(), 'tomorrow']) {
    const r = await create({ displayName: 'Bad expiry', endDateTime });
    expect(r.status).toBe(400);
    expect(r.body.error.target).toBe('endDateTime');
  }
  const ok = await create({ displayName: 'Short-lived', endDateTime: new Date(Date.now() + 7 * 86400_000).toISOString() });
  expect(ok.status).toBe(201);
  expect((await create({ displayName: 'x', secretText: 'mine' })).status).toBe(400);
  expect((await call('DELETE', '/v1.0/admin/provisioning/credentials/6fd2c87f-b296-42f0-b197-1e91e994b900', { token: t.tokens.global })).status).toBe(404);
  const other = await newTenant('Other credentials org');
  const r = await call('DELETE', `/v1.0/admin/provisioning/credentials/${ok.body.id}`, { token: other.tokens.global });
  expect(r.status).toBe(404);
  expect((await scimCall(ok.body.secretText, 'GET', '/Users?count=1')).status).toBe(200);
});

test('revoke: 204, then the secret is refused and the credential is gone from the list; both are audited', async () => {
  const c = await create({ displayName: 'Short story' });
  expect((await call('DELETE', `/v1.0/admin/provisioning/credentials/${c.body.id}`, { token: t.tokens.global })).status).toBe(204);
  expect((await scimCall(c.body.secretText, 'GET', '/Users')).status).toBe(401);
  expect((await call('GET', '/v1.0/admin/provisioning/credentials', { token: t.tokens.global })).body.value.map((x: any) => x.id)).not.toContain(c.body.id);
  const audits = (await call('GET', '/v1.0/auditLogs/directoryAudits', { token: t.tokens.reader })).body.value.filter(
    (a: any) => a.targetResources[0]?.id === c.body.id,
  );
  expect(audits.map((a: any) => a.activityDisplayName)).toEqual(['Remove SCIM provisioning credential', 'Add SCIM provisioning credential']);
  expect(audits[1]).toMatchObject({ category: 'ApplicationManagement', initiatedBy: { user: { displayName: 'Dev GlobalAdministrator' }, app: null } });
  expect(JSON.stringify(audits)).not.toContain(c.body.secretText);
});

test('at most 10 credentials per organization', async () => {
  const o = await newTenant('Many credentials org');
  for (let i = 0; i < 10; i++) expect((await create({ displayName: `c${i}` }, o.tokens.global)).status).toBe(201);
  const r = await create({ displayName: 'one too many' }, o.tokens.global);
  expect(r.status).toBe(409);
  expect(r.body.error.code).toBe('credentialLimitReached');
});

test("settings: the SCIM base URL; the domain a plain userName gets (the first member's until one is set)", async () => {
  const o = await newTenant('Settings org');
  const empty = await call('GET', '/v1.0/admin/provisioning', { token: o.tokens.reader });
  expect(empty.status).toBe(200);
  expect(empty.body).toEqual({ scimBaseUrl: `${TEST_API}/scim/v2`, userPrincipalNameDomain: null, effectiveUserPrincipalNameDomain: null });
  const c = await create({ displayName: 'Plain names' }, o.tokens.global);
  // no member, no domain: a plain userName is refused with the way out
  const refused = await scimCall(c.body.secretText, 'POST', '/Users', { userName: 'UserName123' });
  expect(refused.status).toBe(400);
  expect(refused.body.detail).toMatch(/userPrincipalNameDomain/);
  await o.createUser({ displayName: 'First', userPrincipalName: 'first@fabrikam.test' });
  expect((await call('GET', '/v1.0/admin/provisioning', { token: o.tokens.reader })).body.effectiveUserPrincipalNameDomain).toBe('fabrikam.test');
  const set = await call('PATCH', '/v1.0/admin/provisioning', { token: o.tokens.global, body: { userPrincipalNameDomain: 'Contoso.COM' } });
  expect(set.status).toBe(200);
  expect(set.body).toMatchObject({ userPrincipalNameDomain: 'contoso.com', effectiveUserPrincipalNameDomain: 'contoso.com' });
  const made = await scimCall(c.body.secretText, 'POST', '/Users', { userName: 'UserName123' });
  expect(made.status).toBe(201);
  expect(made.body.userName).toBe('UserName123');
  expect((await call('GET', `/v1.0/users/${made.body.id}`, { token: o.tokens.reader })).body.userPrincipalName).toBe('UserName123@contoso.com');
  expect((await call('PATCH', '/v1.0/admin/provisioning', { token: o.tokens.global, body: { userPrincipalNameDomain: 'not a domain' } })).status).toBe(400);
  expect((await call('PATCH', '/v1.0/admin/provisioning', { token: o.tokens.license, body: { userPrincipalNameDomain: null } })).status).toBe(403);
});
