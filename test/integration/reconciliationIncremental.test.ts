/**
 * Incremental and full reconciliation runs through HTTP, against the emulators: which kind a run is (the
 * tenant's first, asked for, its scheduled turn, the timer's default) and what it read; a seat intent left
 * by an engine run that died, recounted once older than the grace period and closed; group licensing from
 * the change set (a join and a leave whose messages were lost); what SCIM provisioning writes is in the
 * next change set, an Entra ID sign-in is not. The chaos of real deaths is in
 * reconciliationChaos.test.ts, the random interleavings in reconciliationProperty.test.ts.
 *
 * The test stack's grace period is 3 s and its change margin 1 s (test/env.ts).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mintDevToken } from '../../local/devTokens';
import { testStackEnv } from '../env';
import { addBody, call, newTenant, Reply, SKU, storeOf, TestTenant, tokenFor } from '../helpers';
import { PATCH_SCHEMA, scimCall, scimCredential } from '../scim';
import { lastFullRunTurn, nextFullRunTurn } from '../../shared/domain/reconciliationSchedule';

const DAY = 86_400_000;
const store = storeOf();
const directory = store.container('directory');
const auditContainer = store.container('audit');
const jobsContainer = store.container('jobs');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
afterAll(() => store.dispose());

const run = (t: TestTenant, body?: unknown): Promise<Reply> =>
  call('POST', '/v1.0/reconciliations', { token: t.tokens.license, ...(body === undefined ? {} : { body }) });
async function ran(t: TestTenant, body?: unknown): Promise<any> {
  const r = await run(t, body);
  expect(r.status).toBe(201);
  return r.body;
}
const seat = (report: any, sku: string) => report.seats.find((s: any) => s.skuId === sku);
/** Past the last write and the change margin (1 s, and `_ts` is whole seconds): nothing written so far is in the next change set. */
const pastTheMargin = () => sleep(2100);
/** Waits until the product's counter has been still longer than the stack's grace period (3 s). */
async function waitStill(t: TestTenant, sku: string) {
  const ts: number = (await directory.item(`${t.id}_${sku}`, t.id).read()).resource._ts;
  const wait = (ts + 1 + 3.3) * 1000 - Date.now();
  if (wait > 0) await sleep(wait);
}
async function until(f: () => Promise<boolean>) {
  for (let i = 0; i < 150 && !(await f()); i++) await sleep(100);
  return f();
}

test('no body runs what the timer runs (the first run full, then incremental); {"mode":"full"} and {"mode":"incremental"} on demand; the report says which and what it read', async () => {
  const t = await newTenant('Incremental org');
  await t.buy(SKU.E3, 40);
  const users = [];
  for (let i = 0; i < 30; i++) users.push(await t.createUser());
  for (const u of users.slice(0, 20)) expect((await t.assign(u.id, addBody(SKU.E3))).status).toBe(200);
  await pastTheMargin();

  const first = await ran(t);
  expect(first).toMatchObject({ mode: 'full', modeReason: 'firstRun', status: 'completed', changes: null });
  expect(first.documentsRead).toBeGreaterThanOrEqual(30); // every user, and more
  expect(first.requests).toBeGreaterThan(0);
  expect(first.requestCharge).toBeGreaterThan(0);
  expect(seat(first, SKU.E3)).toMatchObject({ holders: 20, consumedAfter: 20, action: 'none' });
  expect(Date.parse(first.nextFullRunDateTime)).toBeGreaterThan(Date.parse(first.startedDateTime));
  expect(Date.parse(first.nextFullRunDateTime) - Date.parse(first.startedDateTime)).toBeLessThanOrEqual(7 * DAY);

  // nothing changed since: the change set is empty, no user is read
  const second = await ran(t);
  expect(second).toMatchObject({ mode: 'incremental', modeReason: 'default', status: 'completed', seats: [] });
  expect(second.changes).toMatchObject({ source: 'timestamp', users: 0 });
  expect(second.changes.sinceDateTime).toBe(new Date(Math.floor(Date.parse(first.startedDateTime) / 1000) * 1000).toISOString());
  expect(second.documentsRead).toBeLessThan(first.documentsRead);
  expect(second.requests).toBeLessThan(first.requests);
  expect(second.nextFullRunDateTime).toBe(first.nextFullRunDateTime);

  // two users change, and ten sign in (a sign-in writes the user's signInActivity, which is no change to
  // reconcile): the two are the change set
  await pastTheMargin();
  const hook = await tokenFor('SignInEvents', t.id);
  for (const u of users.slice(0, 10))
    expect((await call('POST', '/v1.0/signInEvents', { token: hook, body: { userId: u.id, app: 'Teams', dateTime: new Date().toISOString() } })).status).toBe(
      200,
    );
  for (const u of users.slice(20, 22)) expect((await t.assign(u.id, addBody(SKU.E3))).status).toBe(200);
  const third = await ran(t, { mode: 'incremental' });
  expect(third).toMatchObject({ mode: 'incremental', modeReason: 'requested', changes: { users: 2 } });
  expect(third.auditRecords).toMatchObject({ checked: 2, recreated: 0 });

  const full = await ran(t, { mode: 'full' });
  expect(full).toMatchObject({ mode: 'full', modeReason: 'requested', changes: null });
  expect(seat(full, SKU.E3)).toMatchObject({ holders: 22, consumedAfter: 22, action: 'none' });
  expect(full.documentsRead).toBeGreaterThanOrEqual(30);

  // the list says which kind each run was
  const list = (await call('GET', '/v1.0/reconciliations', { token: t.tokens.reader })).body.value;
  expect(list.map((r: any) => r.mode)).toEqual(['full', 'incremental', 'incremental', 'full']);

  // a body that is not one of them: 400 naming the field
  for (const body of [{ mode: 'everything' }, { mode: 'full', also: 1 }, ['full']]) {
    const r = await run(t, body);
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBeDefined();
  }
  expect((await run(t, { mode: 'everything' })).body.error.target).toBe('mode');

  // the contract says so: the body may be left out, mode is one of the two
  const openapi = (await call('GET', '/openapi.json')).body;
  const post = openapi.paths['/v1.0/reconciliations'].post;
  expect(post.requestBody.required).toBe(false);
  expect(post.requestBody.content['application/json'].schema.properties.mode.enum).toEqual(['incremental', 'full']);
});

test("the full run's turn: once per period at a time of the tenant's own; the timer's run is full when the turn has come since the last full run", async () => {
  const t = await newTenant('Scheduled full org');
  await t.buy(SKU.E3, 5);
  const first = await ran(t);
  expect(first.mode).toBe('full');
  expect(first.nextFullRunDateTime).toBe(nextFullRunTurn(t.id, first.startedDateTime, 7));
  expect((await ran(t)).mode).toBe('incremental');

  // the last full run was before the tenant's latest turn (a week ago): the next run is the full one
  const lease = (await jobsContainer.item('reconciliation-lease', t.id).read()).resource;
  const before = new Date(Date.parse(lastFullRunTurn(t.id, new Date().toISOString(), 7)) - 60_000).toISOString();
  await jobsContainer.items.upsert({ ...lease, lastFullRun: { runId: randomUUID(), startedDateTime: before } });
  const due = await ran(t);
  expect(due).toMatchObject({ mode: 'full', modeReason: 'scheduled' });
  // and once it has run, the next is incremental again
  expect(await ran(t)).toMatchObject({ mode: 'incremental', modeReason: 'default' });

  // a lease without a checkpoint (the last run did not complete): full again, there is nothing to be incremental from
  const after = (await jobsContainer.item('reconciliation-lease', t.id).read()).resource;
  delete after.checkpoint;
  await jobsContainer.items.upsert(after);
  expect(await ran(t, { mode: 'incremental' })).toMatchObject({ mode: 'full', modeReason: 'firstRun' });
});

test('a seat intent an engine run left (a reservation without its user write): the incremental run recounts just that product once the intent is older than the grace period, and closes it; a full run then finds nothing', async () => {
  const t = await newTenant('Open intent org');
  await t.buy(SKU.E3, 10);
  await t.buy(SKU.E1, 10);
  const [a, b, c] = [await t.createUser(), await t.createUser(), await t.createUser()];
  await t.assign(a.id, addBody(SKU.E3));
  await t.assign(b.id, addBody(SKU.E1));
  await pastTheMargin(); // the purchases are not "since the last run" for the next one
  expect((await ran(t)).mode).toBe('full');

  // what a run dying between its reservation and c's user write leaves: the counter moved, the intent open
  const intentId = `seatIntent-${randomUUID()}`;
  await auditContainer.items.create({
    id: intentId,
    tenantId: t.id,
    type: 'seatIntent',
    createdDateTime: new Date().toISOString(),
    skuIds: [SKU.E3],
    userIds: [c.id],
  });
  await directory.item(`${t.id}_${SKU.E3}`, t.id).patch([{ op: 'incr', path: '/seat/consumed', value: 1 }]);
  expect((await t.sku(SKU.E3)).consumedUnits).toBe(2);

  // younger than the grace period: a run may still be on its way to the user write; left alone
  let report = await ran(t);
  expect(report).toMatchObject({ mode: 'incremental', seatIntents: { open: 1, recounted: 0, closed: 0 }, seats: [] });
  expect((await t.sku(SKU.E3)).consumedUnits).toBe(2);

  // older than it, the counter still: that product (only) is counted again, the seat given back, the intent closed
  await waitStill(t, SKU.E3);
  report = await ran(t);
  expect(report.seatIntents).toEqual({ open: 1, recounted: 1, closed: 1 });
  expect(report.seats).toEqual([expect.objectContaining({ skuId: SKU.E3, consumedBefore: 2, consumedAfter: 1, holders: 1, action: 'repaired' })]);
  expect((await t.sku(SKU.E3)).consumedUnits).toBe(1);
  expect((await auditContainer.item(intentId, t.id).read()).resource).toBeUndefined();

  // nothing left for a full run to repair, and the engine's own intents are gone with its runs
  const full = await ran(t, { mode: 'full' });
  expect(full.seats.map((s: any) => [s.skuId, s.action, s.holders, s.consumedAfter]).sort()).toEqual(
    [
      [SKU.E1, 'none', 1, 1],
      [SKU.E3, 'none', 1, 1],
    ].sort(),
  );
  expect(full.seatIntents.open).toBe(0);
});

test('group licensing from the change set: a join and a leave whose messages were lost are converged by the incremental run', async () => {
  const t = await newTenant('Group changes org');
  await t.buy(SKU.E1, 10);
  const g = (await call('POST', '/v1.0/groups', { token: t.tokens.userAdmin, body: { displayName: 'Frontline' } })).body;
  const [stays, leaves, joins] = [
    await t.createUser({ displayName: 'Stays' }),
    await t.createUser({ displayName: 'Leaves' }),
    await t.createUser({ displayName: 'Joins' }),
  ];
  for (const u of [stays, leaves])
    await call('POST', `/v1.0/groups/${g.id}/members/$ref`, {
      token: t.tokens.userAdmin,
      body: { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${u.id}` },
    });
  await call('POST', `/v1.0/groups/${g.id}/assignLicense`, { token: t.tokens.license, body: addBody(SKU.E1) });
  const holds = async (id: string) => (await call('GET', `/v1.0/users/${id}`, { token: t.tokens.reader })).body.assignedLicenses.length === 1;
  expect(await until(() => holds(leaves.id))).toBe(true);
  expect(
    await until(
      async () => (await call('GET', `/v1.0/groups/${g.id}`, { token: t.tokens.reader })).body.licenseProcessingState?.state === 'ProcessingComplete',
    ),
  ).toBe(true);
  await pastTheMargin(); // the set-up's memberships are not "since the last run" for the next one
  expect((await ran(t)).mode).toBe('full');
  await pastTheMargin();

  // what the use-cases write before their messages, the messages lost: the join's membership; the leave's
  // touch of the user, then the membership gone
  await directory.items.create({
    id: `member-${g.id}-${joins.id}`,
    tenantId: t.id,
    type: 'groupMember',
    groupId: g.id,
    userId: joins.id,
    joinedDateTime: new Date().toISOString(),
  });
  await directory.item(leaves.id, t.id).patch([{ op: 'set', path: '/writtenDateTime', value: new Date().toISOString() }]);
  await directory.item(`member-${g.id}-${leaves.id}`, t.id).delete();

  const report = await ran(t);
  expect(report.mode).toBe('incremental');
  // (the group itself may be queued again too: the full run's re-processing of it may still be under way)
  expect(report.steps.groupLicensing).toMatchObject({ membersQueued: 2, formerMembersQueued: 1 });
  expect(await until(() => holds(joins.id))).toBe(true);
  expect(await until(async () => !(await holds(leaves.id)))).toBe(true);
  expect(await holds(stays.id)).toBe(true);
  expect(await until(async () => (await t.sku(SKU.E1)).consumedUnits === 2)).toBe(true);

  // the user-facing path does the same: a member removed through the API is in the next change set
  await pastTheMargin();
  expect((await call('DELETE', `/v1.0/groups/${g.id}/members/${stays.id}/$ref`, { token: t.tokens.userAdmin })).status).toBe(204);
  const after = await ran(t);
  expect(after.changes.users).toBeGreaterThanOrEqual(1);
  expect(await until(async () => !(await holds(stays.id)))).toBe(true);
});

test("SCIM provisioning's writes are in the next incremental run's change set (a create, a replace, a PATCH, a member removed); a sign-in from Entra ID's token issuance event is not", async () => {
  const t = await newTenant('SCIM changes org');
  await t.createUser({ displayName: 'First Admin', userPrincipalName: `admin-${randomUUID().slice(0, 6)}@contoso-recon.test` });
  const { secret } = await scimCredential(t);
  const scim = (method: string, path: string, body?: unknown) => scimCall(secret, method, path, body);
  const provisioned = async (userName: string) => {
    const r = await scim('POST', '/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName, displayName: userName, active: true });
    expect(r.status).toBe(201);
    return r.body.id as string;
  };
  const [replaced, patched, leaves, deleted, signsIn] = [
    await provisioned('replaced@contoso-recon.test'),
    await provisioned('patched@contoso-recon.test'),
    await provisioned('leaves@contoso-recon.test'),
    await provisioned('deleted@contoso-recon.test'),
    await provisioned('signs-in@contoso-recon.test'),
  ];
  // a group without licenses: leaving it makes no license change, so no engine write stamps the user; only the removal's own stamp can
  const group = await scim('POST', '/Groups', {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
    displayName: 'Field staff',
    members: [{ value: leaves }, { value: deleted }],
  });
  expect(group.status).toBe(201);
  await pastTheMargin();
  expect((await ran(t)).mode).toBe('full');
  await pastTheMargin();

  const since = new Date().toISOString();
  expect((await scim('POST', '/Users', { userName: 'created@contoso-recon.test', displayName: 'Created', active: true })).status).toBe(201);
  expect(
    (
      await scim('PUT', `/Users/${replaced}`, {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        userName: 'replaced@contoso-recon.test',
        displayName: 'Replaced',
        active: true,
      })
    ).status,
  ).toBe(200);
  expect((await scim('PATCH', `/Users/${patched}`, { schemas: [PATCH_SCHEMA], Operations: [{ op: 'Replace', path: 'active', value: 'False' }] })).status).toBe(
    200,
  );
  expect(
    (
      await scim('PATCH', `/Groups/${group.body.id}`, {
        schemas: [PATCH_SCHEMA],
        Operations: [{ op: 'Remove', path: 'members', value: [{ $ref: null, value: leaves }] }],
      })
    ).status,
  ).toBe(204);
  expect((await scim('DELETE', `/Users/${deleted}`)).status).toBe(204);
  // Entra ID's custom authentication extension: the sign-in is recorded on the user, which is no change to reconcile
  const event = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'entra', 'tokenIssuanceStart.member.json'), 'utf8'));
  event.source = `/tenants/${t.id}/applications/${event.data.authenticationContext.clientServicePrincipal.appId}`;
  event.data.tenantId = t.id;
  event.data.authenticationContext.user = { ...event.data.authenticationContext.user, id: signsIn, userPrincipalName: 'signs-in@contoso-recon.test' };
  const entra = await mintDevToken({
    role: 'AuthenticationEvents',
    tenantId: t.id,
    issuer: testStackEnv.AUTH_ISSUER,
    audience: testStackEnv.AUTH_EVENTS_AUDIENCE,
  });
  expect((await call('POST', '/v1.0/authenticationEvents/tokenIssuanceStart', { token: entra, body: event })).status).toBe(200);
  const signedIn = (await call('GET', `/v1.0/users/${signsIn}?$select=signInActivity`, { token: t.tokens.reader })).body.signInActivity.lastSignInDateTime;
  expect(signedIn >= since).toBe(true);

  // the four users SCIM wrote (the deleted one is gone); the removed member was stamped by the removal itself
  const written = async (id: string) => (await directory.item(id, t.id).read()).resource.writtenDateTime >= since;
  expect(await written(leaves)).toBe(true);
  expect(await written(signsIn)).toBe(false);
  const report = await ran(t);
  expect(report).toMatchObject({ mode: 'incremental', changes: { users: 4 } });
});
