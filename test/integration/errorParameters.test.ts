/**
 * Every rule's refusal carries, on each detail, the ids and counts its message is made of (`parameters`),
 * so a client (the console, in Dutch) can say it in its own words with names: through HTTP, one rule at a
 * time, and on what is stored (a member's failed group path, a failed job row, a refused approval).
 */
import { addBody, call, newTenant, PLAN, SKU, TestTenant } from '../helpers';

let t: TestTenant;
beforeAll(async () => {
  t = await newTenant('Error parameters org');
  await t.buy(SKU.E3, 10);
  await t.buy(SKU.E1, 10);
  await t.buy(SKU.PHONE, 5);
  await t.buy(SKU.EXO1, 1);
});

/** The one detail of a refusal (and the refusal's own code is that detail's). */
function onlyDetail(r: { status: number; body: any }, status: number, code: string) {
  expect([r.status, r.body.error.code]).toEqual([status, code]);
  expect(r.body.error.details).toHaveLength(1);
  expect(r.body.error.details[0].code).toBe(code);
  return r.body.error.details[0];
}

test('a conflict names both plans and both products by id, and whether the user already holds the other product', async () => {
  const u = await t.createUser({ displayName: 'Has E1' });
  expect((await t.assign(u.id, addBody(SKU.E1))).status).toBe(200);
  const d = onlyDetail(await t.assign(u.id, addBody(SKU.E3)), 409, 'MutuallyExclusiveViolation');
  expect(d.target).toBe(u.id);
  expect(d.parameters).toEqual({
    userId: u.id,
    skuId: SKU.E3,
    servicePlanId: PLAN.EXO2,
    conflictingSkuId: SKU.E1,
    conflictingServicePlanId: PLAN.EXO1,
    conflictingSkuAssigned: true,
    conflictingSkuInChange: false,
  });
  // both in one change: neither is held yet
  const v = await t.createUser({ displayName: 'Both at once' });
  const both = await t.assign(v.id, { addLicenses: [addBody(SKU.E1).addLicenses[0], addBody(SKU.E3).addLicenses[0]], removeLicenses: [] });
  expect(both.body.error.details[0].parameters).toMatchObject({ conflictingSkuAssigned: false, conflictingSkuInChange: true });
});

test('usage location missing, a plan not offered there, a dependency switched off', async () => {
  const nowhere = await t.createUser({ displayName: 'Nowhere', usageLocation: null });
  expect(onlyDetail(await t.assign(nowhere.id, addBody(SKU.E1)), 409, 'usageLocationRequired').parameters).toEqual({ userId: nowhere.id });

  const india = await t.createUser({ displayName: 'In India', usageLocation: 'IN' });
  expect((await t.assign(india.id, addBody(SKU.E3))).status).toBe(200);
  expect(onlyDetail(await t.assign(india.id, addBody(SKU.PHONE)), 409, 'ProhibitedInUsageLocationViolation').parameters).toEqual({
    userId: india.id,
    skuId: SKU.PHONE,
    servicePlanId: PLAN.PHONE,
    usageLocation: 'IN',
  });

  const phone = await t.createUser({ displayName: 'Phone user' });
  expect((await t.assign(phone.id, { addLicenses: [addBody(SKU.E1).addLicenses[0], addBody(SKU.PHONE).addLicenses[0]], removeLicenses: [] })).status).toBe(200);
  const dep = onlyDetail(await t.assign(phone.id, { addLicenses: [], removeLicenses: [SKU.E1] }), 409, 'DependencyViolation');
  expect(dep.parameters).toMatchObject({ userId: phone.id, skuId: SKU.PHONE, servicePlanId: PLAN.PHONE, requiredServicePlanSwitchedOff: true });
  expect(dep.parameters.requiredServicePlanIds).toContain(PLAN.TEAMS);
  // never there in the first place
  const bare = await t.createUser({ displayName: 'No Teams' });
  expect(onlyDetail(await t.assign(bare.id, addBody(SKU.PHONE)), 409, 'DependencyViolation').parameters).toMatchObject({
    requiredServicePlanSwitchedOff: false,
  });
});

test('a guest (403), seats short (one user and several), a plan the product lacks (400), removing what the user lacks', async () => {
  const guest = await t.createUser({ displayName: 'Guest', userPrincipalName: 'guest_fabrikam.com#EXT#@test.dev', userType: 'Guest' });
  expect(onlyDetail(await t.assign(guest.id, addBody(SKU.E1)), 403, 'Authorization_RequestDenied').parameters).toEqual({
    userId: guest.id,
    userType: 'Guest',
    requiredRole: 'GlobalAdministrator',
  });

  const [a, b, c] = [await t.createUser(), await t.createUser(), await t.createUser()];
  // two users, one seat: the batch is short by one
  const many = await call('POST', `/v1.0/subscribedSkus/${SKU.EXO1}/assign`, { token: t.tokens.license, body: { userIds: [a.id, b.id], disabledPlans: [] } });
  expect(onlyDetail(many, 409, 'CountViolation').parameters).toEqual({ skuId: SKU.EXO1, needed: 2, available: 1, assigned: 0, total: 1 });
  expect((await t.assign(a.id, addBody(SKU.EXO1))).status).toBe(200);
  expect(onlyDetail(await t.assign(c.id, addBody(SKU.EXO1)), 409, 'CountViolation').parameters).toEqual({
    userId: c.id,
    skuId: SKU.EXO1,
    needed: 1,
    available: 0,
    assigned: 1,
    total: 1,
  });

  const unknownPlan = '00000000-0000-4000-8000-0000000000aa';
  expect(onlyDetail(await t.assign(b.id, addBody(SKU.E1, [unknownPlan])), 400, 'unknownServicePlan').parameters).toEqual({
    userId: b.id,
    skuId: SKU.E1,
    servicePlanId: unknownPlan,
  });
  expect(onlyDetail(await t.assign(b.id, { addLicenses: [], removeLicenses: [SKU.E3] }), 409, 'licenseNotAssigned').parameters).toEqual({
    userId: b.id,
    skuId: SKU.E3,
    operation: 'remove',
  });
  // switching a plan of a product the user has no direct license of (the apps and services panel's call)
  const toggle = (body: unknown) => call('POST', `/v1.0/users/${b.id}/licenseDetails/${SKU.E3}/updateServicePlans`, { token: t.tokens.license, body });
  expect(onlyDetail(await toggle({ enable: [], disable: ['SWAY'] }), 409, 'licenseNotAssigned').parameters).toEqual({
    userId: b.id,
    skuId: SKU.E3,
    operation: 'change',
  });
  expect(onlyDetail(await toggle({ enable: [], disable: ['NOT_A_PLAN'] }), 400, 'unknownServicePlan').parameters).toEqual({
    skuId: SKU.E3,
    servicePlanId: 'NOT_A_PLAN',
  });
});

test('subscriptions: not subscribed, self-service, not active; a lifecycle step that does not exist', async () => {
  const org = await newTenant('Error parameters subscriptions');
  const buyer = await org.createUser({ displayName: 'Buyer' });
  const other = await org.createUser({ displayName: 'Other' });
  expect(onlyDetail(await org.assign(other.id, addBody(SKU.E3)), 409, 'productNotSubscribed').parameters).toEqual({
    userId: other.id,
    skuId: SKU.E3,
    operation: 'assign',
  });
  await call('POST', '/v1.0/directory/subscriptions', {
    token: org.tokens.billing,
    body: { skuPartNumber: 'POWER_BI_PRO', totalLicenses: 3, purchaseChannel: 'selfService', ownerUserId: buyer.id },
  });
  expect(onlyDetail(await org.assign(other.id, addBody(SKU.PBI), org.tokens.global), 409, 'selfServiceSubscription').parameters).toEqual({
    userId: other.id,
    skuId: SKU.PBI,
    operation: 'assign',
  });
  await org.buy(SKU.E1, 2);
  expect((await call('PATCH', `/v1.0/directory/subscriptions/${SKU.E1}`, { token: org.tokens.billing, body: { status: 'Warning' } })).status).toBe(200);
  expect(onlyDetail(await org.assign(other.id, addBody(SKU.E1)), 409, 'subscriptionNotActive').parameters).toEqual({
    userId: other.id,
    skuId: SKU.E1,
    operation: 'assign',
    capabilityStatus: 'Warning',
  });
  const skip = await call('PATCH', `/v1.0/directory/subscriptions/${SKU.E1}`, { token: org.tokens.global, body: { status: 'Deleted' } });
  expect(onlyDetail(skip, 409, 'invalidLifecycleTransition').parameters).toEqual({
    skuId: SKU.E1,
    capabilityStatus: 'Warning',
    requestedStatus: 'Deleted',
    allowedStatuses: ['Enabled', 'Suspended'],
  });
});

test("a member's failed group path keeps the rule's code and parameters; a product inherited from a group names the group", async () => {
  const org = await newTenant('Error parameters groups');
  await org.buy(SKU.EXO1, 1);
  const g = (await call('POST', '/v1.0/groups', { token: org.tokens.userAdmin, body: { displayName: 'Mail' } })).body;
  const [first, second] = [await org.createUser({ displayName: 'First' }), await org.createUser({ displayName: 'Second' })];
  for (const u of [first, second])
    await call('POST', `/v1.0/groups/${g.id}/members/$ref`, {
      token: org.tokens.userAdmin,
      body: { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${u.id}` },
    });
  expect((await call('POST', `/v1.0/groups/${g.id}/assignLicense`, { token: org.tokens.license, body: addBody(SKU.EXO1) })).status).toBe(202);
  // bounded by count: group licensing runs on the queue
  let states: any[] = [];
  for (let i = 0; i < 300 && states.filter((s) => s.state !== undefined).length < 2; i++) {
    const users = await Promise.all([first, second].map(async (u) => (await call('GET', `/v1.0/users/${u.id}`, { token: org.tokens.reader })).body));
    states = users.map((u) => u.licenseAssignmentStates.find((s: any) => s.assignedByGroup === g.id) ?? {});
    if (states.filter((s) => s.state).length < 2) await new Promise((r) => setTimeout(r, 100));
  }
  const failed = states.find((s) => s.state === 'Error');
  const active = states.find((s) => s.state === 'Active');
  expect(failed).toMatchObject({ error: 'CountViolation', errorCode: 'CountViolation' });
  const waiting = states.indexOf(failed) === 0 ? first : second;
  const holder = waiting === first ? second : first;
  expect(failed.errorParameters).toEqual({ userId: waiting.id, skuId: SKU.EXO1, needed: 1, available: 0, total: 1, onWaitingList: true, groupId: g.id });
  expect(active).not.toHaveProperty('errorCode');

  expect(onlyDetail(await org.assign(holder.id, { addLicenses: [], removeLicenses: [SKU.EXO1] }), 409, 'licenseInheritedFromGroup').parameters).toEqual({
    userId: holder.id,
    skuId: SKU.EXO1,
    groupIds: [g.id],
  });
});

test('a failed bulk job row carries its parameters; with several violations, each as a detail', async () => {
  const org = await newTenant('Error parameters jobs');
  await org.buy(SKU.E3, 5);
  await org.buy(SKU.E1, 5);
  const e1 = await org.createUser({ displayName: 'Has E1' });
  const guestless = await org.createUser({ displayName: 'Nowhere', usageLocation: null });
  const guest = await org.createUser({
    displayName: 'Guest nowhere',
    userPrincipalName: 'nowhere_fabrikam.com#EXT#@test.dev',
    userType: 'Guest',
    usageLocation: null,
  });
  expect((await org.assign(e1.id, addBody(SKU.E1))).status).toBe(200);
  const r = await call('POST', '/v1.0/licenseJobs', {
    token: org.tokens.license,
    body: { mode: 'add', userIds: [e1.id, guestless.id, guest.id], addLicenses: [{ skuId: SKU.E3, disabledPlans: [] }] },
  });
  expect(r.status).toBe(202);
  for (let i = 0; i < 400; i++) {
    const job = (await call('GET', `/v1.0/licenseJobs/${r.body.id}`, { token: org.tokens.reader })).body;
    if (['completed', 'completedWithErrors', 'failed'].includes(job.status)) break;
    await new Promise((res) => setTimeout(res, 150));
  }
  const rows = (await call('GET', `/v1.0/licenseJobs/${r.body.id}/results?status=failed`, { token: org.tokens.reader })).body.value;
  const byUser = new Map(rows.map((row: any) => [row.userId, row]));
  expect(byUser.get(e1.id)).toMatchObject({
    status: 'failed',
    code: 'MutuallyExclusiveViolation',
    parameters: { userId: e1.id, skuId: SKU.E3, servicePlanId: PLAN.EXO2, conflictingSkuId: SKU.E1, conflictingServicePlanId: PLAN.EXO1 },
  });
  expect(byUser.get(guestless.id)).toMatchObject({ code: 'usageLocationRequired', parameters: { userId: guestless.id } });
  expect(byUser.get(guestless.id)).not.toHaveProperty('details');
  // a guest without usage location, by a License Administrator: two rules, each a detail with its parameters
  const both = byUser.get(guest.id) as any;
  expect(both).toMatchObject({ code: 'Authorization_RequestDenied', parameters: { userId: guest.id, userType: 'Guest' } });
  expect(both.details.map((d: any) => [d.code, d.parameters])).toEqual([
    ['Authorization_RequestDenied', { userId: guest.id, userType: 'Guest', requiredRole: 'GlobalAdministrator' }],
    ['usageLocationRequired', { userId: guest.id }],
  ]);
});

test('the OpenAPI document describes the parameters on every error detail', async () => {
  const doc = (await call('GET', '/openapi.json')).body;
  const detail = doc.components.responses.Error.content['application/json'].schema.properties.error.properties.details.items;
  expect(Object.keys(detail.properties)).toEqual(['code', 'message', 'target', 'parameters']);
  expect(Object.keys(detail.properties.parameters.properties)).toEqual(
    expect.arrayContaining(['userId', 'skuId', 'servicePlanId', 'conflictingSkuId', 'conflictingServicePlanId', 'usageLocation', 'needed', 'available']),
  );
});
