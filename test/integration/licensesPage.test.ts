/**
 * Flow 1 (Licenses page, product first) and flow 6 (remove frees the seat; buy or remove licenses),
 * through HTTP on the local host against the emulators.
 */
import { addBody, call, newTenant, PLAN, SKU, TestTenant } from '../helpers';

let t: TestTenant;
beforeAll(async () => {
  t = await newTenant('Licenses page org');
  await t.buy(SKU.E3, 5);
  await t.buy(SKU.E1, 10);
});

test('the Licenses page lists every product with total, assigned and available seats and its plan rules', async () => {
  const r = await call('GET', '/v1.0/subscribedSkus', { token: t.tokens.reader });
  expect(r.status).toBe(200);
  const e3 = r.body.value.find((s: any) => s.skuId === SKU.E3);
  expect(e3).toMatchObject({
    id: `${t.id}_${SKU.E3}`,
    skuPartNumber: 'ENTERPRISEPACK',
    capabilityStatus: 'Enabled',
    consumedUnits: 0,
    prepaidUnits: { enabled: 5, warning: 0, suspended: 0, lockedOut: 0 },
    availableUnits: 5,
  });
  const exo = e3.servicePlans.find((p: any) => p.servicePlanId === PLAN.EXO2);
  expect(exo.conflictsWith).toEqual([PLAN.EXO1]);
  expect(e3.servicePlans.find((p: any) => p.servicePlanId === PLAN.WAC).dependsOn).toContain(PLAN.SPO2);
  expect(e3.servicePlans.find((p: any) => p.servicePlanId === PLAN.SWAY).isAutoAssigned).toBe(true);
  expect(e3.servicePlans.find((p: any) => p.servicePlanId === PLAN.YAMMER).notOfferedIn).toContain('CN');
  expect(r.headers.get('request-id')).toBeTruthy();
});

test('type-ahead finds users by name or UPN prefix, then the product is assigned to the picked users and seats move', async () => {
  const a = await t.createUser({ displayName: 'Zoe Picker', userPrincipalName: 'zoe.picker@typeahead.dev' });
  const b = await t.createUser({ displayName: 'Zack Picker', userPrincipalName: 'zack@typeahead.dev' });
  await t.createUser({ displayName: 'Other Person', userPrincipalName: 'zz-other@typeahead.dev' });

  // $search is an advanced query in Graph: it needs ConsistencyLevel: eventual
  const eventual = { ConsistencyLevel: 'eventual' };
  const byName = await call('GET', `/v1.0/users?$search=${encodeURIComponent('"displayName:za"')}`, { token: t.tokens.license, headers: eventual });
  expect(byName.status).toBe(200);
  expect(byName.body.value.map((u: any) => u.displayName)).toEqual(['Zack Picker']);
  const byUpn = await call('GET', '/v1.0/users?$search=zoe.p', { token: t.tokens.license, headers: eventual });
  expect(byUpn.body.value.map((u: any) => u.id)).toEqual([a.id]);

  const r = await call('POST', `/v1.0/subscribedSkus/${t.id}_${SKU.E3}/assign`, {
    token: t.tokens.license,
    body: { userIds: [a.id, b.id], disabledPlans: [PLAN.YAMMER] },
  });
  expect(r.status).toBe(200);
  expect(r.body.assigned).toEqual(
    expect.arrayContaining([
      { userId: a.id, changed: true },
      { userId: b.id, changed: true },
    ]),
  );
  expect(r.body.subscribedSku).toMatchObject({ consumedUnits: 2, availableUnits: 3 });
  expect((await t.sku(SKU.E3)).consumedUnits).toBe(2);

  const details = await call('GET', `/v1.0/users/${a.id}/licenseDetails`, { token: t.tokens.reader });
  const plans = details.body.value[0].servicePlans;
  expect(plans.find((p: any) => p.servicePlanId === PLAN.YAMMER).provisioningStatus).toBe('Disabled');
  expect(plans.find((p: any) => p.servicePlanId === PLAN.EXO2).provisioningStatus).toBe('Success');

  const holders = await call('GET', `/v1.0/subscribedSkus/${SKU.E3}/assignments`, { token: t.tokens.reader });
  expect(holders.body.value.map((u: any) => u.id).sort()).toEqual([a.id, b.id].sort());

  // assigning again is not a second seat
  const again = await call('POST', `/v1.0/subscribedSkus/${SKU.E3}/assign`, {
    token: t.tokens.license,
    body: { userIds: [a.id], disabledPlans: [PLAN.YAMMER] },
  });
  expect(again.status).toBe(200);
  expect(again.body.assigned).toEqual([{ userId: a.id, changed: false }]);
  expect((await t.sku(SKU.E3)).consumedUnits).toBe(2);

  // flow 6: removing frees the seat at once
  const removed = await t.assign(a.id, { addLicenses: [], removeLicenses: [SKU.E3] });
  expect(removed.status).toBe(200);
  expect(removed.body.assignedLicenses).toEqual([]);
  expect((await t.sku(SKU.E3)).consumedUnits).toBe(1);
});

test('if any picked user fails a rule nothing changes, and the answer lists every user with the reason and the way out', async () => {
  const ok = await t.createUser({ displayName: 'Fine User' });
  const noLocation = await t.createUser({ displayName: 'Nowhere Man', usageLocation: null });
  const hasE1 = await t.createUser({ displayName: 'Mailbox Owner' });
  expect((await t.assign(hasE1.id, addBody(SKU.E1))).status).toBe(200);
  const before = await t.sku(SKU.E3);

  const r = await call('POST', `/v1.0/subscribedSkus/${SKU.E3}/assign`, { token: t.tokens.license, body: { userIds: [ok.id, noLocation.id, hasE1.id] } });
  expect(r.status).toBe(409);
  expect(r.body.error.code).toBe('licenseRuleViolation');
  const details = r.body.error.details as { code: string; target: string; message: string }[];
  expect(details).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ code: 'usageLocationRequired', target: noLocation.id }),
      expect.objectContaining({ code: 'MutuallyExclusiveViolation', target: hasE1.id }),
    ]),
  );
  const conflict = details.find((d) => d.code === 'MutuallyExclusiveViolation')!;
  expect(conflict.message).toMatch(/Exchange Online \(Plan 2\) in Office 365 E3 conflicts with Exchange Online \(Plan 1\) in Office 365 E1/);
  expect(conflict.message).toMatch(/Mailbox Owner/);
  expect(conflict.message).toMatch(/Switch one of them off .* or remove Office 365 E1/);
  expect(details.find((d) => d.code === 'usageLocationRequired')!.message).toMatch(/Nowhere Man .*PATCH \/users\/.*usageLocation/);
  expect(details.some((d) => d.target === ok.id)).toBe(false);

  // nothing changed: not even the user who passed
  const fine = await call('GET', `/v1.0/users/${ok.id}`, { token: t.tokens.reader });
  expect(fine.body.assignedLicenses).toEqual([]);
  expect((await t.sku(SKU.E3)).consumedUnits).toBe(before.consumedUnits);

  // the way out: switch the conflicting plan off for that user, set the location, try again
  const loc = await call('PATCH', `/v1.0/users/${noLocation.id}`, { token: t.tokens.license, body: { usageLocation: 'nl' } });
  expect(loc.status).toBe(204);
  const retry = await call('POST', `/v1.0/subscribedSkus/${SKU.E3}/assign`, {
    token: t.tokens.license,
    body: { userIds: [ok.id, noLocation.id, hasE1.id], disabledPlans: [PLAN.EXO2] },
  });
  expect(retry.status).toBe(200);
  expect((await t.sku(SKU.E3)).consumedUnits).toBe(before.consumedUnits + 3);
});

test('not enough seats for the picked users: nothing is assigned and the message gives the numbers and the fix', async () => {
  const small = await newTenant('Small org');
  await small.buy(SKU.EXO1, 2);
  const users = [await small.createUser(), await small.createUser(), await small.createUser()];
  const r = await call('POST', `/v1.0/subscribedSkus/${SKU.EXO1}/assign`, { token: small.tokens.global, body: { userIds: users.map((u) => u.id) } });
  expect(r.status).toBe(409);
  expect(r.body.error.code).toBe('CountViolation');
  expect(r.body.error.message).toMatch(/Not enough Exchange Online \(Plan 1\) licenses: 3 needed, 2 available/);
  expect(r.body.error.message).toMatch(/Buy more licenses/);
  expect((await small.sku(SKU.EXO1)).consumedUnits).toBe(0);
  for (const u of users) expect((await call('GET', `/v1.0/users/${u.id}`, { token: small.tokens.reader })).body.assignedLicenses).toEqual([]);

  // buy more (flow 6) and try again
  const sub = await call('PATCH', `/v1.0/directory/subscriptions/${SKU.EXO1}`, { token: small.tokens.billing, body: { totalLicenses: 3 } });
  expect(sub.status).toBe(200);
  expect(sub.body.totalLicenses).toBe(3);
  const again = await call('POST', `/v1.0/subscribedSkus/${SKU.EXO1}/assign`, { token: small.tokens.global, body: { userIds: users.map((u) => u.id) } });
  expect(again.status).toBe(200);
  expect(await small.sku(SKU.EXO1)).toMatchObject({ consumedUnits: 3, availableUnits: 0 });

  // seats that are assigned cannot be removed until unassigned
  const shrink = await call('PATCH', `/v1.0/directory/subscriptions/${SKU.EXO1}`, { token: small.tokens.billing, body: { totalLicenses: 1 } });
  expect(shrink.status).toBe(409);
  expect(shrink.body.error.code).toBe('quantityBelowAssigned');
  expect(shrink.body.error.message).toMatch(/3 Exchange Online \(Plan 1\) licenses are assigned.*Remove the license from 2 user/);
  expect((await small.sku(SKU.EXO1)).prepaidUnits.enabled).toBe(3);
});

test('more than 20 users at once is refused with a pointer to bulk jobs', async () => {
  const ids = Array.from({ length: 21 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
  const r = await call('POST', `/v1.0/subscribedSkus/${SKU.E3}/assign`, { token: t.tokens.license, body: { userIds: ids } });
  expect(r.status).toBe(400);
  expect(r.body.error.target).toBe('userIds');
  expect(r.body.error.message).toMatch(/At most 20 users.*bulk license job/);
});

test('a Global Reader sees the page but cannot assign; the refusal names the roles that can', async () => {
  const u = await t.createUser();
  const r = await call('POST', `/v1.0/subscribedSkus/${SKU.E3}/assign`, { token: t.tokens.reader, body: { userIds: [u.id] } });
  expect(r.status).toBe(403);
  expect(r.body.error.code).toBe('Authorization_RequestDenied');
  expect(r.body.error.message).toMatch(/Global Administrator, License Administrator, User Administrator/);
  const billing = await call('POST', `/v1.0/subscribedSkus/${SKU.E3}/assign`, { token: t.tokens.billing, body: { userIds: [u.id] } });
  expect(billing.status).toBe(403);
});
