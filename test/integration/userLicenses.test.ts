/**
 * Flow 2 (a user's apps and services), flow 4 (one user, the whole set at once), flow 5 (guests), and the
 * rules each refusing with what, why and the way out — through HTTP, against the emulators.
 */
import { addBody, call, newTenant, PLAN, SKU, TestTenant } from '../helpers';

let t: TestTenant;
beforeAll(async () => {
  t = await newTenant('User licenses org');
  await t.buy(SKU.E3, 20);
  await t.buy(SKU.E1, 20);
  await t.buy(SKU.PROJECT, 5);
  await t.buy(SKU.PHONE, 5);
});

test('flow 4: the whole set stated at once — add two products, then swap one for another in one call', async () => {
  const u = await t.createUser({ displayName: 'Set Person' });
  const r = await t.assign(u.id, {
    addLicenses: [
      { skuId: SKU.E3, disabledPlans: [] },
      { skuId: SKU.PROJECT, disabledPlans: [] },
    ],
    removeLicenses: [],
  });
  expect(r.status).toBe(200);
  expect(r.body.id).toBe(u.id);
  expect(r.body.assignedLicenses.map((l: any) => l.skuId).sort()).toEqual([SKU.E3, SKU.PROJECT].sort());
  expect(r.body['@odata.etag']).toBeTruthy();
  expect(r.body.licenseAssignmentStates).toEqual(
    expect.arrayContaining([expect.objectContaining({ skuId: SKU.E3, assignedByGroup: null, state: 'Active', error: 'None' })]),
  );

  // swap E3 for E1 while keeping Project
  const e3Before = (await t.sku(SKU.E3)).consumedUnits;
  const e1Before = (await t.sku(SKU.E1)).consumedUnits;
  const swap = await t.assign(u.id, { addLicenses: [{ skuId: SKU.E1, disabledPlans: [] }], removeLicenses: [SKU.E3] });
  expect(swap.status).toBe(200);
  expect(swap.body.assignedLicenses.map((l: any) => l.skuId).sort()).toEqual([SKU.E1, SKU.PROJECT].sort());
  expect((await t.sku(SKU.E3)).consumedUnits).toBe(e3Before - 1);
  expect((await t.sku(SKU.E1)).consumedUnits).toBe(e1Before + 1);

  // by userPrincipalName too, as Graph allows
  const byUpn = await call('GET', `/v1.0/users/${encodeURIComponent(u.userPrincipalName)}/licenseDetails`, { token: t.tokens.reader });
  expect(byUpn.status).toBe(200);
  expect(byUpn.body.value.map((d: any) => d.skuPartNumber).sort()).toEqual(['PROJECTPROFESSIONAL', 'STANDARDPACK']);
});

test('dependency across products: removing the product that carries Teams from a Teams Phone user is refused, naming the dependency', async () => {
  const u = await t.createUser({ displayName: 'Phone Person' });
  expect(
    (
      await t.assign(u.id, {
        addLicenses: [
          { skuId: SKU.E1, disabledPlans: [] },
          { skuId: SKU.PHONE, disabledPlans: [] },
        ],
        removeLicenses: [],
      })
    ).status,
  ).toBe(200);
  const r = await t.assign(u.id, { addLicenses: [], removeLicenses: [SKU.E1] });
  expect(r.status).toBe(409);
  expect(r.body.error.code).toBe('DependencyViolation');
  expect(r.body.error.message).toMatch(
    /Microsoft Teams Phone in Microsoft Teams Phone Standard needs Microsoft Teams, which this change switches off for Phone Person/,
  );
  // unchanged
  const user = await call('GET', `/v1.0/users/${u.id}`, { token: t.tokens.reader });
  expect(user.body.assignedLicenses.map((l: any) => l.skuId).sort()).toEqual([SKU.E1, SKU.PHONE].sort());

  // and Teams Phone alone, for a user without Teams anywhere
  const v = await t.createUser({ displayName: 'No Teams' });
  const alone = await t.assign(v.id, addBody(SKU.PHONE));
  expect(alone.status).toBe(409);
  expect(alone.body.error.code).toBe('DependencyViolation');
  expect(alone.body.error.message).toMatch(/needs Microsoft Teams, which No Teams .* does not have enabled.*switch MCOEV off/);
  // the way out the message names: switch that plan off
  expect((await t.assign(v.id, addBody(SKU.PHONE, [PLAN.PHONE]))).status).toBe(200);
});

test('Planner and Project Plan 3 brings its own SharePoint: it assigns to a user without other products; switching that SharePoint off is refused while nothing else has one', async () => {
  const u = await t.createUser({ displayName: 'Project Only' });
  const r = await t.assign(u.id, addBody(SKU.PROJECT));
  expect(r.status).toBe(200);
  expect(r.body.assignedLicenses).toEqual([{ skuId: SKU.PROJECT, disabledPlans: [] }]);
  const details = await call('GET', `/v1.0/users/${u.id}/licenseDetails`, { token: t.tokens.reader });
  expect(details.body.value.map((d: any) => d.skuPartNumber)).toEqual(['PROJECTPROFESSIONAL']);
  const plans = details.body.value[0].servicePlans;
  expect(plans.map((p: any) => p.servicePlanId).sort()).toEqual([PLAN.PROJECT_CLIENT, PLAN.PROJECT_SERVICE, PLAN.SPO2, PLAN.WAC].sort());
  expect(plans.every((p: any) => p.provisioningStatus === 'Success')).toBe(true);

  // its SharePoint (and Office for the web) switched off, with no other SharePoint: Project Online Service would have none
  const sharePointOff = { disable: ['SHAREPOINTENTERPRISE', 'SHAREPOINTWAC'] };
  const refused = await call('POST', `/v1.0/users/${u.id}/licenseDetails/${SKU.PROJECT}/updateServicePlans`, { token: t.tokens.license, body: sharePointOff });
  expect(refused.status).toBe(409);
  expect(refused.body.error.code).toBe('DependencyViolation');
  expect(refused.body.error.message).toMatch(
    /Project Online Service in Planner and Project Plan 3 needs SharePoint \(Plan 2\) or SharePoint \(Plan 1\), which this change switches off for Project Only/,
  );

  // with E1's SharePoint (Plan 1) beside it, the same switch is fine
  expect((await t.assign(u.id, addBody(SKU.E1))).status).toBe(200);
  const off = await call('POST', `/v1.0/users/${u.id}/licenseDetails/${SKU.PROJECT}/updateServicePlans`, { token: t.tokens.license, body: sharePointOff });
  expect(off.status).toBe(200);
  const status = (id: string) => off.body.servicePlans.find((p: any) => p.servicePlanId === id).provisioningStatus;
  expect([status(PLAN.SPO2), status(PLAN.WAC), status(PLAN.PROJECT_SERVICE)]).toEqual(['Disabled', 'Disabled', 'Success']);
  // and now E1 cannot go: Project Online Service rests on its SharePoint
  const rm = await t.assign(u.id, { addLicenses: [], removeLicenses: [SKU.E1] });
  expect(rm.status).toBe(409);
  expect(rm.body.error.code).toBe('DependencyViolation');
  expect(rm.body.error.message).toMatch(/Project Online Service in Planner and Project Plan 3 needs .*, which this change switches off/);
});

test('flow 2: switching named plans on and off keeps the rest; rules still apply to each toggle', async () => {
  const u = await t.createUser({ displayName: 'Toggle Person' });
  expect((await t.assign(u.id, addBody(SKU.E3, [PLAN.YAMMER]))).status).toBe(200);

  const off = await call('POST', `/v1.0/users/${u.id}/licenseDetails/${SKU.E3}/updateServicePlans`, { token: t.tokens.license, body: { disable: ['TEAMS1'] } });
  expect(off.status).toBe(200);
  const status = (id: string, body: any) => body.servicePlans.find((p: any) => p.servicePlanId === id).provisioningStatus;
  expect(status(PLAN.TEAMS, off.body)).toBe('Disabled');
  expect(status(PLAN.YAMMER, off.body)).toBe('Disabled'); // kept
  expect(status(PLAN.EXO2, off.body)).toBe('Success');

  const on = await call('POST', `/v1.0/users/${u.id}/licenseDetails/${SKU.E3}/updateServicePlans`, {
    token: t.tokens.license,
    body: { enable: [PLAN.YAMMER] },
  });
  expect(on.status).toBe(200);
  expect(status(PLAN.YAMMER, on.body)).toBe('Success');
  expect(status(PLAN.TEAMS, on.body)).toBe('Disabled');

  // SharePoint off while Office for the web stays on: refused, naming the dependency
  const dep = await call('POST', `/v1.0/users/${u.id}/licenseDetails/${SKU.E3}/updateServicePlans`, {
    token: t.tokens.license,
    body: { disable: ['SHAREPOINTENTERPRISE'] },
  });
  expect(dep.status).toBe(409);
  expect(dep.body.error.code).toBe('DependencyViolation');
  expect(dep.body.error.message).toMatch(
    /Office for the web in Office 365 E3 needs SharePoint \(Plan 2\) or SharePoint \(Plan 1\), which this change switches off/,
  );

  // Sway comes with the product on its own, yet is switched off (and on again) like any other plan
  const swayOff = await call('POST', `/v1.0/users/${u.id}/licenseDetails/${SKU.E3}/updateServicePlans`, {
    token: t.tokens.license,
    body: { disable: ['SWAY'] },
  });
  expect(swayOff.status).toBe(200);
  expect(status(PLAN.SWAY, swayOff.body)).toBe('Disabled');
  expect(status(PLAN.TEAMS, swayOff.body)).toBe('Disabled'); // kept
  expect(status(PLAN.EXO2, swayOff.body)).toBe('Success');
  const swayOn = await call('POST', `/v1.0/users/${u.id}/licenseDetails/${SKU.E3}/updateServicePlans`, {
    token: t.tokens.license,
    body: { enable: [PLAN.SWAY] },
  });
  expect(swayOn.status).toBe(200);
  expect(status(PLAN.SWAY, swayOn.body)).toBe('Success');

  const unknown = await call('POST', `/v1.0/users/${u.id}/licenseDetails/${SKU.E3}/updateServicePlans`, {
    token: t.tokens.license,
    body: { disable: ['NOPE'] },
  });
  expect(unknown.status).toBe(400);
  expect(unknown.body.error).toMatchObject({ code: 'unknownServicePlan', target: 'disable[0]' });

  const notHeld = await call('POST', `/v1.0/users/${u.id}/licenseDetails/${SKU.E1}/updateServicePlans`, {
    token: t.tokens.license,
    body: { disable: ['TEAMS1'] },
  });
  expect(notHeld.status).toBe(409);
  expect(notHeld.body.error.code).toBe('licenseNotAssigned');
});

test('Sway (auto-assigned: no separate assignment needed) switched off by disabledPlans: accepted, and licenseDetails shows it Disabled', async () => {
  const u = await t.createUser({ displayName: 'No Sway' });
  const r = await t.assign(u.id, addBody(SKU.E1, [PLAN.SWAY]));
  expect(r.status).toBe(200);
  expect(r.body.assignedLicenses).toEqual([{ skuId: SKU.E1, disabledPlans: [PLAN.SWAY] }]);
  const plansOf = async () => {
    const d = await call('GET', `/v1.0/users/${u.id}/licenseDetails`, { token: t.tokens.reader });
    expect(d.status).toBe(200);
    expect(d.body.value.map((x: any) => x.skuId)).toEqual([SKU.E1]);
    return d.body.value[0].servicePlans as { servicePlanId: string; provisioningStatus: string }[];
  };
  const off = await plansOf();
  expect(off.filter((p) => p.provisioningStatus === 'Disabled').map((p) => p.servicePlanId)).toEqual([PLAN.SWAY]);
  expect(off.filter((p) => p.provisioningStatus === 'Success')).toHaveLength(off.length - 1);
  // the product still describes Sway as auto-assigned: that is information, not a lock
  expect((await t.sku(SKU.E1)).servicePlans.find((p: any) => p.servicePlanId === PLAN.SWAY).isAutoAssigned).toBe(true);

  // re-adding without it switches Sway back on
  expect((await t.assign(u.id, addBody(SKU.E1))).status).toBe(200);
  expect((await plansOf()).every((p) => p.provisioningStatus === 'Success')).toBe(true);
});

test('Office 365 E1 contains Yammer: licenseDetails lists it, and in CN (where it is not offered) E1 needs it switched off', async () => {
  const nl = await t.createUser({ displayName: 'E1 Yammer' });
  expect((await t.assign(nl.id, addBody(SKU.E1))).status).toBe(200);
  const d = await call('GET', `/v1.0/users/${nl.id}/licenseDetails`, { token: t.tokens.reader });
  expect(d.body.value[0].servicePlans.find((p: any) => p.servicePlanId === PLAN.YAMMER)).toMatchObject({
    servicePlanName: 'YAMMER_ENTERPRISE',
    provisioningStatus: 'Success',
  });

  const cn = await t.createUser({ displayName: 'E1 China', usageLocation: 'CN' });
  const r = await t.assign(cn.id, addBody(SKU.E1));
  expect(r.status).toBe(409);
  expect(r.body.error.code).toBe('ProhibitedInUsageLocationViolation');
  expect(r.body.error.message).toMatch(/Viva Engage \(Yammer Enterprise\) in Office 365 E1 is not offered in CN.*Switch YAMMER_ENTERPRISE off/);
  expect((await t.assign(cn.id, addBody(SKU.E1, [PLAN.YAMMER]))).status).toBe(200);
});

test('Graph semantics: re-adding a product replaces its disabledPlans and uses no new seat', async () => {
  const u = await t.createUser();
  expect((await t.assign(u.id, addBody(SKU.E3, [PLAN.YAMMER, PLAN.TEAMS]))).status).toBe(200);
  const used = (await t.sku(SKU.E3)).consumedUnits;
  const r = await t.assign(u.id, addBody(SKU.E3, [PLAN.TEAMS]));
  expect(r.status).toBe(200);
  expect(r.body.assignedLicenses).toEqual([{ skuId: SKU.E3, disabledPlans: [PLAN.TEAMS] }]);
  expect((await t.sku(SKU.E3)).consumedUnits).toBe(used);
});

test('usage location: plans not offered in the country are refused with the fix; switching the plan off works', async () => {
  const u = await t.createUser({ displayName: 'Lee India', usageLocation: 'IN' });
  expect((await t.assign(u.id, addBody(SKU.E3))).status).toBe(200);
  const r = await t.assign(u.id, addBody(SKU.PHONE));
  expect(r.status).toBe(409);
  expect(r.body.error.code).toBe('ProhibitedInUsageLocationViolation');
  expect(r.body.error.message).toMatch(
    /Microsoft Teams Phone in Microsoft Teams Phone Standard is not offered in IN.*Switch MCOEV off.*or change the user's usage location/,
  );
  // moving the user to NL makes it assignable
  expect((await call('PATCH', `/v1.0/users/${u.id}`, { token: t.tokens.license, body: { usageLocation: 'NL' } })).status).toBe(204);
  expect((await t.assign(u.id, addBody(SKU.PHONE))).status).toBe(200);
});

test('flow 5: only a Global Administrator may license a guest', async () => {
  const guest = await t.createUser({ displayName: 'Guest From Fabrikam', userPrincipalName: 'guest_fabrikam.com#EXT#@test.dev', userType: 'Guest' });
  const before = (await t.sku(SKU.E1)).consumedUnits;
  for (const token of [t.tokens.license, t.tokens.userAdmin]) {
    const r = await t.assign(guest.id, addBody(SKU.E1), token);
    // a refusal because of the caller's role is Graph's 403, with the role that may in the message
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('Authorization_RequestDenied');
    expect(r.body.error.message).toMatch(/Guest From Fabrikam .* is a guest user\. Only a Global Administrator/);
  }
  // nothing was taken by the refused calls
  expect((await t.sku(SKU.E1)).consumedUnits).toBe(before);
  expect((await call('GET', `/v1.0/users/${guest.id}`, { token: t.tokens.reader })).body.assignedLicenses).toEqual([]);
  const ok = await t.assign(guest.id, addBody(SKU.E1), t.tokens.global);
  expect(ok.status).toBe(200);
  expect(ok.body.assignedLicenses[0].skuId).toBe(SKU.E1);
  expect((await t.sku(SKU.E1)).consumedUnits).toBe(before + 1);
});

test('subscription states: only active subscriptions take new assignments; suspended ones cannot be changed; renewal restores', async () => {
  const org = await newTenant('Lifecycle org');
  await org.buy(SKU.E1, 3);
  const holder = await org.createUser({ displayName: 'Holder' });
  const newcomer = await org.createUser({ displayName: 'Newcomer' });
  expect((await org.assign(holder.id, addBody(SKU.E1))).status).toBe(200);

  const warn = await call('PATCH', `/v1.0/directory/subscriptions/${org.id}_${SKU.E1}`, { token: org.tokens.billing, body: { status: 'Warning' } });
  expect(warn.status).toBe(200);
  expect(warn.body.status).toBe('Warning');
  const sku = await org.sku(SKU.E1);
  expect(sku).toMatchObject({ capabilityStatus: 'Warning', prepaidUnits: { enabled: 3, warning: 3 }, availableUnits: 0 });
  const refused = await org.assign(newcomer.id, addBody(SKU.E1));
  expect(refused.status).toBe(409);
  expect(refused.body.error.code).toBe('subscriptionNotActive');
  expect(refused.body.error.message).toMatch(/Office 365 E1 subscription is expired .*Renew or reactivate/);
  // users keep working: the holder can still have plans changed in the warning period
  expect((await org.assign(holder.id, addBody(SKU.E1, [PLAN.TEAMS]))).status).toBe(200);

  expect((await call('PATCH', `/v1.0/directory/subscriptions/${SKU.E1}`, { token: org.tokens.billing, body: { status: 'Suspended' } })).status).toBe(200);
  const details = await call('GET', `/v1.0/users/${holder.id}/licenseDetails`, { token: org.tokens.reader });
  expect(details.body.value[0].servicePlans.every((p: any) => p.provisioningStatus === 'Disabled')).toBe(true);
  const change = await org.assign(holder.id, addBody(SKU.E1));
  expect(change.status).toBe(409);
  expect(change.body.error.code).toBe('subscriptionNotActive');

  const skip = await call('PATCH', `/v1.0/directory/subscriptions/${SKU.E1}`, { token: org.tokens.billing, body: { status: 'Warning' } });
  expect(skip.status).toBe(409);
  expect(skip.body.error.code).toBe('invalidLifecycleTransition');
  expect(skip.body.error.message).toMatch(/From Suspended it can move to Enabled or Deleted/);

  expect((await call('PATCH', `/v1.0/directory/subscriptions/${SKU.E1}`, { token: org.tokens.global, body: { status: 'Enabled' } })).status).toBe(200);
  expect((await org.assign(newcomer.id, addBody(SKU.E1))).status).toBe(200);
  expect((await org.sku(SKU.E1)).consumedUnits).toBe(2);

  // a License Administrator cannot move the lifecycle
  const la = await call('PATCH', `/v1.0/directory/subscriptions/${SKU.E1}`, { token: org.tokens.license, body: { status: 'Warning' } });
  expect(la.status).toBe(403);
});

test('self-service purchases: admins cannot assign until an admin takes the subscription over', async () => {
  const org = await newTenant('Self-service org');
  const buyer = await org.createUser({ displayName: 'Buyer' });
  const colleague = await org.createUser({ displayName: 'Colleague' });
  const bought = await call('POST', '/v1.0/directory/subscriptions', {
    token: org.tokens.billing,
    body: { skuPartNumber: 'POWER_BI_PRO', totalLicenses: 3, purchaseChannel: 'selfService', ownerUserId: buyer.id },
  });
  expect(bought.status).toBe(201);
  expect(bought.body).toMatchObject({ purchaseChannel: 'selfService', consumedUnits: 1, ownerId: buyer.id });

  const refused = await org.assign(colleague.id, addBody(SKU.PBI), org.tokens.global);
  expect(refused.status).toBe(409);
  expect(refused.body.error.code).toBe('selfServiceSubscription');
  expect(refused.body.error.message).toMatch(/Power BI Pro was bought by a user through self-service.*takeOver/);
  const unassign = await org.assign(buyer.id, { addLicenses: [], removeLicenses: [SKU.PBI] }, org.tokens.global);
  expect(unassign.status).toBe(409);
  expect(unassign.body.error.code).toBe('selfServiceSubscription');

  const byLicenseAdmin = await call('POST', `/v1.0/directory/subscriptions/${SKU.PBI}/takeOver`, { token: org.tokens.license });
  expect(byLicenseAdmin.status).toBe(403);
  const taken = await call('POST', `/v1.0/directory/subscriptions/${SKU.PBI}/takeOver`, { token: org.tokens.billing });
  expect(taken.status).toBe(200);
  expect(taken.body.purchaseChannel).toBe('admin');
  expect(taken.body.takenOverDateTime).toBeTruthy();
  const twice = await call('POST', `/v1.0/directory/subscriptions/${SKU.PBI}/takeOver`, { token: org.tokens.billing });
  expect(twice.status).toBe(409);
  expect(twice.body.error.code).toBe('notSelfServiceSubscription');

  expect((await org.assign(colleague.id, addBody(SKU.PBI))).status).toBe(200);
  expect((await org.sku(SKU.PBI)).consumedUnits).toBe(2);
});

test('products the organization does not subscribe to, and removing what the user does not have', async () => {
  const u = await t.createUser({ displayName: 'Plain' });
  const r = await t.assign(u.id, addBody(SKU.PBI));
  expect(r.status).toBe(409);
  expect(r.body.error.code).toBe('productNotSubscribed');
  expect(r.body.error.message).toMatch(/no active subscription for Power BI Pro/);
  const rm = await t.assign(u.id, { addLicenses: [], removeLicenses: [SKU.E1] });
  expect(rm.status).toBe(409);
  expect(rm.body.error.code).toBe('licenseNotAssigned');
  const missing = await t.assign('00000000-0000-4000-8000-000000000000', addBody(SKU.E1));
  expect(missing.status).toBe(404);
});

test('every license change is in the audit trail, newest first, paged, with who, user, product, before/after and request id', async () => {
  const org = await newTenant('Audit org');
  await org.buy(SKU.E3, 5);
  const u = await org.createUser({ displayName: 'Audited' });
  const first = await org.assign(u.id, addBody(SKU.E3));
  const second = await org.assign(u.id, addBody(SKU.E3, [PLAN.TEAMS]));
  const third = await org.assign(u.id, { addLicenses: [], removeLicenses: [SKU.E3] });
  expect([first.status, second.status, third.status]).toEqual([200, 200, 200]);

  const page1 = await call('GET', '/v1.0/auditLogs/licenseChanges?$top=2', { token: org.tokens.reader });
  expect(page1.status).toBe(200);
  expect(page1.body.value).toHaveLength(2);
  const [newest, middle] = page1.body.value;
  expect(newest).toMatchObject({
    userId: u.id,
    operation: 'assignLicense',
    skuIds: [SKU.E3],
    before: [{ skuId: SKU.E3, disabledPlans: [PLAN.TEAMS] }],
    after: [],
  });
  expect(newest.requestId).toBe(third.headers.get('request-id'));
  expect(newest.actor.displayName).toBe('Dev LicenseAdministrator');
  expect(middle.after).toEqual([{ skuId: SKU.E3, disabledPlans: [PLAN.TEAMS] }]);
  expect(page1.body['@odata.nextLink']).toBeTruthy();
  const page2 = await call('GET', page1.body['@odata.nextLink'], { token: org.tokens.reader });
  expect(page2.body.value).toHaveLength(1);
  expect(page2.body.value[0]).toMatchObject({ before: [], after: [{ skuId: SKU.E3, disabledPlans: [] }], requestId: first.headers.get('request-id') });

  const filtered = await call('GET', `/v1.0/auditLogs/licenseChanges?userId=${u.id}&skuId=${SKU.E3}`, { token: org.tokens.reader });
  expect(filtered.body.value).toHaveLength(3);
  // another tenant sees none of it
  const other = await call('GET', '/v1.0/auditLogs/licenseChanges', { token: t.tokens.reader });
  expect(other.body.value.some((r: any) => r.userId === u.id)).toBe(false);
});
