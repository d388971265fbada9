/** Seat-reduction planner: who is over the line, and a reduction where the admin picks who loses the seat. */
import { addBody, call, newTenant, SKU } from '../helpers';

test('plan a reduction, pick who loses the seat, reduce; inherited licenses cannot be picked', async () => {
  const t = await newTenant('Planner org');
  await t.buy(SKU.E3, 5);
  const users = [];
  for (let i = 0; i < 5; i++) {
    const u = await t.createUser({ displayName: `Holder ${i}` });
    expect((await t.assign(u.id, addBody(SKU.E3))).status).toBe(200);
    users.push(u);
    await new Promise((r) => setTimeout(r, 5)); // distinct assignment times
  }
  const plan = await call('GET', `/v1.0/directory/subscriptions/${SKU.E3}/reductionPlan?totalLicenses=3`, { token: t.tokens.billing });
  expect(plan.status).toBe(200);
  expect(plan.body).toMatchObject({ assigned: 5, newTotal: 3, overBy: 2, windowDays: 90, daysLeft: 90 });
  expect(plan.body.usersOverTheLine.map((u: any) => u.userId)).toEqual([users[3].id, users[4].id]); // the most recently assigned

  // refusing without choosing enough users, and changing nothing
  const tooFew = await call('POST', `/v1.0/directory/subscriptions/${SKU.E3}/reduce`, {
    token: t.tokens.global,
    body: { totalLicenses: 3, unassignUserIds: [users[0].id] },
  });
  expect(tooFew.status).toBe(409);
  expect(tooFew.body.error.code).toBe('quantityBelowAssigned');
  expect(tooFew.body.error.message).toMatch(/Pick 1 more user/);
  expect((await t.sku(SKU.E3)).consumedUnits).toBe(5);
  // a Billing Administrator cannot remove users' licenses
  expect(
    (
      await call('POST', `/v1.0/directory/subscriptions/${SKU.E3}/reduce`, {
        token: t.tokens.billing,
        body: { totalLicenses: 3, unassignUserIds: [users[0].id, users[1].id] },
      })
    ).status,
  ).toBe(403);

  // the admin chooses the first two instead of the suggested ones
  const ok = await call('POST', `/v1.0/directory/subscriptions/${SKU.E3}/reduce`, {
    token: t.tokens.global,
    body: { totalLicenses: 3, unassignUserIds: [users[0].id, users[1].id] },
  });
  expect(ok.status).toBe(200);
  expect(ok.body).toMatchObject({ totalLicenses: 3, consumedUnits: 3 });
  expect((await call('GET', `/v1.0/users/${users[0].id}`, { token: t.tokens.reader })).body.assignedLicenses).toEqual([]);
  expect((await call('GET', `/v1.0/users/${users[4].id}`, { token: t.tokens.reader })).body.assignedLicenses).toHaveLength(1);

  // a user who also gets the product through a group cannot be picked
  const g = (await call('POST', '/v1.0/groups', { token: t.tokens.global, body: { displayName: 'E3 group' } })).body;
  await call('POST', `/v1.0/groups/${g.id}/members/$ref`, {
    token: t.tokens.global,
    body: { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${users[2].id}` },
  });
  await call('POST', `/v1.0/groups/${g.id}/assignLicense`, { token: t.tokens.global, body: addBody(SKU.E3) });
  for (let i = 0; i < 100; i++) {
    const s = (await call('GET', `/v1.0/users/${users[2].id}`, { token: t.tokens.reader })).body.licenseAssignmentStates;
    if (s.length === 2) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const inherited = await call('POST', `/v1.0/directory/subscriptions/${SKU.E3}/reduce`, {
    token: t.tokens.global,
    body: { totalLicenses: 2, unassignUserIds: [users[2].id] },
  });
  expect(inherited.status).toBe(409);
  expect(inherited.body.error.code).toBe('licenseInheritedFromGroup');
  const planNow = await call('GET', `/v1.0/directory/subscriptions/${SKU.E3}/reductionPlan?totalLicenses=2`, { token: t.tokens.reader });
  expect(planNow.body.usersOverTheLine).toEqual([expect.objectContaining({ userId: users[4].id, hasDirectAssignment: true, inheritedFrom: [] })]);
});
