/**
 * OData on the real stack, through HTTP: every $filter form gives exactly what the plain list gives
 * filtered in JS; $select, $orderby, $count (and /$count), $search; Graph's advanced-query rule
 * (ConsistencyLevel: eventual and $count=true); groups with members in license error; products' $select.
 */
import { randomUUID } from 'node:crypto';
import { addBody, call, newTenant, SKU, TestTenant } from '../helpers';

let t: TestTenant;
let all: any[];
const eventual = { ConsistencyLevel: 'eventual' };
let errorGroup: any;
let quietGroup: any;

async function user(props: Record<string, unknown>) {
  const r = await call('POST', '/v1.0/users', {
    token: t.tokens.global,
    body: {
      usageLocation: 'NL',
      ...props,
      userPrincipalName: `${String(props.displayName).toLowerCase().replace(/\W+/g, '.')}-${randomUUID().slice(0, 4)}@odata.dev`,
    },
  });
  expect(r.status).toBe(201);
  return r.body;
}

async function until<T>(probe: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  for (let i = 0; i < 300; i++) {
    const v = await probe();
    if (ok(v)) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  return probe();
}

const list = (query: string, headers: Record<string, string> = {}) => call('GET', `/v1.0/users?$top=999&${query}`, { token: t.tokens.reader, headers });
const ids = (users: any[]) => users.map((u) => u.id).sort();
const enc = encodeURIComponent;

beforeAll(async () => {
  t = await newTenant('OData org');
  await t.buy(SKU.E3, 10);
  await t.buy(SKU.E1, 10);
  await t.buy(SKU.EXO1, 1);
  const alex = await user({ displayName: 'Alex Wilber', department: 'Sales' });
  const alan = await user({ displayName: 'alan Turing', department: 'sales', userType: 'Guest' });
  await user({ displayName: 'Adele Vance', department: 'IT', usageLocation: 'US' });
  const bob = await user({ displayName: 'Bob Off', accountEnabled: false, department: "O'Neil" });
  await user({ displayName: 'Zoë Nobody', usageLocation: null });
  const carl = await user({ displayName: 'Carl Licensed', department: 'IT' });
  expect((await t.assign(alex.id, addBody(SKU.E3))).status).toBe(200);
  expect((await t.assign(carl.id, addBody(SKU.E3))).status).toBe(200);
  expect((await t.assign(alan.id, addBody(SKU.E1), t.tokens.global)).status).toBe(200); // a guest: Global admin only
  expect((await t.assign(bob.id, addBody(SKU.E1))).status).toBe(200);
  // a group whose product has one seat for three members: two of them end in Error (CountViolation)
  const members = [await user({ displayName: 'Gina Group' }), await user({ displayName: 'Gus Group' }), await user({ displayName: 'Gwen Group' })];
  errorGroup = (await call('POST', '/v1.0/groups', { token: t.tokens.userAdmin, body: { displayName: 'Exchange pilots' } })).body;
  quietGroup = (await call('POST', '/v1.0/groups', { token: t.tokens.userAdmin, body: { displayName: 'Quiet group' } })).body;
  for (const m of members) {
    expect(
      (
        await call('POST', `/v1.0/groups/${errorGroup.id}/members/$ref`, {
          token: t.tokens.userAdmin,
          body: { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${m.id}` },
        })
      ).status,
    ).toBe(204);
  }
  expect((await call('POST', `/v1.0/groups/${errorGroup.id}/assignLicense`, { token: t.tokens.license, body: addBody(SKU.EXO1) })).status).toBe(202);
  const inError = await until(
    () => call('GET', `/v1.0/groups/${errorGroup.id}/membersWithLicenseErrors`, { token: t.tokens.reader }),
    (r) => r.body.value?.length === 2,
  );
  expect(inError.body.value).toHaveLength(2);
  const plain = await call('GET', '/v1.0/users?$top=999', { token: t.tokens.reader });
  all = plain.body.value;
  expect(all).toHaveLength(9);
});

const lower = (s: string | null) => (s ?? '').toLowerCase();
const has = (u: any, sku: string) => u.assignedLicenses.some((l: any) => l.skuId === sku);

// [filter, the same in JS on the plain list, advanced query?]
const cases: [string, (u: any) => boolean, boolean][] = [
  ['accountEnabled eq false', (u) => !u.accountEnabled, false],
  ['accountEnabled ne false', (u) => u.accountEnabled, true],
  ["userType eq 'Guest'", (u) => u.userType === 'Guest', false],
  ["userType ne 'Guest'", (u) => u.userType !== 'Guest', true],
  ["usageLocation eq 'US'", (u) => u.usageLocation === 'US', false],
  ["usageLocation ne 'NL'", (u) => u.usageLocation !== 'NL', true],
  ["department eq 'sales'", (u) => lower(u.department) === 'sales', false],
  ["department ne 'Sales'", (u) => lower(u.department) !== 'sales', true],
  ["department eq 'O''Neil'", (u) => u.department === "O'Neil", false],
  ['department eq null', (u) => u.department === null, true],
  ["department in ('IT', 'Sales')", (u) => ['it', 'sales'].includes(lower(u.department)), false],
  ["startswith(displayName, 'al')", (u) => lower(u.displayName).startsWith('al'), false],
  ["startswith(userPrincipalName, 'G')", (u) => lower(u.userPrincipalName).startsWith('g'), false],
  ["startswith(displayName, 'a') and accountEnabled eq true", (u) => lower(u.displayName).startsWith('a') && u.accountEnabled, false],
  [
    "(userType eq 'Guest' or usageLocation eq 'US') and startswith(displayName, 'A')",
    (u) => (u.userType === 'Guest' || u.usageLocation === 'US') && lower(u.displayName).startsWith('a'),
    false,
  ],
  [`assignedLicenses/any(x:x/skuId eq ${SKU.E3})`, (u) => has(u, SKU.E3), false],
  [`assignedLicenses/any(s:s/skuId eq ${SKU.E1}) or assignedLicenses/any(s:s/skuId eq ${SKU.EXO1})`, (u) => has(u, SKU.E1) || has(u, SKU.EXO1), false],
  [`not(assignedLicenses/any(x:x/skuId eq ${SKU.E3}))`, (u) => !has(u, SKU.E3), true],
  ['assignedLicenses/$count eq 0', (u) => u.assignedLicenses.length === 0, true],
  ['assignedLicenses/$count ne 0', (u) => u.assignedLicenses.length !== 0, true],
  ['assignedLicenses/$count gt 0 and accountEnabled eq true', (u) => u.assignedLicenses.length > 0 && u.accountEnabled, true],
  ["licenseAssignmentStates/any(x:x/state eq 'Error')", (u) => u.licenseAssignmentStates.some((s: any) => s.state === 'Error'), false],
  [
    "not(licenseAssignmentStates/any(x:x/state eq 'Error')) and startswith(displayName, 'G')",
    (u) => !u.licenseAssignmentStates.some((s: any) => s.state === 'Error') && lower(u.displayName).startsWith('g'),
    true,
  ],
];

test.each(cases)('$filter=%s equals the plain list filtered in JS', async (filter, predicate, advanced) => {
  const expected = all.filter(predicate);
  // each case selects some users and not all: a wrong translation cannot pass by accident
  expect(expected.length).toBeGreaterThan(0);
  expect(expected.length).toBeLessThan(all.length);
  const r = await list(`$filter=${enc(filter)}${advanced ? '&$count=true' : ''}`, advanced ? eventual : {});
  expect(r.status).toBe(200);
  expect(ids(r.body.value)).toEqual(ids(expected));
  if (advanced) {
    expect(r.body['@odata.count']).toBe(expected.length);
    // without the advanced query parameters it is Graph's 400
    const bare = await list(`$filter=${enc(filter)}`);
    expect([bare.status, bare.body.error.code]).toEqual([400, 'Request_UnsupportedQuery']);
    expect(bare.body.error.message).toMatch(/ConsistencyLevel/);
  }
});

test("malformed and unsupported filters: 400 in Graph's shape, never a 5xx", async () => {
  for (const [filter, code] of [
    ["startswith(displayName, 'a'", 'BadRequest'],
    ["accountEnabled eq 'yes'", 'BadRequest'],
    ["') or c.tenantId != @tenantId or ('", 'BadRequest'],
    ["mail eq 'x@y.z'", 'Request_UnsupportedQuery'],
    [`assignedLicenses/all(x:x/skuId eq ${SKU.E3})`, 'Request_UnsupportedQuery'],
  ]) {
    const r = await list(`$filter=${enc(filter)}`);
    expect([filter, r.status, r.body.error.code]).toEqual([filter, 400, code]);
    expect(r.body.error.innerError['request-id']).toBeTruthy();
  }
});

test('$count=true adds @odata.count of every match, not the page; it and $search need ConsistencyLevel: eventual', async () => {
  const page = await call('GET', '/v1.0/users?$top=2&$count=true', { token: t.tokens.reader, headers: eventual });
  expect(page.status).toBe(200);
  expect(page.body.value).toHaveLength(2);
  expect(page.body['@odata.count']).toBe(all.length);
  expect(page.body['@odata.nextLink']).toContain('%24count=true');
  const bare = await call('GET', '/v1.0/users?$count=true', { token: t.tokens.reader });
  expect([bare.status, bare.body.error.code]).toEqual([400, 'Request_UnsupportedQuery']);
});

test("GET /users/$count answers the number as text; with $filter; Graph's 400 without ConsistencyLevel", async () => {
  const r = await call('GET', '/v1.0/users/$count', { token: t.tokens.reader, headers: eventual });
  expect(r.status).toBe(200);
  expect(r.headers.get('content-type')).toMatch(/^text\/plain/);
  expect(r.body).toBe(all.length);
  const f = await call('GET', `/v1.0/users/$count?$filter=${enc('assignedLicenses/$count eq 0')}`, { token: t.tokens.reader, headers: eventual });
  expect(f.body).toBe(all.filter((u) => u.assignedLicenses.length === 0).length);
  const bare = await call('GET', '/v1.0/users/$count', { token: t.tokens.reader });
  expect([bare.status, bare.body.error.code]).toEqual([400, 'Request_BadRequest']);
});

test('$search: a prefix of each named property (of a word of a name, as Graph tokenises it), OR and AND of clauses; the plain form searches name and UPN', async () => {
  const search = (s: string) => list(`$search=${enc(s)}`, eventual);
  const byName = await search('"displayName:al"');
  expect(ids(byName.body.value)).toEqual(ids(all.filter((u) => lower(u.displayName).startsWith('al'))));
  // a word of the name: the last name, whatever its case; the whole name's prefix still matches across words
  expect((await search('"displayName:wil"')).body.value.map((u: any) => u.displayName)).toEqual(['Alex Wilber']);
  expect((await search('"displayName:TURING"')).body.value.map((u: any) => u.displayName)).toEqual(['alan Turing']);
  expect((await search('"displayName:alex wi"')).body.value.map((u: any) => u.displayName)).toEqual(['Alex Wilber']);
  expect((await search('"displayName:lber"')).body.value).toEqual([]); // words match from their start only
  expect((await search('"userPrincipalName:wilber"')).body.value).toEqual([]); // a UPN by its whole prefix, as Graph
  const either = await search('"displayName:bob" OR "userPrincipalName:carl"');
  expect(ids(either.body.value)).toEqual(ids(all.filter((u) => lower(u.displayName).startsWith('bob') || lower(u.userPrincipalName).startsWith('carl'))));
  expect(either.body.value).toHaveLength(2);
  const both = await search('"displayName:g" AND "userPrincipalName:gw"');
  expect(both.body.value.map((u: any) => u.displayName)).toEqual(['Gwen Group']);
  const plain = await search('adel');
  expect(plain.body.value.map((u: any) => u.displayName)).toEqual(['Adele Vance']);
  const together = await list(`$search=${enc('"displayName:a"')}&$filter=${enc('accountEnabled eq true')}`, eventual);
  expect(ids(together.body.value)).toEqual(ids(all.filter((u) => lower(u.displayName).startsWith('a') && u.accountEnabled)));
  const bare = await list(`$search=${enc('"displayName:al"')}`);
  expect([bare.status, bare.body.error.code]).toEqual([400, 'Request_UnsupportedQuery']);
});

test('$orderby displayName or userPrincipalName, asc or desc; with $filter it is an advanced query', async () => {
  const names = (r: any) => r.body.value.map((u: any) => lower(u.displayName));
  const desc = await list('$orderby=displayName%20desc');
  expect(names(desc)).toEqual(
    all
      .map((u) => lower(u.displayName))
      .sort()
      .reverse(),
  );
  const byUpn = await list('$orderby=userPrincipalName');
  expect(byUpn.body.value.map((u: any) => lower(u.userPrincipalName))).toEqual(all.map((u) => lower(u.userPrincipalName)).sort());
  const filtered = await list(`$filter=${enc('accountEnabled eq true')}&$orderby=displayName%20desc&$count=true`, eventual);
  expect(names(filtered)).toEqual(
    all
      .filter((u) => u.accountEnabled)
      .map((u) => lower(u.displayName))
      .sort()
      .reverse(),
  );
  const bare = await list(`$filter=${enc('accountEnabled eq true')}&$orderby=displayName`);
  expect([bare.status, bare.body.error.code]).toEqual([400, 'Request_UnsupportedQuery']);
  const unsupported = await list('$orderby=createdDateTime');
  expect([unsupported.status, unsupported.body.error.code]).toEqual([400, 'Request_UnsupportedQuery']);
});

test('$select on the list and on one user: the selected properties and id, nothing else; an unknown property is a 400', async () => {
  const r = await list('$select=displayName,assignedLicenses');
  expect(r.status).toBe(200);
  expect(r.body.value).toHaveLength(all.length); // the loop below looks at every user
  for (const u of r.body.value) expect(Object.keys(u).sort()).toEqual(['assignedLicenses', 'displayName', 'id']);
  const one = await call('GET', `/v1.0/users/${all[0].id}?$select=userPrincipalName`, { token: t.tokens.reader });
  expect(one.body).toEqual({ id: all[0].id, userPrincipalName: all[0].userPrincipalName });
  const bad = await call('GET', `/v1.0/users/${all[0].id}?$select=manager`, { token: t.tokens.reader });
  expect([bad.status, bad.body.error.code]).toEqual([400, 'BadRequest']);
});

test('groups: $filter=hasMembersWithLicenseErrors eq true finds exactly the groups with members in error; $select', async () => {
  const r = await call('GET', `/v1.0/groups?$filter=${enc('hasMembersWithLicenseErrors eq true')}`, { token: t.tokens.reader });
  expect(r.status).toBe(200);
  expect(r.body.value.map((g: any) => g.id)).toEqual([errorGroup.id]);
  const others = await call('GET', `/v1.0/groups?$filter=${enc('hasMembersWithLicenseErrors eq false')}&$select=displayName`, { token: t.tokens.reader });
  expect(others.body.value).toEqual([{ id: quietGroup.id, displayName: 'Quiet group' }]);
  const one = await call('GET', `/v1.0/groups/${errorGroup.id}?$select=licenseProcessingState`, { token: t.tokens.reader });
  expect(Object.keys(one.body).sort()).toEqual(['id', 'licenseProcessingState']);
  // $search on a group's name finds it by any of its words
  const byWord = await call('GET', `/v1.0/groups?$search=${enc('"displayName:pilot"')}`, { token: t.tokens.reader, headers: { ConsistencyLevel: 'eventual' } });
  expect(byWord.body.value.map((g: any) => g.id)).toEqual([errorGroup.id]);
});

test('subscribedSkus: $select on the list and on one product', async () => {
  const r = await call('GET', '/v1.0/subscribedSkus?$select=skuPartNumber,availableUnits', { token: t.tokens.reader });
  expect(r.status).toBe(200);
  expect(r.body.value.map((s: any) => Object.keys(s).sort())).toEqual(r.body.value.map(() => ['availableUnits', 'id', 'skuPartNumber']));
  const one = await call('GET', `/v1.0/subscribedSkus/${t.id}_${SKU.E3}?$select=consumedUnits`, { token: t.tokens.reader });
  expect(one.body).toEqual({ id: `${t.id}_${SKU.E3}`, consumedUnits: 2 });
});

test('the nextLink of a filtered list keeps the filter: pages of a filter add up to the filter', async () => {
  const filter = enc('accountEnabled eq true');
  const seen: any[] = [];
  let next: string | undefined = `/v1.0/users?$top=2&$filter=${filter}`;
  while (next) {
    const page: any = await call('GET', next, { token: t.tokens.reader });
    expect(page.body.value.length).toBeLessThanOrEqual(2);
    seen.push(...page.body.value);
    next = page.body['@odata.nextLink'];
  }
  expect(ids(seen)).toEqual(ids(all.filter((u) => u.accountEnabled)));
});
