/**
 * The OData subset (shared/odata): the $filter grammar, its translation to parameterised Cosmos DB SQL,
 * $search / $orderby / $select / $count and Graph's advanced-query rules; then properties with fast-check:
 * hostile filters are 400s and nothing else, every query stays in the caller's tenant with values only in
 * parameters, parsing is linear in the input (counted, not timed), and a translated filter selects, on the
 * emulator's own query engine, exactly the users the same filter selects evaluated on their Graph view.
 */
import fc from 'fast-check';
// the query engine of the local Cosmos DB emulator (@vercel/cosmosdb-server runs queries with it)
import query from '@zeit/cosmosdb-query';
import { ApiError } from '../../shared/errors';
import { MAX_FILTER_LENGTH, parseFilter } from '../../shared/odata/filter';
import { parseListQuery, parseOrderBy, parseSelect, translateSearch } from '../../shared/odata/query';
import { groupSchema, queriedPaths, subscribedSkuSchema, userSchema } from '../../shared/odata/resources';
import { translateFilter } from '../../shared/odata/translate';
import { listQuery } from '../../shared/storage/odata';
import { withQueryFields } from '../../shared/storage/users';
import { UserDoc } from '../../shared/storage/documents';
import { userView } from '../../shared/http/views';
import { GROUP_PROPERTIES, SUBSCRIBED_SKU_PROPERTIES, USER_PROPERTIES } from '../../shared/usecases/directoryLists';

const E3 = '6fd2c87f-b296-42f0-b197-1e91e994b900';
const E1 = '18181a46-0d4e-45cd-891e-60aabd171b4e';

const errorOf = (f: () => unknown): ApiError => {
  try {
    f();
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error('expected an ApiError');
};
const sqlOf = (filter: string) => translateFilter(parseFilter(filter), userSchema);

describe('$filter grammar', () => {
  test.each([
    ['accountEnabled eq true', { kind: 'compare', property: 'accountEnabled', op: 'eq', value: { kind: 'boolean', value: true } }],
    ["userType EQ 'Guest'", { kind: 'compare', property: 'userType', op: 'eq', value: { kind: 'string', value: 'Guest' } }],
    ["startsWith(displayName, 'Al''s')", { kind: 'startswith', property: 'displayName', value: "Al's" }],
    [
      `assignedLicenses/any(x:x/skuId eq ${E3})`,
      { kind: 'any', collection: 'assignedLicenses', property: 'skuId', op: 'eq', value: { kind: 'guid', value: E3 } },
    ],
    ['assignedLicenses/$count eq 0', { kind: 'count', collection: 'assignedLicenses', op: 'eq', value: 0 }],
    ["department in ('Sales', null)", { kind: 'in', property: 'department', values: [{ kind: 'string', value: 'Sales' }, { kind: 'null' }] }],
  ])('%s', (text, ast) => expect(parseFilter(text)).toEqual(ast));

  test('precedence: not binds tighter than and, and tighter than or; parentheses group', () => {
    const e = parseFilter("NOT accountEnabled eq true and userType eq 'Member' or (usageLocation eq 'NL')");
    expect(e.kind).toBe('or');
    expect(e).toMatchObject({ left: { kind: 'and', left: { kind: 'not' } }, right: { kind: 'compare', property: 'usageLocation' } });
  });

  test.each([
    ["accountEnabled eq 'true'", 'BadRequest'], // Graph: booleans are not quoted
    ['accountEnabled eq', 'BadRequest'],
    ["startswith(displayName, 'a'", 'BadRequest'],
    ["displayName eq 'open", 'BadRequest'],
    ['(accountEnabled eq true', 'BadRequest'],
    ['accountEnabled eq true userType', 'BadRequest'],
    ['assignedLicenses/any(x:y/skuId eq ' + E3 + ')', 'BadRequest'],
    ["assignedLicenses/any(x:x/skuId eq '" + E3 + "')", 'BadRequest'], // GUIDs are not quoted
    ['accountEnabled eq true %', 'BadRequest'],
    ["mail eq 'a@b.c'", 'Request_UnsupportedQuery'],
    ["endswith(mail, 'x')", 'Request_UnsupportedQuery'],
    ['assignedLicenses/all(x:x/skuId eq ' + E3 + ')', 'Request_UnsupportedQuery'],
    ['assignedPlans/any(x:x/servicePlanId eq ' + E3 + ')', 'Request_UnsupportedQuery'],
    ['usageLocation eq null', 'Request_UnsupportedQuery'], // not filterable with null in Graph either
    ["displayName gt 'a'", 'Request_UnsupportedQuery'],
  ])('%s -> 400 %s', (text, code) => {
    const err = errorOf(() => sqlOf(text));
    expect([err.status, err.code]).toEqual([400, code]);
    if (code === 'BadRequest') expect(err.message).toMatch(/^Invalid filter clause: /);
  });

  test('bounded before any work: length, depth and clauses', () => {
    expect(errorOf(() => parseFilter('a'.repeat(MAX_FILTER_LENGTH + 1))).code).toBe('Request_UnsupportedQuery');
    expect(errorOf(() => parseFilter('('.repeat(40) + 'accountEnabled eq true' + ')'.repeat(40))).message).toMatch(/nested/);
    expect(errorOf(() => parseFilter(Array(50).fill('accountEnabled eq true').join(' or '))).message).toMatch(/clauses/);
  });
});

describe('translation to Cosmos DB SQL', () => {
  test('values are parameters, never text; strings are compared as stored (case-insensitive copies, upper-case countries)', () => {
    const t = sqlOf("department eq 'Sales' and usageLocation eq 'nl' and startswith(displayName, 'AL')");
    expect(t.sql).not.toMatch(/sales|'nl'|NL|al\b/i);
    expect(t.parameters).toEqual([
      { name: '@f0', value: 'sales' },
      { name: '@f1', value: 'NL' },
      { name: '@f2', value: 'al' },
    ]);
    expect(t.advanced).toEqual([]);
  });

  test('the advanced forms are reported: ne, not, eq null, /$count', () => {
    expect(sqlOf("userType ne 'Guest'").advanced).toEqual(["Operator 'ne'"]);
    expect(sqlOf('not(accountEnabled eq true)').advanced).toEqual(["Operator 'not'"]);
    expect(sqlOf('department eq null').advanced).toEqual(['null values']);
    expect(sqlOf('assignedLicenses/$count eq 0').advanced).toEqual(['assignedLicenses/$count']);
    expect(sqlOf(`assignedLicenses/any(x:x/skuId eq ${E3})`).advanced).toEqual([]);
  });

  test("signInActivity/lastSignInDateTime: a date without quotes (any offset, normalised to UTC), Graph's operators eq, ne, ge, le and eq null", () => {
    const t = sqlOf('signInActivity/lastSignInDateTime le 2026-06-01T10:30:00+02:00');
    expect(t.sql).toBe('c.signInActivity.lastSignInDateTime <= @f0');
    expect(t.parameters).toEqual([{ name: '@f0', value: '2026-06-01T08:30:00.000Z' }]);
    expect(sqlOf('not (signInActivity/lastSignInDateTime ge 2026-01-01T00:00:00Z)').sql).toBe(
      '(NOT IS_DEFINED(c.signInActivity.lastSignInDateTime) OR IS_NULL(c.signInActivity.lastSignInDateTime) OR c.signInActivity.lastSignInDateTime < @f0)',
    );
    expect(sqlOf('signInActivity/lastSignInDateTime eq null').advanced).toEqual(['null values']);
    expect(() => sqlOf("signInActivity/lastSignInDateTime le '2026-01-01'")).toThrow(/DateTimeOffset/);
    expect(() => sqlOf('signInActivity/lastSignInDateTime gt 2026-01-01T00:00:00Z')).toThrow(
      /Unsupported or invalid query filter clause specified for property 'signInActivity\/lastSignInDateTime'/,
    );
    expect(() => sqlOf('signInActivity/lastNonInteractiveSignInDateTime le 2026-01-01T00:00:00Z')).toThrow(/Unsupported/);
    expect(() => sqlOf('displayName ge 2026-01-01T00:00:00Z')).toThrow(/Unsupported/);
    expect(() => parseFilter('signInActivity/lastSignInDateTime le 2026-13-45T99:00:00Z')).toThrow(/not a valid date/);
  });

  test('groups: hasMembersWithLicenseErrors is bound by the storage, as a parameter', () => {
    const t = translateFilter(parseFilter('hasMembersWithLicenseErrors eq true'), groupSchema);
    expect(t.sql).toBe('ARRAY_CONTAINS(@groupsWithLicenseErrors, c.id)');
    expect(t.needs).toEqual(['@groupsWithLicenseErrors']);
  });
});

describe('list options and the advanced query parameters', () => {
  const parse = (q: Record<string, unknown>, consistency: string | null = null) => parseListQuery(userSchema, q, consistency, USER_PROPERTIES);
  const code = (f: () => unknown) => {
    const e = errorOf(f);
    return `${e.status} ${e.code}`;
  };

  test('$search, $count and the advanced filters need ConsistencyLevel: eventual (and $count=true for filters)', () => {
    expect(code(() => parse({ $search: '"displayName:al"' }))).toBe('400 Request_UnsupportedQuery');
    expect(parse({ $search: '"displayName:al"' }, 'eventual').where).toEqual({
      sql: '(STARTSWITH(c.search.displayName, @s0) OR EXISTS(SELECT VALUE w FROM w IN c.displayNameWords WHERE STARTSWITH(w, @s0)))',
      parameters: [{ name: '@s0', value: 'al' }],
      needs: [],
    });
    expect(code(() => parse({ $count: true }))).toBe('400 Request_UnsupportedQuery');
    expect(code(() => parse({ $filter: 'assignedLicenses/$count eq 0' }, 'eventual'))).toBe('400 Request_UnsupportedQuery');
    expect(code(() => parse({ $filter: 'assignedLicenses/$count eq 0', $count: true }))).toBe('400 Request_UnsupportedQuery');
    expect(parse({ $filter: 'assignedLicenses/$count eq 0', $count: true }, 'Eventual').count).toBe(true);
    expect(code(() => parse({ $filter: 'accountEnabled eq true', $orderby: 'displayName' }))).toBe('400 Request_UnsupportedQuery');
    expect(parse({ $filter: 'accountEnabled eq true' }).where).toEqual({
      sql: 'c.accountEnabled = @f0',
      parameters: [{ name: '@f0', value: true }],
      needs: [],
    });
  });

  test('$select: known properties (any case), id always; an unknown one is a 400', () => {
    expect(parse({ $select: 'DisplayName,assignedLicenses' }).select).toEqual(['id', 'displayName', 'assignedLicenses']);
    expect(code(() => parse({ $select: 'displayName,manager' }))).toBe('400 BadRequest');
  });

  test('$orderby: displayName or userPrincipalName, asc or desc; one key', () => {
    expect(parse({ $orderby: 'userPrincipalName desc' }).orderBy).toEqual({ path: 'search.userPrincipalName', desc: true });
    expect(code(() => parse({ $orderby: 'createdDateTime' }))).toBe('400 Request_UnsupportedQuery');
    expect(code(() => parse({ $orderby: 'displayName,userPrincipalName' }))).toBe('400 Request_UnsupportedQuery');
  });

  test('$search: quoted clauses, AND / OR, parentheses, escapes; the plain form of earlier versions', () => {
    const s = translateSearch(userSchema, '"displayName:Al" AND ("userPrincipalName:a\\"b" OR "x")');
    expect(s.parameters.map((p) => p.value)).toEqual(['al', 'a"b', 'x']);
    expect(s.sql).toMatch(/^\(.* AND \(.* OR .*\)\)$/);
    expect(translateSearch(userSchema, 'al').parameters).toEqual([{ name: '@s0', value: 'al' }]);
    expect(errorOf(() => translateSearch(userSchema, '"displayName:al" or "x"')).code).toBe('BadRequest'); // operators in upper case
    expect(errorOf(() => translateSearch(userSchema, '"mail:al"')).code).toBe('Request_UnsupportedQuery');
  });
});

// ---------------- properties ----------------

const TENANT = '0f6b1c2d-3e4f-4a5b-8c7d-9e0f1a2b3c4d';

/** Fragments of the grammar, glued together at random: mostly valid, often not, never expected to crash. */
const fragments = [
  'accountEnabled',
  'userType',
  'usageLocation',
  'department',
  'displayName',
  'userPrincipalName',
  'id',
  'mail',
  'eq',
  'ne',
  'in',
  'gt',
  'and',
  'or',
  'not',
  'NOT',
  'startswith',
  'startsWith',
  'assignedLicenses',
  'licenseAssignmentStates',
  '/any',
  '/all',
  '/$count',
  'any',
  '(',
  ')',
  ',',
  ':',
  '/',
  'x',
  'x/skuId',
  'x/state',
  'true',
  'false',
  'null',
  '0',
  '1',
  '-3',
  E3,
  E1,
  "'Sales'",
  "'NL'",
  "'Error'",
  "'it''s'",
  "'",
  "''",
  '"',
  ';',
  "' or 1=1 --",
  "') OR c.tenantId != @tenantId OR ('",
  'c.tenantId',
  '@tenantId',
  '*/',
  '/*',
  '\u0000',
  'é',
  '𝔘',
];
const fragmentFilter = fc.array(fc.constantFrom(...fragments), { maxLength: 30 }).map((parts) => parts.join(' '));
/** Valid filters (filterArb, below), also with a fragment or any text spliced in somewhere. */
const spliced = fc
  .tuple(
    fc.constant(null).chain(() => filterArb),
    fc.nat(),
    fc.oneof(fc.constantFrom(...fragments), fc.string({ maxLength: 8 })),
  )
  .map(([f, at, frag]) => {
    const i = at % (f.text.length + 1);
    return f.text.slice(0, i) + frag + f.text.slice(i);
  });
const anyFilter = fc.oneof(
  fragmentFilter,
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'grapheme', maxLength: 100 }),
  fc.constant(null).chain(() => filterArb.map((f) => f.text)),
  spliced,
);

/** Only these words may appear in the SQL text: keywords, functions, the resources' paths, parameter names. */
/** Whether an OR stands at the top level of a condition (outside every parenthesis). */
function orOutsideParentheses(sql: string): boolean {
  let depth = 0;
  for (let i = 0; i < sql.length; i++) {
    if (sql[i] === '(') depth++;
    else if (sql[i] === ')') depth--;
    else if (depth === 0 && sql.startsWith(' OR ', i)) return true;
  }
  return false;
}
const SQL_WORDS = new Set([
  '*',
  'true',
  'SELECT',
  'FROM',
  'WHERE',
  'AND',
  'OR',
  'NOT',
  'IN',
  'ORDER',
  'BY',
  'ASC',
  'DESC',
  'VALUE',
  'COUNT',
  'IS_STRING',
  'IS_BOOL',
  'IS_NULL',
  'IS_DEFINED',
  'IS_NUMBER',
  'IS_ARRAY',
  'ARRAY_CONTAINS',
  'STARTSWITH',
  'false',
  'c',
  'user',
  'group',
]);
const PATH_WORDS = new Set(['c', ...[userSchema, groupSchema].flatMap((s) => queriedPaths(s).flatMap((p) => p.path.split('.')))]);
const PATH_WORDS_EXTRA = ['tenantId', 'type', 'id', 'assignedSkuIds', 'hasLicenseErrors', 'assignedLicenseCount'];

function checkSqlShape(q: { query: string; parameters: { name: string }[] }, docType: string) {
  expect(q.query.startsWith(`SELECT * FROM c WHERE c.tenantId = @tenantId AND c.type = '${docType}'`)).toBe(true);
  expect(q.parameters.map((p) => p.name)).not.toContain('@tenantId');
  // no literal of the caller's in the text: every word is a keyword, a known path or a parameter name
  const text = q.query.replace(/'(user|group)'/g, '').replace(/@[fs]\d+|@groupsWithLicenseErrors|@tenantId/g, '');
  for (const word of text.match(/[^\s().,=<>![\]]+/g) ?? []) {
    const parts = word.split('.');
    expect([word, parts.every((p) => SQL_WORDS.has(p) || PATH_WORDS.has(p) || PATH_WORDS_EXTRA.includes(p) || /^\d+$/.test(p))]).toEqual([word, true]);
  }
  expect(q.query).not.toContain("'" + "'");
  const opens = (q.query.match(/\(/g) ?? []).length;
  expect(opens).toBe((q.query.match(/\)/g) ?? []).length);
}

describe('properties (fast-check)', () => {
  test('any filter text: a 400 or a query confined to the tenant, values in parameters only; never another error', () => {
    let accepted = 0;
    let refused = 0;
    fc.assert(
      fc.property(anyFilter, fc.boolean(), (text, eventual) => {
        let spec;
        try {
          spec = parseListQuery(userSchema, { $filter: text, $count: eventual ? true : undefined }, eventual ? 'eventual' : null, USER_PROPERTIES);
        } catch (e) {
          expect(e).toBeInstanceOf(ApiError);
          expect((e as ApiError).status).toBe(400);
          expect(['BadRequest', 'Request_UnsupportedQuery']).toContain((e as ApiError).code);
          refused++;
          return;
        }
        accepted++;
        const q = listQuery(userSchema, spec);
        checkSqlShape(q, 'user');
        // the filter is ANDed after the tenant, AND-safe: an OR at its top is parenthesised
        expect(q.query).toMatch(/^SELECT \* FROM c WHERE c\.tenantId = @tenantId AND c\.type = 'user' AND .* ORDER BY c\.search\.displayName ASC$/);
        const where = q.query.slice(q.query.indexOf("'user' AND ") + "'user' AND ".length, q.query.lastIndexOf(' ORDER BY'));
        expect(orOutsideParentheses(where)).toBe(false);
        // and the engine runs it only over the tenant's partition: a document of another tenant never matches
        const other = withQueryFields({ ...doc(0), tenantId: 'another-tenant' });
        const res = query(q.query).exec([other], { parameters: [{ name: '@tenantId', value: TENANT }, ...q.parameters] });
        expect(res.result).toEqual([]);
      }),
      { numRuns: 600 },
    );
    // both outcomes were exercised: the property is not vacuous
    expect(accepted).toBeGreaterThan(20);
    expect(refused).toBeGreaterThan(20);
  });

  test('parsing is linear in the input: steps counted, never timed', () => {
    const perChar: number[] = [];
    fc.assert(
      fc.property(
        fc.oneof(
          anyFilter,
          fc.array(fc.constantFrom("displayName eq 'a'", 'or', 'and', '(', ')', 'not'), { maxLength: 400 }).map((p) => p.join(' ')),
        ),
        (text) => {
          const steps = { n: 0 };
          try {
            parseFilter(text.slice(0, MAX_FILTER_LENGTH), steps);
          } catch {
            /* a 400 is fine: the work done is what is measured */
          }
          expect(steps.n).toBeLessThanOrEqual(4 * (Math.min(text.length, MAX_FILTER_LENGTH) + 1));
          perChar.push(steps.n / (text.length + 1));
        },
      ),
      { numRuns: 200 },
    );
    // and the bound is not vacuous: long valid filters do take work in proportion
    const long = Array(39).fill("displayName eq 'abcdefgh'").join(' or ');
    const steps = { n: 0 };
    parseFilter(long, steps);
    expect(steps.n).toBeGreaterThan(long.length / 4);
  });

  test('a translated filter selects, on the emulator query engine, exactly the users the filter selects on their Graph view', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(1000), { minLength: 1, maxLength: 12 }), filterArb, (seeds, f) => {
        const docs = seeds.map((s, i) => withQueryFields({ ...doc(s), id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}` }));
        const spec = { where: { ...translateFilter(parseFilter(f.text), userSchema), needs: [] }, orderBy: undefined };
        const q = listQuery(userSchema, spec);
        checkSqlShape(q, 'user');
        const got = query(q.query)
          .exec(docs, { parameters: [{ name: '@tenantId', value: TENANT }, ...q.parameters] })
          .result.map((d: UserDoc) => d.id)
          .sort();
        const expected = docs
          .filter((d) => f.holds(userView(d, { select: ['signInActivity'] })))
          .map((d) => d.id)
          .sort();
        expect(got).toEqual(expected);
      }),
      { numRuns: 150 },
    );
  });
});

describe('names every JavaScript object has (issue 19, item 5)', () => {
  /** constructor, __proto__, toString, hasOwnProperty, valueOf, ...: what a plain object answers for any of them. */
  const inherited = Object.getOwnPropertyNames(Object.prototype);
  /** A name in any mix of case: the tables are looked up by the lower-cased name. */
  const nameArb = fc
    .tuple(fc.constantFrom(...inherited), fc.array(fc.boolean(), { minLength: 24, maxLength: 24 }))
    .map(([n, up]) => [...n].map((ch, i) => (up[i] ? ch.toUpperCase() : ch.toLowerCase())).join(''));
  /** Every place an option names a property: $filter's scalars, lambdas, collections and memberships, $orderby, $search, $select. */
  const uses: ((name: string) => () => unknown)[] = [
    ...["startswith(N,'a')", "N eq 'x'", "N ne 'x'", "N in ('x')", 'N eq null', 'N eq true', 'N ge 2026-01-01T00:00:00Z', "not(N eq 'x')"].map(
      (f) => (n: string) => () => translateFilter(parseFilter(f.replace('N', n)), userSchema),
    ),
    ...[`N/any(x:x/skuId eq ${E3})`, "assignedLicenses/any(x:x/N eq 'x')", "licenseAssignmentStates/any(x:x/N eq 'Error')", 'N/$count eq 0'].map(
      (f) => (n: string) => () => translateFilter(parseFilter(f.replace('N', n)), userSchema),
    ),
    (n) => () => translateFilter(parseFilter(`N eq true`.replace('N', n)), groupSchema),
    (n) => () => translateFilter(parseFilter(`N eq 'x'`.replace('N', n)), groupSchema),
    (n) => () => parseOrderBy(userSchema, `${n} desc`),
    (n) => () => parseOrderBy(groupSchema, n),
    (n) => () => parseOrderBy(subscribedSkuSchema, n),
    (n) => () => translateSearch(userSchema, `"${n}:a"`),
    (n) => () => translateSearch(groupSchema, `"${n}:a"`),
    (n) => () => parseSelect(userSchema, USER_PROPERTIES, `id,${n}`),
    (n) => () => parseSelect(groupSchema, GROUP_PROPERTIES, n),
    (n) => () => parseSelect(subscribedSkuSchema, SUBSCRIBED_SKU_PROPERTIES, n),
  ];

  test('in any option, in any case, such a name is a 400 like any unknown name: never a TypeError, never a query', () => {
    fc.assert(
      fc.property(nameArb, fc.nat(uses.length - 1), (name, i) => {
        const e = errorOf(uses[i](name));
        expect(e.status).toBe(400);
        expect(['BadRequest', 'Request_UnsupportedQuery']).toContain(e.code);
      }),
      { numRuns: 1000 },
    );
    // and every name in every place, once
    for (const name of inherited) for (const use of uses) expect(errorOf(use(name)).status).toBe(400);
  });

  test('the tables know only what was put in them', () => {
    for (const schema of [userSchema, groupSchema, subscribedSkuSchema])
      for (const table of [schema.scalars, schema.collections, schema.memberships, schema.orderBy, schema.search])
        for (const name of inherited) expect(table.get(name.toLowerCase())).toBeUndefined();
  });
});

// ---------------- a generator of valid filters, each with its meaning on the Graph view ----------------

type View = ReturnType<typeof userView>;
interface Gen {
  text: string;
  holds: (u: View) => boolean;
}
const str = (v: string) => `'${v.replace(/'/g, "''")}'`;
const lower = (v: string | null | undefined) => (v ?? '').toLowerCase();
const leaf: fc.Arbitrary<Gen> = fc.oneof(
  fc.boolean().map((b) => ({ text: `accountEnabled eq ${b}`, holds: (u: View) => u.accountEnabled === b })),
  fc
    .constantFrom('Member', 'Guest', 'member')
    .map((t) => ({ text: `userType eq ${str(t)}`, holds: (u: View) => u.userType.toLowerCase() === t.toLowerCase() })),
  fc.constantFrom('NL', 'us', 'IN').map((c) => ({ text: `usageLocation eq ${str(c)}`, holds: (u: View) => u.usageLocation === c.toUpperCase() })),
  fc
    .constantFrom('Sales', 'sales', "O'Neil", 'IT')
    .map((d) => ({ text: `department eq ${str(d)}`, holds: (u: View) => u.department !== null && u.department.toLowerCase() === d.toLowerCase() })),
  fc.constant({ text: 'department eq null', holds: (u: View) => u.department === null }),
  fc
    .constantFrom('Sales', 'IT')
    .map((d) => ({ text: `department ne ${str(d)}`, holds: (u: View) => lower(u.department) !== d.toLowerCase() || u.department === null })),
  fc
    .constantFrom('a', 'Al', 'zo', '')
    .map((p) => ({ text: `startswith(displayName, ${str(p)})`, holds: (u: View) => u.displayName.toLowerCase().startsWith(p.toLowerCase()) })),
  fc
    .constantFrom('user1', 'A')
    .map((p) => ({ text: `startswith(userPrincipalName, ${str(p)})`, holds: (u: View) => u.userPrincipalName.toLowerCase().startsWith(p.toLowerCase()) })),
  fc
    .constantFrom(E3, E1)
    .map((s) => ({ text: `assignedLicenses/any(x:x/skuId eq ${s.toUpperCase()})`, holds: (u: View) => u.assignedLicenses.some((l) => l.skuId === s) })),
  fc.tuple(fc.constantFrom('eq', 'ne', 'gt', 'le'), fc.nat(2)).map(([op, n]) => ({
    text: `assignedLicenses/$count ${op} ${n}`,
    holds: (u: View) =>
      ({ eq: (a: number) => a === n, ne: (a: number) => a !== n, gt: (a: number) => a > n, le: (a: number) => a <= n })[op](u.assignedLicenses.length),
  })),
  fc
    .constantFrom('Error', 'Active', 'Disabled')
    .map((s) => ({ text: `licenseAssignmentStates/any(y:y/state eq ${str(s)})`, holds: (u: View) => u.licenseAssignmentStates.some((a) => a.state === s) })),
  fc
    .tuple(fc.constantFrom('ge', 'le', 'eq', 'ne'), fc.constantFrom('2026-01-01T00:00:00Z', '2026-06-01T10:30:00+02:00', '2026-03-01T00:00:00.000Z'))
    .map(([op, at]) => {
      const t = Date.parse(at);
      const cmp = { ge: (a: number) => a >= t, le: (a: number) => a <= t, eq: (a: number) => a === t, ne: (a: number) => a !== t }[op];
      return {
        text: `signInActivity/lastSignInDateTime ${op} ${at}`,
        // never signed in: no date, so no range or eq holds; ne holds (as for any other missing value)
        holds: (u: View) => {
          const last = u.signInActivity?.lastSignInDateTime;
          return last ? cmp(Date.parse(last)) : op === 'ne';
        },
      };
    }),
  fc.constant({ text: 'signInActivity/lastSignInDateTime eq null', holds: (u: View) => !u.signInActivity?.lastSignInDateTime }),
  fc.constantFrom(['Sales', 'IT'], ['sales']).map((ds) => ({
    text: `department in (${ds.map(str).join(', ')})`,
    holds: (u: View) => ds.some((d) => lower(u.department) === d.toLowerCase() && u.department !== null),
  })),
);
const filterArb: fc.Arbitrary<Gen> = fc.letrec<{ f: Gen }>((tie) => ({
  f: fc.oneof(
    { maxDepth: 2, withCrossShrink: true },
    leaf,
    fc.tuple(tie('f'), tie('f')).map(([a, b]) => ({ text: `(${a.text}) and (${b.text})`, holds: (u: View) => a.holds(u) && b.holds(u) })),
    fc.tuple(tie('f'), tie('f')).map(([a, b]) => ({ text: `(${a.text}) or (${b.text})`, holds: (u: View) => a.holds(u) || b.holds(u) })),
    tie('f').map((a) => ({ text: `not (${a.text})`, holds: (u: View) => !a.holds(u) })),
  ),
})).f;

/** A user document from a seed: every combination of the filtered properties, licenses and errors. */
function doc(seed: number): UserDoc {
  const pick = <T>(xs: T[], n: number) => xs[n % xs.length];
  const names = ['Alex Wilber', 'alan', 'Zoë', 'Adele', 'Bob'];
  const licenses = [
    [],
    [{ skuId: E3, disabledPlans: [], assignedByGroup: null, assignedDateTime: '', lastUpdatedDateTime: '' }],
    [
      {
        skuId: E1,
        disabledPlans: [],
        assignedByGroup: 'g1',
        assignedDateTime: '',
        lastUpdatedDateTime: '',
        state: 'Error' as const,
        error: 'CountViolation' as const,
      },
    ],
    [
      { skuId: E1, disabledPlans: [], assignedByGroup: null, assignedDateTime: '', lastUpdatedDateTime: '' },
      { skuId: E3, disabledPlans: [], assignedByGroup: 'g2', assignedDateTime: '', lastUpdatedDateTime: '', state: 'Active' as const },
    ],
  ];
  return {
    id: 'x',
    tenantId: TENANT,
    type: 'user',
    displayName: pick(names, seed),
    userPrincipalName: `${pick(['user1', 'admin', 'Alex'], seed >> 2)}@contoso.dev`,
    mail: null,
    usageLocation: pick(['NL', 'US', null], seed >> 3),
    accountEnabled: seed % 7 !== 0,
    userType: pick(['Member', 'Guest'] as const, seed >> 4),
    department: pick(['Sales', 'sales', "O'Neil", null, 'IT'], seed >> 5),
    jobTitle: null,
    createdDateTime: '',
    licenseAssignments: pick(licenses, seed >> 6),
    skuIds: [],
    search: { displayName: '', userPrincipalName: '' },
    ...pick(
      [{}, { signInActivity: { lastSignInDateTime: '2026-01-01T00:00:00.000Z' } }, { signInActivity: { lastSignInDateTime: '2026-06-01T08:30:00.000Z' } }],
      seed >> 8,
    ),
  };
}
