/**
 * The scheduled license reconciliation through HTTP, the host's admin call and the timer function, against
 * the emulators: drift injected into seat counters (written to Cosmos DB directly, as an interrupted write
 * would leave it) then repaired; stale bulk-job holds; each lifecycle transition by date; a deleted product
 * leaving its users; over-assignment flagged, not unassigned; lost audit records re-created; the reclaim
 * policy; two runs at once; the reports.
 *
 * The test stack's grace period is 3 s (test/env.ts): an over-count is lowered once its counter has been
 * still that long.
 */
import { randomUUID } from 'node:crypto';
import { Container, PatchOperation } from '@azure/cosmos';
import { addBody, call, newTenant, Reply, SKU, storeOf, TestTenant } from '../helpers';
import { TEST_API, TEST_PORTS } from '../env';
import { OwnStack, startOwnStack } from '../ownStack';

const DAY = 86_400_000;
const store = storeOf();
const directory = store.container('directory');
const auditContainer = store.container('audit');
const jobsContainer = store.container('jobs');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
afterAll(() => store.dispose());
const iso = (ms: number) => new Date(ms).toISOString();

const subId = (t: TestTenant, sku: string) => `${t.id}_${sku}`;
const subDoc = async (t: TestTenant, sku: string, dir: Container = directory) => (await dir.item(subId(t, sku), t.id).read()).resource;
const patchSub = (t: TestTenant, sku: string, ops: PatchOperation[], dir: Container = directory) => dir.item(subId(t, sku), t.id).patch(ops);
const userDoc = async (t: TestTenant, id: string) => (await directory.item(id, t.id).read()).resource;

/** Waits until the subscription document has been still longer than the stack's grace period (3 s). */
async function waitStill(t: TestTenant, sku: string) {
  const ts: number = (await subDoc(t, sku))._ts;
  const wait = (ts + 1 + 3.3) * 1000 - Date.now();
  if (wait > 0) await sleep(wait);
}

async function createUsers(t: TestTenant, n: number) {
  const out: any[] = [];
  for (let i = 0; i < n; i++) out.push(await t.createUser());
  return out;
}

type Mode = 'full' | 'incremental';
/** A run on demand: no body (what the timer runs: the first one full, then incremental unless the full run is due), or the kind asked for. */
const run = (t: TestTenant, token = t.tokens.license, api = TEST_API, mode?: Mode): Promise<Reply> =>
  call('POST', `${api}/v1.0/reconciliations`, { token, ...(mode ? { body: { mode } } : {}) });
async function ran(t: TestTenant, api = TEST_API, mode?: Mode): Promise<any> {
  const r = await run(t, t.tokens.license, api, mode);
  expect(r.status).toBe(201);
  if (mode) expect(r.body.mode).toBe(mode);
  return r.body;
}
/** How many users hold the product (its assignments, every page). */
async function holdersOf(t: TestTenant, sku: string, api = TEST_API): Promise<number> {
  let n = 0;
  let next: string | undefined = `${api}/v1.0/subscribedSkus/${t.id}_${sku}/assignments?$top=999`;
  while (next) {
    const page: Reply = await call('GET', next, { token: t.tokens.reader });
    n += page.body.value.length;
    next = page.body['@odata.nextLink'];
  }
  return n;
}

/**
 * Rounds of admins at work on E3 while a run overlaps each round: in each round a third of the users have
 * E3 switched on or off while a reconciliation runs. After each round, with nothing in flight, the counter
 * is never below the seats held, however the run and the admins interleaved. Returns the runs' E3 rows.
 */
async function busyRounds(t: TestTenant, users: any[], api = TEST_API): Promise<any[]> {
  const reports: any[] = [];
  for (let round = 0; round < 8; round++) {
    const batch = users.filter((_, i) => (i + round) % 3 === 0);
    const [r] = await Promise.all([
      run(t, t.tokens.license, api, 'full'),
      ...batch.map(async (u, k) => {
        await sleep(k * 3);
        return t.assign(u.id, (k + round) % 2 ? addBody(SKU.E3) : { addLicenses: [], removeLicenses: [SKU.E3] });
      }),
    ]);
    expect(r.status).toBe(201);
    reports.push(seat(r.body, SKU.E3));
    expect((await t.sku(SKU.E3)).consumedUnits).toBeGreaterThanOrEqual(await holdersOf(t, SKU.E3, api));
  }
  return reports;
}
const seat = (report: any, sku: string) => report.seats.find((s: any) => s.skuId === sku);
const licensesOf = async (t: TestTenant, id: string) =>
  (await call('GET', `/v1.0/users/${id}`, { token: t.tokens.reader })).body.assignedLicenses as { skuId: string }[];

/** E3 counts 1 seat for 3 holders (a counter that lost seats: bad data); E1 counts 4 seats nobody holds (writes interrupted after reserving). */
async function drifted(t: TestTenant, dir: Container = directory) {
  await t.buy(SKU.E3, 10);
  await t.buy(SKU.E1, 10);
  const users = [];
  for (let i = 0; i < 5; i++) users.push(await t.createUser());
  for (const u of users.slice(0, 3)) expect((await t.assign(u.id, addBody(SKU.E3))).status).toBe(200);
  for (const u of users.slice(3)) expect((await t.assign(u.id, addBody(SKU.E1))).status).toBe(200);
  await patchSub(t, SKU.E3, [{ op: 'set', path: '/seat/consumed', value: 1 }], dir);
  await patchSub(t, SKU.E1, [{ op: 'incr', path: '/seat/consumed', value: 4 }], dir);
}

test('drift injected into seat counters is repaired: an under-count, and an over-count once the counter has been still', async () => {
  const t = await newTenant('Drift org');
  await drifted(t);
  // both counters still for longer than the grace period (that an over-count is left alone while its counter
  // moves is shown below on a stack whose grace period outlasts any test)
  await waitStill(t, SKU.E3);
  await waitStill(t, SKU.E1);
  // bad data written around the engine: only a full run reads every user (the tenant's first run is one)
  let report = await ran(t);
  expect(report).toMatchObject({
    trigger: 'onDemand',
    status: 'completed',
    requestedBy: { displayName: expect.any(String) },
    mode: 'full',
    modeReason: 'firstRun',
  });
  expect(seat(report, SKU.E3)).toMatchObject({ consumedBefore: 1, consumedAfter: 3, holders: 3, action: 'repaired' });
  expect(seat(report, SKU.E1)).toMatchObject({ consumedBefore: 6, consumedAfter: 2, holders: 2, action: 'repaired' });
  expect(report.summary).toMatchObject({ seatsRepaired: 2, seatsDeferred: 0 });
  expect((await t.sku(SKU.E3)).consumedUnits).toBe(3);
  expect((await t.sku(SKU.E1)).consumedUnits).toBe(2);
  expect((await t.sku(SKU.E1)).availableUnits).toBe(8);

  // and a full run with nothing to repair changes nothing
  report = await ran(t, TEST_API, 'full');
  expect(report.seats.map((s: any) => [s.skuId, s.action]).sort()).toEqual([
    [SKU.E1, 'none'],
    [SKU.E3, 'none'],
  ]);
});

test("stale bulk-job holds are removed (job finished or gone); a running job's hold is left alone", async () => {
  const t = await newTenant('Holds org');
  await t.buy(SKU.E3, 10);
  const [u] = await createUsers(t, 1);
  await t.assign(u.id, addBody(SKU.E3));
  const jobId = randomUUID();
  const gone = randomUUID();
  const now = new Date().toISOString();
  await jobsContainer.items.create({
    id: jobId,
    tenantId: t.id,
    type: 'licenseJob',
    status: 'running',
    createdDateTime: now,
    phase: 'apply',
    chunkCount: 1,
    total: 1,
  });
  // chunk 0 of the running job holds 2 seats; a job that no longer exists left a hold of 3
  await patchSub(t, SKU.E3, [
    { op: 'set', path: `/seat/holds/${jobId}_0`, value: 2 },
    { op: 'set', path: `/seat/holds/${gone}_1`, value: 3 },
    { op: 'incr', path: '/seat/consumed', value: 5 },
  ]);
  await waitStill(t, SKU.E3);

  let report = await ran(t);
  expect(seat(report, SKU.E3)).toMatchObject({
    action: 'deferred',
    reason: 'jobRunning',
    consumedAfter: 6,
    liveHolds: [{ key: `${jobId}_0`, jobId, seats: 2 }],
  });
  expect((await subDoc(t, SKU.E3)).seat.holds).toEqual({ [`${jobId}_0`]: 2, [`${gone}_1`]: 3 });

  // the job ended without settling its hold (a worker stopped for good): both holds are stale now
  await jobsContainer.item(jobId, t.id).patch([{ op: 'set', path: '/status', value: 'cancelled' }]);
  report = await ran(t);
  const s = seat(report, SKU.E3);
  expect(s).toMatchObject({ action: 'repaired', consumedBefore: 6, consumedAfter: 1, holders: 1, liveHolds: [] });
  expect(s.staleHoldsRemoved).toEqual(
    expect.arrayContaining([
      { key: `${jobId}_0`, jobId, seats: 2, reason: 'jobFinished' },
      { key: `${gone}_1`, jobId: gone, seats: 3, reason: 'jobMissing' },
    ]),
  );
  expect(report.summary.staleHoldsRemoved).toBe(2);
  expect((await subDoc(t, SKU.E3)).seat.holds).toEqual({});
  expect((await t.sku(SKU.E3)).consumedUnits).toBe(1);
});

test('lifecycle by date: Enabled -> Warning -> Suspended -> Deleted, each when its date passes; Deleted takes the product off its users and releases the seats', async () => {
  const t = await newTenant('Lifecycle-by-date org');
  const bought = await t.buy(SKU.E1, 5);
  const term = new Date(bought.createdDateTime);
  term.setUTCFullYear(term.getUTCFullYear() + 1);
  expect(bought.nextLifecycleDateTime).toBe(term.toISOString());
  const [a, b, newcomer] = await createUsers(t, 3);
  await t.assign(a.id, addBody(SKU.E1));
  await t.assign(b.id, addBody(SKU.E1));
  const setDate = (value: unknown, token = t.tokens.billing) =>
    call('PATCH', `/v1.0/directory/subscriptions/${SKU.E1}`, { token, body: { nextLifecycleDateTime: value } });
  expect((await setDate('yesterday')).status).toBe(400);
  expect((await setDate(iso(Date.now() - DAY), t.tokens.license)).status).toBe(403);

  // nothing is due yet
  let report = await ran(t);
  expect(report.lifecycle).toEqual([]);

  // the commerce side: the term ended yesterday
  const due1 = iso(Date.now() - DAY);
  const set = await setDate(due1);
  expect(set.status).toBe(200);
  expect(set.body.nextLifecycleDateTime).toBe(due1);
  report = await ran(t);
  expect(report.lifecycle).toEqual([
    {
      subscriptionId: subId(t, SKU.E1),
      skuId: SKU.E1,
      skuPartNumber: 'STANDARDPACK',
      from: 'Enabled',
      to: 'Warning',
      dueDateTime: due1,
      nextLifecycleDateTime: iso(Date.parse(due1) + 30 * DAY),
    },
  ]);
  let sub = (await call('GET', `/v1.0/directory/subscriptions/${SKU.E1}`, { token: t.tokens.reader })).body;
  expect(sub).toMatchObject({ status: 'Warning', nextLifecycleDateTime: iso(Date.parse(due1) + 30 * DAY), consumedUnits: 2 });
  // Warning: users keep working, nobody new gets the product
  expect(await licensesOf(t, a.id)).toEqual([{ skuId: SKU.E1, disabledPlans: [] }]);
  const refused = await t.assign(newcomer.id, addBody(SKU.E1));
  expect(refused.status).toBe(409);
  expect(refused.body.error.code).toBe('subscriptionNotActive');
  expect((await ran(t)).lifecycle).toEqual([]); // not due again

  // the warning period is over
  const due2 = iso(Date.now() - 1000);
  await setDate(due2);
  report = await ran(t);
  expect(report.lifecycle).toMatchObject([{ from: 'Warning', to: 'Suspended', dueDateTime: due2, nextLifecycleDateTime: iso(Date.parse(due2) + 90 * DAY) }]);
  const details = await call('GET', `/v1.0/users/${a.id}/licenseDetails`, { token: t.tokens.reader });
  expect(details.body.value[0].servicePlans.every((p: any) => p.provisioningStatus === 'Disabled')).toBe(true);
  // suspended units are not enabled units: both holders are over the line, flagged, not unassigned
  expect(report.overAssignments).toMatchObject([{ skuId: SKU.E1, capabilityStatus: 'Suspended', enabledUnits: 0, holders: 2, over: 2, daysLeft: 90 }]);
  expect(await licensesOf(t, b.id)).toEqual([{ skuId: SKU.E1, disabledPlans: [] }]);

  // the suspension is over: deleted; the product leaves its users and its seats are released
  const due3 = iso(Date.now() - 1000);
  await setDate(due3);
  report = await ran(t);
  expect(report.lifecycle).toMatchObject([{ from: 'Suspended', to: 'Deleted', dueDateTime: due3, nextLifecycleDateTime: null }]);
  expect(report.deletedProducts).toEqual([
    { skuId: SKU.E1, skuPartNumber: 'STANDARDPACK', usersChanged: 2, seatsReleased: 2, users: expect.arrayContaining([a.id, b.id]), failed: [] },
  ]);
  expect(report.overAssignments).toEqual([]);
  expect(report.overAssignmentsResolved).toMatchObject([{ skuId: SKU.E1 }]);
  expect(await licensesOf(t, a.id)).toEqual([]);
  expect(await licensesOf(t, b.id)).toEqual([]);
  sub = (await call('GET', `/v1.0/directory/subscriptions/${SKU.E1}`, { token: t.tokens.reader })).body;
  expect(sub).toMatchObject({ status: 'Deleted', consumedUnits: 0, nextLifecycleDateTime: null });
  // (an incremental run recounts only what the engine left open, or a product bought since the last run:
  // whatever it recounted, nothing is left to repair)
  expect(report.mode).toBe('incremental');
  expect(report.seats.filter((s: any) => s.action !== 'none')).toEqual([]);
  const trail = await call('GET', `/v1.0/auditLogs/licenseChanges?userId=${a.id}`, { token: t.tokens.reader });
  expect(trail.body.value[0]).toMatchObject({
    operation: 'reconciliation',
    actor: { id: 'license-reconciliation', displayName: 'License reconciliation' },
    requestId: report.id,
    before: [{ skuId: SKU.E1 }],
    after: [],
  });

  // idempotent: another run finds nothing more to do, and a full run nothing left to repair
  report = await ran(t);
  expect(report).toMatchObject({ lifecycle: [], deletedProducts: [], overAssignments: [], status: 'completed' });
  expect((await t.sku(SKU.E1)).consumedUnits).toBe(0);
  report = await ran(t, TEST_API, 'full');
  expect(report).toMatchObject({ lifecycle: [], deletedProducts: [], overAssignments: [], status: 'completed' });
  expect(seat(report, SKU.E1)).toMatchObject({ consumedAfter: 0, holders: 0, action: 'none' });
});

test('dates long past: one run goes through every state the dates say, down to Deleted', async () => {
  const t = await newTenant('Long-lapsed org');
  await t.buy(SKU.E3, 3);
  const [u] = await createUsers(t, 1);
  await t.assign(u.id, addBody(SKU.E3));
  const due = iso(Date.now() - 200 * DAY);
  expect(
    (await call('PATCH', `/v1.0/directory/subscriptions/${t.id}_${SKU.E3}`, { token: t.tokens.global, body: { nextLifecycleDateTime: due } })).status,
  ).toBe(200);
  const report = await ran(t);
  expect(report.lifecycle.map((x: any) => [x.from, x.to, x.dueDateTime])).toEqual([
    ['Enabled', 'Warning', due],
    ['Warning', 'Suspended', iso(Date.parse(due) + 30 * DAY)],
    ['Suspended', 'Deleted', iso(Date.parse(due) + 120 * DAY)],
  ]);
  expect(report.summary).toMatchObject({ lifecycleTransitions: 3, assignmentsRemoved: 1 });
  expect(await licensesOf(t, u.id)).toEqual([]);
  expect((await t.sku(SKU.E3)).consumedUnits).toBe(0);
});

test('over-assignment: seats cut below the holders are flagged with the users over the line and the days left, never unassigned', async () => {
  const t = await newTenant('Over-assigned org');
  await t.buy(SKU.E3, 5);
  const users = await createUsers(t, 4);
  for (const u of users) {
    expect((await t.assign(u.id, addBody(SKU.E3))).status).toBe(200);
    await sleep(5); // distinct assignment times
  }
  // the commerce side cut the subscription to 2 seats (the API itself refuses to go below the assigned count)
  await patchSub(t, SKU.E3, [
    { op: 'set', path: '/totalLicenses', value: 2 },
    { op: 'set', path: '/seat/limit', value: 2 },
  ]);
  const runStarted = Date.now();
  let report = await ran(t);
  const runEnded = Date.now();
  let flagged = report.overAssignments.find((o: any) => o.skuId === SKU.E3);
  expect(flagged).toMatchObject({ enabledUnits: 2, holders: 4, over: 2, daysLeft: 90 });
  // the most recently assigned beyond the enabled units, newest first
  expect(flagged.users.map((u: any) => u.userId)).toEqual([users[3].id, users[2].id]);
  expect(flagged.users[0]).toMatchObject({ userPrincipalName: users[3].userPrincipalName, displayName: users[3].displayName });
  const since = flagged.overAssignedSince;
  // the window starts during this run (bracketed by the clock around it, however long it took)
  expect(Date.parse(since)).toBeGreaterThanOrEqual(runStarted - 1000);
  expect(Date.parse(since)).toBeLessThanOrEqual(runEnded + 1000);
  expect((await subDoc(t, SKU.E3)).overAssignedSince).toBe(since);
  // nobody lost the product, and the counter still counts them all
  for (const u of users) expect(await licensesOf(t, u.id)).toEqual([{ skuId: SKU.E3, disabledPlans: [] }]);
  expect((await t.sku(SKU.E3)).consumedUnits).toBe(4);

  // the window keeps its start: 80 days in, 10 are left
  const start = iso(Date.now() - 80 * DAY);
  await patchSub(t, SKU.E3, [{ op: 'set', path: '/overAssignedSince', value: start }]);
  report = await ran(t);
  flagged = report.overAssignments.find((o: any) => o.skuId === SKU.E3);
  expect(flagged).toMatchObject({ overAssignedSince: start, daysLeft: 10, windowEndsDateTime: iso(Date.parse(start) + 90 * DAY) });

  // seats bought back: the window closes
  expect((await call('PATCH', `/v1.0/directory/subscriptions/${SKU.E3}`, { token: t.tokens.billing, body: { totalLicenses: 5 } })).status).toBe(200);
  report = await ran(t);
  expect(report.overAssignments).toEqual([]);
  expect(report.overAssignmentsResolved).toEqual([{ skuId: SKU.E3, skuPartNumber: 'ENTERPRISEPACK', overAssignedSince: start }]);
  expect((await subDoc(t, SKU.E3)).overAssignedSince).toBeNull();
});

test('an audit record lost between the user write and the audit write is re-created from the user', async () => {
  const t = await newTenant('Audit org');
  await t.buy(SKU.E3, 5);
  const [u] = await createUsers(t, 1);
  await t.assign(u.id, addBody(SKU.E3));
  const trail = async () => (await call('GET', `/v1.0/auditLogs/licenseChanges?userId=${u.id}`, { token: t.tokens.reader })).body.value;
  const [record] = await trail();
  await auditContainer.item(record.id, t.id).delete();
  expect(await trail()).toEqual([]);

  let report = await ran(t);
  expect(report.auditRecords).toMatchObject({ checked: 1, recreated: 1, recreatedIds: [record.id] });
  expect(await trail()).toEqual([record]);
  // a full run looks at changes since the last one (minus a margin): checked again, nothing missing
  report = await ran(t, TEST_API, 'full');
  expect(report.auditRecords).toMatchObject({ checked: 1, recreated: 0, recreatedIds: [] });
  expect(Date.parse(report.auditRecords.checkedSince)).toBeLessThan(Date.parse(record.activityDateTime));

  // another change loses its record: the incremental run finds it among the users written since the last run
  await t.buy(SKU.PBI, 5);
  await sleep(2100); // past the last run's start and its margin (whole seconds)
  expect((await t.assign(u.id, addBody(SKU.PBI))).status).toBe(200);
  const [newer] = await trail();
  expect(newer.id).not.toBe(record.id);
  await auditContainer.item(newer.id, t.id).delete();
  report = await ran(t);
  expect(report).toMatchObject({ mode: 'incremental', changes: { source: 'timestamp', users: 1 } });
  expect(report.auditRecords).toMatchObject({ checked: 1, recreated: 1, recreatedIds: [newer.id] });
  expect((await trail()).map((r: any) => r.id)).toEqual([newer.id, record.id]);
});

test('reclaim policy: off by default; a dry run lists accounts disabled for more than N days; acting removes their direct licenses, audited', async () => {
  const t = await newTenant('Reclaim org');
  await t.buy(SKU.E3, 5);
  await t.buy(SKU.PBI, 5);
  const [leaver, stayer, old] = await createUsers(t, 3);
  for (const u of [leaver, stayer]) expect((await t.assign(u.id, addBody(SKU.E3))).status).toBe(200);
  expect((await t.assign(leaver.id, addBody(SKU.PBI))).status).toBe(200);

  expect((await call('GET', '/v1.0/reconciliations/policy', { token: t.tokens.reader })).body).toEqual({
    reclaimDisabledAccounts: { enabled: false, disabledForDays: 30, inactiveForDays: null, mode: 'immediate', graceDays: 14, dryRun: true },
    lastModifiedDateTime: null,
    lastModifiedBy: null,
  });
  // switching an account off records when
  const switchedOff = Date.now();
  expect((await call('PATCH', `/v1.0/users/${leaver.id}`, { token: t.tokens.userAdmin, body: { accountEnabled: false } })).status).toBe(204);
  const answered = Date.now();
  const disabledAt = (await userDoc(t, leaver.id)).disabledDateTime;
  expect(Date.parse(disabledAt)).toBeGreaterThanOrEqual(switchedOff - 1000);
  expect(Date.parse(disabledAt)).toBeLessThanOrEqual(answered + 1000);
  expect((await ran(t)).reclaim).toMatchObject({ policy: { enabled: false }, candidates: 0, users: [] });

  const policy = (body: unknown, token: string) => call('PATCH', '/v1.0/reconciliations/policy', { token, body });
  expect((await policy({ reclaimDisabledAccounts: { enabled: true } }, t.tokens.reader)).status).toBe(403);
  expect((await policy({ reclaimDisabledAccounts: { enabled: true } }, t.tokens.billing)).status).toBe(403);
  expect((await policy({ reclaimDisabledAccounts: { enabled: true, disabledForDays: 0 } }, t.tokens.license)).status).toBe(400);
  expect((await policy({ reclaimDisabledAccounts: {} }, t.tokens.license)).status).toBe(400);
  const on = await policy({ reclaimDisabledAccounts: { enabled: true, disabledForDays: 30 } }, t.tokens.license);
  expect(on.status).toBe(200);
  expect(on.body).toMatchObject({
    reclaimDisabledAccounts: { enabled: true, disabledForDays: 30, dryRun: true },
    lastModifiedBy: { displayName: expect.any(String) },
  });

  // disabled today: not yet
  expect((await ran(t)).reclaim.candidates).toBe(0);
  // disabled 40 days ago: a candidate; a dry run changes nothing
  await directory.item(leaver.id, t.id).patch([{ op: 'set', path: '/disabledDateTime', value: iso(Date.now() - 40 * DAY) }]);
  // an account disabled before the date was recorded gets one now (its count starts today)
  expect((await call('PATCH', `/v1.0/users/${old.id}`, { token: t.tokens.global, body: { accountEnabled: false } })).status).toBe(204);
  await directory.item(old.id, t.id).patch([{ op: 'remove', path: '/disabledDateTime' }]);
  let report = await ran(t);
  expect(report.reclaim).toMatchObject({ candidates: 1, actions: [], disableDatesRecorded: 1 });
  expect(report.reclaim.users).toEqual([
    {
      userId: leaver.id,
      userPrincipalName: leaver.userPrincipalName,
      displayName: leaver.displayName,
      reason: 'disabled',
      disabledDateTime: expect.any(String),
      disabledDays: 40,
      lastSignInDateTime: null,
      inactiveDays: null,
      reclaim: [SKU.E3, SKU.PBI],
      inherited: [],
      kept: [],
      keptByUser: [],
    },
  ]);
  expect((await userDoc(t, old.id)).disabledDateTime).toBe(report.startedDateTime);
  expect(await licensesOf(t, leaver.id)).toHaveLength(2);

  // acting: the leaver's licenses go, through the same rules, seats released and audited
  expect((await policy({ reclaimDisabledAccounts: { dryRun: false } }, t.tokens.license)).body.reclaimDisabledAccounts).toEqual({
    enabled: true,
    disabledForDays: 30,
    inactiveForDays: null,
    mode: 'immediate',
    graceDays: 14,
    dryRun: false,
  });
  report = await ran(t);
  expect(report.reclaim.actions).toEqual([{ userId: leaver.id, status: 'reclaimed', removed: [SKU.E3, SKU.PBI] }]);
  expect(report.summary.licensesReclaimed).toBe(2);
  expect(await licensesOf(t, leaver.id)).toEqual([]);
  expect(await licensesOf(t, stayer.id)).toHaveLength(1);
  expect((await t.sku(SKU.E3)).consumedUnits).toBe(1);
  expect((await t.sku(SKU.PBI)).consumedUnits).toBe(0);
  const trail = await call('GET', `/v1.0/auditLogs/licenseChanges?userId=${leaver.id}`, { token: t.tokens.reader });
  expect(trail.body.value[0]).toMatchObject({ operation: 'reclaim', actor: { displayName: 'License reconciliation' }, after: [] });
  // nothing left to reclaim
  expect((await ran(t)).reclaim).toMatchObject({ candidates: 0, actions: [] });

  // switching the account on again clears the date
  expect((await call('PATCH', `/v1.0/users/${leaver.id}`, { token: t.tokens.global, body: { accountEnabled: true } })).status).toBe(204);
  expect((await userDoc(t, leaver.id)).disabledDateTime).toBeNull();
});

test('two reconciliations at once do not double-apply: one holds the lease, the others are told it is running; a held lease refuses, an expired one is taken over', async () => {
  const t = await newTenant('Race org');
  await t.buy(SKU.E3, 10);
  const users = await createUsers(t, 3);
  for (const u of users) await t.assign(u.id, addBody(SKU.E3));
  // 2 seats counted that nobody holds, still long enough to be lowered
  await patchSub(t, SKU.E3, [{ op: 'incr', path: '/seat/consumed', value: 2 }]);
  await waitStill(t, SKU.E3);

  const replies = await Promise.all([run(t), run(t), run(t)]);
  expect(replies.map((r) => r.status).every((s) => s === 201 || s === 409)).toBe(true);
  const done = replies.filter((r) => r.status === 201);
  expect(done.length).toBeGreaterThanOrEqual(1);
  for (const r of replies.filter((x) => x.status === 409)) {
    expect(r.body.error.code).toBe('reconciliationAlreadyRunning');
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  }
  // the seats were given back once, by one run
  expect(done.filter((r) => seat(r.body, SKU.E3).action === 'repaired')).toHaveLength(1);
  expect((await t.sku(SKU.E3)).consumedUnits).toBe(3);

  // another instance holds the lease: refused, with when to come back
  const lease = {
    id: 'reconciliation-lease',
    tenantId: t.id,
    type: 'reconciliationLease',
    runId: 'another-instance',
    acquiredDateTime: iso(Date.now()),
    expiresDateTime: iso(Date.now() + 60_000),
  };
  await jobsContainer.items.upsert(lease);
  const refused = await run(t);
  expect(refused.status).toBe(409);
  expect(refused.body.error.code).toBe('reconciliationAlreadyRunning');
  expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(60);
  // it stopped without letting go: once its lease has expired, the next run takes over
  await jobsContainer.items.upsert({ ...lease, expiresDateTime: iso(Date.now() - 1000) });
  expect((await run(t)).status).toBe(201);
  const after = (await jobsContainer.item('reconciliation-lease', t.id).read()).resource;
  expect(after).toMatchObject({ runId: null, lastRun: { status: 'completed' } });
});

test('runs while admins assign and remove never leave a counter below the seats held; once still, it is exact', async () => {
  const t = await newTenant('Busy org');
  await t.buy(SKU.E3, 40);
  const users = await createUsers(t, 24);
  for (const u of users.slice(0, 12)) await t.assign(u.id, addBody(SKU.E3));
  await patchSub(t, SKU.E3, [{ op: 'incr', path: '/seat/consumed', value: 3 }]); // seats nobody holds
  // (a run during the rounds may or may not find the counter still for the 3 s grace period: that the stray
  // seats are never lowered while the counter moves is the own stack's test below)
  expect(await busyRounds(t, users)).toHaveLength(8);
  // once the counter has been still for the grace period, a run makes it exact
  await waitStill(t, SKU.E3);
  const holders = await holdersOf(t, SKU.E3);
  expect(seat(await ran(t, TEST_API, 'full'), SKU.E3)).toMatchObject({ consumedAfter: holders, holders });
  expect((await t.sku(SKU.E3)).consumedUnits).toBe(holders);
}, 90_000);

test('reports: listed newest first and paged, one by id; readers read them, only license admins run them; other tenants see nothing', async () => {
  const t = await newTenant('Reports org');
  await t.buy(SKU.E3, 2);
  const first = await run(t);
  expect(first.headers.get('location')).toMatch(new RegExp(`/api/v1.0/reconciliations/${first.body.id}$`));
  const second = await run(t, t.tokens.global);
  const third = await run(t, t.tokens.userAdmin);
  expect([first.status, second.status, third.status]).toEqual([201, 201, 201]);

  const page1 = await call('GET', '/v1.0/reconciliations?$top=2', { token: t.tokens.reader });
  expect(page1.status).toBe(200);
  expect(page1.body.value.map((r: any) => r.id)).toEqual([third.body.id, second.body.id]);
  const page2 = await call('GET', page1.body['@odata.nextLink'], { token: t.tokens.reader });
  expect(page2.body.value.map((r: any) => r.id)).toEqual([first.body.id]);
  expect(page2.body['@odata.nextLink']).toBeUndefined();

  const one = await call('GET', `/v1.0/reconciliations/${first.body.id}`, { token: t.tokens.billing });
  expect(one.status).toBe(200);
  expect(one.body).toEqual(first.body);
  expect(one.body).not.toHaveProperty('tenantId');
  expect(one.body).not.toHaveProperty('ttl');
  expect(one.body).toMatchObject({ trigger: 'onDemand', status: 'completed', durationMs: expect.any(Number), seats: [{ skuId: SKU.E3, action: 'none' }] });

  expect((await run(t, t.tokens.billing)).status).toBe(403);
  expect((await run(t, t.tokens.reader)).status).toBe(403);
  expect((await call('GET', '/v1.0/reconciliations', { token: t.tokens.plain })).status).toBe(403);
  const other = await newTenant('Other org');
  expect((await call('GET', `/v1.0/reconciliations/${first.body.id}`, { token: other.tokens.reader })).status).toBe(404);
  expect((await call('GET', '/v1.0/reconciliations', { token: other.tokens.reader })).body.value).toEqual([]);
  expect((await call('GET', '/v1.0/reconciliations/not-a-guid', { token: t.tokens.reader })).status).toBe(400);
});

test('the timer function, fired through the host admin call, reconciles every tenant', async () => {
  const t = await newTenant('Timer org');
  await t.buy(SKU.E3, 5);
  const users = await createUsers(t, 2);
  for (const u of users) await t.assign(u.id, addBody(SKU.E3));
  await patchSub(t, SKU.E3, [{ op: 'set', path: '/seat/consumed', value: 0 }]);

  const admin = async (name: string, body: unknown = { input: '' }) => {
    const res = await fetch(`http://localhost:${TEST_PORTS.host}/admin/functions/${name}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    await res.text(); // read to the end: the connection goes back to the pool
    return res;
  };
  expect((await admin('noSuchFunction')).status).toBe(404);
  expect((await admin('listReconciliations')).status).toBe(400); // an HTTP function: call its route
  const fired = await admin('reconcileLicenses');
  expect(fired.status).toBe(202);

  let report: any;
  const start = Date.now();
  while (!report && Date.now() - start < 100_000) {
    await sleep(250);
    const list = await call('GET', '/v1.0/reconciliations', { token: t.tokens.reader });
    report = list.body.value.find((r: any) => r.trigger === 'timer');
  }
  expect(report).toMatchObject({ trigger: 'timer', requestedBy: null, status: 'completed' });
  expect(seat(report, SKU.E3)).toMatchObject({ consumedBefore: 0, consumedAfter: 2, holders: 2, action: 'repaired' });
  expect((await t.sku(SKU.E3)).consumedUnits).toBe(2);
}, 120_000);

describe('while a counter moves (a stack of its own, whose grace period outlasts any test)', () => {
  let stack: OwnStack;
  let api = '';
  let own: ReturnType<typeof storeOf>;
  let ownDirectory: Container;
  beforeAll(async () => {
    // an hour: a counter written during a test is always "recent" to a run in the same test, on any machine
    stack = await startOwnStack(120, { RECONCILIATION_SEAT_GRACE_SECONDS: '3600' });
    api = stack.api;
    own = storeOf(stack.env);
    ownDirectory = own.container('directory');
  });
  afterAll(async () => {
    own?.dispose();
    await stack?.stop();
  });

  test('an under-count is raised at once; an over-count whose counter has just changed is left alone (a reservation may be on its way)', async () => {
    const t = await newTenant('Drift while moving org', api);
    await drifted(t, ownDirectory);
    const report = await ran(t, api);
    expect(seat(report, SKU.E3)).toMatchObject({ consumedBefore: 1, consumedAfter: 3, holders: 3, action: 'repaired' });
    expect(seat(report, SKU.E1)).toMatchObject({ consumedBefore: 6, consumedAfter: 6, holders: 2, action: 'deferred', reason: 'recentSeatActivity' });
    expect(report.summary).toMatchObject({ seatsRepaired: 1, seatsDeferred: 1 });
    expect((await t.sku(SKU.E3)).consumedUnits).toBe(3);
    expect((await t.sku(SKU.E1)).consumedUnits).toBe(6);
  });

  test('runs while admins assign and remove never leave a counter below the seats held, nor lower it while it moves', async () => {
    const t = await newTenant('Busy while moving org', api);
    await t.buy(SKU.E3, 40);
    const users = [];
    for (let i = 0; i < 24; i++) users.push(await t.createUser());
    for (const u of users.slice(0, 12)) await t.assign(u.id, addBody(SKU.E3));
    await patchSub(t, SKU.E3, [{ op: 'incr', path: '/seat/consumed', value: 3 }], ownDirectory); // seats nobody holds
    const rows = await busyRounds(t, users, api);
    expect(rows).toHaveLength(8);
    expect(rows.every((r) => r.action !== 'repaired' || r.consumedAfter >= r.consumedBefore)).toBe(true); // raised, never lowered
    // the 3 stray seats are still counted: lowering waits for a counter still for the grace period
    expect((await t.sku(SKU.E3)).consumedUnits).toBe((await holdersOf(t, SKU.E3, api)) + 3);
  }, 90_000);
});
