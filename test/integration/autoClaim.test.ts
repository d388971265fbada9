/**
 * Auto-claim on the real stack: the policy (off by default, up to 4 products, Global or License admin),
 * sign-in events (SignInEvents.Write app token) recording signInActivity (never backwards, returned with
 * $select), claims in order with the first product full, a usage location that rules a product out,
 * idempotent repeats, a claim without a seat recorded with its reason (webhook autoClaimFailed), the claims
 * list and its CSV, and the role checks. The burst and the 200-user race run across two hosts in
 * autoClaimRace.test.ts.
 */
import { addBody, call, newTenant, PLAN, SKU, TestTenant, tokenFor } from '../helpers';
import { until, webhookReceiver } from '../webhooks';

const hooks = webhookReceiver();

const policy = (t: TestTenant, body: unknown, token = t.tokens.license) => call('PATCH', '/v1.0/licensePolicies/autoClaim', { token, body });
const signIn = (t: TestTenant, token: string, userId: string, dateTime = new Date().toISOString(), app = 'Teams') =>
  call('POST', '/v1.0/signInEvents', { token, body: { userId, app, dateTime } });
const claims = async (t: TestTenant, days = 1) =>
  (await call('GET', `/v1.0/licensePolicies/autoClaim/claims?days=${days}`, { token: t.tokens.reader })).body.value;

test('the policy: off by default, up to 4 products in order, known apps and subscribed products only; Global or License admin', async () => {
  const t = await newTenant('Auto-claim policy org');
  await t.buy(SKU.E3, 1);
  await t.buy(SKU.E1, 1);
  expect((await call('GET', '/v1.0/licensePolicies/autoClaim', { token: t.tokens.reader })).body).toEqual({
    enabled: false,
    app: 'Teams',
    products: [],
    // the apps the catalog's plans give (the demo's: Teams; a catalog test on this shared stack may have added one)
    availableApps: expect.arrayContaining(['Teams']),
  });
  expect((await policy(t, { enabled: true })).body.error.target).toBe('products');
  expect((await policy(t, { app: 'Skype' })).body.error.target).toBe('app');
  expect((await policy(t, { products: [{ skuId: SKU.PBI }] })).body.error).toMatchObject({ code: 'productNotSubscribed', target: 'products[0].skuId' });
  expect((await policy(t, { products: [{ skuId: SKU.E3, disabledPlans: [PLAN.PROJECT_CLIENT] }] })).body.error.code).toBe('unknownServicePlan');
  const five = [SKU.E3, SKU.E1, SKU.E3, SKU.E1, SKU.E3].map((skuId) => ({ skuId }));
  expect((await policy(t, { products: five })).status).toBe(400);
  expect((await policy(t, { enabled: true, products: [{ skuId: SKU.E3 }] }, t.tokens.userAdmin)).status).toBe(403);
  expect((await policy(t, { enabled: true, products: [{ skuId: SKU.E3 }] }, t.tokens.billing)).status).toBe(403);
  const on = await policy(t, { enabled: true, app: 'teams', products: [{ skuId: SKU.E3 }, { skuId: SKU.E1, disabledPlans: [PLAN.YAMMER] }] }, t.tokens.global);
  expect(on.status).toBe(200);
  expect(on.body).toEqual({
    enabled: true,
    app: 'Teams',
    products: [
      { skuId: SKU.E3, disabledPlans: [] },
      { skuId: SKU.E1, disabledPlans: [PLAN.YAMMER] },
    ],
    availableApps: expect.arrayContaining(['Teams']), // the apps the catalog's plans give
  });
});

test("sign-in events record the user's lastSignInDateTime (never backwards; with $select only), need SignInEvents.Write, and claim nothing while the policy is off", async () => {
  const t = await newTenant('Sign-in org');
  await t.buy(SKU.E1, 5);
  const hook = await tokenFor('SignInEvents', t.id);
  const u = await t.createUser();
  for (const token of [t.tokens.plain, t.tokens.global, await tokenFor('App', t.id)]) expect((await signIn(t, token, u.id)).status).toBe(403);
  // the hook writes sign-ins and reads nothing
  expect((await call('GET', '/v1.0/users', { token: hook })).status).toBe(403);

  const r = await signIn(t, hook, u.userPrincipalName, '2026-11-30T09:00:00Z');
  expect(r.status).toBe(200);
  expect(r.body).toEqual({ userId: u.id, lastSignInDateTime: '2026-11-30T09:00:00.000Z', claim: { outcome: 'policyOff', skuId: null, reason: null } });
  expect((await signIn(t, hook, u.id, '2026-11-30T08:00:00+00:00')).body.lastSignInDateTime).toBe('2026-11-30T09:00:00.000Z');
  expect((await signIn(t, hook, u.id, '2026-11-30T10:30:00+01:00')).body.lastSignInDateTime).toBe('2026-11-30T09:30:00.000Z');
  expect((await signIn(t, hook, 'nobody@nowhere.dev')).status).toBe(404);
  expect((await call('POST', '/v1.0/signInEvents', { token: hook, body: { userId: u.id, app: 'Teams', dateTime: 'yesterday' } })).status).toBe(400);
  // a time from the future would pin the date there: refused
  const future = await signIn(t, hook, u.id, new Date(Date.now() + 3600_000).toISOString());
  expect([future.status, future.body.error.target]).toEqual([400, 'dateTime']);

  const plain = await call('GET', `/v1.0/users/${u.id}`, { token: t.tokens.reader });
  expect(plain.body.signInActivity).toBeUndefined();
  const selected = await call('GET', `/v1.0/users/${u.id}?$select=displayName,signInActivity`, { token: t.tokens.reader });
  expect(selected.body).toEqual({ id: u.id, displayName: u.displayName, signInActivity: { lastSignInDateTime: '2026-11-30T09:30:00.000Z' } });
  const listed = await call('GET', '/v1.0/users?$select=id,signInActivity', { token: t.tokens.reader });
  expect(listed.body.value).toEqual([{ id: u.id, signInActivity: { lastSignInDateTime: '2026-11-30T09:30:00.000Z' } }]);
  // Graph's filter on it: who has not signed in since a date (a date without quotes), and who never did
  const never = await t.createUser();
  const ids = async (filter: string, advanced = false) => {
    const r = await call('GET', `/v1.0/users?$filter=${encodeURIComponent(filter)}${advanced ? '&$count=true' : ''}`, {
      token: t.tokens.reader,
      headers: advanced ? { ConsistencyLevel: 'eventual' } : {},
    });
    expect(r.status).toBe(200);
    return r.body.value.map((x: any) => x.id);
  };
  expect(await ids('signInActivity/lastSignInDateTime le 2026-11-30T10:00:00Z')).toEqual([u.id]);
  expect(await ids('signInActivity/lastSignInDateTime ge 2026-11-30T10:30:00+01:00')).toEqual([u.id]);
  expect(await ids('signInActivity/lastSignInDateTime ge 2026-12-01T00:00:00Z')).toEqual([]);
  expect(await ids('signInActivity/lastSignInDateTime eq null', true)).toEqual([never.id]);
  expect((await t.sku(SKU.E1)).consumedUnits).toBe(0);
});

test('claims in order: the first product full, the second claimed; a repeated event claims nothing twice; a user who has the app claims nothing', async () => {
  const t = await newTenant('Claim order org');
  await t.buy(SKU.E3, 1);
  await t.buy(SKU.E1, 5);
  const hook = await tokenFor('SignInEvents', t.id);
  const holder = await t.createUser();
  expect((await t.assign(holder.id, addBody(SKU.E3))).status).toBe(200); // E3 is full now
  await policy(t, { enabled: true, products: [{ skuId: SKU.E3 }, { skuId: SKU.E1, disabledPlans: [PLAN.SWAY] }] });

  const u = await t.createUser();
  const first = await signIn(t, hook, u.id);
  expect(first.body.claim).toEqual({ outcome: 'claimed', skuId: SKU.E1, reason: null });
  const again = await signIn(t, hook, u.id);
  expect(again.body.claim.outcome).toBe('hasApp');
  expect((await call('GET', `/v1.0/users/${u.id}`, { token: t.tokens.reader })).body.assignedLicenses).toEqual([{ skuId: SKU.E1, disabledPlans: [PLAN.SWAY] }]);
  expect((await t.sku(SKU.E1)).consumedUnits).toBe(1);
  expect((await t.sku(SKU.E3)).consumedUnits).toBe(1);
  // the holder has Teams through E3; a user whose only product has Teams switched off has no Teams
  expect((await signIn(t, hook, holder.id)).body.claim.outcome).toBe('hasApp');
  const noTeams = await t.createUser();
  expect((await t.assign(noTeams.id, addBody(SKU.E1, [PLAN.TEAMS]))).status).toBe(200);
  expect((await signIn(t, hook, noTeams.id)).body.claim).toMatchObject({ outcome: 'claimed', skuId: SKU.E1 }); // E1 again, Teams on
  expect((await call('GET', `/v1.0/users/${noTeams.id}`, { token: t.tokens.reader })).body.assignedLicenses).toEqual([
    { skuId: SKU.E1, disabledPlans: [PLAN.SWAY] },
  ]);
  // the audit trail has the claim as a license change by the policy
  const records = await call('GET', `/v1.0/auditLogs/licenseChanges?userId=${u.id}`, { token: t.tokens.reader });
  expect(records.body.value).toEqual([
    expect.objectContaining({ operation: 'autoClaim', actor: { id: 'autoClaimPolicy', displayName: 'Auto-claim policy' }, skuIds: [SKU.E1] }),
  ]);
  const list = await claims(t);
  expect(list.map((c: any) => [c.outcome, c.userId, c.skuId]).sort()).toEqual(
    [
      ['claimed', u.id, SKU.E1],
      ['claimed', noTeams.id, SKU.E1],
    ].sort(),
  );
});

test("a usage location that rules the first product out: the next one that the location allows is claimed; guests, disabled accounts and the policy's other apps claim nothing", async () => {
  const t = await newTenant('Claim location org');
  await t.buy(SKU.E3, 5);
  await t.buy(SKU.E1, 5);
  const hook = await tokenFor('SignInEvents', t.id);
  // Viva Engage (Yammer) is not offered in CN: E3 with it is refused there; E1 without it is fine
  await policy(t, { enabled: true, products: [{ skuId: SKU.E3 }, { skuId: SKU.E1, disabledPlans: [PLAN.YAMMER] }] });
  const cn = await t.createUser({ usageLocation: 'CN' });
  expect((await signIn(t, hook, cn.id)).body.claim).toEqual({ outcome: 'claimed', skuId: SKU.E1, reason: null });
  const nl = await t.createUser({ usageLocation: 'NL' });
  expect((await signIn(t, hook, nl.id)).body.claim).toEqual({ outcome: 'claimed', skuId: SKU.E3, reason: null });
  const guest = await t.createUser({ userType: 'Guest', userPrincipalName: `g_${Date.now()}@ext.dev` });
  expect((await signIn(t, hook, guest.id)).body.claim.outcome).toBe('notEligible');
  const disabled = await t.createUser();
  expect((await call('PATCH', `/v1.0/users/${disabled.id}`, { token: t.tokens.global, body: { accountEnabled: false } })).status).toBe(204);
  expect((await signIn(t, hook, disabled.id)).body.claim).toEqual({ outcome: 'notEligible', skuId: null, reason: 'The account is disabled.' });
  expect((await signIn(t, hook, nl.id, undefined, 'Outlook')).body.claim.outcome).toBe('policyOff');
});

test('a claim without a seat is recorded with the reason (once per user and day), raises autoClaimFailed, and is listed with the claims; CSV on Accept: text/csv', async () => {
  const t = await newTenant('Claim failure org');
  await t.buy(SKU.E1, 1);
  const hook = await tokenFor('SignInEvents', t.id);
  const wh = await call('POST', '/v1.0/alerts/webhooks', {
    token: t.tokens.billing,
    body: { url: hooks.url(), events: ['autoClaimFailed', 'lowSeats'], lowSeatThresholds: { [SKU.E1]: 0 } },
  });
  expect(wh.status).toBe(201);
  await policy(t, { enabled: true, products: [{ skuId: SKU.E1 }] });
  const lucky = await t.createUser({ displayName: 'Lucky' });
  const late = await t.createUser({ displayName: 'Late' });
  expect((await signIn(t, hook, lucky.id)).body.claim.outcome).toBe('claimed'); // the last seat: lowSeats
  const failed = await signIn(t, hook, late.id);
  expect(failed.body.claim.outcome).toBe('failed');
  expect(failed.body.claim.reason).toMatch(/Office 365 E1: no free seat/);
  expect((await signIn(t, hook, late.id)).body.claim.outcome).toBe('failed');
  expect((await t.sku(SKU.E1)).consumedUnits).toBe(1);

  const list = await claims(t, 7);
  expect(list.map((c: any) => [c.outcome, c.userPrincipalName])).toEqual([
    ['failed', late.userPrincipalName],
    ['claimed', lucky.userPrincipalName],
  ]);
  expect(list[0].reason).toMatch(/no free seat/);
  const events = await until(
    () => hooks.received.map((r) => JSON.parse(r.body)).filter((e) => e.tenantId === t.id),
    (l) => l.length >= 2,
  );
  expect(events.map((e) => e.event).sort()).toEqual(['autoClaimFailed', 'lowSeats']);
  expect(events.find((e) => e.event === 'autoClaimFailed').data).toMatchObject({ userId: late.id, app: 'Teams' });

  const csv = await fetch(`${(await import('../env')).TEST_API}/v1.0/licensePolicies/autoClaim/claims?days=90`, {
    headers: { authorization: `Bearer ${t.tokens.reader}`, accept: 'text/csv' },
  });
  expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
  const lines = (await csv.text()).trim().split('\r\n');
  expect(lines[0]).toBe('dateTime,outcome,userPrincipalName,userId,app,skuPartNumber,skuId,reason');
  expect(lines).toHaveLength(3);
  expect(lines[2]).toContain(`claimed,${lucky.userPrincipalName},${lucky.id},Teams,STANDARDPACK,${SKU.E1},`);
  expect((await call('GET', '/v1.0/licensePolicies/autoClaim/claims?days=3', { token: t.tokens.reader })).status).toBe(400);
  expect((await call('GET', '/v1.0/licensePolicies/autoClaim/claims', { token: t.tokens.plain })).status).toBe(403);
});
