/**
 * Issue 19, item 5: the names JavaScript gives every plain object (`constructor`, `__proto__`, `toString`,
 * ...) named where the API takes a property name. The OData tables were plain objects, so
 * `$filter=startswith(constructor,'a')` reached a TypeError (500, a stack in the log), `$orderby=constructor`
 * and `$search="constructor:a"` built a query on `c.undefined`. Every such name must be what any unknown
 * name is: Graph's 400, on every option of every list that takes one.
 *
 * The unit half (test/unit/odata.test.ts) fuzzes the tables themselves with fast-check; this file goes
 * through HTTP, where the 500 was.
 */
import { call, newTenant, SKU, TestTenant } from '../helpers';

/** Every name an object literal inherits (constructor, __proto__, hasOwnProperty, toString, valueOf, ...). */
const NAMES = Object.getOwnPropertyNames(Object.prototype);
const eventual = { ConsistencyLevel: 'eventual' };
const enc = encodeURIComponent;

let t: TestTenant;

beforeAll(async () => {
  t = await newTenant('Prototype names org');
  await t.buy(SKU.E3, 2);
  await t.createUser({ displayName: 'Alex Wilber' });
});

test('the names checked include the ones the issue names', () => {
  expect(NAMES).toEqual(expect.arrayContaining(['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']));
});

/** Each query a caller could write with a property name; all are advanced-query-ready so only the name decides. */
function queries(name: string): string[] {
  return [
    `$filter=${enc(`startswith(${name},'a')`)}`,
    `$filter=${enc(`${name} eq 'x'`)}`,
    `$filter=${enc(`${name} ne 'x'`)}`,
    `$filter=${enc(`${name} in ('x')`)}`,
    `$filter=${enc(`${name} eq null`)}`,
    `$filter=${enc(`${name} eq true`)}`,
    `$filter=${enc(`${name} ge 2026-01-01T00:00:00Z`)}`,
    `$filter=${enc(`${name} le 2026-01-01T00:00:00Z`)}`,
    `$filter=${enc(`not(${name} eq 'x')`)}`,
    `$filter=${enc(`${name}/any(x:x/skuId eq ${SKU.E3})`)}`,
    `$filter=${enc(`${name}/any(x:x/state eq 'Error')`)}`,
    `$filter=${enc(`assignedLicenses/any(x:x/${name} eq 'x')`)}`,
    `$filter=${enc(`licenseAssignmentStates/any(x:x/${name} eq 'Error')`)}`,
    `$filter=${enc(`${name}/$count eq 0`)}`,
    `$orderby=${enc(name)}`,
    `$orderby=${enc(`${name} desc`)}`,
    `$search=${enc(`"${name}:a"`)}`,
    `$select=${enc(name)}`,
    `$select=${enc(`id,${name}`)}`,
  ];
}

/** The calls that did not answer Graph's 400 (path, status, code): empty when every one did. */
async function notRefused(paths: string[]) {
  const wrong: [string, number, unknown][] = [];
  for (const path of paths) {
    const r = await call('GET', path, { token: t.tokens.reader, headers: eventual });
    const code = r.body?.error?.code;
    if (r.status !== 400 || !['BadRequest', 'Request_UnsupportedQuery'].includes(code) || typeof r.body.error.message !== 'string')
      wrong.push([path, r.status, code]);
  }
  return wrong;
}

test.each(NAMES)('users: %s in $filter, $orderby, $search and $select is a 400, never a 500', async (name) => {
  expect(await notRefused([...queries(name).map((q) => `/v1.0/users?$count=true&${q}`), `/v1.0/users/$count?${queries(name)[0]}`])).toEqual([]);
});

test.each(NAMES)('groups: %s in $filter, $orderby, $search and $select is a 400, never a 500', async (name) => {
  expect(await notRefused(queries(name).map((q) => `/v1.0/groups?$count=true&${q}`))).toEqual([]);
});

test.each(NAMES)('one user, one group, products: $select=%s is a 400', async (name) => {
  const user = (await call('GET', '/v1.0/users?$top=1', { token: t.tokens.reader })).body.value[0];
  const group = (await call('POST', '/v1.0/groups', { token: t.tokens.userAdmin, body: { displayName: `G ${name}` } })).body;
  expect(
    await notRefused([
      `/v1.0/users/${user.id}?$select=${enc(name)}`,
      `/v1.0/groups/${group.id}?$select=${enc(name)}`,
      `/v1.0/subscribedSkus?$select=${enc(name)}`,
      `/v1.0/subscribedSkus/${t.id}_${SKU.E3}?$select=${enc(name)}`,
    ]),
  ).toEqual([]);
});

test('the known names still work beside them (the refusal is about the name alone)', async () => {
  const r = await call('GET', `/v1.0/users?$count=true&$filter=${enc("startswith(displayName,'alex')")}&$orderby=displayName&$select=displayName`, {
    token: t.tokens.reader,
    headers: eventual,
  });
  expect(r.status).toBe(200);
  expect(r.body.value.map((u: any) => u.displayName)).toEqual(['Alex Wilber']);
});

test('a CSV import whose columns are named constructor, __proto__, toString ...: the rows are read as any other, the failed rows download', async () => {
  const alex = await t.createUser({ displayName: 'Csv Columns' });
  const csv = [
    ['userPrincipalName', 'licenses', ...NAMES].join(','),
    [alex.userPrincipalName, 'ENTERPRISEPACK', ...NAMES.map(() => 'x')].join(','),
    ['nobody@nowhere.dev', 'ENTERPRISEPACK', ...NAMES.map(() => 'x')].join(','),
  ].join('\n');
  const imp = await call('POST', '/v1.0/licenseJobs/import', { token: t.tokens.license, rawBody: csv, headers: { 'content-type': 'text/csv' } });
  expect(imp.status).toBe(202);
  let job = imp.body;
  for (let i = 0; i < 400 && !['completed', 'completedWithErrors', 'failed', 'cancelled'].includes(job.status); i++) {
    await new Promise((res) => setTimeout(res, 150));
    job = (await call('GET', `/v1.0/licenseJobs/${imp.body.id}`, { token: t.tokens.reader })).body;
  }
  expect(job).toMatchObject({ status: 'completedWithErrors', counts: { total: 2, succeeded: 1, failed: 1 } });
  const failed = await fetch(job.failedRowsUrl, { headers: { authorization: `Bearer ${t.tokens.reader}` } });
  expect(failed.status).toBe(200);
  expect((await failed.text()).trim().split(/\r\n/)[1]).toMatch(/^nobody@nowhere\.dev,ENTERPRISEPACK,/);
});
