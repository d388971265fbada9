/**
 * Two hosts on the same emulators: one takes assignments and is killed (SIGKILL, no cleanup) between a
 * reservation and its user write, while the other runs incremental reconciliations throughout; then a
 * host killed in the middle of a reconciliation run (after a user write of its reclaim step). Afterwards
 * an incremental run restores every invariant a full run would (seats equal holders, every change
 * audited, no intent left open), and a full run finds nothing left to repair. And a user's deletion that
 * fails after the user left their groups (the store refuses the user's write): the next incremental run
 * finds the former member. These tests run their own stack on their own ports, because they kill it
 * (local/chaos.ts, settings only tests give) and inject the store's faults.
 */
import { testStackEnv } from '../env';
import { callHost, pool, SKU, storeOf, tokenFor } from '../helpers';
import { OwnStack, startOwnStack } from '../ownStack';
import { pastTheGrace, queuesDrained, reconciledProblems } from '../reconciliationChecks';

const GRACE = 2;
let stack: OwnStack;
let store: ReturnType<typeof storeOf>;
let steady = '';
let steadyPort = 0;
beforeAll(async () => {
  // the first host dies at its 6th engine run that has seats, between the reservation and the user write
  stack = await startOwnStack(172, {
    LICENSE_GROUP_COMMIT: 'true',
    LICENSE_FAULT_KILL_AT_RESERVATION: '6',
    RECONCILIATION_SEAT_GRACE_SECONDS: String(GRACE),
    LOCAL_QUEUE_LEASE_SECONDS: '2',
    COSMOS_EMULATOR_FAULTS: '1',
  });
  steadyPort = stack.ports.host + 3;
  await stack.attach({ LOCAL_HTTP_PORT: String(steadyPort), LOCAL_HTTPS_PORT: String(steadyPort + 1), LICENSE_FAULT_KILL_AT_RESERVATION: '' });
  steady = `http://localhost:${steadyPort}/api`;
  store = storeOf(stack.env);
});
afterAll(async () => {
  store?.dispose();
  await stack?.stop();
});

async function organization(name: string) {
  const operator = await tokenFor('Operator', testStackEnv.OPERATOR_TENANT_ID);
  const org = await callHost(steady, 'POST', '/v1.0/tenants', operator, { displayName: name });
  expect(org.status).toBe(201);
  const admin = await tokenFor('GlobalAdministrator', org.body.id);
  return { id: org.body.id as string, admin };
}
const reconcile = async (tenantAdmin: string, mode?: 'full' | 'incremental') => {
  const r = await callHost(steady, 'POST', '/v1.0/reconciliations', tenantAdmin, mode ? { mode } : undefined);
  expect(r.status).toBe(201);
  return r.body;
};

test('a host killed between reservation and user write while the other host runs incremental reconciliations: the next incremental run restores every invariant, a full run finds nothing', async () => {
  const { id: tenantId, admin } = await organization('Chaos org');
  expect((await callHost(steady, 'POST', '/v1.0/directory/subscriptions', admin, { skuId: SKU.E3, totalLicenses: 200 })).status).toBe(201);
  const ids: string[] = [];
  await pool([...Array(40).keys()], 8, async (i) => {
    const r = await callHost(steady, 'POST', '/v1.0/users', admin, {
      displayName: `Chaos ${i}`,
      userPrincipalName: `chaos${i}@chaos.dev`,
      usageLocation: 'NL',
    });
    expect(r.status).toBe(201);
    ids[i] = r.body.id;
  });
  expect((await reconcile(admin)).mode).toBe('full');

  // the doomed host takes assignments, one at a time (an engine run each), and dies at its 6th; meanwhile the
  // steady host runs incremental reconciliations, back to back
  const exited = new Promise<string | null>((resolve) => stack.host.once('exit', (_code, signal) => resolve(signal)));
  let dead = false;
  void exited.then(() => (dead = true));
  const runs: any[] = [];
  const reconciling = (async () => {
    while (!dead) runs.push(await reconcile(admin));
  })();
  const outcomes: number[] = [];
  for (const id of ids.slice(0, 12)) {
    if (dead) break;
    outcomes.push(
      (await callHost(stack.api, 'POST', `/v1.0/users/${id}/assignLicense`, admin, { addLicenses: [{ skuId: SKU.E3, disabledPlans: [] }], removeLicenses: [] }))
        .status,
    );
  }
  expect(await exited).toBe('SIGKILL');
  await reconciling;
  expect(outcomes.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
  expect(outcomes[5]).toBe(0); // no answer: the host died with the seat reserved, the user not written
  expect(runs.length).toBeGreaterThan(0);
  expect(runs.every((r) => r.mode === 'incremental' && r.status === 'completed')).toBe(true);

  // the seat reserved for the 6th user is counted, nobody holds it, and the run's intent says so
  const e3 = async () => (await callHost(steady, 'GET', `/v1.0/subscribedSkus/${SKU.E3}`, admin)).body.consumedUnits;
  expect(await e3()).toBe(6);
  expect(await reconciledProblems(store, tenantId)).toEqual([expect.stringMatching(/counter 6, holders 5/), expect.stringMatching(/^open seat intents/)]);

  // once the intent is older than the grace period, an incremental run gives the seat back and closes it
  await queuesDrained(stack.env.AzureWebJobsStorage!);
  await pastTheGrace(store, tenantId, GRACE);
  const repair = await reconcile(admin);
  expect(repair).toMatchObject({ mode: 'incremental', status: 'completed', seatIntents: { recounted: 1, closed: 1 } });
  expect(repair.seats).toEqual([expect.objectContaining({ skuId: SKU.E3, consumedBefore: 6, consumedAfter: 5, holders: 5, action: 'repaired' })]);
  expect(await reconciledProblems(store, tenantId)).toEqual([]);

  const full = await reconcile(admin, 'full');
  expect(full.summary).toMatchObject({ seatsRepaired: 0, auditRecordsRecreated: 0, staleHoldsRemoved: 0, assignmentsRemoved: 0 });
  expect(full.seats).toEqual([expect.objectContaining({ skuId: SKU.E3, holders: 5, consumedAfter: 5, action: 'none' })]);
});

test('a host killed in the middle of a reconciliation run: its lease expires, the checkpoint it started from stays, and the next run reads those changes again and repairs what the dead run left', async () => {
  const { id: tenantId, admin } = await organization('Dying run org');
  expect((await callHost(steady, 'POST', '/v1.0/directory/subscriptions', admin, { skuId: SKU.E3, totalLicenses: 10 })).status).toBe(201);
  const [leaver, stayer] = await Promise.all(
    ['leaver', 'stayer'].map(
      async (n) => (await callHost(steady, 'POST', '/v1.0/users', admin, { displayName: n, userPrincipalName: `${n}@dying.dev`, usageLocation: 'NL' })).body,
    ),
  );
  for (const u of [leaver, stayer])
    expect(
      (await callHost(steady, 'POST', `/v1.0/users/${u.id}/assignLicense`, admin, { addLicenses: [{ skuId: SKU.E3, disabledPlans: [] }], removeLicenses: [] }))
        .status,
    ).toBe(200);
  expect((await reconcile(admin)).mode).toBe('full');
  const jobs = store.container('jobs');
  const checkpoint = (await jobs.item('reconciliation-lease', tenantId).read()).resource.checkpoint;
  expect(checkpoint.since).toEqual(expect.any(Number));

  // the leaver's account was switched off 40 days ago, and the policy reclaims: a run's reclaim step removes the license
  await new Promise((r) => setTimeout(r, 1100)); // the leaver's change lands after the last run's start
  expect((await callHost(steady, 'PATCH', `/v1.0/users/${leaver.id}`, admin, { accountEnabled: false })).status).toBe(204);
  await store
    .container('directory')
    .item(leaver.id, tenantId)
    .patch([{ op: 'set', path: '/disabledDateTime', value: new Date(Date.now() - 40 * 86_400_000).toISOString() }]);
  expect(
    (await callHost(steady, 'PATCH', '/v1.0/reconciliations/policy', admin, { reclaimDisabledAccounts: { enabled: true, disabledForDays: 30, dryRun: false } }))
      .status,
  ).toBe(200);

  // a host that dies at its first engine commit runs it: the reclaim's user write lands, then the process is gone
  // (before the seat's release, the audit record, the report and the lease's release)
  const port = stack.ports.host + 5;
  const doomed = await stack.attach({
    LOCAL_HTTP_PORT: String(port),
    LOCAL_HTTPS_PORT: String(port + 1),
    // the signing keys from the steady host (the first host, which served them, is dead)
    AUTH_JWKS_URI: `http://127.0.0.1:${steadyPort}/.well-known/dev-jwks.json`,
    LICENSE_FAULT_KILL_AT_RESERVATION: '',
    LICENSE_FAULT_KILL_AT_COMMIT: '1',
  });
  const died = new Promise<string | null>((resolve) => doomed.once('exit', (_code, signal) => resolve(signal)));
  expect((await callHost(`http://localhost:${port}/api`, 'POST', '/v1.0/reconciliations', admin)).status).toBe(0);
  expect(await died).toBe('SIGKILL');
  const held = (await jobs.item('reconciliation-lease', tenantId).read()).resource;
  expect(held.runId).not.toBeNull(); // still held by the dead run, until it expires
  expect(held.checkpoint).toEqual(checkpoint); // the run never completed: the checkpoint is the one it started from
  expect(await reconciledProblems(store, tenantId)).toEqual(
    expect.arrayContaining([expect.stringMatching(/counter 2, holders 1/), expect.stringMatching(/not audited/), expect.stringMatching(/^open seat intents/)]),
  );

  // its lease expires (two minutes; moved here instead of waited for), and the next run starts where the dead one did
  await jobs.items.upsert({ ...held, expiresDateTime: new Date(Date.now() - 1000).toISOString() });
  await pastTheGrace(store, tenantId, GRACE);
  const next = await reconcile(admin);
  expect(next).toMatchObject({ mode: 'incremental', status: 'completed', changes: { sinceDateTime: new Date(checkpoint.since * 1000).toISOString() } });
  expect(next.auditRecords.recreated).toBe(1);
  expect(next.seatIntents).toMatchObject({ recounted: 1, closed: 1 });
  expect(await reconciledProblems(store, tenantId)).toEqual([]);
  const full = await reconcile(admin, 'full');
  expect(full.summary).toMatchObject({ seatsRepaired: 0, auditRecordsRecreated: 0, licensesReclaimed: 0 });
});

test("a user's deletion that failed after the user left their groups (the user's write refused): the user was stamped first, so the next incremental run finds the former member and takes the group's license away", async () => {
  const { id: tenantId, admin } = await organization('Failed delete org');
  expect((await callHost(steady, 'POST', '/v1.0/directory/subscriptions', admin, { skuId: SKU.E1, totalLicenses: 5 })).status).toBe(201);
  const user = (await callHost(steady, 'POST', '/v1.0/users', admin, { displayName: 'Deleted', userPrincipalName: 'deleted@failed.dev', usageLocation: 'NL' }))
    .body;
  const group = (await callHost(steady, 'POST', '/v1.0/groups', admin, { displayName: 'Field staff' })).body;
  expect(
    (
      await callHost(steady, 'POST', `/v1.0/groups/${group.id}/members/$ref`, admin, {
        '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${user.id}`,
      })
    ).status,
  ).toBe(204);
  expect(
    (
      await callHost(steady, 'POST', `/v1.0/groups/${group.id}/assignLicense`, admin, {
        addLicenses: [{ skuId: SKU.E1, disabledPlans: [] }],
        removeLicenses: [],
      })
    ).status,
  ).toBe(202);
  const e1 = async () => (await callHost(steady, 'GET', `/v1.0/subscribedSkus/${SKU.E1}`, admin)).body.consumedUnits;
  const holds = async () => ((await callHost(steady, 'GET', `/v1.0/users/${user.id}`, admin)).body.assignedLicenses ?? []).length === 1;
  expect(await queuesDrained(stack.env.AzureWebJobsStorage!)).toBe(true);
  expect(await holds()).toBe(true);
  // past the change margin (1 s, and _ts is whole seconds): the set-up is in no change set after the full run
  const pastTheMargin = () => new Promise((r) => setTimeout(r, 2100));
  await pastTheMargin();
  expect((await reconcile(admin)).mode).toBe('full');
  await pastTheMargin();

  // the store refuses every write of the user: the deletion fails after the memberships went, before the engine's write
  const faults = `http://127.0.0.1:${stack.ports.cosmos}/_faults`;
  await fetch(faults, { method: 'POST', body: JSON.stringify({ operation: 'replace', collection: 'directory', ids: [user.id], status: 503, count: 1000 }) });
  const deleting = await callHost(steady, 'DELETE', `/v1.0/users/${user.id}`, admin);
  await fetch(faults, { method: 'DELETE' });
  expect(deleting.status).toBe(503); // the store busy (Graph's serviceUnavailable)
  // and the answer says what was done and what was not: never "nothing was changed"
  expect(deleting.body.error.message).toContain('they have left their groups, and still have their account and licenses. Ask again to finish the delete.');
  expect((await callHost(steady, 'GET', `/v1.0/groups/${group.id}/members`, admin)).body.value).toEqual([]);
  expect(await holds()).toBe(true); // still licensed by a group it is no member of; no message queued for it

  const report = await reconcile(admin);
  expect(report).toMatchObject({ mode: 'incremental', changes: { users: 1 } });
  expect(report.steps.groupLicensing).toMatchObject({ formerMembersQueued: 1 });
  expect(await queuesDrained(stack.env.AzureWebJobsStorage!)).toBe(true);
  expect(await holds()).toBe(false);
  expect(await e1()).toBe(0);
  expect(await reconciledProblems(store, tenantId)).toEqual([]);
  // and the deletion, asked again, goes through
  expect((await callHost(steady, 'DELETE', `/v1.0/users/${user.id}`, admin)).status).toBe(204);
});
