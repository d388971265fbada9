/**
 * Seats under concurrency: many simultaneous requests for fewer seats end with exactly as many assigned
 * as there were seats, and the counter matches the users who hold the product.
 */
import { addBody, call, newTenant, SKU, TestTenant } from '../helpers';

async function holders(t: TestTenant, skuId: string): Promise<string[]> {
  const ids: string[] = [];
  let next: string | undefined = `/v1.0/subscribedSkus/${skuId}/assignments?$top=999`;
  while (next) {
    const r: any = await call('GET', next, { token: t.tokens.reader });
    ids.push(...r.body.value.map((u: any) => u.id));
    next = r.body['@odata.nextLink'];
  }
  return ids;
}

async function createUsers(t: TestTenant, n: number) {
  const users: any[] = [];
  for (let i = 0; i < n; i += 20) users.push(...(await Promise.all(Array.from({ length: Math.min(20, n - i) }, () => t.createUser()))));
  return users;
}

test('120 concurrent assignments for 50 seats: exactly 50 succeed, the rest get CountViolation, counts match', async () => {
  const t = await newTenant('Race org');
  await t.buy(SKU.E3, 50);
  const users = await createUsers(t, 120);
  const results = await Promise.all(users.map((u) => t.assign(u.id, addBody(SKU.E3))));
  const ok = results.filter((r) => r.status === 200);
  const refused = results.filter((r) => r.status !== 200);
  expect(ok).toHaveLength(50);
  expect(refused).toHaveLength(70);
  expect(refused.every((r) => r.status === 409 && r.body.error.code === 'CountViolation')).toBe(true);
  const sku = await t.sku(SKU.E3);
  expect(sku).toMatchObject({ consumedUnits: 50, availableUnits: 0 });
  const held = await holders(t, SKU.E3);
  expect(held).toHaveLength(50);
  expect(held.sort()).toEqual(ok.map((r) => r.body.id).sort());
});

test('the same user assigned the same product 10 times at once holds it once and uses one seat', async () => {
  const t = await newTenant('Same user org');
  await t.buy(SKU.E1, 5);
  const [u] = await createUsers(t, 1);
  const results = await Promise.all(Array.from({ length: 10 }, () => t.assign(u.id, addBody(SKU.E1))));
  expect(results.every((r) => r.status === 200)).toBe(true);
  expect((await t.sku(SKU.E1)).consumedUnits).toBe(1);
  const user = await call('GET', `/v1.0/users/${u.id}`, { token: t.tokens.reader });
  expect(user.body.assignedLicenses).toEqual([{ skuId: SKU.E1, disabledPlans: [] }]);
});

test('concurrent batches of 5 users for 12 seats: each batch is all or nothing, seats never over-assigned', async () => {
  const t = await newTenant('Batch race org');
  await t.buy(SKU.E3, 12);
  const users = await createUsers(t, 40);
  const batches = Array.from({ length: 8 }, (_, i) => users.slice(i * 5, i * 5 + 5).map((u) => u.id));
  const results = await Promise.all(
    batches.map((userIds) => call('POST', `/v1.0/subscribedSkus/${SKU.E3}/assign`, { token: t.tokens.license, body: { userIds } })),
  );
  const okBatches = batches.filter((_, i) => results[i].status === 200);
  expect(okBatches.length).toBe(2); // 2 x 5 = 10 <= 12 < 15
  results.filter((r) => r.status !== 200).forEach((r) => expect(r.body.error.code).toBe('CountViolation'));
  const held = await holders(t, SKU.E3);
  expect(held.sort()).toEqual(okBatches.flat().sort());
  expect((await t.sku(SKU.E3)).consumedUnits).toBe(10);
});

test('assign and remove churning at once on the same seats: the counter equals the holders at the end', async () => {
  const t = await newTenant('Churn org');
  await t.buy(SKU.E1, 10);
  const users = await createUsers(t, 30);
  // first 10 hold a seat; then they give it back while 20 others race for the seats
  await Promise.all(users.slice(0, 10).map((u) => t.assign(u.id, addBody(SKU.E1))));
  expect((await t.sku(SKU.E1)).consumedUnits).toBe(10);
  const ops = [
    ...users.slice(0, 10).map((u) => t.assign(u.id, { addLicenses: [], removeLicenses: [SKU.E1] })),
    ...users.slice(10).map((u) => t.assign(u.id, addBody(SKU.E1))),
  ];
  const results = await Promise.all(ops);
  expect(results.slice(0, 10).every((r) => r.status === 200)).toBe(true);
  const held = await holders(t, SKU.E1);
  const sku = await t.sku(SKU.E1);
  expect(held.length).toBeLessThanOrEqual(10);
  expect(sku.consumedUnits).toBe(held.length);
  expect(results.slice(10).filter((r) => r.status === 200)).toHaveLength(held.length);
});
