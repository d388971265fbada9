/**
 * Operating the service: per-tenant throttling (429 + Retry-After, other tenants unaffected), a Cosmos DB
 * fault injected mid-assignment leaving no half-applied change, log lines carrying the ids, and the health
 * endpoint reporting a stopped emulator. Runs its own stack (low throttle budgets, fault injection on,
 * logs captured), because it stops an emulator at the end.
 */
import { randomUUID } from 'node:crypto';
import { testStackEnv } from '../env';
import { storeOf, tokenFor } from '../helpers';
import { OwnStack, startOwnStack } from '../ownStack';

let stack: OwnStack;
let api = '';
let lines: string[] = [];

beforeAll(async () => {
  stack = await startOwnStack(80, {
    // a budget that cannot refill while the test runs (one request per 1,000 s): the counts below are
    // exact whatever the machine's speed; refilling over time is unit-tested with an injected clock
    THROTTLE_TENANT_REQUESTS_PER_SECOND: '0.001',
    THROTTLE_TENANT_BURST: '25',
    HEALTH_CACHE_SECONDS: '0',
    COSMOS_EMULATOR_FAULTS: '1',
    LOG_LEVEL: 'info',
  });
  api = stack.api;
  lines = stack.lines;
});

afterAll(() => stack?.stop());

async function call(method: string, path: string, token?: string, body?: unknown) {
  const r = await fetch(`${api}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, headers: r.headers, body: text ? JSON.parse(text) : undefined };
}

async function tenant(name: string) {
  const r = await call('POST', '/v1.0/tenants', await tokenFor('Operator', testStackEnv.OPERATOR_TENANT_ID), { displayName: name });
  expect(r.status).toBe(201);
  return { id: r.body.id as string, admin: await tokenFor('GlobalAdministrator', r.body.id) };
}

const fault = (f: Record<string, unknown>) => fetch(`http://127.0.0.1:${stack.ports.cosmos}/_faults`, { method: 'POST', body: JSON.stringify(f) });
const clearFaults = () => fetch(`http://127.0.0.1:${stack.ports.cosmos}/_faults`, { method: 'DELETE' });
const E3 = '6fd2c87f-b296-42f0-b197-1e91e994b900';

test('over its budget a tenant gets 429 with Retry-After, and another tenant is unaffected', async () => {
  const noisy = await tenant('Noisy org');
  const quiet = await tenant('Quiet org');
  const burst = await Promise.all(Array.from({ length: 40 }, () => call('GET', '/v1.0/organization', noisy.admin)));
  const throttled = burst.filter((r) => r.status === 429);
  // the burst budget exactly: 25 served, 15 refused
  expect(burst.filter((r) => r.status === 200).length).toBe(25);
  expect(throttled.length).toBe(15);
  expect(throttled[0].body.error.code).toBe('TooManyRequests');
  // the time until one more request is admitted at the sustained rate
  expect(Number(throttled[0].headers.get('retry-after'))).toBeGreaterThanOrEqual(900);
  expect(throttled[0].body.error.message).toMatch(/Wait \d+ s/);
  const other = await call('GET', '/v1.0/organization', quiet.admin);
  expect(other.status).toBe(200);
});

test('a Cosmos DB fault mid-assignment answers 503 with Retry-After and leaves no half-applied change', async () => {
  const org = await tenant('Fault org');
  expect((await call('POST', '/v1.0/directory/subscriptions', org.admin, { skuId: E3, totalLicenses: 5 })).status).toBe(201);
  const users = [];
  for (let i = 0; i < 3; i++)
    users.push(
      (
        await call('POST', '/v1.0/users', org.admin, {
          displayName: `F${i}`,
          userPrincipalName: `f${i}-${randomUUID().slice(0, 6)}@fault.dev`,
          usageLocation: 'NL',
        })
      ).body,
    );

  // the first user's write succeeds, the others' keep being throttled past every retry (the SDK's, and the
  // engine's own attempt alone): the request must put the first user back and give every seat back
  const etagsBefore = await Promise.all(users.map(async (u) => (await call('GET', `/v1.0/users/${u.id}`, org.admin)).headers.get('etag')));
  await fault({ operation: 'replace', collection: 'directory', status: 429, count: 1000, ids: [users[1].id, users[2].id] });
  const batch = await call('POST', `/v1.0/subscribedSkus/${E3}/assign`, org.admin, { userIds: users.map((u) => u.id) });
  await clearFaults();
  expect(batch.status).toBe(503);
  // the first user was written, then put back (its etag moved); the throttled ones were never written
  const etagsAfter = await Promise.all(users.map(async (u) => (await call('GET', `/v1.0/users/${u.id}`, org.admin)).headers.get('etag')));
  expect(etagsAfter[0]).not.toBe(etagsBefore[0]);
  expect(etagsAfter.slice(1)).toEqual(etagsBefore.slice(1));
  expect(batch.body.error.code).toBe('serviceUnavailable');
  expect(Number(batch.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  for (const u of users) expect((await call('GET', `/v1.0/users/${u.id}`, org.admin)).body.assignedLicenses).toEqual([]);
  expect((await call('GET', `/v1.0/subscribedSkus/${E3}`, org.admin)).body.consumedUnits).toBe(0);

  // one user: the write itself fails
  await fault({ operation: 'replace', collection: 'directory', status: 503, count: 10 });
  const single = await call('POST', `/v1.0/users/${users[0].id}/assignLicense`, org.admin, {
    addLicenses: [{ skuId: E3, disabledPlans: [] }],
    removeLicenses: [],
  });
  await clearFaults();
  expect(single.status).toBe(503);
  expect((await call('GET', `/v1.0/users/${users[0].id}`, org.admin)).body.assignedLicenses).toEqual([]);
  expect((await call('GET', `/v1.0/subscribedSkus/${E3}`, org.admin)).body.consumedUnits).toBe(0);
  const audit = await call('GET', '/v1.0/auditLogs/licenseChanges', org.admin);
  expect(audit.body.value).toEqual([]);

  // and once the store is back, the same request works
  expect((await call('POST', `/v1.0/subscribedSkus/${E3}/assign`, org.admin, { userIds: users.map((u) => u.id) })).status).toBe(200);
  expect((await call('GET', `/v1.0/subscribedSkus/${E3}`, org.admin)).body.consumedUnits).toBe(3);
});

test('a store that does not answer (connection closed) is a 503 with Retry-After, never a 500, and a license change is not half-made', async () => {
  const org = await tenant('Unreachable store org');
  await call('POST', '/v1.0/directory/subscriptions', org.admin, { skuId: E3, totalLicenses: 5 });
  const u = (
    await call('POST', '/v1.0/users', org.admin, { displayName: 'D', userPrincipalName: `d-${randomUUID().slice(0, 6)}@drop.dev`, usageLocation: 'NL' })
  ).body;

  // a read: the subscription list's query gets no answer (the SDK tries again for a while, ~10 s)
  await fault({ operation: 'query', collection: 'directory', drop: true, count: 1000 });
  const list = await call('GET', '/v1.0/subscribedSkus', org.admin);
  await clearFaults();
  expect(list.status).toBe(503);
  expect(list.body.error.code).toBe('serviceUnavailable');
  expect(list.body.error.message).toMatch(/did not answer.*Try again/);
  expect(Number(list.headers.get('retry-after'))).toBeGreaterThan(0);

  // a license change: the user's write gets no answer
  await fault({ operation: 'replace', collection: 'directory', drop: true, count: 1000, ids: [u.id] });
  const assign = await call('POST', `/v1.0/users/${u.id}/assignLicense`, org.admin, { addLicenses: [{ skuId: E3, disabledPlans: [] }], removeLicenses: [] });
  await clearFaults();
  expect(assign.status).toBe(503);
  expect(assign.body.error.code).toBe('serviceUnavailable');
  expect((await call('GET', `/v1.0/users/${u.id}`, org.admin)).body.assignedLicenses).toEqual([]);
  // the seat it reserved stays counted: the lost write was checked (it had not landed) and the user put
  // back, but a write without an answer could still land later, and a license must never be held without
  // its seat. An over-count by one, which the reconciliation recounts (docs/architecture.md, "Seats, safely").
  expect((await call('GET', `/v1.0/subscribedSkus/${E3}`, org.admin)).body.consumedUnits).toBe(1);
  expect(lines.some((l) => l.includes('unhandled error'))).toBe(false);

  // the store is back: the same call works
  expect(
    (await call('POST', `/v1.0/users/${u.id}/assignLicense`, org.admin, { addLicenses: [{ skuId: E3, disabledPlans: [] }], removeLicenses: [] })).status,
  ).toBe(200);
});

test('log lines are JSON and carry the request id and tenant id, and bulk work the job id', async () => {
  const org = await tenant('Logged org');
  await call('POST', '/v1.0/directory/subscriptions', org.admin, { skuId: E3, totalLicenses: 5 });
  const u = (
    await call('POST', '/v1.0/users', org.admin, { displayName: 'L', userPrincipalName: `l-${randomUUID().slice(0, 6)}@log.dev`, usageLocation: 'NL' })
  ).body;
  const job = await call('POST', '/v1.0/licenseJobs', org.admin, { mode: 'add', userIds: [u.id], addLicenses: [{ skuId: E3, disabledPlans: [] }] });
  expect(job.status).toBe(202);
  for (let i = 0; i < 100; i++) {
    if ((await call('GET', `/v1.0/licenseJobs/${job.body.id}`, org.admin)).body.status === 'completed') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await call('GET', '/v1.0/users/not-a-guid', org.admin); // a 400
  // the chunk's line is written after the chunk has completed the job: wait for it to come through the pipe
  const chunkLogged = () => lines.some((l) => l.includes('"license job chunk"') && l.includes(job.body.id));
  for (let i = 0; i < 100 && !chunkLogged(); i++) await new Promise((r) => setTimeout(r, 100));
  const json = lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
  const mine = json.filter((l) => l.tenantId === org.id);
  const requests = mine.filter((l) => l.message === 'request');
  expect(requests.length).toBeGreaterThanOrEqual(5);
  for (const l of requests) {
    expect(l.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(typeof l.time).toBe('string');
    expect(typeof l.status).toBe('number');
  }
  expect(requests.some((l) => l.status === 400 && l.function === 'getUser')).toBe(true);
  const chunkLines = mine.filter((l) => l.message === 'license job chunk');
  expect(chunkLines).toEqual([expect.objectContaining({ jobId: job.body.id, tenantId: org.id, chunk: 0 })]);
});

test('a password sent with a new user is in no stored document and no log line', async () => {
  const org = await tenant('Password org');
  const password = `Pw-${randomUUID().slice(0, 8)}!Q9`;
  const created = await call('POST', '/v1.0/users', org.admin, {
    accountEnabled: true,
    displayName: 'Secret Keeper',
    mailNickname: 'secretk',
    userPrincipalName: `secretk-${randomUUID().slice(0, 6)}@pw.dev`,
    passwordProfile: { forceChangePasswordNextSignIn: true, password },
  });
  expect(created.status).toBe(201);
  // a refused one too (the error must not echo it)
  const weak = await call('POST', '/v1.0/users', org.admin, {
    displayName: 'W',
    userPrincipalName: `w-${randomUUID().slice(0, 6)}@pw.dev`,
    passwordProfile: { password: 'weakweakweak' },
  });
  expect(weak.status).toBe(400);
  const store = storeOf(stack.env);
  let documents = 0;
  for (const name of ['directory', 'audit', 'jobs'] as const) {
    const { resources } = await store
      .container(name)
      .items.query({ query: 'SELECT * FROM c WHERE c.tenantId = @t', parameters: [{ name: '@t', value: org.id }] })
      .fetchAll();
    documents += resources.length;
    for (const doc of resources) expect(JSON.stringify(doc)).not.toContain(password);
  }
  expect(documents).toBeGreaterThan(1); // the tenant and the user at least: the search looked at real documents
  expect(lines.some((l) => l.includes(org.id))).toBe(true); // its requests were logged...
  expect(lines.filter((l) => l.includes(password) || l.includes('weakweakweak'))).toEqual([]); // ...without the passwords
  store.dispose();
});

test('the health endpoint checks Cosmos DB and the queues, and reports a stopped emulator', async () => {
  const ok = await call('GET', '/health');
  expect(ok.status).toBe(200);
  expect(ok.body).toMatchObject({ status: 'Healthy', checks: { cosmosDb: { status: 'Healthy' }, queues: { status: 'Healthy' } } });
  process.kill(stack.emulatorPids[0], 'SIGKILL'); // the Cosmos DB emulator
  const down = await call('GET', '/health');
  expect(down.status).toBe(503);
  expect(down.body.status).toBe('Unhealthy');
  expect(down.body.checks.cosmosDb.status).toBe('Unhealthy');
  // an anonymous caller learns no reason (no host names, no error text): that goes to the log
  expect(down.body.checks.cosmosDb).toEqual({ status: 'Unhealthy', durationMs: expect.any(Number) });
  expect(lines.some((l) => l.includes('health check failed') && l.includes('cosmosDb'))).toBe(true);
  expect(down.body.checks.queues.status).toBe('Healthy');
  expect(down.headers.get('retry-after')).toBeTruthy();
});
