/**
 * Finding 6 (medium): resource limits that did not hold. A chunked CSV upload over 32 MB crashed the local
 * host; CSVs over 100,000 rows were accepted; bodies were buffered whole before limits applied; 15
 * parallel job creations got 6 through a cap of 5. Finding 8 (low): the CSV path turned any Cosmos DB
 * error (429s included) into a 400 with its raw message.
 */
import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { MAX_JOB_USERS } from '../../shared/schemas/contracts';
import { call, newTenant, SKU, storeOf, TestTenant, tokenFor } from '../helpers';
import { testStackEnv, TEST_API } from '../env';
import { OwnStack, startOwnStack } from '../ownStack';

let t: TestTenant;
beforeAll(async () => {
  t = await newTenant('Limits org');
});

/** A request body streamed in chunks with no Content-Length (Transfer-Encoding: chunked): `first`, then `fill` repeated. */
function chunkedBody(totalBytes: number, first: string, fill: string): ReadableStream<Uint8Array> {
  let sent = 0;
  const block = Buffer.from(fill.repeat(Math.max(1, Math.floor(65_536 / fill.length))));
  return new ReadableStream({
    pull(controller) {
      if (sent === 0) {
        controller.enqueue(Buffer.from(first));
        sent += first.length;
      } else if (sent < totalBytes) {
        controller.enqueue(block);
        sent += block.length;
      } else controller.close();
    },
  });
}

const post = (path: string, body: ReadableStream<Uint8Array>, type: string) =>
  fetch(`${TEST_API}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${t.tokens.global}`, 'content-type': type },
    body,
    duplex: 'half',
  } as RequestInit);

test('a chunked CSV upload over 32 MB gets 413, and the host keeps serving', async () => {
  // rows of 3.9 KB: fewer than the 100,000-row limit fit in 32 MB, so the size limit is what stops it
  const row = `someone@contoso.dev,ENTERPRISEPACK,${'x'.repeat(3900)}\r\n`;
  const res = await post('/v1.0/licenseJobs/import', chunkedBody(33 * 1024 * 1024, 'userPrincipalName,licenses,displayName\r\n', row), 'text/csv');
  expect(res.status).toBe(413);
  expect((await res.json()).error.code).toBe('requestTooLarge');
  expect((await fetch(`${TEST_API}/health`)).status).toBe(200);
  expect((await call('GET', '/v1.0/licenseJobs', { token: t.tokens.reader })).body.value).toEqual([]);
});

test('a chunked JSON body over its 1 MB limit gets 413 while it arrives: the answer comes before the body has ended', async () => {
  // 1.5 MB sent and the body left open: only a service that counts while the body arrives can answer now
  // (one that reads the body whole first waits for an end that never comes; the deadline is the failure bound)
  const url = new URL(`${TEST_API}/v1.0/users/${randomUUID()}/assignLicense`);
  const req = request({
    host: url.hostname,
    port: url.port,
    path: url.pathname,
    method: 'POST',
    headers: { authorization: `Bearer ${t.tokens.global}`, 'content-type': 'application/json' },
  });
  try {
    const answered = new Promise<{ status: number; body: string }>((resolve, reject) => {
      req.on('response', (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
    });
    req.write('{"addLicenses":[],"removeLicenses":["');
    for (let i = 0; i < 24; i++) req.write(Buffer.alloc(64 * 1024, 'x'));
    const deadline = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no answer while the body was still open')), 20_000).unref());
    const res = await Promise.race([answered, deadline]);
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body).error.code).toBe('requestTooLarge');
  } finally {
    req.destroy();
  }
});

test(`a CSV of more than ${MAX_JOB_USERS} rows is refused, and no job is stored`, async () => {
  const rows = ['userPrincipalName,licenses'];
  for (let i = 0; i <= MAX_JOB_USERS; i++) rows.push(`u${i}@rows.dev,ENTERPRISEPACK`);
  const r = await call('POST', '/v1.0/licenseJobs/import?dryRun=true', {
    token: t.tokens.global,
    rawBody: rows.join('\n'),
    headers: { 'content-type': 'text/csv' },
  });
  expect(r.status).toBe(400);
  expect(r.body.error.message).toMatch(/more than 100000 rows/);
  expect((await call('GET', '/v1.0/licenseJobs', { token: t.tokens.reader })).body.value).toEqual([]);
});

test('job slots are taken atomically: 15 simultaneous takers of a budget of 5 get exactly 5 distinct slots', async () => {
  const { takeSlot } = await import('../../shared/storage/slots');
  const tenantId = randomUUID();
  const holders = Array.from({ length: 15 }, () => randomUUID());
  const got = await Promise.all(holders.map((h) => takeSlot('jobs', tenantId, 'jobSlot', 5, h, async () => false)));
  const taken = got.filter((n): n is number => n !== undefined);
  expect(taken.sort()).toEqual([0, 1, 2, 3, 4]);
  // the holder of slot 2 is over (its job ended without giving the slot back): exactly one of several takes it
  const over = holders[got.indexOf(2)];
  const again = await Promise.all(
    Array.from({ length: 6 }, () => takeSlot('jobs', tenantId, 'jobSlot', 5, randomUUID(), async (held) => held.holder === over)),
  );
  expect(again.filter((n) => n !== undefined)).toEqual([2]);
});

describe("store errors in the CSV path are not the caller's fault (own stack with fault injection)", () => {
  let stack: OwnStack;
  beforeAll(async () => {
    stack = await startOwnStack(90, { COSMOS_EMULATOR_FAULTS: '1', MAX_ACTIVE_JOBS_PER_TENANT: '5' });
  });
  afterAll(() => stack?.stop());

  test('Cosmos DB throttling while a CSV is stored answers 503 with Retry-After, not 400 with the raw message', async () => {
    const operator = await tokenFor('Operator', testStackEnv.OPERATOR_TENANT_ID);
    const org = await fetch(`${stack.api}/v1.0/tenants`, {
      method: 'POST',
      headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/json' },
      body: JSON.stringify({ displayName: 'Faulty org' }),
    });
    const admin = await tokenFor('GlobalAdministrator', (await org.json()).id);
    await fetch(`http://127.0.0.1:${stack.ports.cosmos}/_faults`, {
      method: 'POST',
      body: JSON.stringify({ operation: 'upsert', collection: 'jobs', status: 429, count: 40 }),
    });
    // 150 rows: the first chunk of 100 is stored while the CSV is still being read (the path that turned a
    // store error into a 400), the rest after it
    const csv = ['userPrincipalName,licenses', ...Array.from({ length: 150 }, (_, i) => `u${i}@b.dev,ENTERPRISEPACK`)].join('\r\n');
    const r = await fetch(`${stack.api}/v1.0/licenseJobs/import`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'text/csv' },
      body: csv,
    });
    await fetch(`http://127.0.0.1:${stack.ports.cosmos}/_faults`, { method: 'DELETE' });
    const body = await r.json();
    expect(r.status).toBe(503);
    expect(body.error.code).toBe('serviceUnavailable');
    expect(r.headers.get('retry-after')).toBeTruthy();
    expect(body.error.message).not.toMatch(/injected|TooManyRequests/);
  });

  test('job slots through HTTP: 15 simultaneous job creations for a budget of 5 (jobs that cannot finish) get exactly 5 through', async () => {
    const operator = await tokenFor('Operator', testStackEnv.OPERATOR_TENANT_ID);
    const org = await (
      await fetch(`${stack.api}/v1.0/tenants`, {
        method: 'POST',
        headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/json' },
        body: JSON.stringify({ displayName: 'Slots org', defaultUsageLocation: 'NL' }),
      })
    ).json();
    const admin = await tokenFor('GlobalAdministrator', org.id);
    const post = (path: string, body: unknown) =>
      fetch(`${stack.api}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await post('/v1.0/directory/subscriptions', { skuId: SKU.E1, totalLicenses: 10 })).status).toBe(201);
    const user = await (await post('/v1.0/users', { displayName: 'Stuck', userPrincipalName: 'stuck@slots.dev', usageLocation: 'NL' })).json();
    // the user's document is broken: a job holding it cannot finish while the test runs, so its slot stays taken
    const store = storeOf(stack.env);
    const directory = store.container('directory');
    await directory.item(user.id, org.id).replace({ ...(await directory.item(user.id, org.id).read()).resource, licenseAssignments: 'corrupt' });
    store.dispose();
    const made = await Promise.all(
      Array.from({ length: 15 }, () => post('/v1.0/licenseJobs', { mode: 'add', userIds: [user.id], addLicenses: [{ skuId: SKU.E1, disabledPlans: [] }] })),
    );
    const statuses = made.map((r) => r.status).sort();
    expect(statuses).toEqual([...Array(5).fill(202), ...Array(10).fill(429)]);
  });
});

test('results filtered by status page on after a bounded number of chunks instead of reading the whole job in one request', async () => {
  const { RESULT_CHUNKS_PER_PAGE } = await import('../../shared/usecases/licenseJobs');
  const chunks = RESULT_CHUNKS_PER_PAGE + 5;
  // users that do not exist: every row fails, so a filter on `succeeded` matches nothing anywhere
  const userIds = Array.from({ length: chunks * 100 }, () => randomUUID());
  const job = await call('POST', '/v1.0/licenseJobs', { token: t.tokens.global, body: { mode: 'unassignAll', userIds, dryRun: true } });
  expect(job.status).toBe(202);
  for (let i = 0; i < 600; i++) {
    const s = (await call('GET', `/v1.0/licenseJobs/${job.body.id}`, { token: t.tokens.reader })).body;
    if (s.status === 'completedWithErrors' || s.status === 'completed') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const first = await call('GET', `/v1.0/licenseJobs/${job.body.id}/results?status=succeeded&$top=5`, { token: t.tokens.reader });
  expect(first.status).toBe(200);
  expect(first.body.value).toEqual([]);
  expect(first.body['@odata.nextLink']).toBeTruthy(); // stopped after RESULT_CHUNKS_PER_PAGE chunks
  const second = await call('GET', first.body['@odata.nextLink'], { token: t.tokens.reader });
  expect(second.body.value).toEqual([]);
  expect(second.body['@odata.nextLink']).toBeUndefined(); // the 5 chunks left fit in one page
  // the failed ones come in pages of $top, all of them
  let failed = 0;
  let next: string | undefined = `/v1.0/licenseJobs/${job.body.id}/results?status=failed&$top=999`;
  while (next) {
    const page: any = await call('GET', next, { token: t.tokens.reader });
    expect(page.body.value.length).toBeLessThanOrEqual(999);
    failed += page.body.value.length;
    next = page.body['@odata.nextLink'];
  }
  expect(failed).toBe(chunks * 100);
});
