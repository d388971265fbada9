/**
 * Usage rights through HTTP on the real emulators: GET /me/cloudLicensing/usageRights (the user's own
 * delegated token) and /users/{id}/cloudLicensing/usageRights (readers, the read app permission), one right
 * by id, in Graph's cloudLicensing shape; direct and group paths, plans switched off, a Suspended and a
 * Warning subscription, $filter as Graph has it, and who may read whose.
 */
import { addBody, call, newTenant, PLAN, SKU, TestTenant, tokenFor } from '../helpers';

let t: TestTenant;
beforeAll(async () => {
  t = await newTenant('Usage rights org');
  await t.buy(SKU.E3, 5);
  await t.buy(SKU.E1, 5);
  await t.buy(SKU.PBI, 5);
});

const rights = async (path: string, token: string) => {
  const r = await call('GET', `/v1.0/${path}`, { token });
  expect(r.status).toBe(200);
  return r.body.value as any[];
};
/** Assigns the products, all their plans on, directly. */
async function holding(org: TestTenant, userId: string, ...skuIds: string[]) {
  const r = await org.assign(userId, { addLicenses: skuIds.map((skuId) => ({ skuId, disabledPlans: [] })), removeLicenses: [] });
  expect(r.status).toBe(200);
}
const planIdsOf = (right: any) => right.services.map((s: any) => s.planId).sort();

async function groupWith(productSkuId: string, disabledPlans: string[], memberId: string) {
  const g = (await call('POST', '/v1.0/groups', { token: t.tokens.userAdmin, body: { displayName: `Group ${productSkuId.slice(0, 4)}` } })).body;
  const joined = await call('POST', `/v1.0/groups/${g.id}/members/$ref`, {
    token: t.tokens.userAdmin,
    body: { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${memberId}` },
  });
  expect(joined.status).toBe(204);
  expect((await call('POST', `/v1.0/groups/${g.id}/assignLicense`, { token: t.tokens.license, body: addBody(productSkuId, disabledPlans) })).status).toBe(202);
  for (let i = 0; i < 200; i++) {
    const state = (await call('GET', `/v1.0/groups/${g.id}`, { token: t.tokens.reader })).body.licenseProcessingState.state;
    if (state === 'ProcessingComplete') return g;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('group processing did not complete');
}

test("the user's own rights (/me): per product, direct and through a group, plans switched off on every path taken out, in Graph's shape", async () => {
  const u = await t.createUser({ displayName: 'Megan Bowen' });
  // E3 directly without Sway and Yammer; E3 again through a group without Yammer: Sway is on (the group has it)
  expect((await t.assign(u.id, addBody(SKU.E3, [PLAN.SWAY, PLAN.YAMMER]))).status).toBe(200);
  await groupWith(SKU.E3, [PLAN.YAMMER], u.id);
  // Power BI through the group only... in another group
  await groupWith(SKU.PBI, [], u.id);
  const me = await tokenFor('User', t.id, { objectId: u.id });
  const mine = await rights('me/cloudLicensing/usageRights', me);
  expect(mine.map((r) => r.skuId).sort()).toEqual([SKU.E3, SKU.PBI].sort());
  const e3 = mine.find((r) => r.skuId === SKU.E3);
  expect(e3).toMatchObject({ id: SKU.E3, skuId: SKU.E3, skuPartNumber: 'ENTERPRISEPACK' });
  expect(planIdsOf(e3)).toEqual([PLAN.EXO2, PLAN.SPO2, PLAN.WAC, PLAN.TEAMS, PLAN.SWAY].sort());
  expect(e3.services.find((s: any) => s.planId === PLAN.TEAMS)).toEqual({ planId: PLAN.TEAMS, planName: 'TEAMS1', assignableTo: 'user,group' });
  expect(mine.find((r) => r.skuId === SKU.PBI)).toEqual({
    id: SKU.PBI,
    skuId: SKU.PBI,
    skuPartNumber: 'POWER_BI_PRO',
    services: [{ planId: '70d33638-9c74-4d01-bfd3-562de28bd4ba', planName: 'BI_AZURE_P2', assignableTo: 'user,group' }],
  });
  // the same through /users/{id} and /users/{userPrincipalName} for a reader, and one by its id
  expect(await rights(`users/${u.id}/cloudLicensing/usageRights`, t.tokens.reader)).toEqual(mine);
  expect(await rights(`users/${u.userPrincipalName}/cloudLicensing/usageRights`, t.tokens.reader)).toEqual(mine);
  expect((await call('GET', `/v1.0/me/cloudLicensing/usageRights/${SKU.PBI}`, { token: me })).body).toEqual(mine.find((r) => r.skuId === SKU.PBI));
  expect((await call('GET', `/v1.0/users/${u.id}/cloudLicensing/usageRights/${SKU.E3}`, { token: t.tokens.reader })).body).toEqual(e3);
  // a product the user does not hold is no right of theirs
  const none = await call('GET', `/v1.0/me/cloudLicensing/usageRights/${SKU.E1}`, { token: me });
  expect([none.status, none.body.error.code]).toEqual([404, 'Request_ResourceNotFound']);
});

test('$filter as Graph takes it: skuId eq / in, services/any(s:s/planId eq ...), and what it does not take', async () => {
  const u = await t.createUser();
  await holding(t, u.id, SKU.E1, SKU.PBI);
  const me = await tokenFor('User', t.id, { objectId: u.id });
  const skuIds = async (filter: string) => (await rights(`me/cloudLicensing/usageRights?$filter=${encodeURIComponent(filter)}`, me)).map((r) => r.skuId).sort();
  expect(await skuIds(`skuId eq ${SKU.E1}`)).toEqual([SKU.E1]);
  expect(await skuIds(`skuId in (${SKU.PBI}, ${SKU.E3})`)).toEqual([SKU.PBI]);
  expect(await skuIds(`services/any(s:s/planId eq ${PLAN.TEAMS})`)).toEqual([SKU.E1]);
  expect(await skuIds(`services/any(c:c/planId eq ${PLAN.EXO2})`)).toEqual([]);
  const bad = await call('GET', `/v1.0/me/cloudLicensing/usageRights?$filter=${encodeURIComponent("skuPartNumber eq 'STANDARDPACK'")}`, { token: me });
  expect([bad.status, bad.body.error.code, bad.body.error.target]).toEqual([400, 'Request_UnsupportedQuery', '$filter']);
  const malformed = await call('GET', `/v1.0/me/cloudLicensing/usageRights?$filter=${encodeURIComponent('skuId eq (')}`, { token: me });
  expect([malformed.status, malformed.body.error.code]).toEqual([400, 'BadRequest']);
  expect((await call('GET', '/v1.0/me/cloudLicensing/usageRights?$top=1', { token: me })).body.error.code).toBe('Request_UnsupportedQuery');
});

test('what the user may use now: nothing from a Suspended subscription, a Warning one still counts, a removed license is gone', async () => {
  const org = await newTenant('Usage rights lifecycle org');
  const e1 = await org.buy(SKU.E1, 2);
  await org.buy(SKU.PBI, 2);
  const u = await org.createUser();
  await holding(org, u.id, SKU.E1, SKU.PBI);
  const me = await tokenFor('User', org.id, { objectId: u.id });
  const held = async () => (await rights('me/cloudLicensing/usageRights', me)).map((r) => r.skuId).sort();
  expect(await held()).toEqual([SKU.E1, SKU.PBI].sort());
  const move = (status: string) => call('PATCH', `/v1.0/directory/subscriptions/${e1.id}`, { token: org.tokens.billing, body: { status } });
  expect((await move('Warning')).status).toBe(200);
  expect(await held()).toEqual([SKU.E1, SKU.PBI].sort());
  expect((await move('Suspended')).status).toBe(200);
  expect(await held()).toEqual([SKU.PBI]);
  // removing a license takes its right away at once
  expect((await org.assign(u.id, { addLicenses: [], removeLicenses: [SKU.PBI] })).status).toBe(200);
  expect(await held()).toEqual([]);
});

test("who may read whose: anyone their own; a reader or the read app permission anyone's; a user without a role no one else's; other organizations' users do not exist", async () => {
  const u = await t.createUser();
  const other = await t.createUser();
  const me = await tokenFor('User', t.id, { objectId: u.id });
  expect((await call('GET', `/v1.0/users/${other.id}/cloudLicensing/usageRights`, { token: me })).status).toBe(403);
  expect((await call('GET', `/v1.0/users/${other.id}/cloudLicensing/usageRights`, { token: await tokenFor('App', t.id) })).status).toBe(200);
  expect((await call('GET', `/v1.0/users/${other.id}/cloudLicensing/usageRights`, { token: t.tokens.billing })).status).toBe(200);
  // an app has no "me"
  const app = await call('GET', '/v1.0/me/cloudLicensing/usageRights', { token: await tokenFor('App', t.id) });
  expect([app.status, app.body.error.code]).toEqual([403, 'Authorization_RequestDenied']);
  const stranger = await newTenant('Usage rights other org');
  expect((await call('GET', `/v1.0/users/${u.id}/cloudLicensing/usageRights`, { token: stranger.tokens.reader })).status).toBe(404);
  // a token whose oid is no user of the organization
  expect((await call('GET', '/v1.0/me/cloudLicensing/usageRights', { token: stranger.tokens.plain })).status).toBe(404);
  expect((await call('GET', '/v1.0/me/cloudLicensing/usageRights')).status).toBe(401);
});
