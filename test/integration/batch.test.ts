/**
 * Graph's JSON batching on the real stack: each request goes through the same checks as a direct call
 * (the batch's token, the caller's role, validation), dependsOn orders them and a failed dependency gives
 * 424, 20 at most; and every request inside counts against the tenant's budget, on a stack of its own
 * with a budget that does not refill during the test (so the counts are exact, whatever the machine).
 */
import { randomUUID } from 'node:crypto';
import { call, newTenant, operatorToken, SKU, tokenFor, TestTenant } from '../helpers';
import { OwnStack, startOwnStack } from '../ownStack';

let t: TestTenant;
beforeAll(async () => {
  t = await newTenant('Batch org');
  await t.buy(SKU.E1, 5);
});

const batch = (requests: unknown[], token: string | undefined = t.tokens.global) => call('POST', '/v1.0/$batch', { token, body: { requests } });
const byId = (r: any) => Object.fromEntries(r.body.responses.map((x: any) => [x.id, x]));

test('requests with relative URLs (with or without /v1.0) answer as direct calls: status, headers, body', async () => {
  const u = await t.createUser({ displayName: 'Batched One' });
  const r = await batch([
    { id: '1', method: 'GET', url: '/users?$top=1' },
    { id: '2', method: 'GET', url: `/v1.0/users/${u.id}?$select=displayName` },
    { id: '3', method: 'GET', url: 'subscribedSkus' },
    { id: '4', method: 'GET', url: '/users?$count=true', headers: { ConsistencyLevel: 'eventual' } },
  ]);
  expect(r.status).toBe(200);
  const res = byId(r);
  expect(res['1']).toMatchObject({ status: 200, headers: { 'Content-Type': expect.stringMatching(/json/) } });
  expect(res['1'].body.value).toHaveLength(1);
  expect(res['2'].body).toEqual({ id: u.id, displayName: 'Batched One' });
  expect(res['3'].body.value.map((s: any) => s.skuId)).toEqual([SKU.E1]);
  expect(res['4'].body['@odata.count']).toBeGreaterThan(0);
  expect(r.body.responses.map((x: any) => x.id)).toEqual(['1', '2', '3', '4']);
});

test("each request is authorised on its own: a reader's batch reads, and its write is refused inside (403), not the batch", async () => {
  const r = await batch(
    [
      { id: 'read', method: 'GET', url: '/users?$top=1' },
      {
        id: 'write',
        method: 'POST',
        url: '/users',
        headers: { 'Content-Type': 'application/json' },
        body: { displayName: 'No', userPrincipalName: `no-${randomUUID().slice(0, 6)}@b.dev` },
      },
      { id: 'invalid', method: 'GET', url: '/users/not-a-user-ref!' },
      { id: 'nowhere', method: 'GET', url: '/nothing' },
      { id: 'method', method: 'DELETE', url: '/subscribedSkus' },
    ],
    t.tokens.reader,
  );
  expect(r.status).toBe(200);
  const res = byId(r);
  expect(res.read.status).toBe(200);
  expect([res.write.status, res.write.body.error.code]).toEqual([403, 'Authorization_RequestDenied']);
  expect(res.invalid.status).toBe(400);
  expect([res.nowhere.status, res.nowhere.body.error.code]).toEqual([404, 'Request_ResourceNotFound']);
  expect([res.method.status, res.method.headers.Allow]).toEqual([405, 'GET']);
  // a token of another organization sees only its own: the same URL is a 404 there
  const stranger = await tokenFor('GlobalAdministrator', randomUUID());
  const other = await batch([{ id: '1', method: 'GET', url: '/users?$top=1' }], stranger);
  expect([other.status, byId(other)['1'].status, byId(other)['1'].body.error.code]).toEqual([200, 403, 'tenantNotProvisioned']);
  // without a token the batch itself is refused
  const anonymous = await call('POST', '/v1.0/$batch', { body: { requests: [{ id: '1', method: 'GET', url: '/users' }] } });
  expect([anonymous.status, anonymous.body.error.code]).toEqual([401, 'InvalidAuthenticationToken']);
});

test('dependsOn orders the requests; a request whose dependency failed is not run and answers 424', async () => {
  const upn = `dep-${randomUUID().slice(0, 6)}@batch.dev`;
  const r = await batch([
    { id: 'read', dependsOn: ['create'], method: 'GET', url: `/users/${upn}` },
    {
      id: 'create',
      method: 'POST',
      url: '/users',
      headers: { 'content-type': 'application/json' },
      body: { displayName: 'Dependent', userPrincipalName: upn, usageLocation: 'NL' },
    },
    { id: 'missing', method: 'GET', url: `/users/${randomUUID()}` },
    { id: 'after', dependsOn: ['missing'], method: 'POST', url: '/users', body: { displayName: 'Never', userPrincipalName: `never-${upn}` } },
  ]);
  const res = byId(r);
  expect(res.create.status).toBe(201);
  expect(res.read).toMatchObject({ status: 200, body: { userPrincipalName: upn } });
  expect(res.missing.status).toBe(404);
  expect([res.after.status, res.after.body.error.code]).toEqual([424, 'FailedDependency']);
  const never = await call('GET', `/v1.0/users/never-${upn}`, { token: t.tokens.reader });
  expect(never.status).toBe(404);
});

test('at most 20 requests; unique ids; dependsOn naming requests of the batch, without cycles', async () => {
  const req = (id: string) => ({ id, method: 'GET', url: '/organization' });
  const twenty = await batch(Array.from({ length: 20 }, (_, i) => req(String(i))));
  expect(twenty.status).toBe(200);
  expect(twenty.body.responses.every((x: any) => x.status === 200)).toBe(true);
  const more = await batch(Array.from({ length: 21 }, (_, i) => req(String(i))));
  expect(more.status).toBe(400);
  expect(more.body.error.message).toMatch(/at most 20/);
  expect((await batch([req('a'), req('a')])).status).toBe(400);
  expect((await batch([{ ...req('a'), dependsOn: ['zz'] }])).status).toBe(400);
  const cycle = await batch([
    { ...req('a'), dependsOn: ['b'] },
    { ...req('b'), dependsOn: ['a'] },
  ]);
  expect([cycle.status, cycle.body.error.message]).toEqual([400, expect.stringMatching(/cycle/)]);
  expect((await batch([{ id: 'x', method: 'POST', url: '/$batch', body: { requests: [] } }])).body.responses[0].status).toBe(400);
});

describe('throttling counts each request of a batch', () => {
  const BURST = 12;
  let stack: OwnStack;
  let api: string;

  beforeAll(async () => {
    // a budget that refills one request per 1000 s: nothing comes back while the test runs
    stack = await startOwnStack(100, { THROTTLE_TENANT_REQUESTS_PER_SECOND: '0.001', THROTTLE_TENANT_BURST: String(BURST) });
    api = stack.api;
  });
  afterAll(() => stack?.stop());

  test(`a batch of 20 with a budget of ${BURST}: the batch takes one, ${BURST - 1} requests run, the rest answer 429`, async () => {
    const operator = await operatorToken();
    const created = await fetch(`${api}/v1.0/tenants`, {
      method: 'POST',
      headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/json' },
      body: JSON.stringify({ displayName: 'Budget org' }),
    });
    expect(created.status).toBe(201);
    const tenantId = ((await created.json()) as { id: string }).id;
    const token = await tokenFor('GlobalReader', tenantId);
    const r = await fetch(`${api}/v1.0/$batch`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ requests: Array.from({ length: 20 }, (_, i) => ({ id: String(i), method: 'GET', url: '/organization' })) }),
    });
    expect(r.status).toBe(200);
    const responses = ((await r.json()) as { responses: { status: number; headers: Record<string, string>; body: any }[] }).responses;
    const statuses = responses.map((x) => x.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(BURST - 1);
    expect(statuses.filter((s) => s === 429)).toHaveLength(20 - (BURST - 1));
    const throttled = responses.find((x) => x.status === 429)!;
    expect(throttled.headers['Retry-After']).toBeTruthy();
    expect(throttled.body.error.code).toBe('TooManyRequests');
    // the budget is spent: the next direct call is throttled too
    const direct = await fetch(`${api}/v1.0/organization`, { headers: { authorization: `Bearer ${token}` } });
    expect(direct.status).toBe(429);
  });
});
