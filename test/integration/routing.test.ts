/**
 * What every route shares, on the real stack: unknown query options are refused (also where a route takes
 * none), unmatched paths and methods answer Graph's error shape (404, 405 with Allow), $top is a maximum
 * on every list (job results page inside a chunk), and CORS as local.settings.json's Host.CORS sets it
 * (test/env.ts: https://portal.test.dev and http://localhost:5173).
 */
import { TEST_API } from '../env';
import { call, newTenant, SKU, TestTenant } from '../helpers';

let t: TestTenant;
let someone: any;
beforeAll(async () => {
  t = await newTenant('Routing org');
  await t.buy(SKU.E1, 10);
  someone = await t.createUser({ displayName: 'Routed User' });
});

test('an unknown query option is a 400 on every route, also on those that take no options', async () => {
  for (const path of [
    `/v1.0/users/${someone.id}?$bogus=1`,
    '/v1.0/organization?$expand=x',
    `/v1.0/users/${someone.id}/licenseDetails?top=1`,
    `/v1.0/subscribedSkus/${SKU.E1}/assignments?$filter=x`,
  ]) {
    const r = await call('GET', path, { token: t.tokens.reader });
    expect([path, r.status, r.body.error.code]).toEqual([path, 400, 'Request_UnsupportedQuery']);
    expect(r.body.error.message).toMatch(/is not supported on this call/);
  }
  // the options a route does take still work
  expect((await call('GET', `/v1.0/subscribedSkus/${SKU.E1}/assignments?$top=1`, { token: t.tokens.reader })).status).toBe(200);
});

test("an unmatched path is a 404 and an unmatched method a 405 with Allow, both in Graph's error shape", async () => {
  const missing = await call('GET', '/v1.0/nothingHere', { token: t.tokens.reader });
  expect(missing.status).toBe(404);
  expect(missing.body.error).toMatchObject({ code: 'Request_ResourceNotFound', innerError: { 'request-id': expect.any(String) } });
  const deep = await call('GET', '/v1.0/users/a/b/c/d', { token: t.tokens.reader });
  expect([deep.status, deep.body.error.code]).toEqual([404, 'Request_ResourceNotFound']);
  const root = await call('GET', '/');
  expect([root.status, root.body.error.code]).toEqual([404, 'Request_ResourceNotFound']);

  const wrong = await call('DELETE', '/v1.0/subscribedSkus', { token: t.tokens.global });
  expect(wrong.status).toBe(405);
  expect(wrong.headers.get('allow')).toBe('GET');
  expect(wrong.body.error.code).toBe('Request_BadRequest');
  const users = await call('PUT', '/v1.0/users', { token: t.tokens.global });
  expect(users.headers.get('allow')).toBe('GET, POST');
  // a route registered straight with the host (health) counts too
  const health = await call('POST', '/health');
  expect([health.status, health.headers.get('allow')]).toEqual([405, 'GET']);
});

test('$top is a maximum on job results: pages never exceed it, and they add up to every result', async () => {
  const users = await Promise.all([1, 2, 3].map((i) => t.createUser({ displayName: `Job User ${i}` })));
  const created = await call('POST', '/v1.0/licenseJobs', {
    token: t.tokens.license,
    body: { mode: 'add', userIds: users.map((u) => u.id), addLicenses: [{ skuId: SKU.E1, disabledPlans: [] }] },
  });
  expect(created.status).toBe(202);
  let job: any;
  for (let i = 0; i < 300; i++) {
    job = (await call('GET', `/v1.0/licenseJobs/${created.body.id}`, { token: t.tokens.reader })).body;
    if (job.status === 'completed') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(job.status).toBe('completed');
  const seen: any[] = [];
  let pages = 0;
  let next: string | undefined = `/v1.0/licenseJobs/${job.id}/results?$top=1`;
  while (next) {
    const page: any = await call('GET', next, { token: t.tokens.reader });
    expect(page.status).toBe(200);
    expect(page.body.value.length).toBeLessThanOrEqual(1);
    seen.push(...page.body.value);
    next = page.body['@odata.nextLink'];
    expect(++pages).toBeLessThan(10);
  }
  expect(seen.map((r) => r.userId).sort()).toEqual(users.map((u) => u.id).sort());
  const two = await call('GET', `/v1.0/licenseJobs/${job.id}/results?$top=2`, { token: t.tokens.reader });
  expect(two.body.value).toHaveLength(2);
});

describe('CORS (Host.CORS)', () => {
  const preflight = (origin: string) =>
    fetch(`${TEST_API}/v1.0/users`, {
      method: 'OPTIONS',
      headers: { Origin: origin, 'Access-Control-Request-Method': 'PATCH', 'Access-Control-Request-Headers': 'authorization, consistencylevel' },
    });

  test('a preflight from an allowed origin: 204 with the methods and the headers a Graph client sends', async () => {
    const r = await preflight('https://portal.test.dev');
    expect(r.status).toBe(204);
    expect(r.headers.get('access-control-allow-origin')).toBe('https://portal.test.dev');
    expect(r.headers.get('access-control-allow-methods')?.split(/,\s*/)).toEqual(expect.arrayContaining(['GET', 'POST', 'PATCH', 'DELETE']));
    expect(r.headers.get('access-control-allow-headers')?.split(/,\s*/)).toEqual(
      expect.arrayContaining(['authorization', 'content-type', 'if-match', 'consistencylevel', 'prefer', 'idempotency-key', 'client-request-id']),
    );
  });

  test('an actual request from an allowed origin: the origin allowed and request-id, etag, location, retry-after exposed', async () => {
    const r = await fetch(`${TEST_API}/v1.0/users/${someone.id}`, { headers: { Origin: 'http://localhost:5173', Authorization: `Bearer ${t.tokens.reader}` } });
    expect(r.status).toBe(200);
    expect(r.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(r.headers.get('access-control-expose-headers')?.split(/,\s*/)).toEqual(
      expect.arrayContaining(['request-id', 'client-request-id', 'retry-after', 'location', 'etag']),
    );
  });

  test('a disallowed origin gets no CORS header, preflight or not', async () => {
    const pre = await preflight('https://evil.example');
    const actual = await fetch(`${TEST_API}/v1.0/users/${someone.id}`, {
      headers: { Origin: 'https://evil.example', Authorization: `Bearer ${t.tokens.reader}` },
    });
    for (const r of [pre, actual]) {
      const cors: string[] = [];
      r.headers.forEach((_v, k) => k.startsWith('access-control-') && cors.push(k));
      expect(cors).toEqual([]);
    }
    expect(actual.status).toBe(200); // the server answers; the browser withholds it
  });
});
