/**
 * License requests on the real stack: a member asks (User-role token, their own), one pending per product,
 * requests off with the organization's message, approve directly and via a group, approve refused for lack
 * of seats (still pending, with the reason), bulk approve of 20 with mixed outcomes, deny, expiry by the
 * reconciliation, the webhook events, and the role checks.
 */
import { execFile } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { addBody, call, newTenant, SKU, storeOf, TestTenant, tokenFor } from '../helpers';
import { testStackEnv } from '../env';
import { until, webhookReceiver } from '../webhooks';

const store = storeOf();
const directory = store.container('directory');

const hooks = webhookReceiver();
afterAll(() => store.dispose()); // its keep-alive sockets would hold the test worker open

/** A member and a token that is their own (no admin role). */
async function member(t: TestTenant, props: Parameters<TestTenant['createUser']>[0] = {}) {
  const user = await t.createUser(props);
  return { user, token: await tokenFor('User', t.id, { objectId: user.id }) };
}

const ask = (token: string, skuId: string, justification = 'I need it for work') =>
  call('POST', '/v1.0/me/licenseRequests', { token, body: { skuId, justification } });

test('a member asks for a license with a User-role token; a second pending request for the product is refused; readers list it, the member sees only their own', async () => {
  const t = await newTenant('Requests org');
  await t.buy(SKU.E3, 5);
  const alex = await member(t, { displayName: 'Alex' });
  const r = await ask(alex.token, SKU.E3);
  expect(r.status).toBe(201);
  expect(r.body).toMatchObject({ status: 'pending', skuId: SKU.E3, justification: 'I need it for work', requestedBy: { id: alex.user.id } });
  const days = (Date.parse(r.body.expirationDateTime) - Date.parse(r.body.createdDateTime)) / 86_400_000;
  expect(days).toBe(30);

  const again = await ask(alex.token, SKU.E3);
  expect(again.status).toBe(409);
  expect(again.body.error).toMatchObject({ code: 'licenseRequestPending', target: r.body.id });

  // a product the organization does not have; a guest; the plain dev token that is no user of the organization
  expect((await ask(alex.token, SKU.PBI)).body.error).toMatchObject({ code: 'productNotSubscribed' });
  const guest = await member(t, { userType: 'Guest', userPrincipalName: `guest_${Date.now()}@ext.dev` });
  expect((await ask(guest.token, SKU.E3)).status).toBe(403);
  expect((await ask(t.tokens.plain, SKU.E3)).status).toBe(403);

  const megan = await member(t, { displayName: 'Megan' });
  expect((await ask(megan.token, SKU.E3)).status).toBe(201);
  const mine = await call('GET', '/v1.0/me/licenseRequests', { token: alex.token });
  expect(mine.body.value.map((x: any) => x.id)).toEqual([r.body.id]);
  const all = await call('GET', "/v1.0/licenseRequests?$filter=status eq 'pending'", { token: t.tokens.reader });
  expect(all.body.value).toHaveLength(2);
  expect((await call('GET', `/v1.0/licenseRequests?$filter=skuId eq ${SKU.E1}`, { token: t.tokens.reader })).body.value).toHaveLength(0);
  expect((await call('GET', "/v1.0/licenseRequests?$filter=startswith(status,'p')", { token: t.tokens.reader })).status).toBe(400);
  const paged = await call('GET', '/v1.0/licenseRequests?$top=1', { token: t.tokens.reader });
  expect(paged.body.value).toHaveLength(1);
  expect((await call('GET', paged.body['@odata.nextLink'], { token: t.tokens.reader })).body.value).toHaveLength(1);
  // a member reads their own by id, not another's
  expect((await call('GET', `/v1.0/licenseRequests/${r.body.id}`, { token: alex.token })).status).toBe(200);
  expect((await call('GET', `/v1.0/licenseRequests/${r.body.id}`, { token: megan.token })).status).toBe(404);
});

test("`npm run token -- User --user <UPN>` mints that user's own token (no admin role), with which they ask for a license", async () => {
  const t = await newTenant('Token CLI org');
  await t.buy(SKU.E1, 1);
  const u = await t.createUser({ displayName: 'Cli User' });
  const cli = (...args: string[]) =>
    promisify(execFile)(process.execPath, [join(__dirname, '..', '..', 'dist', 'local', 'token.js'), ...args], { env: { ...process.env, ...testStackEnv } });
  const { stdout } = await cli('User', '--tenant', t.id, '--user', u.userPrincipalName);
  const token = stdout.trim();
  const r = await ask(token, SKU.E1);
  expect(r.status).toBe(201);
  expect(r.body.requestedBy).toEqual({ id: u.id, displayName: 'Cli User', userPrincipalName: u.userPrincipalName });
  // no admin role: the organization's requests are not theirs to list
  expect((await call('GET', '/v1.0/licenseRequests', { token })).status).toBe(403);
  await expect(cli('User', '--tenant', t.id, '--user', 'nobody@nowhere.dev')).rejects.toThrow(/no user 'nobody@nowhere.dev'/);
});

test("role checks: a User-role token cannot approve, deny, list the organization's requests or change either policy", async () => {
  const t = await newTenant('Requests roles org');
  await t.buy(SKU.E3, 5);
  const alex = await member(t);
  const r = await ask(alex.token, SKU.E3);
  for (const [method, path, body] of [
    ['POST', `/v1.0/licenseRequests/${r.body.id}/approve`, {}],
    ['POST', '/v1.0/licenseRequests/approve', { ids: [r.body.id] }],
    ['POST', `/v1.0/licenseRequests/${r.body.id}/deny`, { reason: 'no' }],
    ['GET', '/v1.0/licenseRequests', undefined],
    ['PATCH', '/v1.0/licenseRequests/policy', { enabled: false }],
    ['PATCH', '/v1.0/licensePolicies/autoClaim', { enabled: false }],
  ] as const) {
    const res = await call(method, path, { token: alex.token, body });
    expect([path, res.status, res.body.error?.code]).toEqual([path, 403, 'Authorization_RequestDenied']);
  }
  // the request policy is a Global admin's; License admins approve but may not switch requests off
  expect((await call('PATCH', '/v1.0/licenseRequests/policy', { token: t.tokens.license, body: { enabled: false } })).status).toBe(403);
  expect((await call('GET', `/v1.0/licenseRequests/${r.body.id}`, { token: alex.token })).body.status).toBe('pending');
});

test("requests switched off: members get 403 with the organization's own message and link; on again, they may ask", async () => {
  const t = await newTenant('Requests off org');
  await t.buy(SKU.E3, 5);
  const alex = await member(t);
  const off = await call('PATCH', '/v1.0/licenseRequests/policy', {
    token: t.tokens.global,
    body: { enabled: false, customMessage: 'Use the IT portal.', customUrl: 'https://it.contoso.dev/licenses' },
  });
  expect(off.status).toBe(200);
  expect(off.body).toEqual({ enabled: false, customMessage: 'Use the IT portal.', customUrl: 'https://it.contoso.dev/licenses' });
  expect((await call('GET', '/v1.0/licenseRequests/policy', { token: alex.token })).body.enabled).toBe(false);
  const refused = await ask(alex.token, SKU.E3);
  expect(refused.status).toBe(403);
  expect(refused.body.error).toMatchObject({ code: 'licenseRequestsDisabled', message: 'Use the IT portal. https://it.contoso.dev/licenses' });
  expect(refused.body.error.details).toEqual([{ code: 'customUrl', message: 'https://it.contoso.dev/licenses', target: 'customUrl' }]);
  expect((await call('PATCH', '/v1.0/licenseRequests/policy', { token: t.tokens.global, body: { customUrl: 'javascript:alert(1)' } })).status).toBe(400);
  await call('PATCH', '/v1.0/licenseRequests/policy', { token: t.tokens.global, body: { enabled: true } });
  expect((await ask(alex.token, SKU.E3)).status).toBe(201);
});

test('approve directly: the license goes through the write path (seats, audit record naming the request); signed webhook events for created and decided', async () => {
  const t = await newTenant('Approve org');
  await t.buy(SKU.E3, 5);
  const hook = await call('POST', '/v1.0/alerts/webhooks', {
    token: t.tokens.billing,
    body: { url: hooks.url(), events: ['licenseRequestCreated', 'licenseRequestDecided'] },
  });
  expect(hook.status).toBe(201);
  const alex = await member(t);
  const r = await ask(alex.token, SKU.E3);
  const approved = await call('POST', `/v1.0/licenseRequests/${r.body.id}/approve`, {
    token: t.tokens.license,
    body: { disabledPlans: ['a23b959c-7ce8-4e57-9140-b90eb88a9e97'] },
  });
  expect(approved.status).toBe(200);
  expect(approved.body).toMatchObject({ status: 'approved', decidedBy: { displayName: 'Dev LicenseAdministrator' }, approvedVia: { groupId: null } });
  expect(approved.body.decidedDateTime).toBeTruthy();
  const user = await call('GET', `/v1.0/users/${alex.user.id}`, { token: t.tokens.reader });
  expect(user.body.assignedLicenses).toEqual([{ skuId: SKU.E3, disabledPlans: ['a23b959c-7ce8-4e57-9140-b90eb88a9e97'] }]);
  expect((await t.sku(SKU.E3)).consumedUnits).toBe(1);
  const records = await call('GET', `/v1.0/auditLogs/licenseChanges?userId=${alex.user.id}`, { token: t.tokens.reader });
  expect(records.body.value[0]).toMatchObject({ operation: 'approveLicenseRequest', licenseRequestId: r.body.id, skuIds: [SKU.E3] });
  // decided once: a second decision is refused, and the member may ask again for something else
  expect((await call('POST', `/v1.0/licenseRequests/${r.body.id}/deny`, { token: t.tokens.license, body: { reason: 'late' } })).body.error.code).toBe(
    'licenseRequestDecided',
  );

  const mine = await until(
    () => hooks.received.filter((x) => JSON.parse(x.body).tenantId === t.id),
    (l) => l.length >= 2,
  );
  const events = mine.map((x) => JSON.parse(x.body));
  expect(events.map((e) => e.event).sort()).toEqual(['licenseRequestCreated', 'licenseRequestDecided']);
  expect(events.find((e) => e.event === 'licenseRequestDecided').data).toMatchObject({ licenseRequestId: r.body.id, status: 'approved' });
  for (const x of mine) {
    const [ts, v1] = String(x.headers['x-license-alert-signature']).split(',');
    const expected = createHmac('sha256', hook.body.secret)
      .update(`${ts.slice(2)}.${x.body}`)
      .digest('hex');
    expect(v1).toBe(`v1=${expected}`);
  }
});

test('approve via a group: the user joins the group and inherits the product', async () => {
  const t = await newTenant('Approve via group org');
  await t.buy(SKU.E1, 5);
  const g = await call('POST', '/v1.0/groups', { token: t.tokens.global, body: { displayName: 'E1 people' } });
  expect((await call('POST', `/v1.0/groups/${g.body.id}/assignLicense`, { token: t.tokens.license, body: addBody(SKU.E1) })).status).toBe(202);
  const alex = await member(t);
  const r = await ask(alex.token, SKU.E1);
  const wrongGroup = await call('POST', '/v1.0/groups', { token: t.tokens.global, body: { displayName: 'Nothing' } });
  const refused = await call('POST', `/v1.0/licenseRequests/${r.body.id}/approve`, { token: t.tokens.userAdmin, body: { groupId: wrongGroup.body.id } });
  expect(refused.status).toBe(400);
  expect(refused.body.error.target).toBe('groupId');
  const ok = await call('POST', `/v1.0/licenseRequests/${r.body.id}/approve`, { token: t.tokens.userAdmin, body: { groupId: g.body.id } });
  expect(ok.status).toBe(200);
  expect(ok.body.approvedVia).toEqual({ groupId: g.body.id, disabledPlans: [] });
  const user = await call('GET', `/v1.0/users/${alex.user.id}`, { token: t.tokens.reader });
  expect(user.body.licenseAssignmentStates).toEqual([expect.objectContaining({ skuId: SKU.E1, assignedByGroup: g.body.id, state: 'Active' })]);
  const members = await call('GET', `/v1.0/groups/${g.body.id}/members`, { token: t.tokens.reader });
  expect(members.body.value.map((m: any) => m.id)).toEqual([alex.user.id]);
});

test('approve via a group needs what adding a member needs: a License admin, or the LicenseAssignment.ReadWrite.All app, gets 403 naming the roles that can, and nothing changes (issue 19, item 2)', async () => {
  const t = await newTenant('Group approval roles org');
  await t.buy(SKU.E1, 5);
  const g = await call('POST', '/v1.0/groups', { token: t.tokens.global, body: { displayName: 'Admins of everything' } });
  expect((await call('POST', `/v1.0/groups/${g.body.id}/assignLicense`, { token: t.tokens.license, body: addBody(SKU.E1) })).status).toBe(202);
  const alex = await member(t);
  const r = await ask(alex.token, SKU.E1);
  const viaGroup = { groupId: g.body.id };
  const app = await tokenFor('App', t.id);
  for (const token of [t.tokens.license, app]) {
    const denied = await call('POST', `/v1.0/licenseRequests/${r.body.id}/approve`, { token, body: viaGroup });
    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe('Authorization_RequestDenied');
    expect(denied.body.error.message).toBe(
      'You do not have permission to add or remove group members. This needs one of: Global Administrator or User Administrator; ask a Global Administrator to grant it.',
    );
    // a License admin may not add the member the plain way either: the same refusal
    const add = await call('POST', `/v1.0/groups/${g.body.id}/members/$ref`, {
      token,
      body: { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${alex.user.id}` },
    });
    expect([add.status, add.body.error.message]).toEqual([403, denied.body.error.message]);
  }
  // in a $batch too (each request through the same checks)
  const batch = await call('POST', '/v1.0/$batch', {
    token: t.tokens.license,
    body: { requests: [{ id: '1', method: 'POST', url: `/licenseRequests/${r.body.id}/approve`, body: viaGroup }] },
  });
  expect(batch.body.responses[0]).toMatchObject({ status: 403, body: { error: { code: 'Authorization_RequestDenied' } } });
  // nothing changed: still pending (not even marked as being approved), not a member, no license
  expect((await call('GET', `/v1.0/licenseRequests/${r.body.id}`, { token: t.tokens.reader })).body).toMatchObject({
    status: 'pending',
    lastApprovalError: null,
  });
  expect((await call('GET', `/v1.0/groups/${g.body.id}/members`, { token: t.tokens.reader })).body.value).toEqual([]);
  expect((await call('GET', `/v1.0/users/${alex.user.id}`, { token: t.tokens.reader })).body.assignedLicenses).toEqual([]);
  // a User admin may (they may add the member anyway); a License admin still approves directly
  const ok = await call('POST', `/v1.0/licenseRequests/${r.body.id}/approve`, { token: t.tokens.userAdmin, body: viaGroup });
  expect(ok.status).toBe(200);
  expect(ok.body.approvedVia).toEqual({ groupId: g.body.id, disabledPlans: [] });
  const other = await member(t);
  const direct = await call('POST', `/v1.0/licenseRequests/${(await ask(other.token, SKU.E1)).body.id}/approve`, { token: t.tokens.license, body: {} });
  expect(direct.status).toBe(200);
});

test('approve via a group that has no seat for the user: refused with the reason, the membership taken back, the request still pending', async () => {
  const t = await newTenant('Group without seats org');
  await t.buy(SKU.EXO1, 1);
  const holder = await t.createUser();
  expect((await t.assign(holder.id, addBody(SKU.EXO1))).status).toBe(200);
  const g = await call('POST', '/v1.0/groups', { token: t.tokens.global, body: { displayName: 'Mail people' } });
  expect((await call('POST', `/v1.0/groups/${g.body.id}/assignLicense`, { token: t.tokens.license, body: addBody(SKU.EXO1) })).status).toBe(202);
  const alex = await member(t);
  const r = await ask(alex.token, SKU.EXO1);
  const refused = await call('POST', `/v1.0/licenseRequests/${r.body.id}/approve`, { token: t.tokens.global, body: { groupId: g.body.id } });
  expect(refused.status).toBe(409);
  expect(refused.body.error.code).toBe('CountViolation');
  expect((await call('GET', `/v1.0/licenseRequests/${r.body.id}`, { token: t.tokens.reader })).body).toMatchObject({
    status: 'pending',
    lastApprovalError: { code: 'CountViolation' },
  });
  expect((await call('GET', `/v1.0/groups/${g.body.id}/members`, { token: t.tokens.reader })).body.value).toEqual([]);
  const user = await call('GET', `/v1.0/users/${alex.user.id}`, { token: t.tokens.reader });
  expect(user.body.licenseAssignmentStates).toEqual([]);
  expect((await call('GET', `/v1.0/subscribedSkus/${t.id}_${SKU.EXO1}/waitingList`, { token: t.tokens.reader })).body.value).toEqual([]);
  expect((await t.sku(SKU.EXO1)).consumedUnits).toBe(1);
});

test('approve refused for lack of seats leaves the request pending with the reason, nothing assigned; after buying seats it is approved', async () => {
  const t = await newTenant('No seats org');
  await t.buy(SKU.EXO1, 1);
  const holder = await t.createUser();
  expect((await t.assign(holder.id, addBody(SKU.EXO1))).status).toBe(200);
  const alex = await member(t);
  const r = await ask(alex.token, SKU.EXO1);
  const refused = await call('POST', `/v1.0/licenseRequests/${r.body.id}/approve`, { token: t.tokens.license, body: {} });
  expect(refused.status).toBe(409);
  expect(refused.body.error.details[0].code).toBe('CountViolation');
  const still = await call('GET', `/v1.0/licenseRequests/${r.body.id}`, { token: t.tokens.reader });
  expect(still.body).toMatchObject({ status: 'pending', decidedBy: null, lastApprovalError: { code: 'CountViolation' } });
  expect((await call('GET', `/v1.0/users/${alex.user.id}`, { token: t.tokens.reader })).body.assignedLicenses).toEqual([]);
  expect((await t.sku(SKU.EXO1)).consumedUnits).toBe(1);
  const sub = await call('GET', '/v1.0/directory/subscriptions', { token: t.tokens.billing });
  const exo = sub.body.value.find((s: any) => s.skuId === SKU.EXO1);
  expect((await call('PATCH', `/v1.0/directory/subscriptions/${exo.id}`, { token: t.tokens.billing, body: { totalLicenses: 2 } })).status).toBeLessThan(300);
  const ok = await call('POST', `/v1.0/licenseRequests/${r.body.id}/approve`, { token: t.tokens.license, body: {} });
  expect(ok.status).toBe(200);
  expect(ok.body).toMatchObject({ status: 'approved', lastApprovalError: null });
});

test('bulk approve of 20 with mixed outcomes: a result per request, seats never over, the refused ones still pending', async () => {
  const t = await newTenant('Bulk approve org');
  await t.buy(SKU.E3, 15);
  const ids: string[] = [];
  for (let i = 0; i < 18; i++) {
    const m = await member(t);
    ids.push((await ask(m.token, SKU.E3)).body.id);
  }
  // one without a usage location (refused by the rules), one already denied
  const noLocation = await member(t, { usageLocation: null });
  ids.push((await ask(noLocation.token, SKU.E3)).body.id);
  const deniedOne = await member(t);
  const denied = (await ask(deniedOne.token, SKU.E3)).body.id;
  expect((await call('POST', `/v1.0/licenseRequests/${denied}/deny`, { token: t.tokens.userAdmin, body: { reason: 'Not in budget' } })).body).toMatchObject({
    status: 'denied',
    decisionReason: 'Not in budget',
  });
  ids.push(denied);
  expect(ids).toHaveLength(20);
  expect((await call('POST', '/v1.0/licenseRequests/approve', { token: t.tokens.license, body: { ids: [...ids, ids[0]].concat(ids) } })).status).toBe(400);

  const res = await call('POST', '/v1.0/licenseRequests/approve', { token: t.tokens.license, body: { ids } });
  expect(res.status).toBe(200);
  const byStatus = (s: number) => res.body.value.filter((v: any) => v.status === s);
  expect(res.body.value).toHaveLength(20);
  expect(byStatus(200)).toHaveLength(15); // 15 seats for the 18 who may have one
  expect(res.body.value.find((v: any) => v.id === denied)).toMatchObject({ status: 409, error: { code: 'licenseRequestDecided' } });
  expect(res.body.value.find((v: any) => v.id === ids[18])).toMatchObject({ status: 409, error: { code: 'usageLocationRequired' } });
  const noSeat = byStatus(409).filter((v: any) => v.error.code === 'CountViolation');
  expect(noSeat).toHaveLength(3);
  expect((await t.sku(SKU.E3)).consumedUnits).toBe(15);
  const pending = await call('GET', "/v1.0/licenseRequests?$filter=status eq 'pending'", { token: t.tokens.reader });
  expect(pending.body.value.map((p: any) => p.id).sort()).toEqual([...noSeat.map((v: any) => v.id), ids[18]].sort());
});

test('pending requests past their expiration are expired by the reconciliation, which counts them; the member may ask again', async () => {
  const t = await newTenant('Expiry org');
  await t.buy(SKU.E3, 5);
  const alex = await member(t);
  const megan = await member(t);
  const old = (await ask(alex.token, SKU.E3)).body.id;
  const fresh = (await ask(megan.token, SKU.E3)).body.id;
  // 30 days are not waited for: the stored request's expiration is moved into the past
  await directory.item(old, t.id).patch([{ op: 'set', path: '/expirationDateTime', value: new Date(Date.now() - 1000).toISOString() }]);
  const run = await call('POST', '/v1.0/reconciliations', { token: t.tokens.license });
  expect(run.status).toBe(201);
  expect(run.body.steps.licenseRequestExpiry).toEqual({ expired: 1, skipped: 0 });
  expect((await call('GET', `/v1.0/licenseRequests/${old}`, { token: t.tokens.reader })).body.status).toBe('expired');
  expect((await call('GET', `/v1.0/licenseRequests/${fresh}`, { token: t.tokens.reader })).body.status).toBe('pending');
  expect((await call('POST', `/v1.0/licenseRequests/${old}/approve`, { token: t.tokens.license, body: {} })).body.error.code).toBe('licenseRequestDecided');
  expect((await ask(alex.token, SKU.E3)).status).toBe(201);
});

test('a marker left behind is taken over (its request decided without giving it back, or never written and over a minute old); a fresh one, whose request may still be on its way, is not', async () => {
  const t = await newTenant('Marker org');
  await t.buy(SKU.E3, 5);
  const sam = await member(t);
  // the marker as the requests write it (a named slot whose id is the user and product), planted as a stopped instance would leave it
  const plant = (holder: string, takenMsAgo: number) =>
    directory.items.upsert({
      id: `licenseRequestPending_${sam.user.id.toLowerCase()}_${SKU.E3.toLowerCase()}`,
      tenantId: t.id,
      type: 'slot',
      holder,
      takenDateTime: new Date(Date.now() - takenMsAgo).toISOString(),
    });
  await plant(randomUUID(), 0);
  expect((await ask(sam.token, SKU.E3)).body.error).toMatchObject({ code: 'licenseRequestPending', target: 'skuId' });
  await plant(randomUUID(), 10 * 60_000);
  const first = await ask(sam.token, SKU.E3);
  expect(first.status).toBe(201);
  expect((await call('POST', `/v1.0/licenseRequests/${first.body.id}/deny`, { token: t.tokens.license, body: { reason: 'no' } })).status).toBe(200);
  await plant(first.body.id, 0);
  const second = await ask(sam.token, SKU.E3);
  expect(second.status).toBe(201);
  expect((await ask(sam.token, SKU.E3)).body.error).toMatchObject({ code: 'licenseRequestPending', target: second.body.id });
});
