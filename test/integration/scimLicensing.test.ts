/**
 * What SCIM provisioning does to licenses, through HTTP and the real group-licensing queue: a user
 * provisioned into a group that carries a product inherits it, leaving the group takes it away, DELETE
 * frees the user's seats, `active: false` puts the account under the reclaim policy; every license change
 * is audited with the provisioning credential as the actor. And who may speak SCIM: a credential reaches
 * its own organization only; a revoked or expired one, an admin's token, nothing at all are refused in
 * SCIM's error shape; an Entra-issued app token with the permission works.
 */
import { randomUUID } from 'node:crypto';
import { addBody, call, newTenant, signedToken, SKU, storeOf, TestTenant } from '../helpers';
import { ERROR_SCHEMA, filter, PATCH_SCHEMA, scimCall, scimCredential, until } from '../scim';

// group licensing runs on the queue: on a loaded machine a test's waits for it add up (bounded, never timed)
jest.setTimeout(180_000);

let t: TestTenant;
let secret: string;
let credentialId: string;
const scim = (method: string, path: string, body?: unknown) => scimCall(secret, method, path, body);
const graphUser = async (id: string) => (await call('GET', `/v1.0/users/${id}`, { token: t.tokens.reader })).body;
const licenseChanges = async (userId: string) =>
  (await call('GET', `/v1.0/auditLogs/licenseChanges?userId=${userId}&$top=50`, { token: t.tokens.reader })).body.value as any[];

beforeAll(async () => {
  t = await newTenant('SCIM licensing org');
  await t.buy(SKU.E1, 5);
  await t.buy(SKU.E3, 5);
  await t.buy(SKU.PBI, 5);
  ({ secret, id: credentialId } = await scimCredential(t, 'Okta provisioning'));
});

async function provision(userName: string) {
  const r = await scim('POST', '/Users', {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', 'urn:ietf:params:scim:schemas:extension:licensing:2.0:User'],
    userName,
    name: { givenName: 'Pro', familyName: 'Visioned' },
    active: true,
    'urn:ietf:params:scim:schemas:extension:licensing:2.0:User': { usageLocation: 'NL' },
  });
  expect(r.status).toBe(201);
  return r.body.id as string;
}

test('a user provisioned into a licensed group inherits its product; leaving the group takes it away; each change is audited with the credential as actor', async () => {
  const group = (await scim('POST', '/Groups', { displayName: `E1 people ${randomUUID().slice(0, 6)}` })).body;
  // an admin gives the provisioned group a product, as a License admin would in the console
  const assigned = await call('POST', `/v1.0/groups/${group.id}/assignLicense`, { token: t.tokens.license, body: addBody(SKU.E1) });
  expect(assigned.status).toBe(202);
  // the group's own processing done (it would license a member who joins meanwhile itself, as group licensing)
  await until(
    async () => (await call('GET', `/v1.0/groups/${group.id}`, { token: t.tokens.reader })).body.licenseProcessingState.state,
    (s) => s === 'ProcessingComplete',
  );
  const before = (await t.sku(SKU.E1)).consumedUnits;

  const userId = await provision(`joiner-${randomUUID().slice(0, 6)}@licensing.test`);
  expect(
    (await scim('PATCH', `/Groups/${group.id}`, { schemas: [PATCH_SCHEMA], Operations: [{ op: 'Add', path: 'members', value: [{ value: userId }] }] })).status,
  ).toBe(204);
  const licensed = await until(
    () => graphUser(userId),
    (u) => u.assignedLicenses.length === 1,
  );
  expect(licensed.assignedLicenses).toEqual([{ skuId: SKU.E1, disabledPlans: [] }]);
  expect(licensed.licenseAssignmentStates[0]).toMatchObject({ assignedByGroup: group.id, state: 'Active' });
  expect((await t.sku(SKU.E1)).consumedUnits).toBe(before + 1);
  const added = (await licenseChanges(userId)).find((r) => r.after.length === 1);
  expect(added).toMatchObject({ operation: 'groupLicensing', actor: { id: credentialId, displayName: 'Okta provisioning' } });

  // Okta's full push of the membership: the user is no longer in the list
  const other = await provision(`stayer-${randomUUID().slice(0, 6)}@licensing.test`);
  const push = await scim('PATCH', `/Groups/${group.id}`, {
    schemas: [PATCH_SCHEMA],
    Operations: [{ op: 'replace', path: 'members', value: [{ value: other }] }],
  });
  expect(push.status).toBe(204);
  const left = await until(
    () => graphUser(userId),
    (u) => u.assignedLicenses.length === 0,
  );
  expect(left.assignedLicenses).toEqual([]);
  await until(
    () => graphUser(other),
    (u) => u.assignedLicenses.length === 1,
  );
  expect((await t.sku(SKU.E1)).consumedUnits).toBe(before + 1); // one left, one came
  const removed = (await licenseChanges(userId)).find((r) => r.after.length === 0 && r.before.length === 1);
  expect(removed).toMatchObject({ operation: 'groupLicensing', actor: { id: credentialId } });

  // a group that still gives licenses cannot be deleted by provisioning: 409, nothing changes
  const del = await scim('DELETE', `/Groups/${group.id}`);
  expect(del.status).toBe(409);
  expect(del.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '409' });
  expect(del.body.detail).toMatch(/remove its products/);
  expect((await scim('GET', `/Groups/${group.id}`)).status).toBe(200);
  expect((await graphUser(other)).assignedLicenses).toHaveLength(1);
  // once an admin has removed the product, the provider's retry deletes it
  await call('POST', `/v1.0/groups/${group.id}/assignLicense`, { token: t.tokens.license, body: { addLicenses: [], removeLicenses: [SKU.E1] } });
  await until(
    () => graphUser(other),
    (u) => u.assignedLicenses.length === 0,
  );
  expect((await scim('DELETE', `/Groups/${group.id}`)).status).toBe(204);
});

test('DELETE of a user frees their seats (direct and inherited) and records it with the credential as actor', async () => {
  const userId = await provision(`leaver-${randomUUID().slice(0, 6)}@licensing.test`);
  expect((await t.assign(userId, addBody(SKU.E3))).status).toBe(200);
  const group = (await scim('POST', '/Groups', { displayName: `Power BI people ${randomUUID().slice(0, 6)}`, members: [{ value: userId }] })).body;
  await call('POST', `/v1.0/groups/${group.id}/assignLicense`, { token: t.tokens.license, body: addBody(SKU.PBI) });
  await until(
    () => graphUser(userId),
    (u) => u.assignedLicenses.length === 2,
  );
  const [pbi, e3] = [(await t.sku(SKU.PBI)).consumedUnits, (await t.sku(SKU.E3)).consumedUnits];

  expect((await scim('DELETE', `/Users/${userId}`)).status).toBe(204);
  expect((await t.sku(SKU.PBI)).consumedUnits).toBe(pbi - 1);
  expect((await t.sku(SKU.E3)).consumedUnits).toBe(e3 - 1);
  expect((await call('GET', `/v1.0/users/${userId}`, { token: t.tokens.reader })).status).toBe(404);
  // no longer a member of the group
  expect((await call('GET', `/v1.0/groups/${group.id}/members`, { token: t.tokens.reader })).body.value).toEqual([]);
  const record = (await licenseChanges(userId)).find((r) => r.operation === 'userDeleted');
  expect(record).toMatchObject({ actor: { id: credentialId, displayName: 'Okta provisioning' }, after: [] });
  expect(record.before.map((l: any) => l.skuId).sort()).toEqual([SKU.PBI, SKU.E3].sort());
  // the reconciliation finds the counters exact
  const run = await call('POST', '/v1.0/reconciliations', { token: t.tokens.license });
  expect(run.status).toBe(201);
  for (const p of run.body.seats) expect({ sku: p.skuId, consumed: p.consumedBefore }).toEqual({ sku: p.skuId, consumed: p.holders });
});

test("Graph's DELETE /users/{id} and PATCH of userPrincipalName are the same use-cases: seats freed, the name claimed and released", async () => {
  const u = await t.createUser({ displayName: 'Graph leaver' });
  expect((await t.assign(u.id, addBody(SKU.E3))).status).toBe(200);
  const renamed = `renamed-${randomUUID().slice(0, 6)}@licensing.test`;
  const patch = await call('PATCH', `/v1.0/users/${u.id}`, { token: t.tokens.userAdmin, body: { userPrincipalName: renamed } });
  expect(patch.status).toBe(204);
  expect((await graphUser(renamed)).id).toBe(u.id);
  // the new name is taken now, the old one free
  expect((await call('POST', '/v1.0/users', { token: t.tokens.global, body: { displayName: 'Clash', userPrincipalName: renamed } })).status).toBe(409);
  const e3 = (await t.sku(SKU.E3)).consumedUnits;
  expect((await call('DELETE', `/v1.0/users/${u.id}`, { token: t.tokens.license })).status).toBe(403); // a License admin does not delete users
  expect((await call('DELETE', `/v1.0/users/${renamed}`, { token: t.tokens.userAdmin })).status).toBe(204);
  expect((await t.sku(SKU.E3)).consumedUnits).toBe(e3 - 1);
  expect((await call('GET', `/v1.0/users/${u.id}`, { token: t.tokens.reader })).status).toBe(404);
  expect((await licenseChanges(u.id)).find((r) => r.operation === 'userDeleted')).toMatchObject({ actor: { displayName: 'Dev UserAdministrator' } });
  // and the name can be given again
  expect((await call('POST', '/v1.0/users', { token: t.tokens.global, body: { displayName: 'Reuse', userPrincipalName: renamed } })).status).toBe(201);
});

test('active false disables the account, and the reclaim policy reclaims a disabled provisioned account', async () => {
  const userId = await provision(`inactive-${randomUUID().slice(0, 6)}@licensing.test`);
  expect((await t.assign(userId, addBody(SKU.E3))).status).toBe(200);
  // Okta's deactivation
  const off = await scim('PATCH', `/Users/${userId}`, { schemas: [PATCH_SCHEMA], Operations: [{ op: 'replace', value: { active: false } }] });
  expect(off.body.active).toBe(false);
  expect((await graphUser(userId)).accountEnabled).toBe(false);
  const policy = await call('PATCH', '/v1.0/reconciliations/policy', {
    token: t.tokens.license,
    body: { reclaimDisabledAccounts: { enabled: true, disabledForDays: 30, mode: 'immediate', dryRun: false } },
  });
  expect(policy.status).toBe(200);
  const asOf = new Date(Date.now() + 31 * 86400_000).toISOString();
  const run = await call('POST', `/v1.0/reconciliations?asOf=${encodeURIComponent(asOf)}`, { token: t.tokens.license });
  expect(run.status).toBe(201);
  expect((await graphUser(userId)).assignedLicenses).toEqual([]);
});

test("users written before SCIM's query fields existed are found by userName once the reconciliation's userQueryFields step has run", async () => {
  const u = await t.createUser({ displayName: 'Old timer' });
  // as an older directory has it: no search.userName, no search.mail
  const store = storeOf();
  try {
    const { resource } = await store.container('directory').item(u.id, t.id).read();
    delete resource.search.userName;
    delete resource.search.mail;
    await store.container('directory').item(u.id, t.id).replace(resource);
  } finally {
    store.dispose();
  }
  const probe = () => scim('GET', `/Users${filter(`userName eq "${u.userPrincipalName}"`)}`);
  expect((await probe()).body.totalResults).toBe(0);
  expect((await call('POST', '/v1.0/reconciliations', { token: t.tokens.license })).status).toBe(201);
  expect((await probe()).body.Resources.map((r: any) => r.id)).toEqual([u.id]);
});

describe('who may speak SCIM', () => {
  test("a credential reaches its own organization only: another organization's users are not found, lists hold only its own", async () => {
    const other = await newTenant('Another org');
    const theirs = await scimCredential(other);
    const mine = await provision(`mine-${randomUUID().slice(0, 6)}@licensing.test`);
    const r = await scimCall(theirs.secret, 'GET', `/Users/${mine}`);
    expect(r.status).toBe(404);
    expect(r.body.schemas).toEqual([ERROR_SCHEMA]);
    for (const [method, body] of [
      ['PATCH', { schemas: [PATCH_SCHEMA], Operations: [{ op: 'replace', path: 'active', value: false }] }],
      ['PUT', { userName: 'stolen@other.test' }],
      ['DELETE', undefined],
    ] as const) {
      expect((await scimCall(theirs.secret, method, `/Users/${mine}`, body)).status).toBe(404);
    }
    expect((await graphUser(mine)).accountEnabled).toBe(true);
    const list = await scimCall(theirs.secret, 'GET', `/Users${filter(`id eq "${mine}"`)}`);
    expect(list.body.totalResults).toBe(0);
    expect((await scimCall(theirs.secret, 'GET', '/Users')).body.totalResults).toBe(0);
  });

  test('a secret that looks right but names another organization, or was tampered with, is 401 in SCIM shape', async () => {
    const other = await newTenant('Third org');
    const tampered = secret.replace(/_([0-9a-f]{32})_/, `_${other.id.replace(/-/g, '')}_`);
    for (const bearer of [tampered, `${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`, 'scim_not-a-secret']) {
      const r = await scimCall(bearer, 'GET', '/Users');
      expect(r.status).toBe(401);
      expect(r.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '401' });
    }
    const none = await call('GET', '/scim/v2/Users');
    expect(none.status).toBe(401);
    expect(none.body.schemas).toEqual([ERROR_SCHEMA]);
  });

  test("an admin's own token is 403; an app-only token with ScimProvisioning.ReadWrite.All works; without it, 403", async () => {
    const admin = await scimCall(t.tokens.global, 'GET', '/Users');
    expect(admin.status).toBe(403);
    expect(admin.body.schemas).toEqual([ERROR_SCHEMA]);
    const app = await signedToken({ tid: t.id, idtyp: 'app', roles: ['ScimProvisioning.ReadWrite.All'], app_displayname: 'Entra provisioning app' });
    const ok = await scimCall(app, 'GET', '/Users?count=1');
    expect(ok.status).toBe(200);
    const created = await scimCall(app, 'POST', '/Users', { userName: `viaapp-${randomUUID().slice(0, 6)}@licensing.test` });
    expect(created.status).toBe(201);
    const withoutRole = await signedToken({ tid: t.id, idtyp: 'app', roles: ['LicenseAssignment.ReadWrite.All'] });
    expect((await scimCall(withoutRole, 'GET', '/Users')).status).toBe(403);
  });

  test('a revoked credential is refused at once; an expired one too', async () => {
    const extra = await scimCredential(t, 'To revoke');
    expect((await scimCall(extra.secret, 'GET', '/Users?count=1')).status).toBe(200);
    expect((await call('DELETE', `/v1.0/admin/provisioning/credentials/${extra.id}`, { token: t.tokens.global })).status).toBe(204);
    const r = await scimCall(extra.secret, 'GET', '/Users?count=1');
    expect(r.status).toBe(401);
    expect(r.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '401' });

    // a credential past its endDateTime (planted in the store before its first use)
    const old = await scimCredential(t, 'Expired');
    const store = storeOf();
    try {
      const { resources } = await store
        .container('directory')
        .items.query(
          { query: 'SELECT * FROM c WHERE c.type = "scimCredential" AND c.credentialId = @id', parameters: [{ name: '@id', value: old.id }] },
          { partitionKey: t.id },
        )
        .fetchAll();
      await store
        .container('directory')
        .item(resources[0].id, t.id)
        .replace({ ...resources[0], endDateTime: new Date(Date.now() - 60_000).toISOString() });
    } finally {
      store.dispose();
    }
    expect((await scimCall(old.secret, 'GET', '/Users?count=1')).status).toBe(401);
  });
});
