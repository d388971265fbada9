/**
 * SCIM 2.0 as Microsoft Entra ID's provisioning service speaks it, replayed through HTTP on the real
 * emulators with the request bodies of Microsoft's "Develop and plan provisioning for a SCIM endpoint"
 * and "Known issues ... SCIM 2.0 protocol compliance" pages (both PATCH styles, with and without
 * aadOptscim062020): test connection, the userName probe, create, get, update, disable, userName change,
 * groups with members, delete. And the protocol's answers to bad input: SCIM's error shape, never a 500,
 * nothing changed.
 */
import { randomUUID } from 'node:crypto';
import { call, newTenant, storeOf, TestTenant } from '../helpers';
import { ENTERPRISE, ERROR_SCHEMA, filter, LICENSING, LIST_SCHEMA, PATCH_SCHEMA, SCIM_JSON, scimCall, scimCredential } from '../scim';

let t: TestTenant;
let secret: string;
let credentialId: string;
const scim = (method: string, path: string, body?: unknown) => scimCall(secret, method, path, body);
const graphUser = async (id: string) => call('GET', `/v1.0/users/${id}`, { token: t.tokens.reader });

beforeAll(async () => {
  t = await newTenant('SCIM Entra org');
  // the organization's own member: its domain is what a plain userName gets until one is set
  await t.createUser({ displayName: 'First Admin', userPrincipalName: `admin-${randomUUID().slice(0, 6)}@contoso-scim.test` });
  ({ secret, id: credentialId } = await scimCredential(t));
});

// Microsoft's sample bodies (use-scim-to-provision-users-and-groups.md)
const ENTRA_CREATE_USER = {
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'],
  externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
  userName: 'Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee',
  active: true,
  emails: [{ primary: true, type: 'work', value: 'Test_User_11bb11bb-cc22-dd33-ee44-55ff55ff55ff@testuser.com' }],
  meta: { resourceType: 'User' },
  name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
  roles: [],
};

describe('an Entra ID provisioning cycle', () => {
  let userId: string;
  let groupId: string;

  test('Test Connection: a filter on a random userName answers 200 with an empty ListResponse', async () => {
    const r = await scim('GET', `/Users${filter(`userName eq "${randomUUID()}"`)}`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toContain(SCIM_JSON);
    expect(r.body).toEqual({ schemas: [LIST_SCHEMA], totalResults: 0, startIndex: 1, itemsPerPage: 0, Resources: [] });
  });

  test('the probe finds nothing, the create answers 201 with the user; a plain userName gets the organization domain as its UPN', async () => {
    expect((await scim('GET', `/Users${filter('userName eq "Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee"')}`)).body.totalResults).toBe(0);
    const r = await scim('POST', '/Users', ENTRA_CREATE_USER);
    expect(r.status).toBe(201);
    expect(r.headers.get('content-type')).toContain(SCIM_JSON);
    userId = r.body.id;
    expect(r.headers.get('location')).toMatch(new RegExp(`/api/scim/v2/Users/${userId}$`));
    expect(r.body).toMatchObject({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
      userName: 'Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee',
      name: { familyName: 'familyName', givenName: 'givenName' },
      displayName: 'givenName familyName',
      active: true,
      emails: [{ value: 'Test_User_11bb11bb-cc22-dd33-ee44-55ff55ff55ff@testuser.com', type: 'work', primary: true }],
      groups: [],
      meta: { resourceType: 'User' },
    });
    // the SCIM id is the Graph API's id; the UPN is derived from the plain userName
    const g = await graphUser(userId);
    expect(g.status).toBe(200);
    expect(g.body).toMatchObject({
      userPrincipalName: 'Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee@contoso-scim.test',
      displayName: 'givenName familyName',
      givenName: 'givenName',
      surname: 'familyName',
      mail: 'Test_User_11bb11bb-cc22-dd33-ee44-55ff55ff55ff@testuser.com',
      accountEnabled: true,
    });
  });

  test('get by id, and by userName (any case) and externalId filters', async () => {
    const one = await scim('GET', `/Users/${userId}`);
    expect(one.status).toBe(200);
    expect(one.body.id).toBe(userId);
    const byName = await scim('GET', `/Users${filter('userName eq "test_user_00AA00aa-bb11-cc22-dd33-44ee44ee44ee"')}`);
    expect(byName.body).toMatchObject({ totalResults: 1, startIndex: 1, itemsPerPage: 1 });
    expect(byName.body.Resources[0].id).toBe(userId);
    // externalId is compared exactly (caseExact)
    expect((await scim('GET', `/Users${filter('externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"')}`)).body.totalResults).toBe(1);
    expect((await scim('GET', `/Users${filter('externalId eq "0A21F0F2-8D2A-4F8E-BF98-7363C4AED4EF"')}`)).body.totalResults).toBe(0);
    // the email probe Microsoft names for uniqueness on emails[type eq "work"]
    const byMail = await scim('GET', `/Users${filter('emails[type eq "work"].value eq "test_user_11bb11bb-cc22-dd33-ee44-55ff55ff55ff@testuser.com"')}`);
    expect(byMail.body.Resources.map((u: any) => u.id)).toEqual([userId]);
    // a user not found is SCIM's 404
    const missing = await scim('GET', '/Users/5171a35d82074e068ce2');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '404' });
  });

  test('Update User [Multi-valued properties]: "Replace" of emails[type eq "work"].value and name.familyName', async () => {
    const r = await scim('PATCH', `/Users/${userId}`, {
      schemas: [PATCH_SCHEMA],
      Operations: [
        { op: 'Replace', path: 'emails[type eq "work"].value', value: 'updatedEmail@microsoft.com' },
        { op: 'Replace', path: 'name.familyName', value: 'updatedFamilyName' },
      ],
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      name: { familyName: 'updatedFamilyName', givenName: 'givenName' },
      emails: [{ value: 'updatedEmail@microsoft.com', type: 'work', primary: true }],
    });
    expect((await graphUser(userId)).body).toMatchObject({ mail: 'updatedEmail@microsoft.com', surname: 'updatedFamilyName' });
  });

  test('Update User [Single-valued properties]: a new userName (a UPN now) moves the user principal name; the old one is free again', async () => {
    const before = (await graphUser(userId)).body.userPrincipalName;
    const r = await scim('PATCH', `/Users/${userId}`, {
      schemas: [PATCH_SCHEMA],
      Operations: [{ op: 'Replace', path: 'userName', value: '5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com' }],
    });
    expect(r.status).toBe(200);
    expect(r.body.userName).toBe('5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com');
    expect((await graphUser(userId)).body.userPrincipalName).toBe('5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com');
    expect((await graphUser('5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com')).body.id).toBe(userId);
    // the previous name can be given to someone else
    const other = await call('POST', '/v1.0/users', { token: t.tokens.global, body: { displayName: 'Reuses the name', userPrincipalName: before } });
    expect(other.status).toBe(201);
  });

  test('the Entra ID PATCH without the flag: "Replace" of active with the string "False" disables the account', async () => {
    const r = await scim('PATCH', `/Users/${userId}`, { schemas: [PATCH_SCHEMA], Operations: [{ op: 'Replace', path: 'active', value: 'False' }] });
    expect(r.status).toBe(200);
    expect(r.body.active).toBe(false);
    expect((await graphUser(userId)).body.accountEnabled).toBe(false);
  });

  test('with aadOptscim062020: replace active false (a Boolean), and a path-less replace with dotted and schema-qualified keys', async () => {
    const on = await scim('PATCH', `/Users/${userId}?aadOptscim062020`, {
      schemas: [PATCH_SCHEMA],
      Operations: [{ op: 'replace', path: 'active', value: true }],
    });
    expect(on.status).toBe(200);
    const r = await scim('PATCH', `/Users/${userId}?aadOptscim062020`, {
      schemas: [PATCH_SCHEMA],
      Operations: [
        { op: 'replace', path: 'emails[type eq "work"].value', value: 'TestMhvaes@test.microsoft.com' },
        {
          op: 'replace',
          value: {
            displayName: 'Bjfe',
            'name.givenName': 'Kkom',
            'name.familyName': 'Unua',
            'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber': 'Aklq',
          },
        },
      ],
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      displayName: 'Bjfe',
      name: { givenName: 'Kkom', familyName: 'Unua' },
      active: true,
      emails: [{ value: 'TestMhvaes@test.microsoft.com' }],
      [ENTERPRISE]: { employeeNumber: 'Aklq' },
    });
    const off = await scim('PATCH', `/Users/${userId}`, { schemas: [PATCH_SCHEMA], Operations: [{ op: 'replace', path: 'active', value: false }] });
    expect(off.body.active).toBe(false);
    expect((await graphUser(userId)).body).toMatchObject({ displayName: 'Bjfe', givenName: 'Kkom', accountEnabled: false });
  });

  test('the manager (Entra ID adds it as a reference list) and the usageLocation extension', async () => {
    const manager = await scim('POST', '/Users', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: 'manager@contoso-scim.test',
      displayName: 'The Manager',
    });
    expect(manager.status).toBe(201);
    const r = await scim('PATCH', `/Users/${userId}`, {
      schemas: [PATCH_SCHEMA],
      Operations: [
        { op: 'Add', path: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager', value: [{ $ref: null, value: manager.body.id }] },
        { op: 'Add', path: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department', value: 'Sales' },
        { op: 'Add', path: `${LICENSING}:usageLocation`, value: 'nl' },
      ],
    });
    expect(r.status).toBe(200);
    expect(r.body[ENTERPRISE]).toMatchObject({ manager: { value: manager.body.id }, department: 'Sales' });
    expect(r.body[LICENSING]).toEqual({ usageLocation: 'NL' });
    expect((await graphUser(userId)).body).toMatchObject({ department: 'Sales', usageLocation: 'NL' });
    // filterable too
    const byManager = await scim('GET', `/Users${filter(`${ENTERPRISE}:manager.value eq "${manager.body.id}"`)}`);
    expect(byManager.body.Resources.map((u: any) => u.id)).toEqual([userId]);
    // a manager that is no user of the organization is refused
    const bad = await scim('PATCH', `/Users/${userId}`, {
      schemas: [PATCH_SCHEMA],
      Operations: [{ op: 'replace', path: `${ENTERPRISE}:manager`, value: randomUUID() }],
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '400', scimType: 'invalidValue' });
  });

  test("groups: create (Microsoft's body, ADSCIM schema included), get by displayName without members, rename, add and remove members (204)", async () => {
    const created = await scim('POST', '/Groups', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group', 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group'],
      externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159',
      displayName: 'displayName',
      meta: { resourceType: 'Group' },
    });
    expect(created.status).toBe(201);
    groupId = created.body.id;
    expect(created.body).toMatchObject({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159',
      displayName: 'displayName',
      members: [],
    });
    const byName = await scim('GET', `/Groups${filter('displayName eq "displayName"', '&excludedAttributes=members')}`);
    expect(byName.body.totalResults).toBe(1);
    expect(byName.body.Resources[0]).not.toHaveProperty('members');
    expect(byName.body.Resources[0].id).toBe(groupId);
    const one = await scim('GET', `/Groups/${groupId}?excludedAttributes=members`);
    expect(one.body).not.toHaveProperty('members');

    const renamed = await scim('PATCH', `/Groups/${groupId}`, {
      schemas: [PATCH_SCHEMA],
      Operations: [{ op: 'Replace', path: 'displayName', value: '1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName' }],
    });
    expect(renamed.status).toBe(204);
    expect((await call('GET', `/v1.0/groups/${groupId}`, { token: t.tokens.reader })).body.displayName).toBe(
      '1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName',
    );

    const added = await scim('PATCH', `/Groups/${groupId}`, {
      schemas: [PATCH_SCHEMA],
      Operations: [{ op: 'Add', path: 'members', value: [{ $ref: null, value: userId }] }],
    });
    expect(added.status).toBe(204);
    const members = await call('GET', `/v1.0/groups/${groupId}/members`, { token: t.tokens.reader });
    expect(members.body.value.map((u: any) => u.id)).toEqual([userId]);
    // the membership question Entra ID asks, and the user's groups
    expect((await scim('GET', `/Groups${filter(`id eq "${groupId}" and members[value eq "${userId}"]`, '&attributes=id')}`)).body.totalResults).toBe(1);
    expect((await scim('GET', `/Users/${userId}`)).body.groups).toEqual([
      {
        value: groupId,
        display: '1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName',
        $ref: expect.stringMatching(new RegExp(`/Groups/${groupId}$`)),
        type: 'direct',
      },
    ]);

    // without the flag: Remove with path members and a value list removes those members
    const removed = await scim('PATCH', `/Groups/${groupId}`, {
      schemas: [PATCH_SCHEMA],
      Operations: [{ op: 'Remove', path: 'members', value: [{ $ref: null, value: userId }] }],
    });
    expect(removed.status).toBe(204);
    expect((await call('GET', `/v1.0/groups/${groupId}/members`, { token: t.tokens.reader })).body.value).toEqual([]);
    // with the flag: remove by filter (the user is no member now: nothing to do, no error)
    const again = await scim('PATCH', `/Groups/${groupId}?aadOptscim062020`, {
      schemas: [PATCH_SCHEMA],
      Operations: [{ op: 'remove', path: `members[value eq "${userId}"]` }],
    });
    expect(again.status).toBe(204);
  });

  test('delete the group and the user (204, then 404 in SCIM and in Graph)', async () => {
    expect((await scim('DELETE', `/Groups/${groupId}`)).status).toBe(204);
    expect((await scim('GET', `/Groups/${groupId}`)).status).toBe(404);
    expect((await scim('DELETE', `/Users/${userId}`)).status).toBe(204);
    expect((await scim('GET', `/Users/${userId}`)).status).toBe(404);
    expect((await graphUser(userId)).status).toBe(404);
    const gone = await scim('DELETE', `/Users/${userId}`);
    expect(gone.status).toBe(404);
    expect(gone.body.schemas).toEqual([ERROR_SCHEMA]);
  });

  test('every change was audited with the credential as the actor', async () => {
    const r = await call('GET', '/v1.0/auditLogs/directoryAudits?$top=100', { token: t.tokens.reader });
    expect(r.status).toBe(200);
    const mine = r.body.value.filter((a: any) => a.initiatedBy.app?.servicePrincipalId === credentialId);
    const activities = mine.map((a: any) => a.activityDisplayName);
    for (const a of [
      'Add user',
      'Update user',
      'Disable account',
      'Enable account',
      'Add group',
      'Update group',
      'Add member to group',
      'Remove member from group',
      'Delete group',
      'Delete user',
    ])
      expect(activities).toContain(a);
    expect(mine.every((a: any) => a.initiatedBy.app.displayName === 'Entra ID provisioning' && a.loggedByService === 'Account Provisioning')).toBe(true);
    const disable = mine.find((a: any) => a.activityDisplayName === 'Disable account');
    expect(disable.targetResources[0].modifiedProperties).toContainEqual({ displayName: 'accountEnabled', oldValue: 'true', newValue: 'false' });
  });
});

describe('what a provider sends that is not kept, and a userName that is taken', () => {
  test('unknown attributes (phoneNumbers, addresses, roles, password, another extension) are ignored and never stored', async () => {
    const r = await scim('POST', '/Users', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', 'urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User'],
      userName: 'jyoung@testuser.com',
      externalId: 'jyoung',
      active: true,
      addresses: null,
      displayName: 'Joy Young',
      emails: [{ type: 'work', value: 'jyoung@Contoso.com', primary: true }],
      meta: { resourceType: 'User' },
      name: { familyName: 'Young', givenName: 'Joy' },
      phoneNumbers: [{ type: 'work', value: '+31 20 555 0100' }],
      preferredLanguage: null,
      password: 'P@ssw0rd-never-kept',
      'urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User': { tag: '701984' },
    });
    expect(r.status).toBe(201);
    expect(r.body).not.toHaveProperty('phoneNumbers');
    const store = storeOf();
    try {
      const { resource } = await store.container('directory').item(r.body.id, t.id).read();
      expect(JSON.stringify(resource)).not.toMatch(/P@ssw0rd|701984|555 0100/);
      expect(resource).toMatchObject({ userPrincipalName: 'jyoung@testuser.com', externalId: 'jyoung' });
      expect(resource.userName).toBeUndefined(); // the userName is the UPN: nothing else is kept
    } finally {
      store.dispose();
    }
    // Microsoft's tutorial writes the value bare
    expect((await scim('GET', '/Users?filter=externalId%20eq%20jyoung')).body.totalResults).toBe(1);
  });

  test('a duplicate userName is 409 uniqueness (in any case), and nothing is created', async () => {
    const before = (await scim('GET', '/Users?count=0')).body.totalResults;
    const r = await scim('POST', '/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'JYOUNG@testuser.com' });
    expect(r.status).toBe(409);
    expect(r.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '409', scimType: 'uniqueness' });
    expect(r.headers.get('content-type')).toContain(SCIM_JSON);
    expect((await scim('GET', '/Users?count=0')).body.totalResults).toBe(before);
    // a userName whose UPN a Graph-created user already has is a uniqueness conflict too
    const graphMade = await t.createUser({ displayName: 'Graph made' });
    const clash = await scim('POST', '/Users', { userName: graphMade.userPrincipalName.toUpperCase() });
    expect(clash.status).toBe(409);
    expect(clash.body.scimType).toBe('uniqueness');
  });

  test('a duplicate group name is 409 uniqueness', async () => {
    expect((await scim('POST', '/Groups', { displayName: 'Finance EMEA' })).status).toBe(201);
    const dup = await scim('POST', '/Groups', { displayName: 'finance emea' });
    expect(dup.status).toBe(409);
    expect(dup.body.scimType).toBe('uniqueness');
  });
});

describe("bad input gets the protocol's own error and changes nothing", () => {
  let id: string;
  beforeAll(async () => {
    id = (await scim('POST', '/Users', { userName: 'steady@testuser.com', displayName: 'Steady', active: true })).body.id;
  });

  test.each([
    ['userName eq', 'invalidFilter'],
    ['userName eq "x" and', 'invalidFilter'],
    ['(userName eq "x"', 'invalidFilter'],
    ['userName zz "x"', 'invalidFilter'],
    ['userName eq "unterminated', 'invalidFilter'],
    ['emails[type eq "work"', 'invalidFilter'],
    ['phoneNumbers eq "1"', 'invalidFilter'],
    ['active gt true', 'invalidFilter'],
    ['meta.lastModified gt "not a date"', 'invalidFilter'],
  ])('filter %j is 400 %s', async (f, scimType) => {
    const r = await scim('GET', `/Users${filter(f)}`);
    expect(r.status).toBe(400);
    expect(r.headers.get('content-type')).toContain(SCIM_JSON);
    expect(r.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '400', scimType });
    expect(typeof r.body.detail).toBe('string');
  });

  test.each([
    [{ schemas: [PATCH_SCHEMA], Operations: [{ op: 'jump', path: 'displayName', value: 'x' }] }, 'invalidSyntax'],
    [{ schemas: [PATCH_SCHEMA], Operations: [] }, 'invalidSyntax'],
    [{ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], Operations: [{ op: 'replace', path: 'displayName', value: 'x' }] }, 'invalidSyntax'],
    [{ schemas: [PATCH_SCHEMA], Operations: [{ op: 'remove' }] }, 'noTarget'],
    [{ schemas: [PATCH_SCHEMA], Operations: [{ op: 'replace', path: 'emails[type eq "work"', value: 'x@y.z' }] }, 'invalidPath'],
    [{ schemas: [PATCH_SCHEMA], Operations: [{ op: 'replace', path: 'id', value: randomUUID() }] }, 'mutability'],
    [{ schemas: [PATCH_SCHEMA], Operations: [{ op: 'replace', value: 'not an object' }] }, 'invalidSyntax'],
    // the first operation is fine, the second is not: neither is applied
    [
      {
        schemas: [PATCH_SCHEMA],
        Operations: [
          { op: 'replace', path: 'displayName', value: 'Changed' },
          { op: 'replace', path: 'active', value: 'maybe' },
        ],
      },
      'invalidValue',
    ],
    [{ schemas: [PATCH_SCHEMA], Operations: [{ op: 'replace', path: `${LICENSING}:usageLocation`, value: 'Netherlands' }] }, 'invalidValue'],
    [{ schemas: [PATCH_SCHEMA], Operations: [{ op: 'replace', path: 'emails[type eq "work"].value', value: 'not an email' }] }, 'invalidValue'],
  ])('PATCH %j is 400 %s and the user is unchanged', async (body, scimType) => {
    const before = (await scim('GET', `/Users/${id}`)).body;
    const r = await scim('PATCH', `/Users/${id}`, body);
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '400', scimType });
    expect((await scim('GET', `/Users/${id}`)).body).toEqual(before);
  });

  test('a body that is not JSON is 400 invalidSyntax; a POST without userName is 400 invalidValue', async () => {
    const r = await call('POST', '/scim/v2/Users', { token: secret, rawBody: '{"userName": ', headers: { 'content-type': SCIM_JSON } });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ schemas: [ERROR_SCHEMA], scimType: 'invalidSyntax' });
    const none = await scim('POST', '/Users', { displayName: 'No name' });
    expect(none.status).toBe(400);
    expect(none.body.scimType).toBe('invalidValue');
  });

  test('a group PATCH adding a user who does not exist is 400 and adds nobody (not even the others)', async () => {
    const g = (await scim('POST', '/Groups', { displayName: `Careful ${randomUUID().slice(0, 6)}` })).body;
    const r = await scim('PATCH', `/Groups/${g.id}`, {
      schemas: [PATCH_SCHEMA],
      Operations: [{ op: 'add', path: 'members', value: [{ value: id }, { value: randomUUID() }] }],
    });
    expect(r.status).toBe(400);
    expect(r.body.scimType).toBe('invalidValue');
    expect((await scim('GET', `/Groups/${g.id}`)).body.members).toEqual([]);
  });

  test('an unknown path under /scim/v2 and an unknown query option are SCIM errors', async () => {
    const r = await scim('GET', '/Bulk');
    expect(r.status).toBe(404);
    expect(r.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '404' });
    const q = await scim('GET', '/Users?sortBy=userName');
    expect(q.status).toBe(400);
    expect(q.body).toMatchObject({ schemas: [ERROR_SCHEMA], scimType: 'invalidValue' });
  });
});

describe('paging, attributes and discovery', () => {
  test('startIndex and count page in a stable order; totalResults counts every match', async () => {
    const all = (await scim('GET', '/Users?count=1000')).body;
    expect(all.totalResults).toBe(all.Resources.length);
    const pages: string[] = [];
    for (let start = 1; start <= all.totalResults; start += 2) {
      const p = (await scim('GET', `/Users?startIndex=${start}&count=2`)).body;
      expect(p).toMatchObject({ totalResults: all.totalResults, startIndex: start });
      pages.push(...p.Resources.map((u: any) => u.id));
    }
    expect(pages).toEqual(all.Resources.map((u: any) => u.id));
    // out-of-range values are what RFC 7644 says: startIndex below 1 is 1, a negative count is 0
    const edge = (await scim('GET', '/Users?startIndex=-5&count=-1')).body;
    expect(edge).toMatchObject({ startIndex: 1, itemsPerPage: 0, totalResults: all.totalResults, Resources: [] });
  });

  test('attributes and excludedAttributes', async () => {
    const r = (await scim('GET', `/Users${filter('userName eq "steady@testuser.com"', '&attributes=userName,name.givenName')}`)).body;
    expect(Object.keys(r.Resources[0]).sort()).toEqual(['id', 'schemas', 'userName']);
    const ex = (await scim('GET', `/Users${filter('userName eq "steady@testuser.com"', '&excludedAttributes=emails,groups,meta')}`)).body.Resources[0];
    expect(ex).toMatchObject({ userName: 'steady@testuser.com', displayName: 'Steady' });
    expect(ex).not.toHaveProperty('meta');
    expect(ex).not.toHaveProperty('groups');
  });

  test('ServiceProviderConfig, Schemas and ResourceTypes', async () => {
    const config = await scim('GET', '/ServiceProviderConfig');
    expect(config.status).toBe(200);
    expect(config.body).toMatchObject({ patch: { supported: true }, filter: { supported: true }, bulk: { supported: false }, sort: { supported: false } });
    const schemas = await scim('GET', '/Schemas');
    expect(schemas.body.Resources.map((s: any) => s.id)).toEqual([
      'urn:ietf:params:scim:schemas:core:2.0:User',
      ENTERPRISE,
      LICENSING,
      'urn:ietf:params:scim:schemas:core:2.0:Group',
    ]);
    const user = await scim('GET', '/Schemas/urn:ietf:params:scim:schemas:core:2.0:User');
    expect(user.body.attributes.find((a: any) => a.name === 'userName')).toMatchObject({ required: true, uniqueness: 'server' });
    const types = await scim('GET', '/ResourceTypes');
    expect(types.body.Resources.map((r: any) => r.endpoint)).toEqual(['/Users', '/Groups']);
    expect((await scim('GET', '/ResourceTypes/Group')).body.schema).toBe('urn:ietf:params:scim:schemas:core:2.0:Group');
    expect((await scim('GET', '/Schemas/urn:nothing')).status).toBe(404);
  });
});
