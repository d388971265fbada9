/**
 * Group-based licensing through HTTP and the real queue: inheritance, one seat per user across paths,
 * removal of only what came through a group, each group error state and reprocessing, deletion guard.
 */
import { addBody, call, newTenant, PLAN, SKU, storeOf, TestTenant } from '../helpers';

let t: TestTenant;
beforeAll(async () => {
  t = await newTenant('Groups org');
  await t.buy(SKU.E3, 10);
  await t.buy(SKU.E1, 10);
  await t.buy(SKU.EXO1, 1);
  await t.buy(SKU.PROJECT, 10);
  await t.buy(SKU.PHONE, 10);
});

async function group(name: string) {
  const r = await call('POST', '/v1.0/groups', { token: t.tokens.userAdmin, body: { displayName: name } });
  expect(r.status).toBe(201);
  return r.body;
}
const join = (groupId: string, userId: string) =>
  call('POST', `/v1.0/groups/${groupId}/members/$ref`, {
    token: t.tokens.userAdmin,
    body: { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${userId}` },
  });
const leave = (groupId: string, userId: string) => call('DELETE', `/v1.0/groups/${groupId}/members/${userId}/$ref`, { token: t.tokens.userAdmin });
const assignToGroup = (groupId: string, body: unknown) => call('POST', `/v1.0/groups/${groupId}/assignLicense`, { token: t.tokens.license, body });
const user = async (id: string) => (await call('GET', `/v1.0/users/${id}`, { token: t.tokens.reader })).body;

async function settled(groupId: string) {
  for (let i = 0; i < 200; i++) {
    const g = (await call('GET', `/v1.0/groups/${groupId}`, { token: t.tokens.reader })).body;
    if (g.licenseProcessingState.state === 'ProcessingComplete') return g;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('group processing did not complete');
}
async function until<T>(probe: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = await probe();
    if (ok(v)) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  return probe();
}

test("members inherit the group's products; direct + two groups use one seat; leaving removes only that group's path", async () => {
  const sales = await group('Sales');
  const emea = await group('EMEA');
  const [a, b] = [await t.createUser({ displayName: 'Ann Group' }), await t.createUser({ displayName: 'Bob Group', usageLocation: null })];
  expect((await join(sales.id, a.id)).status).toBe(204);
  expect((await join(sales.id, b.id)).status).toBe(204);
  expect((await join(emea.id, a.id)).status).toBe(204);
  const before = (await t.sku(SKU.E3)).consumedUnits;

  const r = await assignToGroup(sales.id, addBody(SKU.E3, [PLAN.YAMMER, PLAN.TEAMS]));
  expect(r.status).toBe(202);
  expect(r.body.assignedLicenses).toEqual([{ skuId: SKU.E3, disabledPlans: [PLAN.YAMMER, PLAN.TEAMS] }]);
  await settled(sales.id);
  expect((await assignToGroup(emea.id, addBody(SKU.E3, [PLAN.YAMMER]))).status).toBe(202);
  await settled(emea.id);
  expect((await t.assign(a.id, addBody(SKU.E3, [PLAN.YAMMER, PLAN.TEAMS, PLAN.WAC]))).status).toBe(200); // and directly

  const ann = await user(a.id);
  // one product, the union of plans: only what every path disables stays off
  expect(ann.assignedLicenses).toEqual([{ skuId: SKU.E3, disabledPlans: [PLAN.YAMMER] }]);
  expect(ann.licenseAssignmentStates.map((s: any) => s.assignedByGroup).sort()).toEqual([null, emea.id, sales.id].sort());
  expect(ann.licenseAssignmentStates.every((s: any) => s.state === 'Active' && s.error === 'None')).toBe(true);
  // Bob has no usage location: the organization's default (NL) applies
  expect((await user(b.id)).assignedLicenses).toEqual([{ skuId: SKU.E3, disabledPlans: [PLAN.YAMMER, PLAN.TEAMS] }]);
  expect((await t.sku(SKU.E3)).consumedUnits).toBe(before + 2);

  // an inherited license cannot be removed on the user
  const rm = await t.assign(b.id, { addLicenses: [], removeLicenses: [SKU.E3] });
  expect(rm.status).toBe(409);
  expect(rm.body.error.code).toBe('licenseInheritedFromGroup');

  // Ann leaves Sales: the direct and EMEA paths remain, still one seat
  expect((await leave(sales.id, a.id)).status).toBe(204);
  const afterLeave = await until(
    () => user(a.id),
    (u) => u.licenseAssignmentStates.length === 2,
  );
  expect(afterLeave.licenseAssignmentStates.map((s: any) => s.assignedByGroup).sort()).toEqual([null, emea.id].sort());
  expect((await t.sku(SKU.E3)).consumedUnits).toBe(before + 2);
  // the group's product is removed: Bob loses it and his seat comes back
  expect((await assignToGroup(sales.id, { addLicenses: [], removeLicenses: [SKU.E3] })).status).toBe(202);
  await settled(sales.id);
  expect((await user(b.id)).assignedLicenses).toEqual([]);
  expect((await t.sku(SKU.E3)).consumedUnits).toBe(before + 1);

  const members = await call('GET', `/v1.0/groups/${sales.id}/members`, { token: t.tokens.reader });
  expect(members.body.value.map((u: any) => u.id)).toEqual([b.id]);
  // a group that carries licenses cannot be deleted; once they are gone it can
  const del = await call('DELETE', `/v1.0/groups/${emea.id}`, { token: t.tokens.userAdmin });
  expect(del.status).toBe(409);
  expect(del.body.error.code).toBe('groupHasLicenses');
  expect((await call('DELETE', `/v1.0/groups/${sales.id}`, { token: t.tokens.userAdmin })).status).toBe(204);
  expect((await call('GET', `/v1.0/groups/${sales.id}`, { token: t.tokens.reader })).status).toBe(404);
});

test('a member whose inherited product fails keeps the others; the error is on the member, listed on the group; reprocess fixes it', async () => {
  const g = await group('Mailbox people');
  const users = [await t.createUser({ displayName: 'Seat One' }), await t.createUser({ displayName: 'Seat Two' })];
  const conflicted = await t.createUser({ displayName: 'Has E3' });
  await t.assign(conflicted.id, addBody(SKU.E3));
  const other = await group('Everyone E1');
  for (const u of [...users, conflicted]) {
    await join(g.id, u.id);
    await join(other.id, u.id);
  }
  // Exchange Plan 1 (1 seat) through g; E1 without its mailbox (fine for everyone) through the other group
  expect((await assignToGroup(other.id, addBody(SKU.E1, [PLAN.EXO1]))).status).toBe(202);
  expect((await assignToGroup(g.id, addBody(SKU.EXO1))).status).toBe(202);
  await settled(other.id);
  await settled(g.id);

  const states = async (id: string) => (await user(id)).licenseAssignmentStates.filter((s: any) => s.assignedByGroup === g.id);
  const all = await Promise.all(users.map((u) => states(u.id)));
  const active = all.filter((s) => s[0].state === 'Active');
  const counted = all.filter((s) => s[0].state === 'Error');
  expect(active).toHaveLength(1); // one seat only
  expect(counted).toHaveLength(1);
  expect(counted[0][0]).toMatchObject({ error: 'CountViolation', state: 'Error' });
  expect(counted[0][0].errorMessage).toMatch(/Through group Mailbox people: No Exchange Online \(Plan 1\) license is free for this member.*waiting list/);
  const conflict = (await states(conflicted.id))[0];
  expect(conflict).toMatchObject({ state: 'Error', error: 'MutuallyExclusiveViolation' });
  expect(conflict.errorMessage).toMatch(/Exchange Online \(Plan 1\).*conflicts with Exchange Online \(Plan 2\)/);
  // the member in error keeps the other group's product
  for (const u of [...users, conflicted]) expect((await user(u.id)).assignedLicenses.map((l: any) => l.skuId)).toContain(SKU.E1);

  const waiting = users[all.indexOf(counted[0])];
  const inError = await call('GET', `/v1.0/groups/${g.id}/membersWithLicenseErrors`, { token: t.tokens.reader });
  expect(inError.body.value.map((u: any) => u.id).sort()).toEqual([conflicted.id, waiting.id].sort());
  expect((await t.sku(SKU.EXO1)).consumedUnits).toBe(1);

  // seats bought: the waiting member gets one on their own (waiting list); a reprocess then changes nothing
  const wl = (await call('GET', `/v1.0/subscribedSkus/${SKU.EXO1}/waitingList`, { token: t.tokens.reader })).body.value;
  expect(wl.map((w: any) => w.userId)).toEqual([waiting.id]); // only the member without a seat waits
  await call('PATCH', `/v1.0/directory/subscriptions/${SKU.EXO1}`, { token: t.tokens.billing, body: { totalLicenses: 2 } });
  // (without this assertion a waiting list that did nothing would pass: the reprocess below activates it too)
  expect(
    (
      await until(
        () => states(waiting.id),
        (s) => s[0].state === 'Active',
      )
    )[0],
  ).toMatchObject({ state: 'Active', error: 'None' });

  const re = await call('POST', `/v1.0/users/${waiting.id}/reprocessLicenseAssignment`, { token: t.tokens.license });
  expect(re.status).toBe(200);
  expect(re.body.licenseAssignmentStates.find((s: any) => s.assignedByGroup === g.id)).toMatchObject({ state: 'Active', error: 'None' });
  expect((await t.sku(SKU.EXO1)).consumedUnits).toBe(2);
  // the conflict is resolved by removing the direct E3; a group-level reprocess applies the group
  await t.assign(conflicted.id, { addLicenses: [], removeLicenses: [SKU.E3] });
  await call('PATCH', `/v1.0/directory/subscriptions/${SKU.EXO1}`, { token: t.tokens.billing, body: { totalLicenses: 3 } });
  expect((await call('POST', `/v1.0/groups/${g.id}/reprocessLicenseAssignment`, { token: t.tokens.license })).status).toBe(202);
  await settled(g.id);
  expect((await states(conflicted.id))[0]).toMatchObject({ state: 'Active', error: 'None' });
  expect((await call('GET', `/v1.0/groups/${g.id}/membersWithLicenseErrors`, { token: t.tokens.reader })).body.value).toEqual([]);
  expect((await t.sku(SKU.EXO1)).consumedUnits).toBe(3);
});

test("dependency and usage-location errors land on the member with Graph's error values", async () => {
  // Planner and Project Plan 3 brings its own SharePoint: a member without other products gets it
  const g = await group('Projects only');
  const projectOnly = await t.createUser({ displayName: 'Project Only' });
  await join(g.id, projectOnly.id);
  expect((await assignToGroup(g.id, addBody(SKU.PROJECT))).status).toBe(202);
  await settled(g.id);
  expect((await user(projectOnly.id)).licenseAssignmentStates).toEqual([
    expect.objectContaining({ skuId: SKU.PROJECT, assignedByGroup: g.id, state: 'Active', error: 'None' }),
  ]);
  // ... but with that SharePoint switched off by the group, Project Online Service has none
  const noSpo = await group('Projects without SharePoint');
  const noSharePoint = await t.createUser({ displayName: 'No SharePoint' });
  await join(noSpo.id, noSharePoint.id);
  expect((await assignToGroup(noSpo.id, addBody(SKU.PROJECT, [PLAN.SPO2, PLAN.WAC]))).status).toBe(202);
  await settled(noSpo.id);
  const s = (await user(noSharePoint.id)).licenseAssignmentStates[0];
  expect(s).toMatchObject({ assignedByGroup: noSpo.id, state: 'Error', error: 'DependencyViolation' });
  expect(s.errorMessage).toMatch(/Project Online Service in Planner and Project Plan 3 needs SharePoint/);
  expect((await user(noSharePoint.id)).assignedLicenses).toEqual([]);

  // the dependency across products: Teams Phone for a member without Teams; and a country it is not offered in
  const phones = await group('Phones');
  const noTeams = await t.createUser({ displayName: 'No Teams' });
  const india = await t.createUser({ displayName: 'In India', usageLocation: 'IN' });
  await join(phones.id, noTeams.id);
  await join(phones.id, india.id);
  expect((await assignToGroup(phones.id, addBody(SKU.PHONE))).status).toBe(202);
  await settled(phones.id);
  const d = (await user(noTeams.id)).licenseAssignmentStates[0];
  expect(d).toMatchObject({ assignedByGroup: phones.id, state: 'Error', error: 'DependencyViolation' });
  expect(d.errorMessage).toMatch(/Microsoft Teams Phone in Microsoft Teams Phone Standard needs Microsoft Teams/);
  const p = (await user(india.id)).licenseAssignmentStates[0];
  expect(p).toMatchObject({ assignedByGroup: phones.id, state: 'Error', error: 'ProhibitedInUsageLocationViolation' });
  expect(p.errorMessage).toMatch(/not offered in IN/);

  // a group's licenses are checked themselves when assigned: unknown plan, self-service, not subscribed
  const bad = await assignToGroup(g.id, addBody(SKU.PBI));
  expect(bad.status).toBe(409);
  expect(bad.body.error.code).toBe('productNotSubscribed');
  const unknownPlan = await assignToGroup(g.id, addBody(SKU.E3, [PLAN.EXO1]));
  expect(unknownPlan.status).toBe(400); // an unknown service plan is a malformed request (shared/errors.ts ruleViolation), not a rule
  expect(unknownPlan.body.error).toMatchObject({ code: 'unknownServicePlan', message: `Service plan '${PLAN.EXO1}' is not part of Office 365 E3.` });
  // who may: a Global Reader may not
  expect((await call('POST', `/v1.0/groups/${g.id}/assignLicense`, { token: t.tokens.reader, body: addBody(SKU.E1) })).status).toBe(403);
});

test('Sway (auto-assigned) switched off through a group: accepted, and the member has it Disabled', async () => {
  const g = await group('No Sway');
  const m = await t.createUser({ displayName: 'Group No Sway' });
  expect((await join(g.id, m.id)).status).toBe(204);
  const r = await assignToGroup(g.id, addBody(SKU.E1, [PLAN.SWAY]));
  expect(r.status).toBe(202);
  expect(r.body.assignedLicenses).toEqual([{ skuId: SKU.E1, disabledPlans: [PLAN.SWAY] }]);
  await settled(g.id);
  const u = await user(m.id);
  expect(u.assignedLicenses).toEqual([{ skuId: SKU.E1, disabledPlans: [PLAN.SWAY] }]);
  expect(u.licenseAssignmentStates).toEqual([
    expect.objectContaining({ skuId: SKU.E1, assignedByGroup: g.id, disabledPlans: [PLAN.SWAY], state: 'Active', error: 'None' }),
  ]);
  const d = await call('GET', `/v1.0/users/${m.id}/licenseDetails`, { token: t.tokens.reader });
  expect(d.status).toBe(200);
  const disabled = d.body.value[0].servicePlans.filter((p: any) => p.provisioningStatus === 'Disabled').map((p: any) => p.servicePlanId);
  expect(disabled).toEqual([PLAN.SWAY]);
});

test('waiting list: members without a seat wait in order (priority, then join time) and get one automatically when seats free up or are bought', async () => {
  const org = await newTenant('Waiting org');
  await org.buy(SKU.EXO1, 1);
  const g = (await call('POST', '/v1.0/groups', { token: org.tokens.userAdmin, body: { displayName: 'Mail' } })).body;
  const [a, b, c] = [
    await org.createUser({ displayName: 'A first' }),
    await org.createUser({ displayName: 'B second' }),
    await org.createUser({ displayName: 'C third' }),
  ];
  for (const u of [a, b, c]) {
    expect(
      (
        await call('POST', `/v1.0/groups/${g.id}/members/$ref`, {
          token: org.tokens.userAdmin,
          body: { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${u.id}` },
        })
      ).status,
    ).toBe(204);
    await new Promise((r) => setTimeout(r, 5)); // distinct join times
  }
  expect((await call('POST', `/v1.0/groups/${g.id}/assignLicense`, { token: org.tokens.license, body: addBody(SKU.EXO1) })).status).toBe(202);
  const done = async () => {
    for (let i = 0; i < 100; i++) {
      if ((await call('GET', `/v1.0/groups/${g.id}`, { token: org.tokens.reader })).body.licenseProcessingState.state === 'ProcessingComplete') return;
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  await done();
  const holds = async (id: string) => (await call('GET', `/v1.0/users/${id}`, { token: org.tokens.reader })).body.assignedLicenses.length === 1;
  expect(await holds(a.id)).toBe(true);
  const list = async () => (await call('GET', `/v1.0/subscribedSkus/${SKU.EXO1}/waitingList`, { token: org.tokens.reader })).body.value;
  expect((await list()).map((w: any) => [w.position, w.displayName])).toEqual([
    [1, 'B second'],
    [2, 'C third'],
  ]);
  const stateOfB = (await call('GET', `/v1.0/users/${b.id}`, { token: org.tokens.reader })).body.licenseAssignmentStates[0];
  expect(stateOfB).toMatchObject({ state: 'Error', error: 'CountViolation' });
  expect(stateOfB.errorMessage).toMatch(/waiting list/);

  // the admin puts C first; then one seat is bought: C gets it, without anyone reprocessing
  expect((await call('PATCH', `/v1.0/subscribedSkus/${SKU.EXO1}/waitingList/${c.id}`, { token: org.tokens.license, body: { priority: 10 } })).status).toBe(204);
  expect((await list()).map((w: any) => w.displayName)).toEqual(['C third', 'B second']);
  expect((await call('PATCH', `/v1.0/directory/subscriptions/${SKU.EXO1}`, { token: org.tokens.billing, body: { totalLicenses: 2 } })).status).toBe(200);
  const until = async (f: () => Promise<boolean>) => {
    for (let i = 0; i < 100 && !(await f()); i++) await new Promise((r) => setTimeout(r, 100));
    return f();
  };
  expect(await until(() => holds(c.id))).toBe(true);
  expect(await holds(b.id)).toBe(false);
  expect((await list()).map((w: any) => w.displayName)).toEqual(['B second']);

  // A leaves the group: the seat frees up and B, next in line, gets it
  expect((await call('DELETE', `/v1.0/groups/${g.id}/members/${a.id}/$ref`, { token: org.tokens.userAdmin })).status).toBe(204);
  expect(await until(() => holds(b.id))).toBe(true);
  expect(await holds(a.id)).toBe(false);
  expect(await list()).toEqual([]);
  expect((await org.sku(SKU.EXO1)).consumedUnits).toBe(2);
});

test('the reconciliation converges former members whose leave was lost, and members whose error cause is gone', async () => {
  const org = await newTenant('Group reconcile org');
  await org.buy(SKU.E1, 5);
  const g = (await call('POST', '/v1.0/groups', { token: org.tokens.userAdmin, body: { displayName: 'Recon' } })).body;
  const [a, b] = [await org.createUser({ displayName: 'Stays' }), await org.createUser({ displayName: 'Leaves unseen' })];
  for (const u of [a, b])
    await call('POST', `/v1.0/groups/${g.id}/members/$ref`, {
      token: org.tokens.userAdmin,
      body: { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${u.id}` },
    });
  await call('POST', `/v1.0/groups/${g.id}/assignLicense`, { token: org.tokens.license, body: addBody(SKU.E1) });
  const holds = async (id: string) => (await call('GET', `/v1.0/users/${id}`, { token: org.tokens.reader })).body.assignedLicenses.length === 1;
  const until = async (f: () => Promise<boolean>) => {
    for (let i = 0; i < 150 && !(await f()); i++) await new Promise((r) => setTimeout(r, 100));
    return f();
  };
  expect(await until(() => holds(b.id))).toBe(true);
  // b's membership disappears without its convergence message (as if the message was lost)
  const store = storeOf();
  await store.container('directory').item(`member-${g.id}-${b.id}`, org.id).delete();
  store.dispose();
  expect(await holds(b.id)).toBe(true); // still carries the group's license

  const run = await call('POST', '/v1.0/reconciliations', { token: org.tokens.global });
  expect([200, 201]).toContain(run.status);
  expect(run.body.steps.groupLicensing).toMatchObject({ groupsQueued: 1, formerMembersQueued: 1 });
  expect(await until(async () => !(await holds(b.id)))).toBe(true);
  expect(await holds(a.id)).toBe(true);
  expect((await org.sku(SKU.E1)).consumedUnits).toBe(1);
});
