/**
 * Issue 19, item 1 (medium): `POST /v1.0/me/licenses/{skuId}/keep` wrote a `kept` mark whatever the
 * reclaim policy's mode, and the reclaim counted that keep date in every mode, so a member with no admin
 * role could keep a license forever under `mode: "immediate"` by calling it every 90 days. A keep is the
 * answer to ask-first's question: it needs the policy to ask first and a `pending` mark for that user and
 * product (otherwise 409 nothingToKeep), and only ask-first counts the keep date.
 *
 * Through HTTP on the test stack; the reconciliation's clock is moved with `asOf` (no sleeping). Sign-in and
 * creation dates are written to the store, as an older directory would have them.
 */
import { addBody, call, newTenant, SKU, storeOf, TestTenant, tokenFor } from '../helpers';

const DAY = 86_400_000;
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();
const store = storeOf();
const directory = store.container('directory');
afterAll(() => store.dispose());

/** A member holding E3 who last signed in `idleDays` ago, with their own token (no admin role). */
async function member(t: TestTenant, name: string, idleDays: number) {
  const u = await t.createUser({ displayName: name });
  expect((await t.assign(u.id, addBody(SKU.E3))).status).toBe(200);
  await directory.item(u.id, t.id).patch([
    { op: 'set', path: '/createdDateTime', value: ago(400 * DAY) },
    { op: 'set', path: '/signInActivity', value: { lastSignInDateTime: ago(idleDays * DAY) } },
  ]);
  return { ...u, token: await tokenFor('User', t.id, { objectId: u.id }) };
}

const keep = (token: string) => call('POST', `/v1.0/me/licenses/${SKU.E3}/keep`, { token });
const setPolicy = (t: TestTenant, p: Record<string, unknown>) =>
  call('PATCH', '/v1.0/reconciliations/policy', { token: t.tokens.license, body: { reclaimDisabledAccounts: p } });
async function run(t: TestTenant, asOf = new Date().toISOString()) {
  const r = await call('POST', `/v1.0/reconciliations?asOf=${asOf}`, { token: t.tokens.license });
  expect(r.status).toBe(201);
  return r.body;
}
const holds = async (t: TestTenant, id: string) =>
  (await call('GET', `/v1.0/users/${id}/licenseDetails`, { token: t.tokens.reader })).body.value.map((l: any) => l.skuId);

test('immediate mode: a member cannot keep (409 nothingToKeep, every time), and the run reclaims the idle license', async () => {
  const t = await newTenant('Immediate keep org');
  await t.buy(SKU.E3, 5);
  const mo = await member(t, 'Mo Idle', 100);
  expect((await setPolicy(t, { enabled: true, inactiveForDays: 90, mode: 'immediate', dryRun: false })).status).toBe(200);
  for (let i = 0; i < 3; i++) {
    const r = await keep(mo.token);
    expect(r.status).toBe(409);
    expect(r.body.error).toMatchObject({ code: 'nothingToKeep', target: 'skuId' });
    expect(r.body.error.message).toMatch(/reclaims licenses without asking first.*nothing to answer/);
  }
  const report = await run(t);
  expect(report.reclaim.actions).toEqual([{ userId: mo.id, status: 'reclaimed', removed: [SKU.E3] }]);
  expect(await holds(t, mo.id)).toEqual([]);
});

test('policy off: nothing to answer either', async () => {
  const t = await newTenant('Policy off keep org');
  await t.buy(SKU.E3, 5);
  const ann = await member(t, 'Ann Off', 100);
  const r = await keep(ann.token);
  expect(r.status).toBe(409);
  expect(r.body.error).toMatchObject({ code: 'nothingToKeep' });
  expect(r.body.error.message).toMatch(/is off/);
});

test('ask first: only a pending mark can be kept, once; a keep counts in ask-first mode only', async () => {
  const t = await newTenant('Ask-first keep org');
  await t.buy(SKU.E3, 5);
  const [kim, fay] = [await member(t, 'Kim Keeper', 100), await member(t, 'Fay Fresh', 10)];
  expect((await setPolicy(t, { enabled: true, inactiveForDays: 90, mode: 'askFirst', graceDays: 7, dryRun: false })).status).toBe(200);

  // before any run nobody was asked: nothing to answer, for the idle member and the active one alike
  for (const who of [kim, fay]) {
    const r = await keep(who.token);
    expect(r.status).toBe(409);
    expect(r.body.error).toMatchObject({ code: 'nothingToKeep' });
    expect(r.body.error.message).toMatch(/Nobody has asked about your Office 365 E3/);
  }

  // a run asks Kim (a pending mark); Fay, active, is not asked and still cannot keep
  const start = Date.now();
  const first = await run(t, new Date(start).toISOString());
  expect(first.reclaim.pending.map((p: any) => [p.userId, p.status])).toEqual([[kim.id, 'marked']]);
  expect((await keep(fay.token)).status).toBe(409);
  const kept = await keep(kim.token);
  expect(kept.status).toBe(200);
  expect(kept.body.skuId).toBe(SKU.E3);
  // answered: a second keep restarts nothing
  const again = await keep(kim.token);
  expect(again.status).toBe(409);
  expect(again.body.error.message).toContain(`You kept Office 365 E3 on ${kept.body.keptDateTime}`);

  // while the policy asks first, the keep holds: a run after the grace period reclaims nothing
  const askFirstRun = await run(t, new Date(start + 8 * DAY).toISOString());
  expect(askFirstRun.reclaim.actions).toEqual([]);
  expect(await holds(t, kim.id)).toEqual([SKU.E3]);

  // the policy switched to immediate: nobody is asked, so the earlier answer holds nothing back
  expect((await setPolicy(t, { mode: 'immediate' })).status).toBe(200);
  const immediate = await run(t, new Date(start + 9 * DAY).toISOString());
  expect(immediate.reclaim.actions).toEqual([{ userId: kim.id, status: 'reclaimed', removed: [SKU.E3] }]);
  expect(await holds(t, kim.id)).toEqual([]);
  expect(await holds(t, fay.id)).toEqual([SKU.E3]);
});
