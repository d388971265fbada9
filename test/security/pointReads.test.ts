/** Finding 7 (low): a point read by id returned whatever document had that id (a tenant's, a group's): 500s, and a tenant added as a group member. */
import { call, newTenant, TestTenant } from '../helpers';

let t: TestTenant;
beforeAll(async () => {
  t = await newTenant('Point reads org');
});

test("another document's id is no user: 404, never 500", async () => {
  const g = (await call('POST', '/v1.0/groups', { token: t.tokens.global, body: { displayName: 'A group' } })).body;
  for (const id of [t.id, g.id]) {
    for (const path of [`/v1.0/users/${id}`, `/v1.0/users/${id}/licenseDetails`]) {
      const r = await call('GET', path, { token: t.tokens.reader });
      expect(r.status).toBe(404);
      expect(r.body.error.code).toBe('Request_ResourceNotFound');
    }
    expect(
      (
        await call('POST', `/v1.0/users/${id}/assignLicense`, {
          token: t.tokens.global,
          body: { addLicenses: [], removeLicenses: ['18181a46-0d4e-45cd-891e-60aabd171b4e'] },
        })
      ).status,
    ).toBe(404);
  }
  // a user's id is no group, a group's is no license job
  const u = await t.createUser();
  expect((await call('GET', `/v1.0/groups/${u.id}`, { token: t.tokens.reader })).status).toBe(404);
  expect((await call('GET', `/v1.0/licenseJobs/${g.id}`, { token: t.tokens.reader })).status).toBe(404);
});

test('the organization (or a group) cannot be added as a group member', async () => {
  const g = (await call('POST', '/v1.0/groups', { token: t.tokens.global, body: { displayName: 'Members only' } })).body;
  const other = (await call('POST', '/v1.0/groups', { token: t.tokens.global, body: { displayName: 'Not a member' } })).body;
  for (const id of [t.id, other.id]) {
    const r = await call('POST', `/v1.0/groups/${g.id}/members/$ref`, {
      token: t.tokens.global,
      body: { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${id}` },
    });
    expect(r.status).toBe(404);
  }
  expect((await call('GET', `/v1.0/groups/${g.id}/members`, { token: t.tokens.reader })).body.value).toEqual([]);
});
