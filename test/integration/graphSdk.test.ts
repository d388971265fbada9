/**
 * The Graph compatibility suite: Microsoft's own JS SDK (@microsoft/microsoft-graph-client), set up exactly
 * as the README's "Use a Graph client" says — the https base URL, `customHosts` with the host name, the
 * standard authProvider, no middleware of our own — does what a license portal does, against the real
 * stack. The test process trusts the local host's development CA through NODE_EXTRA_CA_CERTS, as any
 * Node client does (`npm test` sets it for jest).
 */
import { BatchRequestContent, BatchResponseContent, Client, GraphError, PageIterator } from '@microsoft/microsoft-graph-client';
import { TEST_HTTPS_API } from '../env';
import { call, newTenant, PLAN, SKU, TestTenant } from '../helpers';

let t: TestTenant;
let users: any[];
/** The README's snippet, with the token of a given role. */
const graph = (token: string) =>
  Client.init({
    baseUrl: TEST_HTTPS_API,
    defaultVersion: 'v1.0',
    customHosts: new Set([new URL(TEST_HTTPS_API).hostname]),
    authProvider: (done) => done(null, token),
  });

beforeAll(async () => {
  const trusted = await fetch(`${TEST_HTTPS_API}/health`).then(
    () => true,
    () => false,
  );
  if (!trusted)
    throw new Error(
      `This suite reaches ${TEST_HTTPS_API} as a Node client would: run it through npm test, or with NODE_EXTRA_CA_CERTS=.local/tls/dev-ca.pem npx jest ... (Node reads it only when it starts).`,
    );
  t = await newTenant('Graph SDK org');
  await t.buy(SKU.E3, 20);
  await t.buy(SKU.E1, 20);
  users = [];
  for (let i = 0; i < 7; i++) users.push(await t.createUser({ displayName: `Sdk User ${i}` }));
});

test('list products: subscribedSkus with seats and service plans', async () => {
  const skus = await graph(t.tokens.reader).api('/subscribedSkus').get();
  const e3 = skus.value.find((s: any) => s.skuId === SKU.E3);
  expect(e3).toMatchObject({ skuPartNumber: 'ENTERPRISEPACK', prepaidUnits: { enabled: 20 }, consumedUnits: 0 });
  expect(e3.servicePlans.map((p: any) => p.servicePlanId)).toContain(PLAN.EXO2);
});

test('assignLicense, then licenseDetails, through the SDK', async () => {
  const client = graph(t.tokens.license);
  const updated = await client
    .api(`/users/${users[0].id}/assignLicense`)
    .post({ addLicenses: [{ skuId: SKU.E3, disabledPlans: [PLAN.SWAY] }], removeLicenses: [] });
  expect(updated.assignedLicenses).toEqual([{ skuId: SKU.E3, disabledPlans: [PLAN.SWAY] }]);
  const details = await client.api(`/users/${users[0].userPrincipalName}/licenseDetails`).get();
  expect(details.value).toHaveLength(1);
  expect(details.value[0].skuPartNumber).toBe('ENTERPRISEPACK');
  expect(details.value[0].servicePlans.find((p: any) => p.servicePlanId === PLAN.SWAY).provisioningStatus).toBe('Disabled');
});

test('users paged with PageIterator: every user once', async () => {
  const seen: string[] = [];
  const first = await graph(t.tokens.reader).api('/users').top(3).get();
  const iterator = new PageIterator(graph(t.tokens.reader), first, (u: any) => {
    seen.push(u.id);
    return true;
  });
  await iterator.iterate();
  expect(seen.sort()).toEqual(users.map((u) => u.id).sort());
});

test('$filter and $count on assignedLicenses (advanced query: ConsistencyLevel eventual) match the plain list', async () => {
  const client = graph(t.tokens.reader);
  await graph(t.tokens.license)
    .api(`/users/${users[1].id}/assignLicense`)
    .post({ addLicenses: [{ skuId: SKU.E1, disabledPlans: [] }], removeLicenses: [] });
  const all = (await client.api('/users').top(999).get()).value;
  const holdingE3 = await client.api('/users').header('ConsistencyLevel', 'eventual').filter(`assignedLicenses/any(x:x/skuId eq ${SKU.E3})`).count(true).get();
  const expectedE3 = all.filter((u: any) => u.assignedLicenses.some((l: any) => l.skuId === SKU.E3)).map((u: any) => u.id);
  expect(holdingE3['@odata.count']).toBe(expectedE3.length);
  expect(holdingE3.value.map((u: any) => u.id).sort()).toEqual(expectedE3.sort());
  const unlicensed = await client
    .api('/users')
    .header('ConsistencyLevel', 'eventual')
    .filter('assignedLicenses/$count eq 0')
    .count(true)
    .select('id,displayName')
    .get();
  const expectedNone = all.filter((u: any) => u.assignedLicenses.length === 0).map((u: any) => u.id);
  expect(unlicensed['@odata.count']).toBe(expectedNone.length);
  expect(unlicensed.value.map((u: any) => u.id).sort()).toEqual(expectedNone.sort());
  expect(Object.keys(unlicensed.value[0]).sort()).toEqual(['displayName', 'id']);
});

test('a BatchRequestContent of 3 requests, answered one by one', async () => {
  const client = graph(t.tokens.license);
  const base = `${TEST_HTTPS_API}/v1.0`;
  const batch = new BatchRequestContent([
    { id: '1', request: new Request(`${base}/subscribedSkus/${SKU.E1}`, { method: 'GET' }) },
    {
      id: '2',
      request: new Request(`${base}/users/${users[2].id}/assignLicense`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ addLicenses: [{ skuId: SKU.E1, disabledPlans: [] }], removeLicenses: [] }),
      }),
      dependsOn: ['1'],
    },
    { id: '3', request: new Request(`${base}/users/${users[2].id}/licenseDetails`, { method: 'GET' }), dependsOn: ['2'] },
  ]);
  const answer = new BatchResponseContent(await client.api('/$batch').post(await batch.getContent()));
  const one = answer.getResponseById('1');
  const two = answer.getResponseById('2');
  const three = answer.getResponseById('3');
  expect([one.status, two.status, three.status]).toEqual([200, 200, 200]);
  expect((await two.json()).assignedLicenses).toEqual([{ skuId: SKU.E1, disabledPlans: [] }]);
  expect((await three.json()).value.map((d: any) => d.skuPartNumber)).toEqual(['STANDARDPACK']);
});

test("create a user with Graph's documented body", async () => {
  const created = await graph(t.tokens.userAdmin)
    .api('/users')
    .post({
      accountEnabled: true,
      displayName: 'Adele Vance',
      mailNickname: 'AdeleV',
      userPrincipalName: `AdeleV-${Math.random().toString(36).slice(2, 7)}@sdk.dev`,
      passwordProfile: { forceChangePasswordNextSignIn: true, password: 'xWwvJ]6NMw+bWH-d' },
    });
  expect(created).toMatchObject({ displayName: 'Adele Vance', mailNickname: 'AdeleV', accountEnabled: true, assignedLicenses: [] });
});

test("errors come back as the SDK's GraphError: code, statusCode, request-id", async () => {
  const guest = await t.createUser({ displayName: 'Sdk Guest', userType: 'Guest' });
  let error: GraphError | undefined;
  try {
    await graph(t.tokens.license)
      .api(`/users/${guest.id}/assignLicense`)
      .post({ addLicenses: [{ skuId: SKU.E1, disabledPlans: [] }], removeLicenses: [] });
  } catch (e) {
    error = e as GraphError;
  }
  expect(error).toBeInstanceOf(GraphError);
  expect(error!.statusCode).toBe(403);
  expect(error!.code).toBe('Authorization_RequestDenied');
  expect(error!.message).toMatch(/Only a Global Administrator/);
  expect(error!.requestId).toMatch(/^[0-9a-f-]{36}$/);
  // and nothing was assigned
  expect((await call('GET', `/v1.0/users/${guest.id}`, { token: t.tokens.reader })).body.assignedLicenses).toEqual([]);
  // a missing resource: 404 Request_ResourceNotFound
  const missing = await graph(t.tokens.reader)
    .api('/users/00000000-0000-4000-8000-000000000000')
    .get()
    .catch((e) => e);
  expect(missing).toBeInstanceOf(GraphError);
  expect([missing.statusCode, missing.code]).toEqual([404, 'Request_ResourceNotFound']);
});
