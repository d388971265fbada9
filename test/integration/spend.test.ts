/**
 * What licenses cost and who does not use them, through HTTP against the emulators: prices on
 * subscriptions, sign-in dates from a CSV import (never moved back), the three reports as JSON and as CSV
 * (parsed back and compared), concealed names stable across reports, the reclaim policy's ask-first mode
 * from mark to keep to reclaim over three runs with the clock moved (`asOf`, the test stack only: no
 * sleeping), an inherited license reported and never removed, and the spend alerts once a day.
 */
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { parse } from 'csv-parse/sync';
import { addBody, call, newTenant, Reply, SKU, storeOf, TestTenant, tokenFor } from '../helpers';

const DAY = 86_400_000;
const MINUTE = 60_000;
const store = storeOf();
const directory = store.container('directory');
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();

let server: Server;
let hookUrl = '';
beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200).end());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  hookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  store.dispose();
});

const report = (t: TestTenant, path: string, csv = false): Promise<Reply> =>
  call('GET', `/v1.0/reports/${path}`, { token: t.tokens.reader, headers: csv ? { accept: 'text/csv' } : {} });

/** A CSV answer parsed back into records (header names as keys). */
const records = (r: Reply): Record<string, string>[] => parse(r.body as string, { columns: true, skip_empty_lines: true });

async function waitForJob(t: TestTenant, id: string): Promise<any> {
  for (let i = 0; i < 600; i++) {
    const r = await call('GET', `/v1.0/licenseJobs/${id}`, { token: t.tokens.reader });
    if (['completed', 'completedWithErrors', 'failed', 'cancelled'].includes(r.body.status)) return r.body;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`job ${id} did not finish`);
}

async function importCsv(t: TestTenant, lines: string[]): Promise<any> {
  const r = await call('POST', '/v1.0/licenseJobs/import', { token: t.tokens.license, rawBody: lines.join('\n'), headers: { 'content-type': 'text/csv' } });
  expect(r.status).toBe(202);
  return waitForJob(t, r.body.id);
}

const storedUser = async (t: TestTenant, id: string) => (await directory.item(id, t.id).read()).resource;
/** Edge cases the import cannot make (a guest, a group-only user): the sign-in date written to the store. */
const setSignIn = (t: TestTenant, id: string, at: string) =>
  directory.item(id, t.id).patch([{ op: 'set', path: '/signInActivity', value: { lastSignInDateTime: at } }]);

async function groupWith(t: TestTenant, userIds: string[], skuId: string): Promise<string> {
  const g = await call('POST', '/v1.0/groups', { token: t.tokens.userAdmin, body: { displayName: 'Licensed by group' } });
  for (const id of userIds)
    await call('POST', `/v1.0/groups/${g.body.id}/members/$ref`, {
      token: t.tokens.userAdmin,
      body: { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${id}` },
    });
  expect((await call('POST', `/v1.0/groups/${g.body.id}/assignLicense`, { token: t.tokens.license, body: addBody(skuId) })).status).toBe(202);
  for (let i = 0; i < 300; i++) {
    const s = (await call('GET', `/v1.0/groups/${g.body.id}`, { token: t.tokens.reader })).body;
    if (s.licenseProcessingState.state === 'ProcessingComplete') return g.body.id;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('group processing did not complete');
}

test('prices: set at purchase or by PATCH (Global, Billing admin), validated per ISO 4217; the spend report adds them exactly, per currency, JSON and CSV alike', async () => {
  const t = await newTenant('Spend org');
  await t.buy(SKU.E3, 10, { unitPrice: { amount: 20, currency: 'eur', billingPeriod: 'month' } });
  await t.buy(SKU.E1, 7, { unitPrice: { amount: 100, currency: 'EUR', billingPeriod: 'year' } });
  await t.buy(SKU.PBI, 3);
  await t.buy(SKU.EXO1, 5);
  await t.buy(SKU.PROJECT, 2);
  const sub = (sku: string) => `/v1.0/directory/subscriptions/${t.id}_${sku}`;
  // refused: not an ISO 4217 code, more decimals than the currency has, an unknown period, a License admin
  const bad = async (unitPrice: unknown, target: string) => {
    const r = await call('PATCH', sub(SKU.PBI), { token: t.tokens.billing, body: { unitPrice } });
    expect(r.status).toBe(400);
    expect(r.body.error.target).toBe(target);
  };
  await bad({ amount: 9.99, currency: 'EUX', billingPeriod: 'month' }, 'unitPrice.currency');
  await bad({ amount: 1.5, currency: 'JPY', billingPeriod: 'month' }, 'unitPrice.amount');
  await bad({ amount: 9.999, currency: 'USD', billingPeriod: 'month' }, 'unitPrice.amount');
  await bad({ amount: 9.99, currency: 'USD', billingPeriod: 'week' }, 'unitPrice.billingPeriod');
  expect(
    (await call('PATCH', sub(SKU.PBI), { token: t.tokens.license, body: { unitPrice: { amount: 9.99, currency: 'USD', billingPeriod: 'month' } } })).status,
  ).toBe(403);
  const set = await call('PATCH', sub(SKU.PBI), { token: t.tokens.billing, body: { unitPrice: { amount: 9.99, currency: 'USD', billingPeriod: 'month' } } });
  expect(set.status).toBe(200);
  expect(set.body.unitPrice).toEqual({ amount: 9.99, currency: 'USD', billingPeriod: 'month' });
  expect(
    (await call('PATCH', sub(SKU.EXO1), { token: t.tokens.global, body: { unitPrice: { amount: 1000, currency: 'JPY', billingPeriod: 'year' } } })).status,
  ).toBe(200);
  // a price can be removed again
  await call('PATCH', sub(SKU.PROJECT), { token: t.tokens.billing, body: { unitPrice: { amount: 5, currency: 'EUR', billingPeriod: 'month' } } });
  expect((await call('PATCH', sub(SKU.PROJECT), { token: t.tokens.billing, body: { unitPrice: null } })).body.unitPrice).toBeNull();

  const users = await Promise.all([1, 2, 3, 4, 5].map(() => t.createUser()));
  for (const u of users.slice(0, 3)) expect((await t.assign(u.id, addBody(SKU.E3))).status).toBe(200);
  for (const u of users.slice(3)) expect((await t.assign(u.id, addBody(SKU.E1))).status).toBe(200);

  const r = await report(t, 'licenseSpend');
  expect(r.status).toBe(200);
  expect(r.headers.get('content-type')).toMatch(/application\/json/);
  const by = Object.fromEntries(r.body.value.map((p: any) => [p.skuPartNumber, p]));
  expect(by.ENTERPRISEPACK).toMatchObject({ totalLicenses: 10, assigned: 3, unused: 7, currency: 'EUR', monthlyCost: 200, unusedMonthlyCost: 140 });
  // 100.00 a year is 8.3333... a month: 7 seats 58.33, 5 unused 41.67 (rounded once, not per seat)
  expect(by.STANDARDPACK).toMatchObject({ totalLicenses: 7, assigned: 2, unused: 5, monthlyCost: 58.33, unusedMonthlyCost: 41.67 });
  // 3 x 9.99 in floating point is 29.970000000000002; here it is 29.97
  expect(by.POWER_BI_PRO).toMatchObject({ currency: 'USD', monthlyCost: 29.97, unusedMonthlyCost: 29.97 });
  // a currency without minor units: 5 x 1000 / 12 = 416.67 yen, shown as 417
  expect(by.EXCHANGESTANDARD).toMatchObject({ currency: 'JPY', monthlyCost: 417, unusedMonthlyCost: 417 });
  expect(by.PROJECTPROFESSIONAL).toMatchObject({ unitPrice: null, monthlyCost: null, unusedMonthlyCost: null });
  // the EUR total is the exact sum rounded once: 200 + 58.333... = 258.33, 140 + 41.666... = 181.67
  expect(r.body.totals).toEqual([
    { currency: 'EUR', monthlyCost: 258.33, unusedMonthlyCost: 181.67 },
    { currency: 'JPY', monthlyCost: 417, unusedMonthlyCost: 417 },
    { currency: 'USD', monthlyCost: 29.97, unusedMonthlyCost: 29.97 },
  ]);
  expect(r.body.unpricedProducts).toBe(1);

  // the CSV: the same rows, then a line per currency's total
  const csv = await report(t, 'licenseSpend', true);
  expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
  const rows = records(csv);
  const products = rows.filter((x) => x.skuPartNumber !== 'TOTAL');
  expect(products.map((x) => x.skuId)).toEqual(r.body.value.map((p: any) => p.skuId));
  for (const [i, p] of r.body.value.entries()) {
    expect(products[i]).toMatchObject({
      skuPartNumber: p.skuPartNumber,
      totalLicenses: String(p.totalLicenses),
      assigned: String(p.assigned),
      unused: String(p.unused),
      currency: p.currency ?? '',
      monthlyCost: p.monthlyCost === null ? '' : String(p.monthlyCost),
      unusedMonthlyCost: p.unusedMonthlyCost === null ? '' : String(p.unusedMonthlyCost),
    });
  }
  expect(rows.filter((x) => x.skuPartNumber === 'TOTAL').map((x) => [x.currency, Number(x.monthlyCost), Number(x.unusedMonthlyCost)])).toEqual(
    r.body.totals.map((x: any) => [x.currency, x.monthlyCost, x.unusedMonthlyCost]),
  );
  // readers only: a plain user may not read reports
  expect((await call('GET', '/v1.0/reports/licenseSpend', { token: t.tokens.plain })).status).toBe(403);
});

test('sign-in dates from a CSV import: a bad date is a failed row with the reason; an older date never moves a later one back', async () => {
  const t = await newTenant('Sign-in import org');
  await t.buy(SKU.E3, 10);
  const [a, b] = [await t.createUser(), await t.createUser()];
  const recent = ago(2 * DAY);
  const job = await importCsv(t, [
    'userPrincipalName,licenses,lastSignInDateTime',
    `${a.userPrincipalName},ENTERPRISEPACK,${recent}`,
    `${b.userPrincipalName},ENTERPRISEPACK,last tuesday`,
  ]);
  expect(job.counts).toMatchObject({ total: 2, succeeded: 1, failed: 1 });
  const failed = await call('GET', `/v1.0/licenseJobs/${job.id}/results?status=failed`, { token: t.tokens.reader });
  expect(failed.body.value[0].message).toMatch(/lastSignInDateTime 'last tuesday' must be an ISO 8601 date and time/);
  expect((await storedUser(t, b.id)).signInActivity).toBeUndefined();
  expect((await storedUser(t, a.id)).signInActivity).toEqual({ lastSignInDateTime: recent });

  // an older export imported later: the later sign-in stays; a newer one moves it on (the user already has E3: same row, no change to the license)
  await importCsv(t, ['userPrincipalName,licenses,lastSignInDateTime', `${a.userPrincipalName},ENTERPRISEPACK,${ago(40 * DAY)}`]);
  expect((await storedUser(t, a.id)).signInActivity).toEqual({ lastSignInDateTime: recent });
  const newer = ago(MINUTE);
  await importCsv(t, ['userPrincipalName,licenses,lastSignInDateTime', `${a.userPrincipalName},ENTERPRISEPACK,${newer}`]);
  expect((await storedUser(t, a.id)).signInActivity).toEqual({ lastSignInDateTime: newer });
  // an Entra ID export has no licenses column: the date alone is recorded, no license changes
  const exported = ago(3 * MINUTE);
  const c = await t.createUser();
  const only = await importCsv(t, ['userPrincipalName,lastSignInDateTime', `${c.userPrincipalName},${exported}`]);
  expect(only.counts).toMatchObject({ total: 1, succeeded: 1 });
  expect(await storedUser(t, c.id)).toMatchObject({ signInActivity: { lastSignInDateTime: exported }, licenseAssignments: [] });
  // an offset is read as the instant it names, kept in UTC
  await importCsv(t, ['userPrincipalName,licenses,lastSignInDateTime', `${b.userPrincipalName},ENTERPRISEPACK,2026-01-31T10:15:00+02:00`]);
  expect((await storedUser(t, b.id)).signInActivity).toEqual({ lastSignInDateTime: '2026-01-31T08:15:00.000Z' });
});

test('a sign-in date from a CSV import more than 5 minutes ahead of the service is a failed row with the reason: it cannot pin a user out of inactivity (issue 19, item 3)', async () => {
  const t = await newTenant('Future sign-in org');
  await t.buy(SKU.E3, 10);
  const [alex, bea, cy] = [await t.createUser({ displayName: 'Alex Future' }), await t.createUser(), await t.createUser()];
  expect((await t.assign(alex.id, addBody(SKU.E3))).status).toBe(200);
  const soon = new Date(Date.now() + 2 * MINUTE).toISOString(); // a fast clock at the identity provider: taken
  const job = await importCsv(t, [
    'userPrincipalName,lastSignInDateTime',
    `${alex.userPrincipalName},9999-12-31T00:00:00Z`,
    `${bea.userPrincipalName},${new Date(Date.now() + 10 * MINUTE).toISOString()}`,
    `${cy.userPrincipalName},${soon}`,
  ]);
  expect(job.counts).toMatchObject({ total: 3, succeeded: 1, failed: 2 });
  const failed = (await call('GET', `/v1.0/licenseJobs/${job.id}/results?status=failed`, { token: t.tokens.reader })).body.value;
  expect(failed.map((r: any) => [r.row, r.code])).toEqual([
    [2, 'invalidRequest'],
    [3, 'invalidRequest'],
  ]);
  expect(failed[0].message).toMatch(/^Row 2: lastSignInDateTime '9999-12-31T00:00:00Z' is in the future .*at most 5 minutes ahead/);
  expect((await storedUser(t, alex.id)).signInActivity).toBeUndefined();
  expect((await storedUser(t, bea.id)).signInActivity).toBeUndefined();
  expect((await storedUser(t, cy.id)).signInActivity).toEqual({ lastSignInDateTime: soon });
  // Alex never signed in, and the inactivity report still says so
  const inactive = await report(t, 'inactiveLicensedUsers?days=30');
  expect(inactive.body.value.map((u: any) => [u.displayName, u.lastSignInDateTime])).toEqual([['Alex Future', null]]);
  // the failed rows download carries the reason, to fix and import again
  const csv = await fetch(job.failedRowsUrl, { headers: { authorization: `Bearer ${t.tokens.reader}` } });
  const lines: string[][] = parse(await csv.text(), { skip_empty_lines: true });
  const [header, first] = lines;
  expect(header).toEqual([
    'userPrincipalName',
    'licenses',
    'disabledPlans',
    'usageLocation',
    'displayName',
    'lastSignInDateTime',
    'userId',
    'errorCode',
    'errorMessage',
  ]);
  expect(first.slice(0, 8)).toEqual([alex.userPrincipalName, '', '', '', '', '9999-12-31T00:00:00Z', '', 'invalidRequest']);
  expect(first[8]).toMatch(/^Row 2: lastSignInDateTime '9999-12-31T00:00:00Z' is in the future/);
  // the same rule as POST /signInEvents
  const hook = await tokenFor('SignInEvents', t.id);
  const event = await call('POST', '/v1.0/signInEvents', { token: hook, body: { userId: alex.id, app: 'Teams', dateTime: '9999-12-31T00:00:00Z' } });
  expect(event.status).toBe(400);
});

test('inactive licensed users: windows at their edges, never signed in, guests and disabled accounts, group licenses, the savings; concealed names are the same hash in every report; CSV = JSON', async () => {
  const t = await newTenant('Inactive org');
  await t.buy(SKU.E3, 20, { unitPrice: { amount: 30, currency: 'EUR', billingPeriod: 'month' } });
  await t.buy(SKU.E1, 20, { unitPrice: { amount: 120, currency: 'EUR', billingPeriod: 'year' } });
  await t.buy(SKU.PBI, 20, { unitPrice: { amount: 10, currency: 'EUR', billingPeriod: 'month' } });
  const active = await t.createUser({ displayName: 'Active Ann' });
  const justOver30 = await t.createUser({ displayName: '=Over 30' }); // a formula-looking name: quoted in the CSV
  const justUnder30 = await t.createUser({ displayName: 'Under 30' });
  const never = await t.createUser({ displayName: 'Never Nick' });
  const disabled = await t.createUser({ displayName: 'Disabled Dora' });
  const guest = await t.createUser({ displayName: 'Guest Gus', userType: 'Guest' });
  const grouped = await t.createUser({ displayName: 'Group Greta' });
  await importCsv(t, [
    'userPrincipalName,licenses,lastSignInDateTime',
    `${active.userPrincipalName},ENTERPRISEPACK,${ago(10 * DAY)}`,
    `${justOver30.userPrincipalName},ENTERPRISEPACK;POWER_BI_PRO,${ago(30 * DAY + MINUTE)}`,
    `${justUnder30.userPrincipalName},ENTERPRISEPACK,${ago(30 * DAY - MINUTE)}`,
    `${never.userPrincipalName},ENTERPRISEPACK,`,
    `${disabled.userPrincipalName},ENTERPRISEPACK,${ago(100 * DAY)}`,
  ]);
  expect((await call('PATCH', `/v1.0/users/${disabled.id}`, { token: t.tokens.userAdmin, body: { accountEnabled: false } })).status).toBe(204);
  expect((await t.assign(guest.id, addBody(SKU.E3), t.tokens.global)).status).toBe(200);
  await setSignIn(t, guest.id, ago(200 * DAY));
  const groupId = await groupWith(t, [grouped.id], SKU.E1);
  await setSignIn(t, grouped.id, ago(100 * DAY));
  await t.createUser({ displayName: 'Unlicensed Una' }); // never signed in, but holds nothing: not listed

  const names = async (days: number) => {
    const r = await report(t, `inactiveLicensedUsers?days=${days}`);
    expect(r.status).toBe(200);
    return r.body;
  };
  const d30 = await names(30);
  expect(d30.value.map((u: any) => u.displayName).sort()).toEqual(['=Over 30', 'Disabled Dora', 'Group Greta', 'Guest Gus', 'Never Nick']);
  expect((await names(60)).value.map((u: any) => u.displayName).sort()).toEqual(['Disabled Dora', 'Group Greta', 'Guest Gus', 'Never Nick']);
  expect((await names(180)).value.map((u: any) => u.displayName).sort()).toEqual(['Guest Gus', 'Never Nick']);
  expect((await call('GET', '/v1.0/reports/inactiveLicensedUsers?days=45', { token: t.tokens.reader })).status).toBe(400);

  const row = (name: string) => d30.value.find((u: any) => u.displayName === name);
  expect(row('Never Nick')).toMatchObject({ lastSignInDateTime: null, daysSinceLastSignIn: null });
  expect(row('Disabled Dora')).toMatchObject({ accountEnabled: false, daysSinceLastSignIn: 100 });
  expect(row('Guest Gus')).toMatchObject({ userType: 'Guest', accountEnabled: true });
  expect(row('Group Greta').licenses).toEqual([{ skuId: SKU.E1, skuPartNumber: 'STANDARDPACK', assignedBy: 'group', monthlyCost: 10, currency: 'EUR' }]);
  expect(row('=Over 30').monthlyCost).toEqual([{ currency: 'EUR', amount: 40 }]);
  // 4 x E3 (30.00) + Power BI (10.00) + E1 (120.00 a year: 10.00): what reclaiming them all would save a month
  expect(d30.totals).toEqual({ users: 5, disabledUsers: 1, monthlySavings: [{ currency: 'EUR', amount: 140 }] });

  // the CSV: a line per user and product, the same values; the formula-looking name cannot run in a spreadsheet
  const csv = await report(t, 'inactiveLicensedUsers?days=30', true);
  expect(csv.body as string).toContain(",'=Over 30,");
  const lines = records(csv).filter((x) => x.skuPartNumber !== 'TOTAL');
  const flat = d30.value.flatMap((u: any) =>
    u.licenses.map((l: any) => ({
      userId: u.userId,
      userPrincipalName: u.userPrincipalName,
      displayName: u.displayName.startsWith('=') ? `'${u.displayName}` : u.displayName,
      accountEnabled: String(u.accountEnabled),
      lastSignInDateTime: u.lastSignInDateTime ?? '',
      skuId: l.skuId,
      assignedBy: l.assignedBy,
      monthlyCost: String(l.monthlyCost),
    })),
  );
  expect(lines.map((x) => ({ ...x }))).toEqual(flat.map((f: any) => expect.objectContaining(f)));
  expect(records(csv).filter((x) => x.skuPartNumber === 'TOTAL')).toEqual([expect.objectContaining({ monthlyCost: '140', currency: 'EUR' })]);

  // every assignment: direct and group paths, JSON and CSV alike
  const all = (await report(t, 'licenseAssignments')).body;
  expect(all.rows).toBe(all.value.length);
  expect(all.value.find((x: any) => x.userId === grouped.id)).toMatchObject({ assignedBy: 'group', groupId, skuPartNumber: 'STANDARDPACK', state: 'Active' });
  expect(all.value.filter((x: any) => x.userId === justOver30.id).map((x: any) => x.skuPartNumber)).toEqual(['ENTERPRISEPACK', 'POWER_BI_PRO']);
  const allCsv = records(await report(t, 'licenseAssignments', true));
  expect(allCsv.map((x) => [x.userId, x.skuId, x.assignedBy, x.groupId, x.state, x.assignedDateTime])).toEqual(
    all.value.map((x: any) => [x.userId, x.skuId, x.assignedBy, x.groupId ?? '', x.state, x.assignedDateTime]),
  );

  // concealed names: a Global admin only; then every report shows one stable hash per user, never the name
  expect((await call('PATCH', '/v1.0/admin/reportSettings', { token: t.tokens.license, body: { displayConcealedNames: true } })).status).toBe(403);
  const on = await call('PATCH', '/v1.0/admin/reportSettings', { token: t.tokens.global, body: { displayConcealedNames: true } });
  expect(on.body).toEqual({ displayConcealedNames: true });
  const hidden30 = (await report(t, 'inactiveLicensedUsers?days=30')).body;
  const hiddenAll = (await report(t, 'licenseAssignments')).body;
  const hiddenCsv = records(await report(t, 'inactiveLicensedUsers?days=30', true));
  const body = JSON.stringify([hidden30, hiddenAll, hiddenCsv]);
  for (const u of [justOver30, never, disabled, guest, grouped]) {
    expect(body).not.toContain(u.userPrincipalName);
    expect(body).not.toContain(u.id);
  }
  expect(body).not.toContain('Never Nick');
  const hashes = new Set(hidden30.value.map((u: any) => u.userId));
  expect(hashes.size).toBe(5);
  for (const u of hidden30.value) expect(u).toMatchObject({ userPrincipalName: u.userId, displayName: u.userId });
  // the same users carry the same hashes in the other reports, and again on the next read
  expect(hiddenAll.value.filter((x: any) => x.accountEnabled === false).map((x: any) => x.userId)).toEqual([
    hidden30.value.find((u: any) => u.accountEnabled === false).userId,
  ]);
  expect(new Set(hiddenCsv.filter((x) => x.userId).map((x) => x.userId))).toEqual(hashes);
  expect(new Set((await report(t, 'inactiveLicensedUsers?days=30')).body.value.map((u: any) => u.userId))).toEqual(hashes);
  // another organization's hash of the same kind of data is its own (a key per organization)
  expect((await call('GET', '/v1.0/admin/reportSettings', { token: t.tokens.reader })).body).toEqual({ displayConcealedNames: true });
  await call('PATCH', '/v1.0/admin/reportSettings', { token: t.tokens.global, body: { displayConcealedNames: false } });
  expect((await report(t, 'inactiveLicensedUsers?days=30')).body.value.map((u: any) => u.displayName)).toContain('Never Nick');
});

test('ask first: a run marks inactive users (webhook), one keeps with their own token, a later run within the grace reclaims nothing, a run after it reclaims what nobody kept (audited as reclaim); an inherited license is reported, never removed', async () => {
  const t = await newTenant('Ask-first org');
  await t.buy(SKU.E3, 10);
  const hook = await call('POST', '/v1.0/alerts/webhooks', { token: t.tokens.billing, body: { url: hookUrl, events: ['licenseReclaimPending'] } });
  expect(hook.status).toBe(201);
  const [keeper, idle, fresh, grouped] = [
    await t.createUser({ displayName: 'Keeper Kim' }),
    await t.createUser({ displayName: 'Idle Ivo' }),
    await t.createUser({ displayName: 'Fresh Fay' }),
    await t.createUser({ displayName: 'Group Gert' }),
  ];
  await importCsv(t, [
    'userPrincipalName,licenses,lastSignInDateTime',
    `${keeper.userPrincipalName},ENTERPRISEPACK,${ago(100 * DAY)}`,
    `${idle.userPrincipalName},ENTERPRISEPACK,${ago(100 * DAY)}`,
    `${fresh.userPrincipalName},ENTERPRISEPACK,${ago(5 * DAY)}`,
  ]);
  await groupWith(t, [grouped.id], SKU.E3);
  await setSignIn(t, grouped.id, ago(100 * DAY));
  // a new account gets inactiveForDays to sign in: these were "created" long ago (the store, as an older directory would have them)
  for (const u of [keeper, idle, fresh, grouped]) await directory.item(u.id, t.id).patch([{ op: 'set', path: '/createdDateTime', value: ago(400 * DAY) }]);
  const policy = await call('PATCH', '/v1.0/reconciliations/policy', {
    token: t.tokens.license,
    body: { reclaimDisabledAccounts: { enabled: true, inactiveForDays: 90, mode: 'askFirst', graceDays: 7 } },
  });
  expect(policy.body.reclaimDisabledAccounts).toEqual({
    enabled: true,
    disabledForDays: 30,
    inactiveForDays: 90,
    mode: 'askFirst',
    graceDays: 7,
    dryRun: true,
  });
  const run = async (asOf?: string) => {
    const r = await call('POST', `/v1.0/reconciliations${asOf ? `?asOf=${asOf}` : ''}`, { token: t.tokens.license });
    expect(r.status).toBe(201);
    return r.body;
  };
  const holds = async (id: string) => (await call('GET', `/v1.0/users/${id}/licenseDetails`, { token: t.tokens.reader })).body.value.map((l: any) => l.skuId);
  const pendingDeliveries = async () =>
    (await call('GET', '/v1.0/alerts/deliveries', { token: t.tokens.reader })).body.value.filter((d: any) => d.event === 'licenseReclaimPending');

  // a dry run (the default): candidates reported, nobody marked or asked
  const dry = await run();
  expect(dry.reclaim.users.map((u: any) => [u.displayName, u.reason, u.reclaim, u.inherited]).sort()).toEqual([
    ['Group Gert', 'inactive', [], [SKU.E3]],
    ['Idle Ivo', 'inactive', [SKU.E3], []],
    ['Keeper Kim', 'inactive', [SKU.E3], []],
  ]);
  expect(dry.reclaim.pending).toEqual([]);
  expect(await pendingDeliveries()).toEqual([]);
  await call('PATCH', '/v1.0/reconciliations/policy', { token: t.tokens.license, body: { reclaimDisabledAccounts: { dryRun: false } } });

  // run 1, now: both idle users marked and asked; nothing removed
  const start = Date.now();
  const first = await run(new Date(start).toISOString());
  const graceEnds = new Date(start + 7 * DAY).toISOString();
  expect(first.reclaim.pending.map((p: any) => [p.displayName, p.skuIds, p.status, p.reclaimAfterDateTime]).sort()).toEqual([
    ['Idle Ivo', [SKU.E3], 'marked', graceEnds],
    ['Keeper Kim', [SKU.E3], 'marked', graceEnds],
  ]);
  expect(first.reclaim.actions).toEqual([]);
  expect(first.summary).toMatchObject({ reclaimMarked: 2, licensesReclaimed: 0 });
  for (const u of [keeper, idle, fresh, grouped]) expect(await holds(u.id)).toEqual([SKU.E3]);
  const asked = await pendingDeliveries();
  expect(asked.map((d: any) => d.payload.data.userPrincipalName).sort()).toEqual([keeper.userPrincipalName, idle.userPrincipalName].sort());
  expect(asked[0].payload.data).toMatchObject({
    reclaimAfterDateTime: graceEnds,
    products: [{ skuId: SKU.E3, keep: `POST /v1.0/me/licenses/${SKU.E3}/keep` }],
  });

  // the user keeps it with their own token; nobody else's token can (an app has no "me"); a product not held: 404
  const keepWith = (token: string, sku = SKU.E3) => call('POST', `/v1.0/me/licenses/${sku}/keep`, { token });
  const kimToken = await tokenFor('User', t.id, { objectId: keeper.id });
  expect((await keepWith(await tokenFor('App', t.id))).status).toBe(403);
  expect((await keepWith(kimToken, SKU.E1)).status).toBe(404);
  const kept = await keepWith(kimToken);
  expect(kept.status).toBe(200);
  expect(kept.body.skuId).toBe(SKU.E3);
  expect(Date.parse(kept.body.reclaimableAfterDateTime) - Date.parse(kept.body.keptDateTime)).toBe(90 * DAY);

  // run 2, three days later: within the grace period nothing goes, nobody is asked again, the keeper is no candidate
  const second = await run(new Date(start + 3 * DAY).toISOString());
  expect(second.asOf).toBe(new Date(start + 3 * DAY).toISOString());
  expect(second.reclaim.pending.map((p: any) => [p.displayName, p.status, p.reclaimAfterDateTime])).toEqual([['Idle Ivo', 'waiting', graceEnds]]);
  expect(second.reclaim.actions).toEqual([]);
  expect(second.reclaim.users.map((u: any) => u.displayName).sort()).toEqual(['Group Gert', 'Idle Ivo']);
  expect(await pendingDeliveries()).toHaveLength(2);
  expect(await holds(idle.id)).toEqual([SKU.E3]);

  // run 3, eight days later: the grace period is over; what nobody kept goes, through the engine
  const seatsBefore = (await t.sku(SKU.E3)).consumedUnits;
  const third = await run(new Date(start + 8 * DAY).toISOString());
  expect(third.reclaim.actions).toEqual([{ userId: idle.id, status: 'reclaimed', removed: [SKU.E3] }]);
  expect(third.summary.licensesReclaimed).toBe(1);
  expect(await holds(idle.id)).toEqual([]);
  expect(await holds(keeper.id)).toEqual([SKU.E3]);
  expect(await holds(fresh.id)).toEqual([SKU.E3]);
  // the group's member: reported as inherited in every run, the license stays (it goes with the group)
  expect(third.reclaim.users.find((u: any) => u.userId === grouped.id)).toMatchObject({ reclaim: [], inherited: [SKU.E3] });
  expect(await holds(grouped.id)).toEqual([SKU.E3]);
  expect((await t.sku(SKU.E3)).consumedUnits).toBe(seatsBefore - 1);
  const trail = await call('GET', `/v1.0/auditLogs/licenseChanges?userId=${idle.id}`, { token: t.tokens.reader });
  expect(trail.body.value[0]).toMatchObject({ operation: 'reclaim', actor: { displayName: 'License reconciliation' }, after: [] });
  // a keep after the reclaim finds nothing to keep
  expect((await keepWith(await tokenFor('User', t.id, { objectId: idle.id }))).status).toBe(404);
});

test('alerts: unused seats over a cost threshold and inactive licensed users over a count, once a day per webhook', async () => {
  const t = await newTenant('Alerting org');
  await t.buy(SKU.E3, 10, { unitPrice: { amount: 20, currency: 'EUR', billingPeriod: 'month' } });
  const users = [await t.createUser(), await t.createUser(), await t.createUser()];
  for (const u of users) await t.assign(u.id, addBody(SKU.E3));
  const bad = await call('POST', '/v1.0/alerts/webhooks', {
    token: t.tokens.billing,
    body: { url: hookUrl, events: ['inactiveLicensedUsers'], inactiveUsersThreshold: { days: 45, count: 1 } },
  });
  expect(bad.status).toBe(400);
  const hook = await call('POST', '/v1.0/alerts/webhooks', {
    token: t.tokens.billing,
    body: {
      url: hookUrl,
      events: ['unusedSeats', 'inactiveLicensedUsers'],
      unusedSeatCostThresholds: { [SKU.E3]: 100 },
      inactiveUsersThreshold: { days: 30, count: 2 },
    },
  });
  expect(hook.status).toBe(201);
  expect(hook.body).toMatchObject({ unusedSeatCostThresholds: { [SKU.E3]: 100 }, inactiveUsersThreshold: { days: 30, count: 2 } });
  const deliveries = async (event: string) =>
    (await call('GET', '/v1.0/alerts/deliveries', { token: t.tokens.reader })).body.value.filter((d: any) => d.event === event);
  const run = async (asOf: string) => expect((await call('POST', `/v1.0/reconciliations?asOf=${asOf}`, { token: t.tokens.license })).status).toBe(201);

  const today = new Date().toISOString();
  await run(today);
  // 7 unused x 20.00 = 140.00 a month, over 100; 3 licensed users never signed in, over 2
  const unused = await deliveries('unusedSeats');
  expect(unused).toHaveLength(1);
  expect(unused[0].payload.data).toMatchObject({ skuId: SKU.E3, unused: 7, unusedMonthlyCost: 140, currency: 'EUR' });
  const inactive = await deliveries('inactiveLicensedUsers');
  expect(inactive.map((d: any) => d.payload.data)).toEqual([{ days: 30, count: 3 }]);
  // the same day again: nothing new; the next day: once more
  await run(today);
  expect(await deliveries('unusedSeats')).toHaveLength(1);
  expect(await deliveries('inactiveLicensedUsers')).toHaveLength(1);
  await run(new Date(Date.now() + DAY).toISOString());
  expect(await deliveries('unusedSeats')).toHaveLength(2);
  expect(await deliveries('inactiveLicensedUsers')).toHaveLength(2);
  // under the threshold: 3 more assigned leave 4 unused, 80.00 a month: no alert
  const more = [await t.createUser(), await t.createUser(), await t.createUser()];
  for (const u of more) await t.assign(u.id, addBody(SKU.E3));
  await run(new Date(Date.now() + 2 * DAY).toISOString());
  expect(await deliveries('unusedSeats')).toHaveLength(2);
});

test('asOf: a valid date only (the test stack allows it; Azure sets RECONCILIATION_ALLOW_AS_OF false, test/unit/infra.test.ts)', async () => {
  const t = await newTenant('Clock org');
  const r = await call('POST', '/v1.0/reconciliations?asOf=tomorrow', { token: t.tokens.license });
  expect(r.status).toBe(400);
  expect(r.body.error.target).toBe('asOf');
});
