/**
 * SCIM PATCH, resources and user names (shared/provisioning): the operations as Entra ID and Okta send
 * them, applied to what is kept of a user or a group; every malformed patch refused before anything is
 * applied; a value object can never reach Object.prototype; the user principal name a userName gives;
 * attributes / excludedAttributes.
 */
import fc from 'fast-check';
import { ScimError, SCIM_SCHEMA } from '../../shared/provisioning/errors';
import { applyUserPatch, groupPatch, patchOperations } from '../../shared/provisioning/patch';
import { project } from '../../shared/provisioning/resources';
import { fieldsOfResource, upnFor, UserFields } from '../../shared/provisioning/users';

const ID = '11111111-1111-4111-8111-111111111111';
const base: UserFields = {
  userName: 'bjensen@example.com',
  externalId: 'bjensen',
  active: true,
  displayName: 'Babs Jensen',
  givenName: 'Barbara',
  familyName: 'Jensen',
  email: 'bjensen@example.com',
  title: null,
  employeeNumber: null,
  department: null,
  manager: null,
  usageLocation: null,
};
const patch = (...Operations: unknown[]) => ({ schemas: [SCIM_SCHEMA.patchOp], Operations });
const apply = (...ops: unknown[]) => applyUserPatch(base, patchOperations(patch(...ops)), ID);
const refusal = (f: () => unknown): ScimError => {
  try {
    f();
  } catch (e) {
    if (e instanceof ScimError) return e;
    throw e;
  }
  throw new Error('expected a ScimError');
};

describe('user PATCH', () => {
  test('op in any case, "True"/"False" strings, paths with value filters and schema URNs', () => {
    expect(apply({ op: 'Replace', path: 'active', value: 'False' })).toMatchObject({ active: false });
    expect(apply({ op: 'REPLACE', path: 'active', value: 'true' })).toMatchObject({ active: true });
    expect(apply({ op: 'Replace', path: 'emails[type eq "work"].value', value: 'new@example.com' }).email).toBe('new@example.com');
    expect(apply({ op: 'add', path: 'emails[type eq "work"]', value: { value: 'obj@example.com' } }).email).toBe('obj@example.com');
    // an email of another type is not kept: nothing changes
    expect(apply({ op: 'replace', path: 'emails[type eq "home"].value', value: 'home@example.com' }).email).toBe('bjensen@example.com');
    expect(apply({ op: 'remove', path: 'emails[type eq "work"]' }).email).toBeNull();
    expect(
      apply({
        op: 'replace',
        path: 'emails',
        value: [
          { value: 'h@x.y', type: 'home' },
          { value: 'w@x.y', type: 'work' },
        ],
      }).email,
    ).toBe('w@x.y');
    expect(apply({ op: 'replace', path: `${SCIM_SCHEMA.enterpriseUser}:department`, value: 'Sales' }).department).toBe('Sales');
    expect(apply({ op: 'replace', path: 'urn:ietf:params:scim:schemas:core:2.0:User:displayName', value: 'Core' }).displayName).toBe('Core');
    expect(apply({ op: 'replace', path: 'NAME.GIVENNAME', value: 'Barb' }).givenName).toBe('Barb');
    expect(apply({ op: 'replace', path: 'name', value: { familyName: 'J' } })).toMatchObject({ givenName: 'Barbara', familyName: 'J' });
    expect(apply({ op: 'remove', path: 'name' })).toMatchObject({ givenName: null, familyName: null });
  });

  test('the manager in each form Entra ID and others send it', () => {
    const m = '22222222-2222-4222-8222-222222222222';
    for (const value of [m, { value: m }, [{ $ref: null, value: m }], [{ value: m.toUpperCase() }]])
      expect(apply({ op: 'Add', path: `${SCIM_SCHEMA.enterpriseUser}:manager`, value }).manager).toBe(m);
    expect(apply({ op: 'Add', path: 'manager', value: [{ value: m }] }).manager).toBe(m); // Entra ID's older form, no schema
    expect(apply({ op: 'replace', path: `${SCIM_SCHEMA.enterpriseUser}:manager.value`, value: m }).manager).toBe(m);
    const withManager = { ...base, manager: m };
    expect(applyUserPatch(withManager, patchOperations(patch({ op: 'remove', path: `${SCIM_SCHEMA.enterpriseUser}:manager` })), ID).manager).toBeNull();
    expect(
      applyUserPatch(withManager, patchOperations(patch({ op: 'replace', path: `${SCIM_SCHEMA.enterpriseUser}:manager`, value: { value: null } })), ID).manager,
    ).toBeNull();
  });

  test('a path-less replace: dotted keys, schema-qualified keys, whole extensions; Okta repeating the id', () => {
    const r = apply({
      op: 'replace',
      value: {
        displayName: 'Bjfe',
        'name.givenName': 'Kkom',
        'name.familyName': 'Unua',
        'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber': 'Aklq',
        [SCIM_SCHEMA.licensingUser]: { usageLocation: 'be' },
        [SCIM_SCHEMA.enterpriseUser]: { department: 'IT' },
        id: ID,
        active: false,
      },
    });
    expect(r).toMatchObject({
      displayName: 'Bjfe',
      givenName: 'Kkom',
      familyName: 'Unua',
      employeeNumber: 'Aklq',
      usageLocation: 'BE',
      department: 'IT',
      active: false,
    });
  });

  test('attribute names that are Object.prototype members are no attributes', () => {
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty'])
      for (const path of [name, `${SCIM_SCHEMA.enterpriseUser}:${name}`]) {
        const r = apply({ op: 'replace', path, value: 'x' });
        expect(r).toEqual(base);
      }
  });

  test('attributes not kept are ignored; read-only ones are mutability errors', () => {
    expect(
      apply(
        { op: 'replace', path: 'nickName', value: 'Babs' },
        { op: 'Add', path: 'phoneNumbers[type eq "work"].value', value: '1' },
        { op: 'add', path: 'urn:other:schema:attr', value: 1 },
      ),
    ).toEqual(base);
    for (const op of [
      { op: 'replace', path: 'id', value: 'other' },
      { op: 'replace', path: 'meta.created', value: '2020-01-01T00:00:00Z' },
      { op: 'add', path: 'groups', value: [{ value: 'g' }] },
      { op: 'replace', value: { id: 'another-id' } },
    ])
      expect(refusal(() => apply(op)).scimType).toBe('mutability');
  });

  test.each([
    [{ op: 'jump', path: 'active', value: true }, 'invalidSyntax'],
    [{ op: 'replace', path: 'active' }, 'invalidSyntax'],
    [{ op: 'remove' }, 'noTarget'],
    [{ op: 'replace', path: 5, value: 1 }, 'invalidPath'],
    [{ op: 'replace', path: 'emails[type eq', value: 'x' }, 'invalidPath'],
    [{ op: 'replace', value: ['not', 'an', 'object'] }, 'invalidSyntax'],
    [{ op: 'replace', path: 'active', value: 'yes' }, 'invalidValue'],
    [{ op: 'replace', path: 'userName', value: '' }, 'invalidValue'],
    [{ op: 'remove', path: 'userName' }, 'invalidValue'],
    [{ op: 'replace', path: 'displayName', value: 'x'.repeat(257) }, 'invalidValue'],
    [{ op: 'replace', path: `${SCIM_SCHEMA.enterpriseUser}:employeeNumber`, value: '12345678901234567' }, 'invalidValue'],
    [{ op: 'replace', path: 'name', value: 'not an object' }, 'invalidValue'],
    [{ op: 'replace', path: 'title', value: { nested: true } }, 'invalidValue'],
  ])('%j is %s', (op, scimType) => {
    expect(refusal(() => apply(op)).scimType).toBe(scimType);
  });

  test('a PatchOp body needs its operations; another schema is invalidSyntax', () => {
    expect(refusal(() => patchOperations({ schemas: [SCIM_SCHEMA.patchOp] })).scimType).toBe('invalidSyntax');
    expect(refusal(() => patchOperations({ schemas: [SCIM_SCHEMA.user], Operations: [{ op: 'add', path: 'title', value: 'x' }] })).scimType).toBe(
      'invalidSyntax',
    );
    expect(refusal(() => patchOperations({ Operations: Array(1001).fill({ op: 'add', path: 'title', value: 'x' }) })).scimType).toBe('invalidSyntax');
    // schemas left out: taken (what matters is the operations)
    expect(patchOperations({ Operations: [{ op: 'add', path: 'title', value: 'x' }] })).toHaveLength(1);
  });

  test('a value object never reaches Object.prototype (any key, any op)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(
          '__proto__',
          '__proto__.polluted',
          'constructor.prototype.polluted',
          'name.__proto__',
          `${SCIM_SCHEMA.enterpriseUser}:__proto__`,
          'prototype',
        ),
        fc.constantFrom('add', 'replace'),
        (key, op) => {
          try {
            apply({ op, value: JSON.parse(`{${JSON.stringify(key)}: {"polluted": "yes"}}`) });
          } catch (e) {
            expect(e).toBeInstanceOf(ScimError);
          }
          expect(({} as Record<string, unknown>).polluted).toBeUndefined();
          // nor sets a field of the user it was not meant for
          expect(Object.keys(applyUserPatch(base, [], ID)).sort()).toEqual(Object.keys(base).sort());
        },
      ),
    );
  });

  test('any PATCH body: applied or refused with a ScimError, never another error', () => {
    const value = fc.oneof(
      fc.string({ maxLength: 20 }),
      fc.boolean(),
      fc.constant(null),
      fc.integer(),
      fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 10 })),
    );
    const path = fc.oneof(
      fc.constantFrom(
        'active',
        'userName',
        'name.givenName',
        'emails[type eq "work"].value',
        'members',
        `${SCIM_SCHEMA.enterpriseUser}:manager`,
        'id',
        'x[y eq 1]',
      ),
      fc.string({ maxLength: 30 }),
    );
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ op: fc.constantFrom('add', 'Replace', 'remove', 'x'), path: fc.option(path, { nil: undefined }), value }, { requiredKeys: ['op'] }),
          { maxLength: 5 },
        ),
        (ops) => {
          try {
            apply(...ops);
          } catch (e) {
            expect(e).toBeInstanceOf(ScimError);
            expect((e as ScimError).status).toBe(400);
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe('group PATCH', () => {
  const g = (...ops: unknown[]) => groupPatch(patchOperations(patch(...ops)), ID);
  const members = (p: ReturnType<typeof groupPatch>) => ({ base: p.members.base, add: [...p.members.add].sort(), remove: [...p.members.remove].sort() });

  test('Entra ID: Add and Remove with value lists (Remove removes those members), remove by filter, remove all', () => {
    expect(members(g({ op: 'Add', path: 'members', value: [{ $ref: null, value: 'A' }] }))).toEqual({ base: 'current', add: ['a'], remove: [] });
    expect(members(g({ op: 'Remove', path: 'members', value: [{ $ref: null, value: 'a' }] }))).toEqual({ base: 'current', add: [], remove: ['a'] });
    expect(members(g({ op: 'remove', path: 'members[value eq "b"]' }))).toEqual({ base: 'current', add: [], remove: ['b'] });
    expect(members(g({ op: 'remove', path: 'members' }))).toEqual({ base: 'empty', add: [], remove: [] });
  });

  test('Okta: a rename with the id in the value; remove then add in one request; a full push by replace', () => {
    expect(g({ op: 'replace', value: { id: ID, displayName: 'Test SCIMv20' } }).displayName).toBe('Test SCIMv20');
    expect(
      members(g({ op: 'remove', path: 'members[value eq "x"]' }, { op: 'add', path: 'members', value: [{ value: 'y', display: 'y@okta.local' }] })),
    ).toEqual({
      base: 'current',
      add: ['y'],
      remove: ['x'],
    });
    expect(members(g({ op: 'replace', path: 'members', value: [{ value: 'p' }, { value: 'q' }] }))).toEqual({ base: 'empty', add: ['p', 'q'], remove: [] });
    // the order of operations counts: added then removed is removed
    expect(members(g({ op: 'add', path: 'members', value: [{ value: 'z' }] }, { op: 'remove', path: 'members[value eq "z"]' }))).toEqual({
      base: 'current',
      add: [],
      remove: ['z'],
    });
  });

  test('externalId, attributes not kept, and refusals', () => {
    expect(g({ op: 'replace', path: 'externalId', value: 'abc' }).externalId).toBe('abc');
    expect(g({ op: 'remove', path: 'externalId' }).externalId).toBeNull();
    expect(g({ op: 'add', path: 'urn:other:schema:thing', value: 1 })).toMatchObject({ members: { base: 'current' } });
    for (const [op, scimType] of [
      [{ op: 'replace', path: 'displayName', value: '' }, 'invalidValue'],
      [{ op: 'remove', path: 'displayName' }, 'invalidValue'],
      [{ op: 'add', path: 'members', value: [{ display: 'no value' }] }, 'invalidValue'],
      [{ op: 'add', path: 'members[value eq "x"]', value: [{ value: 'x' }] }, 'invalidPath'],
      [{ op: 'remove', path: 'members[display eq "x"]' }, 'invalidPath'],
      [{ op: 'replace', value: { id: 'another' } }, 'mutability'],
    ] as const)
      expect(refusal(() => g(op)).scimType).toBe(scimType);
  });
});

describe('resources and user names', () => {
  test('a POST/PUT body: what is asserted; a displayName made from the name when none is sent', () => {
    expect(
      fieldsOfResource({
        userName: 'x@y.z',
        name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
        emails: [{ primary: true, type: 'work', value: 'w@y.z' }],
        active: 'True',
        roles: [],
        password: 'secret',
      }),
    ).toEqual({ userName: 'x@y.z', givenName: 'givenName', familyName: 'familyName', displayName: 'givenName familyName', email: 'w@y.z', active: true });
    expect(fieldsOfResource({ name: { givenName: 'A', familyName: 'B' } }).displayName).toBe('A B');
    expect(fieldsOfResource({ [SCIM_SCHEMA.enterpriseUser]: null })).toEqual({ employeeNumber: null, department: null, manager: null });
    expect(fieldsOfResource({ [SCIM_SCHEMA.enterpriseUser]: { department: 'IT' } })).toEqual({ department: 'IT' });
  });

  test('upnFor: a UPN-shaped userName as it is; a plain one with the domain, characters a UPN may not hold left out', () => {
    expect(upnFor('Joe@Contoso.com', undefined)).toBe('Joe@Contoso.com');
    expect(upnFor('UserName123', 'contoso.com')).toBe('UserName123@contoso.com');
    expect(upnFor('Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee', 'contoso.com')).toBe('Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee@contoso.com');
    expect(upnFor('Jane Q. Doe (temp)', 'contoso.com')).toBe('JaneQ.Doetemp@contoso.com');
    for (const [userName, domain] of [
      ['two@at@signs.com', 'x.com'],
      ['no-dot@domain', 'x.com'],
      ['()', 'x.com'],
      ['plain', undefined],
      [`${'a'.repeat(64)}`, `${'d'.repeat(50)}.com`],
    ] as const)
      expect(refusal(() => upnFor(userName, domain)).scimType).toBe('invalidValue');
  });

  test('attributes and excludedAttributes keep id and schemas, reach into complex attributes and extensions', () => {
    const r = {
      schemas: ['s'],
      id: 'i',
      userName: 'u',
      name: { givenName: 'g', familyName: 'f' },
      [SCIM_SCHEMA.enterpriseUser]: { department: 'd', employeeNumber: 'e' },
      meta: { resourceType: 'User' },
    };
    expect(project(r, { attributes: 'userName,name.familyName' })).toEqual({ schemas: ['s'], id: 'i', userName: 'u', name: { familyName: 'f' } });
    expect(project(r, { attributes: `${SCIM_SCHEMA.enterpriseUser}:department` })).toEqual({
      schemas: ['s'],
      id: 'i',
      [SCIM_SCHEMA.enterpriseUser]: { department: 'd' },
    });
    expect(project(r, { attributes: SCIM_SCHEMA.enterpriseUser })).toEqual({
      schemas: ['s'],
      id: 'i',
      [SCIM_SCHEMA.enterpriseUser]: r[SCIM_SCHEMA.enterpriseUser],
    });
    expect(project(r, { excludedAttributes: 'id,meta,name.givenName' })).toEqual({
      schemas: ['s'],
      id: 'i',
      userName: 'u',
      name: { familyName: 'f' },
      [SCIM_SCHEMA.enterpriseUser]: r[SCIM_SCHEMA.enterpriseUser],
    });
    expect(refusal(() => project(r, { attributes: 'a b' })).scimType).toBe('invalidValue');
  });
});
