/**
 * What the reports read, against the emulators: the licenseAssignments and inactiveLicensedUsers reports
 * ask the store for the users they list (the filters are in the query, not in code over every user of the
 * organization), with the same rows as before: a user whose only path is in error, a user whose license
 * was removed, an unlicensed one, and a user written before the derived query fields existed. And the
 * report settings: read without being written, their key made once by the first change; and a Suspended
 * product's price, the same in both reports. The report tests of prices, windows and concealed names
 * across reports are in spend.test.ts.
 */
import { addBody, call, newTenant, Reply, SKU, storeOf, TestTenant } from '../helpers';
import { cosmosClient } from '../../shared/storage/cosmos';
import { inactiveLicensedUserPages, usersWithAssignmentPages } from '../../shared/storage/reports';
import { inactivityCutoff } from '../../shared/domain/reclaim';

const DAY = 86_400_000;
const store = storeOf();
const directory = store.container('directory');
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();

afterAll(() => {
  store.dispose();
  cosmosClient().dispose();
});

const report = (t: TestTenant, path: string): Promise<Reply> => call('GET', `/v1.0/reports/${path}`, { token: t.tokens.reader });

/** The ids a store query of the reports yields, page after page (what a report reads). */
async function idsOf(pages: AsyncGenerator<{ id: string }[]>): Promise<string[]> {
  const ids: string[] = [];
  for await (const page of pages) ids.push(...page.map((u) => u.id));
  return ids.sort();
}

async function settled(t: TestTenant, groupId: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const g = (await call('GET', `/v1.0/groups/${groupId}`, { token: t.tokens.reader })).body;
    if (g.licenseProcessingState.state === 'ProcessingComplete') return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('group processing did not complete');
}

test('the reports read only the users they list: assignments (active or in error), inactive licensed users; rows as before, an older user document included', async () => {
  const t = await newTenant('Report reads org');
  await t.buy(SKU.E3, 10, { unitPrice: { amount: 30, currency: 'EUR', billingPeriod: 'month' } });
  await t.buy(SKU.PBI, 1);
  const idle = await t.createUser({ displayName: 'Idle Ida' }); // E3, never signed in
  const recent = await t.createUser({ displayName: 'Recent Rae' }); // E3 and the only Power BI seat, signed in yesterday
  const erred = await t.createUser({ displayName: 'Error Eve' }); // Power BI through a group, no seat left: in error only
  const former = await t.createUser({ displayName: 'Former Fred' }); // E3 removed again
  const older = await t.createUser({ displayName: 'Older Olga' }); // E3, written before the query fields existed
  const plain = await t.createUser({ displayName: 'Plain Pat' }); // never licensed
  for (const u of [idle, recent, former, older]) expect((await t.assign(u.id, addBody(SKU.E3))).status).toBe(200);
  expect((await t.assign(recent.id, addBody(SKU.PBI))).status).toBe(200);
  expect((await t.assign(former.id, { addLicenses: [], removeLicenses: [SKU.E3] })).status).toBe(200);
  await directory.item(recent.id, t.id).patch([{ op: 'set', path: '/signInActivity', value: { lastSignInDateTime: ago(DAY) } }]);
  const g = await call('POST', '/v1.0/groups', { token: t.tokens.userAdmin, body: { displayName: 'Analysts' } });
  await call('POST', `/v1.0/groups/${g.body.id}/members/$ref`, {
    token: t.tokens.userAdmin,
    body: { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${erred.id}` },
  });
  expect((await call('POST', `/v1.0/groups/${g.body.id}/assignLicense`, { token: t.tokens.license, body: addBody(SKU.PBI) })).status).toBe(202);
  await settled(t, g.body.id);
  // as an older directory has them: no derived query fields (the reconciliation's userQueryFields step adds them)
  await directory.item(older.id, t.id).patch([
    { op: 'remove', path: '/assignedLicenseCount' },
    { op: 'remove', path: '/assignedSkuIds' },
    { op: 'remove', path: '/hasLicenseErrors' },
  ]);
  expect(Object.keys((await directory.item(older.id, t.id).read()).resource)).not.toContain('assignedLicenseCount');

  // every assignment: the error path included, the user without any not read
  const all = await report(t, 'licenseAssignments');
  expect(all.status).toBe(200);
  expect(all.body.value.map((r: any) => [r.displayName, r.skuId, r.assignedBy, r.state]).sort()).toEqual(
    [
      ['Error Eve', SKU.PBI, 'group', 'Error'],
      ['Idle Ida', SKU.E3, 'direct', 'Active'],
      ['Older Olga', SKU.E3, 'direct', 'Active'],
      ['Recent Rae', SKU.E3, 'direct', 'Active'],
      ['Recent Rae', SKU.PBI, 'direct', 'Active'],
    ].sort(),
  );
  expect(all.body.rows).toBe(5);
  expect(await idsOf(usersWithAssignmentPages(t.id, 500))).toEqual([idle.id, recent.id, erred.id, older.id].sort());

  // inactive licensed users: a path in error is no license; an unlicensed or former holder is not read
  const now = new Date().toISOString();
  const d30 = await report(t, 'inactiveLicensedUsers?days=30');
  expect(d30.status).toBe(200);
  expect(d30.body.value.map((u: any) => u.displayName).sort()).toEqual(['Idle Ida', 'Older Olga']);
  expect(d30.body.totals).toEqual({ users: 2, disabledUsers: 0, monthlySavings: [{ currency: 'EUR', amount: 60 }] });
  expect(await idsOf(inactiveLicensedUserPages(t.id, 500, inactivityCutoff(now, 30)))).toEqual([idle.id, older.id].sort());
  // the query's edge is the rule's: the day-old sign-in is read once the window is shorter than its age
  expect(await idsOf(inactiveLicensedUserPages(t.id, 500, new Date(Date.now() - DAY / 2).toISOString()))).toEqual([idle.id, recent.id, older.id].sort());
  for (const u of [plain, former]) expect(JSON.stringify([all.body, d30.body])).not.toContain(u.id);
});

test('report settings: a read (GET, or a report) on a new organization answers the defaults and writes nothing; the first PATCH makes the key, which later changes keep', async () => {
  const t = await newTenant('Fresh settings org');
  await t.buy(SKU.E3, 5);
  const u = await t.createUser({ displayName: 'Stable Stan' });
  expect((await t.assign(u.id, addBody(SKU.E3))).status).toBe(200);
  const stored = async () => (await directory.item('report-settings', t.id).read()).resource;

  const read = await call('GET', '/v1.0/admin/reportSettings', { token: t.tokens.reader });
  expect(read.status).toBe(200);
  expect(read.body).toEqual({ displayConcealedNames: false });
  expect((await report(t, 'licenseAssignments')).body.value.map((r: any) => r.displayName)).toEqual(['Stable Stan']);
  expect(await stored()).toBeUndefined();

  // two first changes at once: both answered, one document, one key
  const first = await Promise.all(
    [0, 1].map(() => call('PATCH', '/v1.0/admin/reportSettings', { token: t.tokens.global, body: { displayConcealedNames: true } })),
  );
  expect(first.map((r) => [r.status, r.body])).toEqual([
    [200, { displayConcealedNames: true }],
    [200, { displayConcealedNames: true }],
  ]);
  const key = (await stored()).secret;
  expect(key).toEqual(expect.any(String));
  const hash = (await report(t, 'licenseAssignments')).body.value[0].userId;
  expect(hash).not.toBe(u.id);

  // off and on again: the same key, so the same hash
  for (const displayConcealedNames of [false, true])
    expect((await call('PATCH', '/v1.0/admin/reportSettings', { token: t.tokens.global, body: { displayConcealedNames } })).status).toBe(200);
  expect((await stored()).secret).toBe(key);
  expect((await report(t, 'licenseAssignments')).body.value[0].userId).toBe(hash);
  expect((await call('GET', '/v1.0/admin/reportSettings', { token: t.tokens.reader })).body).toEqual({ displayConcealedNames: true });
});

test('a Suspended product is not billed: its licenses cost 0 in the spend report and in the inactivity report alike (not an unknown price)', async () => {
  const t = await newTenant('Suspended price org');
  await t.buy(SKU.E3, 4, { unitPrice: { amount: 30, currency: 'EUR', billingPeriod: 'month' } });
  await t.buy(SKU.PBI, 2, { unitPrice: { amount: 10, currency: 'EUR', billingPeriod: 'month' } });
  const u = await t.createUser({ displayName: 'Idle Ines' });
  expect(
    (
      await t.assign(u.id, {
        addLicenses: [
          { skuId: SKU.E3, disabledPlans: [] },
          { skuId: SKU.PBI, disabledPlans: [] },
        ],
        removeLicenses: [],
      })
    ).status,
  ).toBe(200);
  for (const status of ['Warning', 'Suspended'])
    expect((await call('PATCH', `/v1.0/directory/subscriptions/${t.id}_${SKU.PBI}`, { token: t.tokens.billing, body: { status } })).status).toBe(200);

  const spend = (await report(t, 'licenseSpend')).body;
  expect(spend.value.find((p: any) => p.skuId === SKU.PBI)).toMatchObject({ status: 'Suspended', billed: false, monthlyCost: 0, currency: 'EUR' });
  const idle = (await report(t, 'inactiveLicensedUsers?days=30')).body;
  expect(idle.value[0].licenses.map((l: any) => [l.skuId, l.monthlyCost, l.currency]).sort()).toEqual(
    [
      [SKU.E3, 30, 'EUR'],
      [SKU.PBI, 0, 'EUR'],
    ].sort(),
  );
  expect(idle.totals.monthlySavings).toEqual([{ currency: 'EUR', amount: 30 }]);
});
