/**
 * What a Graph client sends and expects, beyond the rules: Graph's create-user body, etags as HTTP has
 * them, Graph's statuses, bare query flags, Idempotency-Key reuse, buying a deleted product again, and
 * failed rows that import again (issue 10, items 2 and 7).
 */
import { parse } from 'csv-parse/sync';
import { addBody, call, newTenant, PLAN, SKU, TestTenant } from '../helpers';

let t: TestTenant;
beforeAll(async () => {
  t = await newTenant('Graph contract org');
  await t.buy(SKU.E3, 10);
  await t.buy(SKU.E1, 10);
});

async function finished(id: string) {
  for (let i = 0; i < 300; i++) {
    const job = (await call('GET', `/v1.0/licenseJobs/${id}`, { token: t.tokens.reader })).body;
    if (['completed', 'completedWithErrors', 'failed', 'cancelled'].includes(job.status)) return job;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`job ${id} did not finish`);
}

describe("POST /users with Graph's body", () => {
  const graphBody = (upn: string, password = 'Xk4!pWd-long') => ({
    accountEnabled: true,
    displayName: 'Adele Vance',
    mailNickname: 'AdeleV',
    userPrincipalName: upn,
    passwordProfile: { forceChangePasswordNextSignIn: true, password },
  });

  test('is accepted: mailNickname stored and returned, the password checked and not kept', async () => {
    const r = await call('POST', '/v1.0/users', { token: t.tokens.userAdmin, body: graphBody('adelev@graph.dev') });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ displayName: 'Adele Vance', mailNickname: 'AdeleV', userPrincipalName: 'adelev@graph.dev', accountEnabled: true });
    expect(JSON.stringify(r.body)).not.toMatch(/password|Xk4!pWd-long/);
    const read = await call('GET', `/v1.0/users/${r.body.id}`, { token: t.tokens.reader });
    expect(read.body.mailNickname).toBe('AdeleV');
    expect(JSON.stringify(read.body)).not.toMatch(/Xk4!pWd-long/);
  });

  test.each([
    ['too short', 'Ab1!'],
    ['only two kinds', 'lowercase1234'],
    ['a character Entra ID does not take', 'Pässword-12345'],
  ])('a password that Entra ID would refuse (%s): 400 on the password, nothing created', async (_, password) => {
    const upn = `weak-${password.length}-${Math.random().toString(36).slice(2, 7)}@graph.dev`;
    const r = await call('POST', '/v1.0/users', { token: t.tokens.userAdmin, body: graphBody(upn, password) });
    expect(r.status).toBe(400);
    expect(r.body.error.target).toBe('passwordProfile.password');
    expect(r.body.error.message).not.toContain(password);
    expect((await call('GET', `/v1.0/users/${upn}`, { token: t.tokens.reader })).status).toBe(404);
  });

  test('unknown properties stay a 400, as in Graph; a bad mailNickname too', async () => {
    const r = await call('POST', '/v1.0/users', { token: t.tokens.userAdmin, body: { ...graphBody('x1@graph.dev'), favouriteColour: 'blue' } });
    expect(r.status).toBe(400);
    expect(r.body.error.target).toBe('favouriteColour');
    const nick = await call('POST', '/v1.0/users', { token: t.tokens.userAdmin, body: { ...graphBody('x2@graph.dev'), mailNickname: 'has space' } });
    expect(nick.status).toBe(400);
    expect(nick.body.error.target).toBe('mailNickname');
  });

  test('without mailNickname the alias is the part of the user principal name before the @', async () => {
    const r = await call('POST', '/v1.0/users', { token: t.tokens.userAdmin, body: { displayName: 'No Alias', userPrincipalName: 'no.alias@graph.dev' } });
    expect(r.body.mailNickname).toBe('no.alias');
  });
});

describe('etags', () => {
  test('ETag headers are quoted; If-Match takes the quoted, weak and bare forms; a stale one is 412', async () => {
    const u = await t.createUser({ displayName: 'Etag User' });
    const read = await call('GET', `/v1.0/users/${u.id}`, { token: t.tokens.reader });
    const etag = read.headers.get('etag')!;
    expect(etag).toMatch(/^"[^"]+"$/);
    expect(read.body['@odata.etag']).toBe(etag);
    const bare = etag.slice(1, -1);
    for (const form of [etag, `W/${etag}`, bare]) {
      const current = (await call('GET', `/v1.0/users/${u.id}`, { token: t.tokens.reader })).headers.get('etag')!;
      const value = form === etag ? current : form === bare ? current.slice(1, -1) : `W/${current}`;
      const r = await call('PATCH', `/v1.0/users/${u.id}`, {
        token: t.tokens.userAdmin,
        body: { jobTitle: `T ${value.length}` },
        headers: { 'if-match': value },
      });
      expect(r.status).toBe(204);
      expect(r.headers.get('etag')).toMatch(/^"[^"]+"$/);
    }
    const stale = await call('PATCH', `/v1.0/users/${u.id}`, { token: t.tokens.userAdmin, body: { jobTitle: 'Stale' }, headers: { 'if-match': etag } });
    expect(stale.status).toBe(412);
    expect((await call('GET', `/v1.0/users/${u.id}`, { token: t.tokens.reader })).body.jobTitle).not.toBe('Stale');
  });
});

test('a service plan that is not in the product: 400 unknownServicePlan (a malformed request, not a rule)', async () => {
  const u = await t.createUser();
  const r = await t.assign(u.id, addBody(SKU.E3, [PLAN.PHONE]));
  expect(r.status).toBe(400);
  expect(r.body.error.code).toBe('unknownServicePlan');
  expect(r.body.error.target).toBe('addLicenses[0].disabledPlans');
});

test('a bare ?dryRun flag means true', async () => {
  const r = await call('POST', '/v1.0/licenseJobs/import?dryRun', {
    token: t.tokens.global,
    rawBody: 'userPrincipalName,licenses\nnobody@graph.dev,ENTERPRISEPACK\n',
    headers: { 'content-type': 'text/csv' },
  });
  expect(r.status).toBe(202);
  expect(r.body.dryRun).toBe(true);
  const bad = await call('POST', '/v1.0/licenseJobs/import?dryRun=maybe', {
    token: t.tokens.global,
    rawBody: 'userPrincipalName,licenses\n',
    headers: { 'content-type': 'text/csv' },
  });
  expect(bad.status).toBe(400);
  expect(bad.body.error.target).toBe('dryRun');
});

describe('Idempotency-Key', () => {
  test('the same key with the same body returns the first job; with another body it is 422 and starts nothing', async () => {
    const key = `key-${Math.random()}`;
    const u = await t.createUser();
    const body = { mode: 'add', userIds: [u.id], addLicenses: [{ skuId: SKU.E1, disabledPlans: [] }], dryRun: true };
    const first = await call('POST', '/v1.0/licenseJobs', { token: t.tokens.global, body, headers: { 'idempotency-key': key } });
    expect(first.status).toBe(202);
    const again = await call('POST', '/v1.0/licenseJobs', { token: t.tokens.global, body, headers: { 'idempotency-key': key } });
    expect(again.body.id).toBe(first.body.id);
    const other = await call('POST', '/v1.0/licenseJobs', {
      token: t.tokens.global,
      body: { ...body, addLicenses: [{ skuId: SKU.E3, disabledPlans: [] }] },
      headers: { 'idempotency-key': key },
    });
    expect(other.status).toBe(422);
    expect(other.body.error).toMatchObject({ code: 'idempotencyKeyReused', target: 'Idempotency-Key' });
  });

  test('for a CSV import: another file under the same key is 422', async () => {
    const key = `csv-${Math.random()}`;
    const send = (csv: string) =>
      call('POST', '/v1.0/licenseJobs/import?dryRun=true', {
        token: t.tokens.global,
        rawBody: csv,
        headers: { 'content-type': 'text/csv', 'idempotency-key': key },
      });
    const first = await send('userPrincipalName,licenses\na@graph.dev,ENTERPRISEPACK\n');
    expect(first.status).toBe(202);
    expect((await send('userPrincipalName,licenses\na@graph.dev,ENTERPRISEPACK\n')).body.id).toBe(first.body.id);
    expect((await send('userPrincipalName,licenses\nb@graph.dev,ENTERPRISEPACK\n')).status).toBe(422);
  });
});

test('a product whose subscription reached Deleted can be bought again', async () => {
  const org = await newTenant('Buy again org');
  const sub = await org.buy(SKU.PBI, 3);
  for (const status of ['Warning', 'Suspended', 'Deleted']) {
    expect((await call('PATCH', `/v1.0/directory/subscriptions/${sub.id}`, { token: org.tokens.billing, body: { status } })).status).toBe(200);
  }
  const refused = await call('PATCH', `/v1.0/directory/subscriptions/${sub.id}`, { token: org.tokens.billing, body: { totalLicenses: 5 } });
  expect(refused.status).toBe(409);
  expect(refused.body.error.message).toMatch(/Buy the product again/);
  const again = await call('POST', '/v1.0/directory/subscriptions', { token: org.tokens.billing, body: { skuId: SKU.PBI, totalLicenses: 5 } });
  expect(again.status).toBe(201);
  expect(again.body).toMatchObject({ skuId: SKU.PBI, status: 'Enabled', totalLicenses: 5 });
  const u = await org.createUser();
  expect((await org.assign(u.id, addBody(SKU.PBI))).status).toBe(200);
  expect((await org.sku(SKU.PBI)).consumedUnits).toBe(1);
  // buying it once more while it is active is still "raise its quantity"
  const twice = await call('POST', '/v1.0/directory/subscriptions', { token: org.tokens.billing, body: { skuId: SKU.PBI, totalLicenses: 5 } });
  expect(twice.status).toBe(409);
});

test("a selection job's failed rows are a CSV that imports again", async () => {
  const ok = await t.createUser({ displayName: 'Has place' });
  const nowhere = await t.createUser({ displayName: 'No place', usageLocation: null });
  const job = await call('POST', '/v1.0/licenseJobs', {
    token: t.tokens.global,
    body: { mode: 'add', userIds: [ok.id, nowhere.id], addLicenses: [{ skuId: SKU.E3, disabledPlans: [PLAN.YAMMER] }] },
  });
  expect(job.status).toBe(202);
  expect((await finished(job.body.id)).counts).toMatchObject({ succeeded: 1, failed: 1 });
  const csv = await (await fetch(job.body.failedRowsUrl, { headers: { authorization: `Bearer ${t.tokens.reader}` } })).text();
  const rows = parse<Record<string, string>>(csv, { columns: true });
  expect(rows).toEqual([
    expect.objectContaining({
      userPrincipalName: nowhere.userPrincipalName,
      licenses: 'ENTERPRISEPACK',
      disabledPlans: 'YAMMER_ENTERPRISE',
      userId: nowhere.id,
      errorCode: 'usageLocationRequired',
    }),
  ]);
  // fixed (a usage location added in the file) and imported again as it is
  const fixed = csv.replace(/^([^\r\n]*)\r\n([^,]*),ENTERPRISEPACK,YAMMER_ENTERPRISE,,/m, '$1\r\n$2,ENTERPRISEPACK,YAMMER_ENTERPRISE,NL,');
  expect(fixed).not.toBe(csv);
  const again = await call('POST', '/v1.0/licenseJobs/import', { token: t.tokens.global, rawBody: fixed, headers: { 'content-type': 'text/csv' } });
  expect(again.status).toBe(202);
  expect((await finished(again.body.id)).counts).toMatchObject({ succeeded: 1, failed: 0 });
  const after = (await call('GET', `/v1.0/users/${nowhere.id}`, { token: t.tokens.reader })).body;
  expect(after).toMatchObject({ usageLocation: 'NL', assignedLicenses: [{ skuId: SKU.E3, disabledPlans: [PLAN.YAMMER] }] });
});
