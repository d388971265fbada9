/**
 * SCIM filters (shared/provisioning/filter.ts, query.ts): the grammar with the providers' forms, SCIM's
 * invalidFilter for everything malformed; then properties with fast-check: any text is a filter or a
 * ScimError and nothing else, parsing is linear in the input (counted, not timed), values reach the SQL
 * only as parameters and the tenant is never widened, and a translated filter selects on the emulator's
 * own query engine exactly the users the filter selects evaluated on their SCIM representation.
 */
import fc from 'fast-check';
import query from '@zeit/cosmosdb-query';
import { ScimError, SCIM_SCHEMA } from '../../shared/provisioning/errors';
import { MAX_FILTER_CLAUSES, MAX_FILTER_DEPTH, MAX_FILTER_LENGTH, parseFilter, parsePath } from '../../shared/provisioning/filter';
import { scimGroupTable, scimUserTable, translateScimFilter } from '../../shared/provisioning/query';
import { scimUser } from '../../shared/provisioning/users';
import { UserDoc } from '../../shared/storage/documents';
import { withQueryFields } from '../../shared/storage/users';

const TENANT = 'c0ffee00-0000-4000-8000-00000000scim';
const ENT = SCIM_SCHEMA.enterpriseUser;

const scimErrorOf = (f: () => unknown): ScimError => {
  try {
    f();
  } catch (e) {
    if (e instanceof ScimError) return e;
    throw e;
  }
  throw new Error('expected a ScimError');
};

describe('grammar', () => {
  test('comparison, presence, precedence (not > and > or), case-insensitive keywords', () => {
    expect(parseFilter('userName Eq "bjensen"')).toEqual({ kind: 'compare', path: { attr: 'username', text: 'userName' }, op: 'eq', value: 'bjensen' });
    expect(parseFilter('title pr')).toEqual({ kind: 'present', path: { attr: 'title', text: 'title' } });
    const f = parseFilter('a eq 1 or b eq 2 and not (c eq true)');
    expect(f).toMatchObject({
      kind: 'or',
      left: { kind: 'compare', value: 1 },
      right: { kind: 'and', right: { kind: 'not', expr: { kind: 'compare', value: true } } },
    });
    expect(parseFilter('(a eq null)')).toMatchObject({ kind: 'compare', value: null });
    expect(parseFilter('meta.lastModified gt "2011-05-13T04:42:34Z"')).toMatchObject({ path: { attr: 'meta', sub: 'lastmodified' }, op: 'gt' });
  });

  test('schema URNs, value paths, the sub-attribute after ] and a bare value', () => {
    expect(parseFilter(`${ENT}:employeeNumber eq "701984"`)).toMatchObject({ path: { uri: ENT.toLowerCase(), attr: 'employeenumber' } });
    expect(parseFilter('urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J"')).toMatchObject({
      path: { uri: SCIM_SCHEMA.user.toLowerCase(), attr: 'username' },
      op: 'sw',
    });
    expect(parseFilter('emails[type eq "work" and value co "@example.com"]')).toMatchObject({
      kind: 'valuePath',
      path: { attr: 'emails' },
      filter: { kind: 'and' },
    });
    expect(parseFilter('emails[type eq "work"].value eq "a@b.c"')).toMatchObject({
      kind: 'valuePath',
      path: { attr: 'emails' },
      filter: { kind: 'and', left: { kind: 'compare', path: { attr: 'type' } }, right: { kind: 'compare', path: { attr: 'value' }, value: 'a@b.c' } },
    });
    expect(parseFilter('externalId eq jyoung')).toMatchObject({ value: 'jyoung' });
    expect(parseFilter('displayName eq "say \\"hi\\" \\u00e9\\n"')).toMatchObject({ value: 'say "hi" é\n' });
  });

  test.each([
    ['', 'it is empty'],
    ['userName', 'expected an operator'],
    ['userName eq', 'expected a value'],
    ['userName eq "x" and', 'expected an attribute name'],
    ['(userName eq "x"', "expected ')'"],
    ['userName eq "x")', 'unexpected'],
    ['userName eq "unterminated', 'no closing quote'],
    ['userName eq "bad \\q escape"', 'escape'],
    ['emails[type eq "work"', "expected ']'"],
    ['emails[type eq "work"][value eq "x"]', 'unexpected'],
    ['emails[type[value eq "x"] eq "y"]', 'cannot be nested'],
    ['name.givenName[value eq "x"]', 'follows an attribute, not a sub-attribute'],
    ['a.b.c eq "x"', 'not an attribute path'],
    ['userName eq #', "'#'"],
    ['eq eq "x"', 'expected an attribute name'],
  ])('%j is invalidFilter (%s)', (text, message) => {
    const e = scimErrorOf(() => parseFilter(text));
    expect(e.status).toBe(400);
    expect(e.scimType).toBe('invalidFilter');
    expect(e.message).toContain(message);
  });

  test('bounded: length, depth, clauses', () => {
    expect(scimErrorOf(() => parseFilter(`userName eq "${'x'.repeat(MAX_FILTER_LENGTH)}"`)).message).toContain('longer than');
    expect(scimErrorOf(() => parseFilter(`${'('.repeat(MAX_FILTER_DEPTH + 1)}a eq 1${')'.repeat(MAX_FILTER_DEPTH + 1)}`)).message).toContain('nested');
    expect(
      scimErrorOf(() =>
        parseFilter(
          Array(MAX_FILTER_CLAUSES + 1)
            .fill('a eq 1')
            .join(' or '),
        ),
      ).message,
    ).toContain('conditions');
    expect(() => parseFilter(Array(MAX_FILTER_CLAUSES).fill('a eq 1').join(' or '))).not.toThrow();
  });

  test('PATCH paths', () => {
    expect(parsePath('name.familyName')).toEqual({ path: { attr: 'name', sub: 'familyname', text: 'name.familyName' } });
    expect(parsePath('members[value eq "2819c223"]')).toMatchObject({ path: { attr: 'members' }, filter: { kind: 'compare', value: '2819c223' } });
    expect(parsePath('emails[type eq "work"].value')).toMatchObject({ path: { attr: 'emails' }, sub: 'value' });
    expect(parsePath(`${ENT}:manager`)).toMatchObject({ path: { uri: ENT.toLowerCase(), attr: 'manager' } });
    for (const bad of ['', 'members[', 'members[value eq "x"] extra', 'emails[type eq "work"].value.x', 'a b'])
      expect(scimErrorOf(() => parsePath(bad)).scimType).toBe('invalidPath');
  });
});

describe('translation', () => {
  const sql = (f: string) => translateScimFilter(parseFilter(f), scimUserTable);

  test('caseExact false attributes are compared lower-cased, externalId as it is; values only as parameters', () => {
    expect(sql('userName eq "BJensen@Example.com"')).toEqual({
      sql: 'c.search.userName = @s0',
      parameters: [{ name: '@s0', value: 'bjensen@example.com' }],
      members: [],
    });
    expect(sql('externalId eq "AbC"').parameters[0].value).toBe('AbC');
    // an OR at the top comes parenthesised: the condition is ANDed after the tenant's as it is
    expect(sql('displayName co "x" or userName sw "y"').sql).toBe('(CONTAINS(c.search.displayName, @s0) OR STARTSWITH(c.search.userName, @s1))');
    // ne holds where the attribute is missing too
    expect(sql('externalId ne "x"').sql).toBe('(NOT IS_DEFINED(c.externalId) OR IS_NULL(c.externalId) OR c.externalId != @s0)');
  });

  test("a group's members[value eq ...] is a set the caller binds", () => {
    const t = translateScimFilter(parseFilter('id eq "G" and members[value eq "U1"]'), scimGroupTable);
    expect(t.sql).toBe('c.id = @s0 AND ARRAY_CONTAINS(@m0, c.id)');
    expect(t.members).toEqual([{ param: '@m0', userId: 'u1' }]);
    expect(translateScimFilter(parseFilter('members.value eq "u2"'), scimGroupTable).members).toEqual([{ param: '@m0', userId: 'u2' }]);
  });

  test.each([
    ['phoneNumbers eq "1"', "'phoneNumbers'"],
    ['name.givenName eq "x"', "'name.givenName'"],
    ['active co "t"', 'Boolean'],
    ['active eq "maybe"', 'Boolean'],
    ['meta.created eq "yesterday"', 'date and time'],
    ['meta.created sw "2026"', 'date and time'],
    ['userName gt null', 'null'],
    ['emails[type eq "work" and display eq "x"]', "'emails.display'"],
    [`${ENT}:costCenter eq "x"`, 'costCenter'],
    ['constructor eq "x"', "'constructor'"],
    ['__proto__ pr', "'__proto__'"],
    ['emails[toString eq "x"]', "'emails.toString'"],
  ])('%j is invalidFilter (%s)', (f, message) => {
    const e = scimErrorOf(() => sql(f));
    expect(e.scimType).toBe('invalidFilter');
    expect(e.message).toContain(message);
  });
});

// ---------------- properties ----------------

const fragments = [
  'userName',
  'eq',
  'ne',
  'co',
  'sw',
  'pr',
  'gt',
  'and',
  'or',
  'not',
  '(',
  ')',
  '[',
  ']',
  '"x"',
  '"work"',
  'emails',
  'type',
  '.value',
  'true',
  '1',
  'null',
  ':',
  'urn:x:y',
];
const anyFilter = fc.oneof(
  fc.array(fc.constantFrom(...fragments), { maxLength: 30 }).map((p) => p.join(' ')),
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'grapheme', maxLength: 100 }),
  fc.constant(null).chain(() => filterArb.map((f) => f.text)),
);
/** The SQL vocabulary a translation may use: paths, parameters, functions, operators; a value would be left over. */
const sqlLeftover = (sql: string) =>
  sql.replace(
    /@[sm]\d+|c\.[A-Za-z_.]+|\b(AND|OR|NOT|IS_DEFINED|IS_NULL|IS_STRING|CONTAINS|STARTSWITH|ENDSWITH|ARRAY_CONTAINS|true|false)\b|""|[()=!<>,\s]/g,
    '',
  );

describe('properties (fast-check)', () => {
  test('any filter text: a query confined to the tenant with values in parameters only, or SCIM invalidFilter; never another error', () => {
    let accepted = 0;
    let refused = 0;
    fc.assert(
      fc.property(anyFilter, (text) => {
        let t;
        try {
          t = translateScimFilter(parseFilter(text), scimUserTable);
        } catch (e) {
          expect(e).toBeInstanceOf(ScimError);
          expect((e as ScimError).status).toBe(400);
          expect((e as ScimError).scimType).toBe('invalidFilter');
          refused++;
          return;
        }
        accepted++;
        expect(t.sql).not.toMatch(/tenantId/);
        expect(sqlLeftover(t.sql)).toBe('');
        const q = `SELECT * FROM c WHERE c.tenantId = @tenantId AND c.type = 'user' AND ${t.sql}`;
        const other = withQueryFields({ ...userDoc(0, 0), tenantId: 'another-tenant' });
        expect(query(q).exec([other], { parameters: [{ name: '@tenantId', value: TENANT }, ...t.parameters] }).result).toEqual([]);
      }),
      { numRuns: 600 },
    );
    expect(accepted).toBeGreaterThan(10);
    expect(refused).toBeGreaterThan(10);
  });

  test('parsing is linear in the input: steps counted, never timed', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          anyFilter,
          fc.array(fc.constantFrom('userName eq "a"', 'or', 'and', '(', ')', 'not', '[', ']'), { maxLength: 400 }).map((p) => p.join(' ')),
        ),
        (text) => {
          const steps = { n: 0 };
          try {
            parseFilter(text.slice(0, MAX_FILTER_LENGTH), steps);
          } catch {
            /* an invalidFilter is fine: the work done is what is measured */
          }
          expect(steps.n).toBeLessThanOrEqual(4 * (Math.min(text.length, MAX_FILTER_LENGTH) + 1));
        },
      ),
      { numRuns: 200 },
    );
    const long = Array(39).fill('userName eq "abcdefgh"').join(' or ');
    const steps = { n: 0 };
    parseFilter(long, steps);
    expect(steps.n).toBeGreaterThan(long.length / 4);
  });

  test('a translated filter selects, on the emulator query engine, exactly the users it selects on their SCIM representation', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(100_000), { minLength: 1, maxLength: 12 }), filterArb, (seeds, f) => {
        const docs = seeds.map((s, i) => withQueryFields(userDoc(s, i)));
        const t = translateScimFilter(parseFilter(f.text), scimUserTable);
        const got = query(`SELECT * FROM c WHERE c.tenantId = @tenantId AND c.type = 'user' AND ${t.sql}`)
          .exec(docs, { parameters: [{ name: '@tenantId', value: TENANT }, ...t.parameters] })
          .result.map((d: UserDoc) => d.id)
          .sort();
        const expected = docs
          .filter((d) => f.holds(scimUser(d, 'https://x/scim/v2') as unknown as View))
          .map((d) => d.id)
          .sort();
        expect(got).toEqual(expected);
      }),
      { numRuns: 120 },
    );
  });
});

// ---------------- valid filters with their meaning on the SCIM representation ----------------

type View = {
  userName: string;
  externalId?: string;
  displayName: string;
  active: boolean;
  emails?: { value: string }[];
  meta: { created: string; lastModified: string };
  [ENT]?: { department?: string; employeeNumber?: string; manager?: { value: string } };
};
interface Gen {
  text: string;
  holds: (u: View) => boolean;
}
const q = (v: string) => JSON.stringify(v);
const low = (v: string | undefined) => v?.toLowerCase();
/** A string comparison as SCIM means it (ne and the negations hold where the attribute is missing). */
const strCmp = (op: string, have: string | undefined, v: string): boolean => {
  if (have === undefined) return op === 'ne';
  return {
    eq: have === v,
    ne: have !== v,
    co: have.includes(v),
    sw: have.startsWith(v),
    ew: have.endsWith(v),
    gt: have > v,
    ge: have >= v,
    lt: have < v,
    le: have <= v,
  }[op]!;
};
const strOps = fc.constantFrom('eq', 'ne', 'co', 'sw', 'ew', 'gt', 'le');
const leaf: fc.Arbitrary<Gen> = fc.oneof(
  fc.tuple(strOps, fc.constantFrom('alex@contoso.dev', 'ALEX', 'contoso', 'b', 'user7@fabrikam.test')).map(([op, v]) => ({
    text: `userName ${op} ${q(v)}`,
    holds: (u: View) => strCmp(op, low(u.userName), v.toLowerCase()),
  })),
  fc.tuple(fc.constantFrom('eq', 'ne', 'sw'), fc.constantFrom('EXT-1', 'ext-1', 'EXT')).map(([op, v]) => ({
    text: `externalId ${op} ${q(v)}`,
    holds: (u: View) => strCmp(op, u.externalId, v),
  })),
  fc.constant({ text: 'externalId pr', holds: (u: View) => !!u.externalId }),
  fc.boolean().map((b) => ({ text: `active eq ${b}`, holds: (u: View) => u.active === b })),
  fc.constantFrom('True', 'false').map((b) => ({ text: `active ne ${q(b)}`, holds: (u: View) => u.active !== (b.toLowerCase() === 'true') })),
  fc.tuple(fc.constantFrom('co', 'sw', 'eq'), fc.constantFrom('al', 'Zoë', 'bob')).map(([op, v]) => ({
    text: `displayName ${op} ${q(v)}`,
    holds: (u: View) => strCmp(op, low(u.displayName), v.toLowerCase()),
  })),
  fc.constantFrom('a@x.test', 'B@X.TEST').map((v) => ({
    text: `emails[type eq "work"].value eq ${q(v)}`,
    holds: (u: View) => !!u.emails && u.emails[0].value.toLowerCase() === v.toLowerCase(),
  })),
  fc.constant({ text: 'emails[type eq "home"]', holds: () => false }),
  fc.constant({ text: 'emails pr', holds: (u: View) => !!u.emails }),
  fc
    .constantFrom('x.test', 'X')
    .map((v) => ({ text: `emails.value co ${q(v)}`, holds: (u: View) => !!u.emails && u.emails[0].value.toLowerCase().includes(v.toLowerCase()) })),
  fc.constantFrom('Sales', 'sales', 'IT').map((v) => ({
    text: `${ENT}:department eq ${q(v)}`,
    holds: (u: View) => low(u[ENT]?.department) === v.toLowerCase(),
  })),
  fc.constant({ text: `${ENT}:employeeNumber pr`, holds: (u: View) => !!u[ENT]?.employeeNumber }),
  fc.constant({
    text: `${ENT}:manager.value eq "00000000-0000-4000-8000-000000000001"`,
    holds: (u: View) => u[ENT]?.manager?.value === '00000000-0000-4000-8000-000000000001',
  }),
  fc
    .tuple(fc.constantFrom('gt', 'ge', 'lt', 'le', 'eq'), fc.constantFrom('2026-01-01T00:00:05Z', '2026-01-01T00:00:05.500Z', '2026-01-01T00:00:06Z'))
    .map(([op, v]) => ({
      text: `meta.lastModified ${op} ${q(v)}`,
      holds: (u: View) => {
        const a = Date.parse(u.meta.lastModified);
        const b = Date.parse(v);
        return { gt: a > b, ge: a >= b, lt: a < b, le: a <= b, eq: a === b }[op];
      },
    })),
  fc.tuple(fc.constantFrom('ge', 'lt'), fc.constantFrom('2025-06-01T00:00:00Z', '2026-01-01T00:00:00+01:00')).map(([op, v]) => ({
    text: `meta.created ${op} ${q(v)}`,
    holds: (u: View) => (op === 'ge' ? Date.parse(u.meta.created) >= Date.parse(v) : Date.parse(u.meta.created) < Date.parse(v)),
  })),
);
const filterArb: fc.Arbitrary<Gen> = fc.letrec<{ f: Gen }>((tie) => ({
  f: fc.oneof(
    { maxDepth: 2, withCrossShrink: true },
    leaf,
    fc.tuple(tie('f'), tie('f')).map(([a, b]) => ({ text: `(${a.text}) and (${b.text})`, holds: (u: View) => a.holds(u) && b.holds(u) })),
    fc.tuple(tie('f'), tie('f')).map(([a, b]) => ({ text: `${a.text} or ${b.text}`, holds: (u: View) => a.holds(u) || b.holds(u) })),
    tie('f').map((a) => ({ text: `not (${a.text})`, holds: (u: View) => !a.holds(u) })),
  ),
})).f;

/** A user document from a seed: every combination of the filterable attributes, some missing. */
function userDoc(seed: number, i: number): UserDoc & { _ts: number } {
  const pick = <T>(xs: T[], n: number) => xs[n % xs.length];
  const upn = pick(['alex@contoso.dev', 'Bob@contoso.dev', 'user7@fabrikam.test', 'zoë@contoso.dev'], seed);
  return {
    id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    tenantId: TENANT,
    type: 'user',
    displayName: pick(['Alex Wilber', 'alan', 'Zoë', 'Bobby'], seed >> 2),
    userPrincipalName: upn,
    ...pick([{}, { userName: 'ALEX' }, { userName: 'b' }], seed >> 4),
    mail: pick([null, 'a@x.test', 'b@x.test'], seed >> 6),
    usageLocation: null,
    accountEnabled: seed % 3 !== 0,
    userType: 'Member',
    department: pick(['Sales', 'sales', null, 'IT'], seed >> 8),
    jobTitle: null,
    ...pick([{}, { externalId: 'EXT-1' }, { externalId: 'ext-1' }, { externalId: 'EXT-12' }], seed >> 10),
    ...pick([{}, { employeeId: '42' }], seed >> 12),
    ...pick([{}, { managerId: '00000000-0000-4000-8000-000000000001' }], seed >> 13),
    createdDateTime: pick(['2025-01-01T00:00:00.000Z', '2025-12-31T23:30:00.000Z', '2026-02-01T00:00:00.000Z'], seed >> 14),
    _ts: pick([Date.parse('2026-01-01T00:00:04Z') / 1000, Date.parse('2026-01-01T00:00:05Z') / 1000, Date.parse('2026-01-01T00:00:06Z') / 1000], seed >> 15),
    licenseAssignments: [],
    skuIds: [],
    search: { displayName: '', userPrincipalName: '' },
  };
}
