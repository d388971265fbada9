/**
 * A new catalog version reaches every instance: a product published through one host process is served
 * by a second host process on the same store at the second's first check of the head after the publish.
 * Bounded by a count of the second host's checks (GET /v1.0/catalog says how many it made), never by a
 * time: whatever the machine's speed, the first answer that comes from a check made after the publish
 * has the new version.
 */
import { randomUUID } from 'node:crypto';
import { call, newTenant, operatorToken, TestTenant } from '../helpers';
import { OwnStack, startOwnStack } from '../ownStack';

let stack: OwnStack;
let second: string;
let t: TestTenant;

beforeAll(async () => {
  // the first host checks every five minutes at most (it publishes: it knows at once); the second every half second
  stack = await startOwnStack(160, { CATALOG_REFRESH_SECONDS: '300' });
  const port = stack.ports.host + 2;
  await stack.attach({ LOCAL_HTTP_PORT: String(port), LOCAL_HTTPS_PORT: String(port + 1), CATALOG_REFRESH_SECONDS: '0.5' });
  second = `http://localhost:${port}/api`;
  t = await newTenant('Two hosts', stack.api);
}, 180_000);

afterAll(() => stack?.stop());

const state = async (api: string) => {
  const r = await call('GET', `${api}/v1.0/catalog`, { token: await operatorToken() });
  expect(r.status).toBe(200);
  return r.body as { version: number; products: number; instance: { version: number; checks: number; loads: number; refreshSeconds: number } };
};

test('a version published through one host is what the other host serves from its first check after the publish', async () => {
  const operator = await operatorToken();
  const before = await state(second);
  expect(before.instance.refreshSeconds).toBe(0.5);
  expect(before.version).toBeGreaterThanOrEqual(2); // the demo's catalog: its products, then its rules

  const skuId = randomUUID();
  const plan = randomUUID();
  const put = await call('PUT', `${stack.api}/v1.0/catalog/products/${skuId}`, {
    token: operator,
    body: {
      skuPartNumber: `TWO_HOSTS_${skuId.slice(0, 8)}`,
      displayName: 'Two hosts product',
      servicePlans: [{ servicePlanId: plan, servicePlanName: 'TWO_HOSTS', displayName: 'Two hosts plan' }],
    },
  });
  expect(put.status).toBe(201);
  const published = (await state(stack.api)).version; // the publishing host uses its version at once
  expect(published).toBe(before.version + 1);

  // the second host: every answer whose check came after the publish has the new version
  const afterPublish = (await state(second)).instance.checks;
  let seen: Awaited<ReturnType<typeof state>> | undefined;
  for (let reads = 0; reads < 400 && !seen; reads++) {
    const s = await state(second);
    if (s.instance.checks > afterPublish) seen = s;
    else await new Promise((r) => setTimeout(r, 50));
  }
  expect(seen).toBeDefined(); // the second host checked again (it checks at most every 0.5 s, when asked)
  expect(seen!.version).toBe(published);
  expect(seen!.instance.version).toBe(published);
  expect(seen!.instance.loads).toBe(before.instance.loads + 1); // the new version loaded once

  // and it serves it: the product is in its catalog, and an organization buys and assigns it there
  const got = await call('GET', `${second}/v1.0/catalog/products/${skuId}`, { token: t.tokens.reader });
  expect(got.status).toBe(200);
  expect(got.body.servicePlans.map((p: { servicePlanId: string }) => p.servicePlanId)).toEqual([plan]);
  const bought = await call('POST', `${second}/v1.0/tenants/${t.id}/subscriptions`, { token: operator, body: { skuId, totalLicenses: 2 } });
  expect(bought.status).toBe(201);
  const u = await t.createUser();
  const assigned = await call('POST', `${second}/v1.0/users/${u.id}/assignLicense`, {
    token: t.tokens.license,
    body: { addLicenses: [{ skuId, disabledPlans: [] }], removeLicenses: [] },
  });
  expect(assigned.status).toBe(200);
  const details = await call('GET', `${second}/v1.0/users/${u.id}/licenseDetails`, { token: t.tokens.reader });
  expect(details.body.value).toEqual([
    expect.objectContaining({ skuId, servicePlans: [expect.objectContaining({ servicePlanId: plan, provisioningStatus: 'Success' })] }),
  ]);
});

test('between checks a host reads the catalog from memory: many calls, at most one check per interval', async () => {
  const a = (await state(stack.api)).instance;
  for (let i = 0; i < 20; i++) expect((await call('GET', `${stack.api}/v1.0/subscribedSkus`, { token: t.tokens.reader })).status).toBe(200);
  const b = (await state(stack.api)).instance;
  // the first host checks every five minutes: twenty-one calls made no head read
  expect(b.checks).toBe(a.checks);
});
