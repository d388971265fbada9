/**
 * Sign-ins from Entra ID: POST /v1.0/authenticationEvents/tokenIssuanceStart on a stack of its own (fault
 * injection on), called as Entra ID calls it: the payload Microsoft documents (test/fixtures/entra, the
 * member and the B2B guest examples of the "Custom claims provider reference"), with the token Entra ID
 * sends (client Entra's authentication events app, audience AUTH_EVENTS_AUDIENCE, v2 `azp` or v1 `appid`).
 * The sign-in recorded, auto-claim from Teams' client app, the claims answered in Entra's shape; an unknown
 * user, a store that fails and one that does not answer all give the empty claims action; forged calls
 * (no token, the API's token, another caller, another tenant) and malformed events get the protocol's
 * errors and change nothing.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mintDevToken } from '../../local/devTokens';
import { testStackEnv } from '../env';
import { addBody, call as callOn, newTenant, PLAN, SKU, signedToken, TestTenant, tokenFor } from '../helpers';
import { OwnStack, startOwnStack } from '../ownStack';

const ENTRA_AUTH_EVENTS_APP = '99045fe1-7639-4a75-9d4a-577b6ca3810f';
const TEAMS_DESKTOP = '1fec8e78-bce4-4aaf-ab1b-5451cc387264';
const EVENTS_AUDIENCE = testStackEnv.AUTH_EVENTS_AUDIENCE;
const fixture = (name: string) => JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'entra', `tokenIssuanceStart.${name}.json`), 'utf8'));

let stack: OwnStack;
beforeAll(async () => {
  stack = await startOwnStack(210, { COSMOS_EMULATOR_FAULTS: '1', AUTH_EVENTS_DEADLINE_MS: '1000' });
});
afterAll(() => stack?.stop());

const call = (method: string, path: string, o: Parameters<typeof callOn>[2] = {}) => callOn(method, `${stack.api}${path}`, o);
const fault = (f: Record<string, unknown>) => fetch(`http://127.0.0.1:${stack.ports.cosmos}/_faults`, { method: 'POST', body: JSON.stringify(f) });
const clearFaults = () => fetch(`http://127.0.0.1:${stack.ports.cosmos}/_faults`, { method: 'DELETE' });

/** Entra ID's token for the extension: client its authentication events app, in the tenant the extension is registered in. */
const entraToken = (tenantId: string) => mintDevToken({ role: 'AuthenticationEvents', tenantId, issuer: testStackEnv.AUTH_ISSUER, audience: EVENTS_AUDIENCE });

/** The documented event for `user` (a user of the organization, or any object id and UPN) signing in to `clientAppId`. */
function event(t: { id: string }, user: { id: string; userPrincipalName: string; userType?: string }, o: { clientAppId?: string; guest?: boolean } = {}) {
  const e = fixture(o.guest ? 'guest' : 'member');
  e.source = `/tenants/${t.id}/applications/${o.clientAppId ?? e.data.authenticationContext.clientServicePrincipal.appId}`;
  e.data.tenantId = t.id;
  const ctx = e.data.authenticationContext;
  if (o.clientAppId)
    ctx.clientServicePrincipal = { ...ctx.clientServicePrincipal, appId: o.clientAppId, appDisplayName: 'Microsoft Teams', displayName: 'Microsoft Teams' };
  ctx.user = { ...ctx.user, id: user.id, userPrincipalName: user.userPrincipalName, mail: user.userPrincipalName };
  return e;
}

const tokenIssuanceStart = (body: unknown, token: string | undefined) => call('POST', '/v1.0/authenticationEvents/tokenIssuanceStart', { token, body });

/** Entra's answer with these claims: one provideClaimsForToken action. */
const claimsAnswer = (claims: Record<string, unknown>) => ({
  data: {
    '@odata.type': 'microsoft.graph.onTokenIssuanceStartResponseData',
    actions: [{ '@odata.type': 'microsoft.graph.tokenIssuanceStart.provideClaimsForToken', claims }],
  },
});

async function org(name: string): Promise<TestTenant> {
  const t = await newTenant(name, stack.api);
  await t.buy(SKU.E1, 2);
  await t.buy(SKU.PBI, 2);
  return t;
}
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
/** The user's signInActivity.lastSignInDateTime (null: never signed in). */
const lastSignIn = async (t: TestTenant, userId: string) =>
  (await call('GET', `/v1.0/users/${userId}?$select=signInActivity`, { token: t.tokens.reader })).body.signInActivity?.lastSignInDateTime;

test("Entra ID's documented call: the sign-in recorded, the user's service plans answered as claims in Entra's shape", async () => {
  const t = await org('Token issuance org');
  // a user created here (an id of its own): Entra ID's object id is not it, the user principal name is
  const u = await t.createUser({ displayName: 'Casey Jensen' });
  expect((await t.assign(u.id, addBody(SKU.E1, [PLAN.YAMMER]))).status).toBe(200);
  expect((await t.assign(u.id, addBody(SKU.PBI))).status).toBe(200);
  const before = Date.now();
  const r = await tokenIssuanceStart(event(t, { id: '90847c2a-e29d-4d2f-9f54-c5b4d3f26471', userPrincipalName: u.userPrincipalName }), await entraToken(t.id));
  expect(r.status).toBe(200);
  expect(r.headers.get('content-type')).toMatch(/^application\/json/);
  expect(r.body).toEqual(claimsAnswer({ servicePlans: ['BI_AZURE_P2', 'EXCHANGE_S_STANDARD', 'SHAREPOINTSTANDARD', 'SHAREPOINTWAC', 'SWAY', 'TEAMS1'] }));
  const recorded = await lastSignIn(t, u.id);
  expect(Date.parse(recorded)).toBeGreaterThanOrEqual(before - 1000);
  // Entra ID calls again for the session's next token: within 5 minutes of the recorded sign-in nothing is written
  expect(
    (await tokenIssuanceStart(event(t, { id: '90847c2a-e29d-4d2f-9f54-c5b4d3f26471', userPrincipalName: u.userPrincipalName }), await entraToken(t.id))).body,
  ).toEqual(r.body);
  expect(await lastSignIn(t, u.id)).toBe(recorded);
  // the claims are what the user may use, as usageRights says
  const rights = (await call('GET', `/v1.0/users/${u.id}/cloudLicensing/usageRights`, { token: t.tokens.reader })).body.value;
  expect(rights.flatMap((x: any) => x.services.map((s: any) => s.planName)).sort()).toEqual(r.body.data.actions[0].claims.servicePlans);
});

test("the user by Entra ID's object id (a user whose id here is it), whatever user principal name Entra ID sends; an older sign-in moves on", async () => {
  const t = await org('Token issuance by id org');
  const u = await t.createUser();
  expect((await t.assign(u.id, addBody(SKU.PBI))).status).toBe(200);
  // a sign-in recorded 10 minutes ago (an identity provider's hook): the token issuance moves it to now
  const hook = await tokenFor('SignInEvents', t.id);
  const earlier = new Date(Date.now() - 10 * 60_000).toISOString();
  expect((await call('POST', '/v1.0/signInEvents', { token: hook, body: { userId: u.id, app: 'Teams', dateTime: earlier } })).status).toBe(200);
  const r = await tokenIssuanceStart(event(t, { id: u.id, userPrincipalName: 'renamed-in-entra@elsewhere.dev' }), await entraToken(t.id));
  expect(r.body).toEqual(claimsAnswer({ servicePlans: ['BI_AZURE_P2'] }));
  expect(Date.parse(await lastSignIn(t, u.id))).toBeGreaterThan(Date.parse(earlier));
});

test('a sign-in to Teams claims a license under the auto-claim policy, once; the token already carries its plans', async () => {
  const t = await org('Token issuance auto-claim org');
  expect(
    (await call('PATCH', '/v1.0/licensePolicies/autoClaim', { token: t.tokens.license, body: { enabled: true, app: 'Teams', products: [{ skuId: SKU.E1 }] } }))
      .status,
  ).toBe(200);
  const u = await t.createUser();
  const token = await entraToken(t.id);
  // signing in to another app claims nothing
  expect((await tokenIssuanceStart(event(t, u), token)).body).toEqual(claimsAnswer({ servicePlans: [] }));
  expect((await t.sku(SKU.E1)).consumedUnits).toBe(0);
  // Teams (its desktop client's app id): E1 claimed, and the answer already has Teams in it
  const teams = await tokenIssuanceStart(event(t, u, { clientAppId: TEAMS_DESKTOP }), token);
  expect(teams.status).toBe(200);
  expect(teams.body.data.actions[0].claims.servicePlans).toEqual(expect.arrayContaining(['TEAMS1', 'EXCHANGE_S_STANDARD']));
  expect((await t.sku(SKU.E1)).consumedUnits).toBe(1);
  const claims = (await call('GET', '/v1.0/licensePolicies/autoClaim/claims?days=1', { token: t.tokens.reader })).body.value;
  expect(claims).toEqual([expect.objectContaining({ outcome: 'claimed', userId: u.id, skuId: SKU.E1, app: 'Teams' })]);
  // again: the user has Teams, nothing more is claimed
  expect((await tokenIssuanceStart(event(t, u, { clientAppId: TEAMS_DESKTOP }), token)).body).toEqual(teams.body);
  expect((await t.sku(SKU.E1)).consumedUnits).toBe(1);
  // a guest (Entra's B2B example) signs in to Teams: the sign-in is recorded, nothing is claimed
  const g = await t.createUser({ userType: 'Guest', userPrincipalName: `jwright_fabrikam.com#EXT#@t${t.id.slice(0, 6)}.dev` });
  const guest = await tokenIssuanceStart(
    event(t, { id: '00aa00aa-bb11-cc22-dd33-44ee44ee44ee', userPrincipalName: g.userPrincipalName }, { clientAppId: TEAMS_DESKTOP, guest: true }),
    token,
  );
  expect(guest.body).toEqual(claimsAnswer({ servicePlans: [] }));
  expect(await lastSignIn(t, g.id)).toMatch(ISO);
  expect((await t.sku(SKU.E1)).consumedUnits).toBe(1);
});

test('a user not known here gets a valid, empty claims action, and nothing is written', async () => {
  const t = await org('Token issuance unknown user org');
  const r = await tokenIssuanceStart(event(t, { id: 'c0ffee00-0000-4000-8000-00000000beef', userPrincipalName: 'nobody@nowhere.dev' }), await entraToken(t.id));
  expect(r.status).toBe(200);
  expect(r.body).toEqual(claimsAnswer({}));
  expect((await call('GET', '/v1.0/users', { token: t.tokens.reader })).body.value).toEqual([]);
});

test('an error of ours answers the empty claims action, never a failed sign-in: the store failing, or not answering before the deadline', async () => {
  const t = await org('Token issuance fault org');
  const u = await t.createUser();
  expect((await t.assign(u.id, addBody(SKU.PBI))).status).toBe(200);
  const token = await entraToken(t.id);
  try {
    // every read of the user throttled past the SDK's retries
    await fault({ operation: 'read', collection: 'directory', status: 429, count: 1000, ids: [u.id] });
    const failing = await tokenIssuanceStart(event(t, u), token);
    expect([failing.status, failing.body]).toEqual([200, claimsAnswer({})]);
    await clearFaults();
    // the user's read never answered: the answer at the deadline (AUTH_EVENTS_DEADLINE_MS) is the empty action
    await fault({ operation: 'read', collection: 'directory', drop: true, count: 1, ids: [u.id] });
    const silent = await tokenIssuanceStart(event(t, u), token);
    expect([silent.status, silent.body]).toEqual([200, claimsAnswer({})]);
  } finally {
    await clearFaults();
  }
  // the store back: the claims again
  expect((await tokenIssuanceStart(event(t, u), token)).body).toEqual(claimsAnswer({ servicePlans: ['BI_AZURE_P2'] }));
});

describe('forged or misrouted calls get 401/403, malformed events 400, and nothing changes', () => {
  let t: TestTenant;
  let u: any;
  beforeAll(async () => {
    t = await org('Token issuance forgery org');
    u = await t.createUser();
  });
  afterAll(async () => {
    // none of the refused calls recorded a sign-in
    expect(await lastSignIn(t, u.id)).toBeNull();
  });

  const entraClaims = (tid: string, extra: Record<string, unknown> = {}) => ({ tid, ver: '2.0', azp: ENTRA_AUTH_EVENTS_APP, idtyp: 'app', ...extra });

  test.each<[string, () => Promise<string | undefined>, RegExp]>([
    ['no token', async () => undefined, /Access token is missing/],
    ["the API's own token (a Global admin of the organization)", () => tokenFor('GlobalAdministrator', t.id), /\(aud claim\)/],
    [
      "a token for the extension's audience issued to another app",
      () => signedToken({ tid: t.id, ver: '2.0', azp: 'c0ffee00-0000-4000-8000-00000000a991', idtyp: 'app' }, {}, { audience: EVENTS_AUDIENCE }),
      /not issued to Microsoft Entra's authentication events service \(azp 99045fe1-7639-4a75-9d4a-577b6ca3810f\)/,
    ],
    [
      'a v1 token naming Entra in azp but another app in appid',
      () =>
        signedToken({ tid: t.id, ver: '1.0', azp: ENTRA_AUTH_EVENTS_APP, appid: 'c0ffee00-0000-4000-8000-00000000a991' }, {}, { audience: EVENTS_AUDIENCE }),
      /\(appid 99045fe1/,
    ],
    ["Entra's client, with the API's audience", () => signedToken(entraClaims(t.id)), /\(aud claim\)/],
    [
      "Entra's token, expired",
      () => mintDevToken({ role: 'AuthenticationEvents', tenantId: t.id, issuer: testStackEnv.AUTH_ISSUER, audience: EVENTS_AUDIENCE, expiresIn: -600 }),
      /expired/,
    ],
  ])('%s: 401', async (_what, token, message) => {
    const r = await tokenIssuanceStart(event(t, u), await token());
    expect(r.status).toBe(401);
    expect(r.body.error.code).toBe('InvalidAuthenticationToken');
    expect(r.body.error.message).toMatch(message);
  });

  test("Entra's v1 token (appid) is taken as its v2 token (azp) is", async () => {
    const org2 = await org('Token issuance v1 org');
    const someone = await org2.createUser();
    const r = await tokenIssuanceStart(
      event(org2, someone),
      await signedToken({ tid: org2.id, ver: '1.0', appid: ENTRA_AUTH_EVENTS_APP }, {}, { audience: EVENTS_AUDIENCE }),
    );
    expect([r.status, r.body]).toEqual([200, claimsAnswer({ servicePlans: [] })]);
    expect(await lastSignIn(org2, someone.id)).toMatch(ISO);
  });

  test("the extension's token calls nothing else: the API refuses it", async () => {
    for (const path of ['/v1.0/users', '/v1.0/organization']) {
      const r = await call('GET', path, { token: await entraToken(t.id) });
      expect(r.status).toBe(401);
    }
    // issued to Entra's authentication events app, even for the API's own audience: refused by the API
    const forApi = await call('GET', '/v1.0/users', { token: await signedToken(entraClaims(t.id)) });
    expect(forApi.status).toBe(401);
    expect(forApi.body.error.message).toMatch(/issued to Microsoft Entra's authentication events service: it calls the custom authentication extension only/);
    const r = await call('POST', '/v1.0/signInEvents', {
      token: await entraToken(t.id),
      body: { userId: u.id, app: 'Teams', dateTime: new Date().toISOString() },
    });
    expect(r.status).toBe(401);
  });

  test("an event for another tenant than the one Entra ID's token was issued in: 403", async () => {
    const other = await org('Token issuance other org');
    const r = await tokenIssuanceStart(event(t, u), await entraToken(other.id));
    expect([r.status, r.body.error.code, r.body.error.target]).toEqual([403, 'Authorization_RequestDenied', 'data.tenantId']);
    expect(r.body.error.message).toMatch(new RegExp(`The event is for tenant ${t.id}, but Entra ID's token was issued in tenant ${other.id}`));
  });

  test.each<[string, (e: any) => unknown, string]>([
    ['another event type', (e) => ({ ...e, type: 'microsoft.graph.authenticationEvent.attributeCollectionStart' }), 'type'],
    [
      "another callout's data",
      (e) => ({ ...e, data: { ...e.data, '@odata.type': 'microsoft.graph.onAttributeCollectionStartCalloutData' } }),
      'data.@odata.type',
    ],
    [
      'no user id',
      (e) => ({ ...e, data: { ...e.data, authenticationContext: { ...e.data.authenticationContext, user: { userPrincipalName: 'x@y.dev' } } } }),
      'data.authenticationContext.user.id',
    ],
    [
      'a user id that is no object id',
      (e) => ({ ...e, data: { ...e.data, authenticationContext: { ...e.data.authenticationContext, user: { id: '../users' } } } }),
      'data.authenticationContext.user.id',
    ],
    [
      'no client application',
      (e) => ({ ...e, data: { ...e.data, authenticationContext: { ...e.data.authenticationContext, clientServicePrincipal: undefined } } }),
      'data.authenticationContext.clientServicePrincipal',
    ],
  ])('%s: 400 naming the field', async (_what, change, target) => {
    const r = await tokenIssuanceStart(change(event(t, u)), await entraToken(t.id));
    expect([r.status, r.body.error.code, r.body.error.target]).toEqual([400, 'invalidRequest', target]);
  });

  test('not JSON: 400', async () => {
    const r = await call('POST', '/v1.0/authenticationEvents/tokenIssuanceStart', {
      token: await entraToken(t.id),
      rawBody: '{"type":',
      headers: { 'content-type': 'application/json' },
    });
    expect(r.status).toBe(400);
  });
});

test('`npm run token -- AuthenticationEvents --tenant <id>` mints the token Entra ID would send', async () => {
  const t = await org('Token issuance npm token org');
  const u = await t.createUser();
  const root = join(__dirname, '..', '..');
  const minted = spawnSync(process.execPath, [join(root, 'dist', 'local', 'token.js'), 'AuthenticationEvents', '--tenant', t.id], {
    cwd: root,
    env: { ...stack.env },
    encoding: 'utf8',
  });
  expect(minted.status).toBe(0);
  const token = minted.stdout.trim();
  const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
  expect(claims).toMatchObject({ tid: t.id, azp: ENTRA_AUTH_EVENTS_APP, aud: EVENTS_AUDIENCE, ver: '2.0' });
  expect((await tokenIssuanceStart(event(t, u), token)).status).toBe(200);
});
