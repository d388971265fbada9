/**
 * An Okta provisioning cycle, replayed through HTTP on the real emulators with the requests of Okta's
 * "SCIM 2.0 Protocol Reference": test connection, the userName check before create, create (with Okta's
 * password and groups), import paging, the PUT of the whole user, deactivation by a path-less PATCH,
 * group push (create, rename with the id in the value, members removed by filter and added in one PATCH,
 * a full push by replace), unlink with delete.
 */
import { call, newTenant, storeOf, TestTenant } from '../helpers';
import { filter, PATCH_SCHEMA, scimCall, scimCredential } from '../scim';

let t: TestTenant;
let secret: string;
const scim = (method: string, path: string, body?: unknown) => scimCall(secret, method, path, body);

beforeAll(async () => {
  t = await newTenant('SCIM Okta org');
  ({ secret } = await scimCredential(t, 'Okta'));
});

test('an Okta cycle: users', async () => {
  // test connection: count=2 is a constant
  const probe = await scim('GET', '/Users?startIndex=1&count=2');
  expect(probe.status).toBe(200);
  expect(probe.body).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], startIndex: 1 });
  expect(Number.isInteger(probe.body.totalResults) && Number.isInteger(probe.body.itemsPerPage)).toBe(true);

  // does the user exist?
  expect((await scim('GET', `/Users${filter('userName eq "test.user@okta.local"', '&startIndex=1&count=100')}`)).body.totalResults).toBe(0);
  const created = await scim('POST', '/Users', {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    userName: 'test.user@okta.local',
    name: { givenName: 'Test', familyName: 'User' },
    emails: [{ primary: true, value: 'test.user@okta.local', type: 'work' }],
    displayName: 'Test User',
    locale: 'en-US',
    externalId: '00ujl29u0le5T6Aj10h7',
    groups: [],
    password: '1mz050nq',
    active: true,
  });
  expect(created.status).toBe(201);
  const id = created.body.id;
  expect(created.body).toMatchObject({
    userName: 'test.user@okta.local',
    name: { givenName: 'Test', familyName: 'User' },
    emails: [{ primary: true, value: 'test.user@okta.local', type: 'work' }],
    displayName: 'Test User',
    externalId: '00ujl29u0le5T6Aj10h7',
    active: true,
    groups: [],
  });
  const store = storeOf();
  try {
    const { resource } = await store.container('directory').item(id, t.id).read();
    expect(JSON.stringify(resource)).not.toContain('1mz050nq'); // Okta's password is never kept
  } finally {
    store.dispose();
  }
  // created again: 409
  expect((await scim('POST', '/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'test.user@okta.local' })).status).toBe(409);

  // update: Okta GETs the user, then PUTs the whole of it
  const got = await scim('GET', `/Users/${id}`);
  expect(got.status).toBe(200);
  const put = await scim('PUT', `/Users/${id}`, {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    id,
    userName: 'test.user@okta.local',
    name: { givenName: 'Another', middleName: 'Excited', familyName: 'User' },
    emails: [{ primary: true, value: 'test.user@okta.local', type: 'work', display: 'test.user@okta.local' }],
    active: true,
    groups: [],
    meta: { resourceType: 'User' },
  });
  expect(put.status).toBe(200);
  expect(put.body).toMatchObject({ id, userName: 'test.user@okta.local', name: { givenName: 'Another', familyName: 'User' }, active: true });
  // attributes the PUT left out are not asserted: externalId stays
  expect(put.body.externalId).toBe('00ujl29u0le5T6Aj10h7');
  expect((await call('GET', `/v1.0/users/${id}`, { token: t.tokens.reader })).body).toMatchObject({ givenName: 'Another', displayName: 'Another User' });

  // deactivate
  const off = await scim('PATCH', `/Users/${id}`, { schemas: [PATCH_SCHEMA], Operations: [{ op: 'replace', value: { active: false } }] });
  expect(off.status).toBe(200);
  expect(off.body).toMatchObject({ id, active: false });
  expect((await call('GET', `/v1.0/users/${id}`, { token: t.tokens.reader })).body.accountEnabled).toBe(false);
  // and back
  const on = await scim('PATCH', `/Users/${id}`, { schemas: [PATCH_SCHEMA], Operations: [{ op: 'replace', value: { active: true } }] });
  expect(on.body.active).toBe(true);
});

test('an Okta import reads every user page by page (count=100, startIndex + 100) in a stable order', async () => {
  for (let i = 0; i < 7; i++) expect((await scim('POST', '/Users', { userName: `import${i}@okta.local`, displayName: `Import ${i}` })).status).toBe(201);
  const first = (await scim('GET', '/Users?startIndex=1&count=3')).body;
  const total = first.totalResults;
  expect(total).toBeGreaterThanOrEqual(8);
  const seen: string[] = first.Resources.map((u: any) => u.id);
  for (let start = 4; start <= total; start += 3) {
    const page = (await scim('GET', `/Users?startIndex=${start}&count=3`)).body;
    expect(page).toMatchObject({ totalResults: total, startIndex: start });
    expect(Number.isInteger(page.itemsPerPage)).toBe(true);
    seen.push(...page.Resources.map((u: any) => u.id));
  }
  expect(new Set(seen).size).toBe(total);
  expect(seen).toEqual((await scim('GET', '/Users?count=100')).body.Resources.map((u: any) => u.id));
  // a page far out: empty, same total
  expect((await scim('GET', `/Users?startIndex=${total + 50}&count=3`)).body).toMatchObject({ totalResults: total, itemsPerPage: 0, Resources: [] });
});

test('an Okta cycle: group push', async () => {
  const [a, b] = await Promise.all(
    ['alpha', 'bravo'].map(async (n) => (await scim('POST', '/Users', { userName: `${n}@okta.local`, displayName: n, active: true })).body.id as string),
  );
  const created = await scim('POST', '/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Test SCIMv2', members: [] });
  expect(created.status).toBe(201);
  const gid = created.body.id;
  expect(created.body).toMatchObject({ displayName: 'Test SCIMv2', members: [], meta: { resourceType: 'Group' } });
  expect((await scim('GET', '/Groups?startIndex=1&count=100')).body.Resources.map((g: any) => g.id)).toContain(gid);

  // rename: Okta repeats the id in the value
  const renamed = await scim('PATCH', `/Groups/${gid}`, {
    schemas: [PATCH_SCHEMA],
    Operations: [{ op: 'replace', value: { id: gid, displayName: 'Test SCIMv20' } }],
  });
  expect(renamed.status).toBe(204);
  // add a member
  expect(
    (
      await scim('PATCH', `/Groups/${gid}`, {
        schemas: [PATCH_SCHEMA],
        Operations: [{ op: 'add', path: 'members', value: [{ value: a, display: 'alpha@okta.local' }] }],
      })
    ).status,
  ).toBe(204);
  // remove one by filter and add another, in one request
  const swap = await scim('PATCH', `/Groups/${gid}`, {
    schemas: [PATCH_SCHEMA],
    Operations: [
      { op: 'remove', path: `members[value eq "${a}"]` },
      { op: 'add', path: 'members', value: [{ value: b, display: 'bravo@okta.local' }] },
    ],
  });
  expect(swap.status).toBe(204);
  let g = (await scim('GET', `/Groups/${gid}`)).body;
  expect(g).toMatchObject({ id: gid, displayName: 'Test SCIMv20' });
  expect(g.members.map((m: any) => m.value)).toEqual([b]);
  expect(g.members[0]).toMatchObject({ value: b, display: 'bravo' });
  // the full push: exactly these members
  const push = await scim('PATCH', `/Groups/${gid}`, {
    schemas: [PATCH_SCHEMA],
    Operations: [
      {
        op: 'replace',
        path: 'members',
        value: [
          { value: a, display: 'alpha@okta.local' },
          { value: b, display: 'bravo@okta.local' },
        ],
      },
    ],
  });
  expect(push.status).toBe(204);
  g = (await scim('GET', `/Groups/${gid}`)).body;
  expect(g.members.map((m: any) => m.value).sort()).toEqual([a, b].sort());
  // a PUT (App Integration Wizard integrations) with members: they become the members
  const put = await scim('PUT', `/Groups/${gid}`, {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
    id: gid,
    displayName: 'Test SCIMv20',
    members: [{ value: a }],
  });
  expect(put.status).toBe(200);
  expect(put.body.members.map((m: any) => m.value)).toEqual([a]);
  // Graph sees the same group and members
  const graph = await call('GET', `/v1.0/groups/${gid}/members`, { token: t.tokens.reader });
  expect(graph.body.value.map((u: any) => u.id)).toEqual([a]);
  // unlink with "Delete the group in the target app"
  expect((await scim('DELETE', `/Groups/${gid}`)).status).toBe(204);
  expect((await call('GET', `/v1.0/groups/${gid}`, { token: t.tokens.reader })).status).toBe(404);
});
