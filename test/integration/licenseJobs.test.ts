/**
 * Bulk license jobs through HTTP and the real Azurite queue: each mode, CSV import with good and bad rows,
 * preview, cancellation, idempotent creation, seats running out mid-job, duplicate delivery of a chunk,
 * a poison message, and a second tenant's job progressing while a large one runs.
 */
import { QueueServiceClient } from '@azure/storage-queue';
import { addBody, call, newTenant, PLAN, SKU, storeOf, TestTenant } from '../helpers';
import { testStackEnv } from '../env';

const queues = QueueServiceClient.fromConnectionString(testStackEnv.AzureWebJobsStorage);
const send = (name: string, m: unknown) => queues.getQueueClient(name).sendMessage(Buffer.from(JSON.stringify(m)).toString('base64'));

async function createUsers(t: TestTenant, n: number, props: Record<string, unknown> = {}) {
  const out: any[] = [];
  for (let i = 0; i < n; i += 25) out.push(...(await Promise.all(Array.from({ length: Math.min(25, n - i) }, () => t.createUser(props)))));
  return out;
}

async function waitForJob(t: TestTenant, id: string, ms = 60_000): Promise<any> {
  const start = Date.now();
  for (;;) {
    const r = await call('GET', `/v1.0/licenseJobs/${id}`, { token: t.tokens.reader });
    expect(r.status).toBe(200);
    if (['completed', 'completedWithErrors', 'failed', 'cancelled'].includes(r.body.status)) return r.body;
    if (Date.now() - start > ms) throw new Error(`job ${id} still ${r.body.status} after ${ms} ms: ${JSON.stringify(r.body.counts)}`);
    await new Promise((res) => setTimeout(res, 150));
  }
}

/** Polls the job until `ok` holds (the timeout is only the failure bound). */
async function untilJob(t: TestTenant, id: string, ok: (job: any) => boolean, ms = 60_000): Promise<any> {
  const start = Date.now();
  for (;;) {
    const job = (await call('GET', `/v1.0/licenseJobs/${id}`, { token: t.tokens.reader })).body;
    if (ok(job)) return job;
    if (Date.now() - start > ms) throw new Error(`job ${id} never got there within ${ms} ms: ${job.status} ${JSON.stringify(job.counts)}`);
    await new Promise((res) => setTimeout(res, 150));
  }
}

/** The test stack's store, straight through the SDK (to inject what the API never writes). */
const store = storeOf();
afterAll(() => store.dispose());
const cosmosContainer = store.container;

/**
 * Breaks a user's document (bad data from elsewhere): every delivery of the chunk holding it fails, until
 * the returned function puts the document back.
 */
async function corrupt(t: TestTenant, userId: string): Promise<() => Promise<void>> {
  const directory = cosmosContainer('directory');
  const good = (await directory.item(userId, t.id).read()).resource;
  await directory.item(userId, t.id).replace({ ...good, licenseAssignments: 'corrupt' });
  return async () => {
    await directory.item(userId, t.id).replace(good);
  };
}

async function allResults(t: TestTenant, id: string, status?: string): Promise<any[]> {
  const out: any[] = [];
  let next: string | undefined = `/v1.0/licenseJobs/${id}/results?$top=500${status ? `&status=${status}` : ''}`;
  while (next) {
    const r: any = await call('GET', next, { token: t.tokens.reader });
    out.push(...r.body.value);
    next = r.body['@odata.nextLink'];
  }
  return out;
}

const licensesOf = async (t: TestTenant, id: string) =>
  (await call('GET', `/v1.0/users/${id}`, { token: t.tokens.reader })).body.assignedLicenses as { skuId: string; disabledPlans: string[] }[];

let t: TestTenant;
beforeAll(async () => {
  t = await newTenant('Bulk org');
  await t.buy(SKU.E3, 400);
  await t.buy(SKU.E1, 400);
});

test('add: 250 users get a product with plans switched off; 202 with where to watch; counts, percent and results per user', async () => {
  const users = await createUsers(t, 250);
  const r = await call('POST', '/v1.0/licenseJobs', {
    token: t.tokens.license,
    body: { mode: 'add', userIds: users.map((u) => u.id), addLicenses: [{ skuId: SKU.E3, disabledPlans: [PLAN.YAMMER] }] },
  });
  expect(r.status).toBe(202);
  expect(r.headers.get('location')).toMatch(new RegExp(`/v1.0/licenseJobs/${r.body.id}$`));
  expect(['queued', 'running']).toContain(r.body.status);
  expect(r.body.counts.total).toBe(250);
  const job = await waitForJob(t, r.body.id);
  expect(job).toMatchObject({
    status: 'completed',
    percentComplete: 100,
    estimatedSecondsRemaining: 0,
    counts: { total: 250, succeeded: 250, failed: 0, skipped: 0 },
  });
  expect((await t.sku(SKU.E3)).consumedUnits).toBe(250);
  expect(await licensesOf(t, users[7].id)).toEqual([{ skuId: SKU.E3, disabledPlans: [PLAN.YAMMER] }]);
  const results = await allResults(t, r.body.id);
  expect(results).toHaveLength(250);
  expect(results.every((x) => x.status === 'succeeded')).toBe(true);
  const audit = await call('GET', `/v1.0/auditLogs/licenseChanges?jobId=${r.body.id}&$top=999`, { token: t.tokens.reader });
  expect(audit.body.value).toHaveLength(250);
  expect(audit.body.value[0]).toMatchObject({ jobId: r.body.id, operation: 'licenseJob:add' });

  // swap E3 -> E1 on each user who has E3, carrying over the plans both products have
  const some = users.slice(0, 30);
  await Promise.all(some.slice(0, 5).map((u) => t.assign(u.id, addBody(SKU.E3, [PLAN.TEAMS, PLAN.YAMMER, PLAN.EXO2]))));
  const other = (await createUsers(t, 2))[0]; // has no E3: skipped
  const swap = await call('POST', '/v1.0/licenseJobs', {
    token: t.tokens.license,
    body: { mode: 'swap', userIds: [...some.map((u) => u.id), other.id], fromSkuId: SKU.E3, toSkuId: SKU.E1 },
  });
  expect(swap.status).toBe(202);
  const swapped = await waitForJob(t, swap.body.id);
  expect(swapped.counts).toMatchObject({ total: 31, succeeded: 30, skipped: 1, failed: 0 });
  expect(await licensesOf(t, some[0].id)).toEqual([{ skuId: SKU.E1, disabledPlans: [PLAN.TEAMS, PLAN.YAMMER] }]); // both in E1; Exchange (Plan 2) is not
  expect(await licensesOf(t, some[10].id)).toEqual([{ skuId: SKU.E1, disabledPlans: [PLAN.YAMMER] }]); // as the add job left E3
  expect((await t.sku(SKU.E3)).consumedUnits).toBe(220);
  expect((await t.sku(SKU.E1)).consumedUnits).toBe(30);

  // remove E1 from those, then unassign all from a few
  const rm = await call('POST', '/v1.0/licenseJobs', {
    token: t.tokens.license,
    body: { mode: 'remove', userIds: some.slice(0, 10).map((u) => u.id), removeLicenses: [SKU.E1] },
  });
  expect((await waitForJob(t, rm.body.id)).counts.succeeded).toBe(10);
  expect((await t.sku(SKU.E1)).consumedUnits).toBe(20);
  const ua = await call('POST', '/v1.0/licenseJobs', {
    token: t.tokens.license,
    body: { mode: 'unassignAll', userIds: [...some.slice(5, 15).map((u) => u.id), users[100].id] },
  });
  const unassigned = await waitForJob(t, ua.body.id);
  expect(unassigned.counts).toMatchObject({ succeeded: 6, skipped: 5 }); // 5..9 have nothing left
  expect(await licensesOf(t, users[100].id)).toEqual([]);
  expect((await t.sku(SKU.E1)).consumedUnits).toBe(15);
  expect((await t.sku(SKU.E3)).consumedUnits).toBe(219);
});

test("replace: the given products become the users' assignments, others go", async () => {
  const users = await createUsers(t, 3);
  await t.assign(users[0].id, addBody(SKU.E3));
  await t.assign(users[1].id, addBody(SKU.E1));
  const before = { e3: (await t.sku(SKU.E3)).consumedUnits, e1: (await t.sku(SKU.E1)).consumedUnits };
  const r = await call('POST', '/v1.0/licenseJobs', {
    token: t.tokens.license,
    body: { mode: 'replace', userIds: users.map((u) => u.id), addLicenses: [{ skuId: SKU.E1, disabledPlans: [] }] },
  });
  const job = await waitForJob(t, r.body.id);
  expect(job.counts).toMatchObject({ succeeded: 2, skipped: 1 });
  for (const u of users) expect(await licensesOf(t, u.id)).toEqual([{ skuId: SKU.E1, disabledPlans: [] }]);
  expect((await t.sku(SKU.E3)).consumedUnits).toBe(before.e3 - 1);
  expect((await t.sku(SKU.E1)).consumedUnits).toBe(before.e1 + 2);
});

test('CSV import: good rows applied, bad rows reported with the reason, failed rows downloadable as CSV', async () => {
  const org = await newTenant('CSV org');
  await org.buy(SKU.E3, 10);
  await org.buy(SKU.E1, 10);
  const a = await org.createUser({ userPrincipalName: 'ann@csv.dev', usageLocation: null });
  const b = await org.createUser({ userPrincipalName: 'bob@csv.dev' });
  await org.createUser({ userPrincipalName: 'cat@csv.dev', usageLocation: null });
  const csv = [
    'userPrincipalName,licenses,disabledPlans,usageLocation,displayName',
    'ann@csv.dev,ENTERPRISEPACK,YAMMER_ENTERPRISE;TEAMS1,NL,',
    `bob@csv.dev,${SKU.E1},,,`,
    'cat@csv.dev,ENTERPRISEPACK,,,', // no usage location: refused by the rule
    'not-an-upn,ENTERPRISEPACK,,,',
    'dan@csv.dev,NOPE_SKU,,,',
    'ghost@csv.dev,STANDARDPACK,,,', // does not exist
    'eve@csv.dev,STANDARDPACK,,US,Eve New', // does not exist either
  ].join('\n');
  // imported into another organization, none of these users exist there: nothing leaks across
  const elsewhere = await call('POST', '/v1.0/licenseJobs/import', { token: t.tokens.license, rawBody: csv, headers: { 'content-type': 'text/csv' } });
  expect(elsewhere.status).toBe(202);
  expect((await waitForJob(t, elsewhere.body.id)).counts).toMatchObject({ total: 7, failed: 7, succeeded: 0 });
  const imp = await call('POST', '/v1.0/licenseJobs/import', { token: org.tokens.license, rawBody: csv, headers: { 'content-type': 'text/csv' } });
  expect(imp.status).toBe(202);
  expect(imp.body).toMatchObject({ source: 'csv', counts: { total: 7 } });
  const job = await waitForJob(org, imp.body.id);
  expect(job.status).toBe('completedWithErrors');
  expect(job.counts).toMatchObject({ total: 7, succeeded: 2, failed: 5 });
  expect(await licensesOf(org, a.id)).toEqual(
    [{ skuId: SKU.E3, disabledPlans: [PLAN.TEAMS, PLAN.YAMMER].sort() }].map((l) => ({ ...l, disabledPlans: expect.arrayContaining(l.disabledPlans) })),
  );
  expect((await call('GET', `/v1.0/users/${a.id}`, { token: org.tokens.reader })).body.usageLocation).toBe('NL');
  expect(await licensesOf(org, b.id)).toEqual([{ skuId: SKU.E1, disabledPlans: [] }]);

  const failedRows = await allResults(org, imp.body.id, 'failed');
  const byUpn = Object.fromEntries(failedRows.map((x) => [x.userPrincipalName ?? x.row, x]));
  expect(byUpn['cat@csv.dev'].code).toBe('usageLocationRequired');
  expect(byUpn['not-an-upn'].message).toMatch(/Row 5: userPrincipalName/);
  expect(byUpn['dan@csv.dev'].message).toMatch(/unknown product 'NOPE_SKU'/);
  expect(byUpn['ghost@csv.dev'].code).toBe('userNotFound');
  expect(byUpn['ghost@csv.dev'].message).toMatch(/createMissingUsers=true/);

  const download = await fetch(job.failedRowsUrl, { headers: { authorization: `Bearer ${org.tokens.reader}` } });
  expect(download.status).toBe(200);
  expect(download.headers.get('content-type')).toMatch(/text\/csv/);
  const lines = (await download.text()).trim().split(/\r\n/);
  expect(lines[0]).toBe('userPrincipalName,licenses,disabledPlans,usageLocation,displayName,lastSignInDateTime,userId,errorCode,errorMessage');
  expect(lines).toHaveLength(6);
  expect(lines.find((l) => l.startsWith('cat@csv.dev'))).toMatch(/^cat@csv.dev,ENTERPRISEPACK,,,,,[0-9a-f-]{36},usageLocationRequired,/);

  // fix and re-import the failed rows, creating the missing users this time (a User Administrator may)
  const fixed = [
    'userPrincipalName,licenses,usageLocation,displayName',
    'ghost@csv.dev,STANDARDPACK,GB,Ghost Writer',
    'eve@csv.dev,STANDARDPACK,US,Eve New',
  ].join('\n');
  const again = await call('POST', '/v1.0/licenseJobs/import?createMissingUsers=true', {
    token: org.tokens.userAdmin,
    rawBody: fixed,
    headers: { 'content-type': 'text/csv' },
  });
  expect(again.status).toBe(202);
  expect((await waitForJob(org, again.body.id)).counts).toMatchObject({ succeeded: 2, failed: 0 });
  const ghost = await call('GET', '/v1.0/users/ghost@csv.dev', { token: org.tokens.reader });
  expect(ghost.body).toMatchObject({ displayName: 'Ghost Writer', usageLocation: 'GB', assignedLicenses: [{ skuId: SKU.E1, disabledPlans: [] }] });
  // a License Administrator may not create users
  const la = await call('POST', '/v1.0/licenseJobs/import?createMissingUsers=true', {
    token: org.tokens.license,
    rawBody: fixed,
    headers: { 'content-type': 'text/csv' },
  });
  expect(la.status).toBe(403);
  // a CSV without the column, and a non-CSV body
  expect(
    (await call('POST', '/v1.0/licenseJobs/import', { token: org.tokens.license, rawBody: 'name,sku\nx,y', headers: { 'content-type': 'text/csv' } })).status,
  ).toBe(400);
  expect((await call('POST', '/v1.0/licenseJobs/import', { token: org.tokens.license, body: { a: 1 } })).status).toBe(415);
});

test('preview changes nothing and shows per user and per product what would happen, seats needed vs available', async () => {
  const org = await newTenant('Preview org');
  await org.buy(SKU.E3, 3);
  const users = await createUsers(org, 4);
  const noLoc = await org.createUser({ usageLocation: null });
  const r = await call('POST', '/v1.0/licenseJobs', {
    token: org.tokens.license,
    body: { mode: 'add', dryRun: true, userIds: [...users.map((u) => u.id), noLoc.id], addLicenses: [{ skuId: SKU.E3, disabledPlans: [] }] },
  });
  expect(r.status).toBe(202);
  const job = await waitForJob(org, r.body.id);
  expect(job).toMatchObject({ status: 'completedWithErrors', dryRun: true, counts: { succeeded: 4, failed: 1 } });
  expect(job.seats).toEqual([{ skuId: SKU.E3, skuPartNumber: 'ENTERPRISEPACK', needed: 4, available: 3, enough: false }]);
  const failedRows = await allResults(org, r.body.id, 'failed');
  expect(failedRows).toEqual([expect.objectContaining({ userId: noLoc.id, code: 'usageLocationRequired' })]);
  expect((await org.sku(SKU.E3)).consumedUnits).toBe(0);
  for (const u of users) expect(await licensesOf(org, u.id)).toEqual([]);

  // requireSeats: the job refuses to start when the preview shows too few seats, and changes nothing
  const strict = await call('POST', '/v1.0/licenseJobs', {
    token: org.tokens.license,
    body: { mode: 'add', requireSeats: true, userIds: users.map((u) => u.id), addLicenses: [{ skuId: SKU.E3, disabledPlans: [] }] },
  });
  const refused = await waitForJob(org, strict.body.id);
  expect(refused.status).toBe('failed');
  expect(refused.error.code).toBe('CountViolation');
  expect(refused.error.message).toMatch(/did not start.*4 needed, 3 available/);
  expect((await org.sku(SKU.E3)).consumedUnits).toBe(0);
  // with enough seats the same job runs
  await call('PATCH', `/v1.0/directory/subscriptions/${SKU.E3}`, { token: org.tokens.billing, body: { totalLicenses: 4 } });
  const ok = await call('POST', '/v1.0/licenseJobs', {
    token: org.tokens.license,
    body: { mode: 'add', requireSeats: true, userIds: users.map((u) => u.id), addLicenses: [{ skuId: SKU.E3, disabledPlans: [] }] },
  });
  expect((await waitForJob(org, ok.body.id)).counts).toMatchObject({ succeeded: 4, failed: 0 });
  expect((await org.sku(SKU.E3)).consumedUnits).toBe(4);
});

test('seats running out mid-job: users beyond the seats fail with CountViolation; never over-assigned', async () => {
  const org = await newTenant('Short org');
  await org.buy(SKU.E1, 130);
  const users = await createUsers(org, 200);
  const r = await call('POST', '/v1.0/licenseJobs', {
    token: org.tokens.license,
    body: { mode: 'add', userIds: users.map((u) => u.id), addLicenses: [{ skuId: SKU.E1, disabledPlans: [] }] },
  });
  const job = await waitForJob(org, r.body.id);
  expect(job.counts).toMatchObject({ total: 200, succeeded: 130, failed: 70 });
  const failedRows = await allResults(org, r.body.id, 'failed');
  expect(failedRows.every((x) => x.code === 'CountViolation' && /Not enough Office 365 E1 licenses/.test(x.message))).toBe(true);
  const sku = await org.sku(SKU.E1);
  expect(sku.consumedUnits).toBe(130);
  const holders = await call('GET', `/v1.0/subscribedSkus/${SKU.E1}/assignments?$top=999`, { token: org.tokens.reader });
  expect(holders.body.value).toHaveLength(130);
});

test('creating a job is safe to retry: the same Idempotency-Key returns the same job', async () => {
  const users = await createUsers(t, 5);
  const body = { mode: 'add', userIds: users.map((u) => u.id), addLicenses: [{ skuId: SKU.E1, disabledPlans: [] }] };
  const key = `retry-${Date.now()}`;
  const [a, b] = await Promise.all([
    call('POST', '/v1.0/licenseJobs', { token: t.tokens.license, body, headers: { 'idempotency-key': key } }),
    call('POST', '/v1.0/licenseJobs', { token: t.tokens.license, body, headers: { 'idempotency-key': key } }),
  ]);
  expect(a.status).toBe(202);
  expect(b.status).toBe(202);
  expect(b.body.id).toBe(a.body.id);
  await waitForJob(t, a.body.id);
  const c = await call('POST', '/v1.0/licenseJobs', { token: t.tokens.license, body, headers: { 'idempotency-key': key } });
  expect(c.body.id).toBe(a.body.id);
  const list = await call('GET', '/v1.0/licenseJobs?$top=999', { token: t.tokens.reader });
  expect(list.body.value.filter((j: any) => j.id === a.body.id)).toHaveLength(1);
});

test('a chunk delivered twice leaves every user and the seat counts as if processed once', async () => {
  const org = await newTenant('Dup org');
  await org.buy(SKU.E3, 50);
  const users = await createUsers(org, 30);
  const r = await call('POST', '/v1.0/licenseJobs', {
    token: org.tokens.license,
    body: { mode: 'add', userIds: users.map((u) => u.id), addLicenses: [{ skuId: SKU.E3, disabledPlans: [] }] },
  });
  const job = await waitForJob(org, r.body.id);
  expect(job.counts.succeeded).toBe(30);
  // The queue delivers chunk 0 again (at-least-once), twice. A delivery to a finished job returns at once,
  // so the job is put back to running first, as it is when a redelivery overtakes the job's last chunk:
  // each delivery then goes through the chunk's whole path (its results, its holds, its count) and ends by
  // finishing the job again, which is how the test knows it was processed (no fixed wait).
  const jobsContainer = cosmosContainer('jobs');
  for (let delivery = 0; delivery < 2; delivery++) {
    await jobsContainer.item(r.body.id, org.id).patch([{ op: 'set', path: '/status', value: 'running' }]);
    expect((await call('GET', `/v1.0/licenseJobs/${r.body.id}`, { token: org.tokens.reader })).body.status).toBe('running');
    await send('license-jobs', { tenantId: org.id, jobId: r.body.id, chunk: 0, phase: 'apply' });
    const again = await waitForJob(org, r.body.id);
    expect(again).toMatchObject({ status: 'completed', counts: { total: 30, succeeded: 30, failed: 0, skipped: 0 } });
  }
  const after = (await call('GET', `/v1.0/licenseJobs/${r.body.id}`, { token: org.tokens.reader })).body;
  expect(after.counts).toMatchObject({ total: 30, succeeded: 30, failed: 0 });
  expect((await org.sku(SKU.E3)).consumedUnits).toBe(30);
  for (const u of users.slice(0, 3)) expect(await licensesOf(org, u.id)).toEqual([{ skuId: SKU.E3, disabledPlans: [] }]);
  const audit = await call('GET', `/v1.0/auditLogs/licenseChanges?jobId=${r.body.id}&$top=999`, { token: org.tokens.reader });
  expect(audit.body.value).toHaveLength(30);
});

test('a poison chunk marks its users failed with a reason and the job ends; seats stay right; a malformed message is dropped', async () => {
  const org = await newTenant('Poison org');
  await org.buy(SKU.E3, 500);
  const users = await createUsers(org, 150);
  // one user's document is broken (bad data from elsewhere): every delivery of the chunk holding it fails
  await corrupt(org, users[120].id);

  const r = await call('POST', '/v1.0/licenseJobs', {
    token: org.tokens.license,
    body: { mode: 'add', userIds: users.map((u) => u.id), addLicenses: [{ skuId: SKU.E3, disabledPlans: [] }] },
  });
  expect(r.status).toBe(202);
  // chunk 0 (users 0-99) succeeds; chunk 1 keeps failing: after maxDequeueCount the host moves it to the
  // poison queue (test/integration/localHost.test.ts shows that); here we deliver it there once chunk 0
  // has been counted
  const running = await untilJob(org, r.body.id, (j) => j.counts.succeeded === 100);
  expect(running).toMatchObject({ status: 'running', counts: { succeeded: 100, failed: 0 } });
  await send('license-jobs-poison', { hello: 'not a chunk' });
  await send('license-jobs-poison', { tenantId: org.id, jobId: r.body.id, chunk: 1, phase: 'apply' });
  const job = await waitForJob(org, r.body.id);
  expect(job.status).toBe('completedWithErrors');
  expect(job.counts).toMatchObject({ total: 150, succeeded: 100, failed: 50 });
  const failedRows = await allResults(org, r.body.id, 'failed');
  expect(failedRows).toHaveLength(50);
  expect(failedRows.every((x) => x.code === 'chunkFailed' && /failed repeatedly/.test(x.message))).toBe(true);
  expect((await org.sku(SKU.E3)).consumedUnits).toBe(100);
  expect(await licensesOf(org, users[130].id)).toEqual([]);
});

test("a second tenant's small job finishes while another tenant's large job is still running", async () => {
  const big = await newTenant('Big org');
  const small = await newTenant('Small org');
  await big.buy(SKU.E1, 2000);
  await small.buy(SKU.E1, 10);
  const bigUsers = await createUsers(big, 1200);
  const smallUsers = await createUsers(small, 10);
  // The large job's 12 chunks go at most 4 at a time (finishing chunk i queues chunk i + 4). So that it is
  // still running when the small job is done, whatever the machine's speed, its chunk 0 cannot finish (a
  // broken user document) until the test mends it: chunks 4 and 8 wait for it, chunks 1-3, 5-7, 9-11 run.
  const mend = await corrupt(big, bigUsers[50].id);
  const large = await call('POST', '/v1.0/licenseJobs', {
    token: big.tokens.license,
    body: { mode: 'add', userIds: bigUsers.map((u) => u.id), addLicenses: [{ skuId: SKU.E1, disabledPlans: [] }] },
  });
  expect(large.status).toBe(202);
  await untilJob(big, large.body.id, (j) => j.counts.succeeded >= 100); // the large job is under way
  const quick = await call('POST', '/v1.0/licenseJobs', {
    token: small.tokens.license,
    body: { mode: 'add', userIds: smallUsers.map((u) => u.id), addLicenses: [{ skuId: SKU.E1, disabledPlans: [] }] },
  });
  expect(quick.status).toBe(202);
  const smallDone = await waitForJob(small, quick.body.id);
  expect(smallDone.status).toBe('completed');
  expect(smallDone.counts).toMatchObject({ total: 10, succeeded: 10 });
  const bigNow = (await call('GET', `/v1.0/licenseJobs/${large.body.id}`, { token: big.tokens.reader })).body;
  expect(bigNow.status).toBe('running');
  expect(bigNow.counts.succeeded).toBeLessThanOrEqual(900); // chunks 0, 4 and 8 are not done
  expect(bigNow.percentComplete).toBeLessThan(100);
  expect(bigNow.estimatedSecondsRemaining).toBeGreaterThan(0);
  // the document mended and chunk 0 delivered again (its own retry comes after the queue's visibility timeout)
  await mend();
  await send('license-jobs', { tenantId: big.id, jobId: large.body.id, chunk: 0, phase: 'apply' });
  const bigDone = await waitForJob(big, large.body.id, 120_000);
  expect(bigDone).toMatchObject({ status: 'completed', counts: { total: 1200, succeeded: 1200, failed: 0 } });
  expect(Date.parse(smallDone.completedDateTime)).toBeLessThan(Date.parse(bigDone.completedDateTime));
  expect((await big.sku(SKU.E1)).consumedUnits).toBe(1200);
});

test('cancel: what is done stays done and is reported, the rest is skipped, no user half-changed', async () => {
  const org = await newTenant('Cancel org');
  await org.buy(SKU.E3, 1000);
  const users = await createUsers(org, 500);
  // Chunk 0 (users 0-99) cannot finish (a broken user document), and chunk 4 is queued only when chunk 0
  // finishes: so whatever the machine's speed, chunks 1-3 are done and chunk 4 has not started when the
  // cancel comes. Then chunk 0 reaches the poison queue, and chunk 4 runs, cancelled.
  await corrupt(org, users[50].id);
  const r = await call('POST', '/v1.0/licenseJobs', {
    token: org.tokens.license,
    body: { mode: 'add', userIds: users.map((u) => u.id), addLicenses: [{ skuId: SKU.E3, disabledPlans: [PLAN.TEAMS] }] },
  });
  expect(r.status).toBe(202);
  const running = await untilJob(org, r.body.id, (j) => j.counts.succeeded === 300);
  expect(running).toMatchObject({ status: 'running', counts: { total: 500, succeeded: 300, failed: 0, skipped: 0 } });
  const cancel = await call('POST', `/v1.0/licenseJobs/${r.body.id}/cancel`, { token: org.tokens.license });
  expect(cancel.status).toBe(202);
  expect(cancel.body.cancelRequested).toBe(true);
  await send('license-jobs-poison', { tenantId: org.id, jobId: r.body.id, chunk: 0, phase: 'apply' });
  const job = await waitForJob(org, r.body.id);
  expect(job.status).toBe('cancelled');
  expect(job.counts).toMatchObject({ total: 500, succeeded: 300, failed: 100, skipped: 100 });
  const results = await allResults(org, r.body.id);
  expect(results).toHaveLength(500);
  const done = results.filter((x) => x.status === 'succeeded').map((x) => x.userId);
  expect(done.sort()).toEqual(
    users
      .slice(100, 400)
      .map((u) => u.id)
      .sort(),
  );
  const skipped = results.filter((x) => x.status === 'skipped');
  expect(skipped.map((x) => x.userId).sort()).toEqual(
    users
      .slice(400)
      .map((u) => u.id)
      .sort(),
  );
  expect(skipped.every((x) => x.code === 'jobCancelled')).toBe(true);
  for (const u of [users[0], users[99], users[400], users[499]]) expect(await licensesOf(org, u.id)).toEqual([]); // (users[50] is the broken one)
  expect((await org.sku(SKU.E3)).consumedUnits).toBe(done.length);
  const holders = await call('GET', `/v1.0/subscribedSkus/${SKU.E3}/assignments?$top=999`, { token: org.tokens.reader });
  expect(holders.body.value.map((u: any) => u.id).sort()).toEqual(done.sort());
  expect(holders.body.value.every((u: any) => u.assignedLicenses[0].disabledPlans[0] === PLAN.TEAMS)).toBe(true);
  // a finished job cannot be cancelled again
  expect((await call('POST', `/v1.0/licenseJobs/${r.body.id}/cancel`, { token: org.tokens.license })).status).toBe(409);
});
