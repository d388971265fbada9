/**
 * Finding 3 (medium): the guest rule (only a Global Administrator licenses guests) was bypassed three
 * ways: flipping userType around an assignment, licensing a group that holds a guest, and a self-service
 * purchase for a guest (without usage location, without an audit record).
 */
import { addBody, call, newTenant, SKU, TestTenant } from '../helpers';

let t: TestTenant;
beforeAll(async () => {
  t = await newTenant('Guest rule org');
  await t.buy(SKU.E1, 10);
});

async function until<T>(probe: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  for (let i = 0; ; i++) {
    const v = await probe();
    if (ok(v) || i > 300) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

test("a User Administrator cannot turn a guest into a member (to license them): userType is a Global Administrator's call", async () => {
  const guest = await t.createUser({ displayName: 'Flip Guest', userType: 'Guest' });
  const flip = await call('PATCH', `/v1.0/users/${guest.id}`, { token: t.tokens.userAdmin, body: { userType: 'Member' } });
  expect(flip.status).toBe(403);
  expect(flip.body.error.code).toBe('Authorization_RequestDenied');
  expect(flip.body.error.message).toMatch(/Global Administrator/);
  const assign = await t.assign(guest.id, addBody(SKU.E1), t.tokens.userAdmin);
  expect(assign.status).toBe(403);
  const after = (await call('GET', `/v1.0/users/${guest.id}`, { token: t.tokens.reader })).body;
  expect(after).toMatchObject({ userType: 'Guest', assignedLicenses: [] });
  // a Global Administrator may
  expect((await call('PATCH', `/v1.0/users/${guest.id}`, { token: t.tokens.global, body: { userType: 'Member' } })).status).toBe(204);
});

test("a group licensed by a License Administrator gives its guest member nothing (Error, the rule's reason); by a Global Administrator it does", async () => {
  const [member, guest] = [await t.createUser({ displayName: 'Group Member' }), await t.createUser({ displayName: 'Group Guest', userType: 'Guest' })];
  const g = (await call('POST', '/v1.0/groups', { token: t.tokens.global, body: { displayName: 'Mixed group' } })).body;
  for (const u of [member, guest]) {
    expect(
      (
        await call('POST', `/v1.0/groups/${g.id}/members/$ref`, {
          token: t.tokens.global,
          body: { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${u.id}` },
        })
      ).status,
    ).toBe(204);
  }
  const consumed = (await t.sku(SKU.E1)).consumedUnits;
  expect((await call('POST', `/v1.0/groups/${g.id}/assignLicense`, { token: t.tokens.license, body: addBody(SKU.E1) })).status).toBe(202);
  const user = (id: string) => call('GET', `/v1.0/users/${id}`, { token: t.tokens.reader }).then((r) => r.body);
  const m = await until(
    () => user(member.id),
    (u) => u.assignedLicenses.length === 1,
  );
  expect(m.assignedLicenses[0].skuId).toBe(SKU.E1);
  const gu = await until(
    () => user(guest.id),
    (u) => u.licenseAssignmentStates.length === 1,
  );
  expect(gu.assignedLicenses).toEqual([]);
  expect(gu.licenseAssignmentStates[0]).toMatchObject({ skuId: SKU.E1, assignedByGroup: g.id, state: 'Error' });
  expect(gu.licenseAssignmentStates[0].errorMessage).toMatch(/guest user, and only a Global Administrator can license guests/);
  expect((await t.sku(SKU.E1)).consumedUnits).toBe(consumed + 1); // the member's seat only
  // the Global Administrator assigns the group's license again: the guest inherits it
  expect((await call('POST', `/v1.0/groups/${g.id}/assignLicense`, { token: t.tokens.global, body: addBody(SKU.E1) })).status).toBe(202);
  const fixed = await until(
    () => user(guest.id),
    (u) => u.assignedLicenses.length === 1,
  );
  expect(fixed.licenseAssignmentStates[0]).toMatchObject({ state: 'Active' });
  expect((await t.sku(SKU.E1)).consumedUnits).toBe(consumed + 2);
});

test('a self-service purchase for a guest, or for a user without usage location, is refused by the same rules; a good one is audited', async () => {
  const guest = await t.createUser({ displayName: 'Buying Guest', userType: 'Guest' });
  const buyFor = (ownerUserId: string, skuId = SKU.PBI) =>
    call('POST', '/v1.0/directory/subscriptions', { token: t.tokens.billing, body: { skuId, totalLicenses: 5, purchaseChannel: 'selfService', ownerUserId } });
  const forGuest = await buyFor(guest.id);
  expect(forGuest.status).toBe(403);
  expect(forGuest.body.error.code).toBe('Authorization_RequestDenied');
  const nowhere = await t.createUser({ displayName: 'Nowhere', usageLocation: null });
  const noLocation = await buyFor(nowhere.id);
  expect(noLocation.status).toBe(409);
  expect(noLocation.body.error.code).toBe('usageLocationRequired');
  // nothing was bought by the refused purchases
  expect((await call('GET', '/v1.0/subscribedSkus', { token: t.tokens.reader })).body.value.map((s: any) => s.skuId)).not.toContain(SKU.PBI);

  const buyer = await t.createUser({ displayName: 'Good Buyer' });
  const ok = await buyFor(buyer.id);
  expect(ok.status).toBe(201);
  expect((await call('GET', `/v1.0/users/${buyer.id}`, { token: t.tokens.reader })).body.assignedLicenses).toEqual([{ skuId: SKU.PBI, disabledPlans: [] }]);
  const audit = (await call('GET', `/v1.0/auditLogs/licenseChanges?userId=${buyer.id}`, { token: t.tokens.reader })).body.value;
  expect(audit).toEqual([
    expect.objectContaining({ operation: 'selfServicePurchase', skuIds: [SKU.PBI], before: [], after: [{ skuId: SKU.PBI, disabledPlans: [] }] }),
  ]);
});
