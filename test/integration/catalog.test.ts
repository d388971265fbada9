/**
 * The catalog's routes on the shared stack, through HTTP: the operator's own products (create, replace,
 * rename, not for sale, delete refused while held), the rules on plans (one plan, a document; unknown
 * plans named), the reads (paged, $filter, $search, $count), the versions, and who may do what. Each test
 * makes products of its own (random ids), so the demo's products other files use are left alone.
 */
import { randomUUID } from 'node:crypto';
import { call, newTenant, operatorToken, PLAN, SKU, TestTenant } from '../helpers';

let t: TestTenant;
let operator: string;

beforeAll(async () => {
  t = await newTenant('Catalog readers');
  operator = await operatorToken();
});

const plan = (name: string, id = randomUUID()) => ({ servicePlanId: id, servicePlanName: name, displayName: `${name} (display)` });
const product = (part: string, plans: ReturnType<typeof plan>[], extra: Record<string, unknown> = {}) => ({
  skuPartNumber: part,
  displayName: `${part} product`,
  servicePlans: plans,
  ...extra,
});
const put = (skuId: string, body: unknown, token = operator) => call('PUT', `/v1.0/catalog/products/${skuId}`, { token, body });
const unique = (prefix: string) => `${prefix}_${randomUUID().slice(0, 8).toUpperCase()}`;

describe("the operator's own products", () => {
  test('PUT creates (201) and replaces (200) a product; it reads back with its plans; a version records each change', async () => {
    const skuId = randomUUID();
    const [a, b, c] = [plan('OWN_A'), plan('OWN_B'), plan('OWN_C')];
    const part = unique('OWN');
    const created = await put(skuId, product(part, [a, b]));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ skuId, skuPartNumber: part, isSellable: true, source: 'operator', clouds: ['AzureCloud'] });
    expect(created.body.servicePlans.map((p: { servicePlanId: string; addedDateTime: string | null }) => [p.servicePlanId, p.addedDateTime])).toEqual([
      [a.servicePlanId, null],
      [b.servicePlanId, null],
    ]);
    const v1 = (await call('GET', '/v1.0/catalog', { token: operator })).body.version;

    const replaced = await put(skuId, product(part, [b, c]));
    expect(replaced.status).toBe(200);
    const plans = replaced.body.servicePlans as { servicePlanId: string; addedDateTime: string | null }[];
    expect(plans.map((p) => p.servicePlanId)).toEqual([b.servicePlanId, c.servicePlanId]);
    expect(plans[1].addedDateTime).not.toBeNull(); // new to a product that was there: dated (the console marks it)

    const versions = await call('GET', '/v1.0/catalog/versions?$top=5', { token: t.tokens.reader });
    expect(versions.status).toBe(200);
    const mine = versions.body.value.find((v: { version: number }) => v.version > v1 && v.version <= v1 + 5);
    expect(mine).toBeDefined();
    const record = await call('GET', `/v1.0/catalog/versions/${v1 + 1}`, { token: t.tokens.reader });
    expect(record.status).toBe(200);
    expect(record.body).toMatchObject({ version: v1 + 1, operation: 'putProduct', publishedBy: { id: expect.any(String) } });
    expect(record.body.changes.productsChanged).toEqual([
      expect.objectContaining({
        skuId,
        plansAdded: [expect.objectContaining({ servicePlanId: c.servicePlanId })],
        plansRemoved: [expect.objectContaining({ servicePlanId: a.servicePlanId })],
      }),
    ]);
    // the same product again: nothing changed, no new version
    const again = await put(skuId, product(part, [b, c]));
    expect(again.status).toBe(200);
    expect((await call('GET', '/v1.0/catalog', { token: operator })).body.version).toBe(v1 + 1);
  });

  test('bad bodies and a part number another product has are refused, with the field named', async () => {
    const skuId = randomUUID();
    const noPlans = await put(skuId, { skuPartNumber: 'X', displayName: 'X', servicePlans: [] });
    expect(noPlans.status).toBe(400);
    expect(noPlans.body.error.target).toBe('servicePlans');
    const twice = plan('TWICE');
    expect((await put(skuId, product(unique('TWICE'), [twice, twice]))).status).toBe(400);
    const taken = await put(skuId, product('ENTERPRISEPACK', [plan('TAKEN')]));
    expect(taken.status).toBe(409);
    expect(taken.body.error).toMatchObject({ target: 'skuPartNumber', message: expect.stringContaining('Office 365 E3') });
    expect((await call('GET', `/v1.0/catalog/products/${skuId}`, { token: operator })).status).toBe(404);
  });

  test('not for sale: a new purchase is 409 with the reason; the organization that has it keeps it; PATCH renames', async () => {
    const skuId = randomUUID();
    const p = plan('SALE');
    expect((await put(skuId, product(unique('SALE'), [p]))).status).toBe(201);
    const holder = await newTenant('Holds it');
    expect((await call('POST', `/v1.0/tenants/${holder.id}/subscriptions`, { token: operator, body: { skuId, totalLicenses: 3 } })).status).toBe(201);
    const u = await holder.createUser();
    expect((await holder.assign(u.id, { addLicenses: [{ skuId, disabledPlans: [] }], removeLicenses: [] })).status).toBe(200);

    const stop = await call('PATCH', `/v1.0/catalog/products/${skuId}`, { token: operator, body: { isSellable: false, displayName: 'Retired product' } });
    expect(stop.status).toBe(200);
    expect(stop.body).toMatchObject({ isSellable: false, displayName: 'Retired product' });

    const refused = await call('POST', `/v1.0/tenants/${t.id}/subscriptions`, { token: operator, body: { skuId, totalLicenses: 1 } });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('productNotForSale');
    expect(refused.body.error.message).toContain('Retired product');
    const selfBuy = await call('POST', '/v1.0/directory/subscriptions', { token: t.tokens.billing, body: { skuId, totalLicenses: 1 } });
    expect(selfBuy.status).toBe(409);
    // the holder keeps working: another user gets it, and the name shown is the new one
    const v = await holder.createUser();
    expect((await holder.assign(v.id, { addLicenses: [{ skuId, disabledPlans: [] }], removeLicenses: [] })).status).toBe(200);
    expect((await holder.sku(skuId)).displayName).toBe('Retired product');

    // delete refused while held, with the way out; nothing changed
    const del = await call('DELETE', `/v1.0/catalog/products/${skuId}`, { token: operator });
    expect(del.status).toBe(409);
    expect(del.body.error).toMatchObject({ code: 'productHeld', target: skuId, message: expect.stringContaining('isSellable') });
    expect((await call('GET', `/v1.0/catalog/products/${skuId}`, { token: operator })).status).toBe(200);
  });

  test('a product nobody holds is deleted (204); then it is gone (404), and so is a second delete', async () => {
    const skuId = randomUUID();
    expect((await put(skuId, product(unique('GONE'), [plan('GONE')]))).status).toBe(201);
    expect((await call('DELETE', `/v1.0/catalog/products/${skuId}`, { token: operator })).status).toBe(204);
    expect((await call('GET', `/v1.0/catalog/products/${skuId}`, { token: t.tokens.reader })).status).toBe(404);
    expect((await call('DELETE', `/v1.0/catalog/products/${skuId}`, { token: operator })).status).toBe(404);
    expect((await call('PATCH', `/v1.0/catalog/products/${skuId}`, { token: operator, body: { isSellable: false } })).status).toBe(404);
  });
});

describe('rules on service plans', () => {
  test('PATCH sets the fields given and keeps the others; the organization sees the rule in subscribedSkus and the rules refuse by it', async () => {
    const skuId = randomUUID();
    const [a, b] = [plan('RULE_A'), plan('RULE_B')];
    expect((await put(skuId, product(unique('RULES'), [a, b]))).status).toBe(201);
    const one = await call('PATCH', `/v1.0/catalog/servicePlans/${a.servicePlanId}`, {
      token: operator,
      body: { notOfferedIn: ['ru', 'CN'], apps: ['Planner'] },
    });
    expect(one.status).toBe(200);
    expect(one.body).toEqual({
      servicePlanId: a.servicePlanId,
      conflictsWith: [],
      dependsOn: [],
      notOfferedIn: ['RU', 'CN'],
      isAutoAssigned: false,
      apps: ['Planner'],
    });
    const two = await call('PATCH', `/v1.0/catalog/servicePlans/${a.servicePlanId}`, { token: operator, body: { dependsOn: [b.servicePlanId] } });
    expect(two.body).toMatchObject({ notOfferedIn: ['RU', 'CN'], dependsOn: [b.servicePlanId], apps: ['Planner'] });

    const org = await newTenant('Rules apply');
    // the apps auto-claim knows are those the catalog's plans give
    expect((await call('GET', '/v1.0/licensePolicies/autoClaim', { token: org.tokens.reader })).body.availableApps).toEqual(
      expect.arrayContaining(['Planner', 'Teams']),
    );
    await call('POST', `/v1.0/tenants/${org.id}/subscriptions`, { token: operator, body: { skuId, totalLicenses: 5 } });
    const sku = await org.sku(skuId);
    expect(sku.servicePlans.find((p: { servicePlanId: string }) => p.servicePlanId === a.servicePlanId)).toMatchObject({
      notOfferedIn: ['RU', 'CN'],
      dependsOn: [b.servicePlanId],
    });
    const ru = await org.createUser({ usageLocation: 'RU' });
    const refused = await org.assign(ru.id, { addLicenses: [{ skuId, disabledPlans: [] }], removeLicenses: [] });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('ProhibitedInUsageLocationViolation');
    const offB = await org.assign((await org.createUser()).id, { addLicenses: [{ skuId, disabledPlans: [b.servicePlanId] }], removeLicenses: [] });
    expect(offB.status).toBe(409);
    expect(offB.body.error.code).toBe('DependencyViolation');

    const unknown = randomUUID();
    const missing = await call('PATCH', `/v1.0/catalog/servicePlans/${unknown}`, { token: operator, body: { isAutoAssigned: true } });
    expect(missing.status).toBe(404);
    const badRef = await call('PATCH', `/v1.0/catalog/servicePlans/${a.servicePlanId}`, { token: operator, body: { conflictsWith: [unknown] } });
    expect(badRef.status).toBe(400);
    expect(badRef.body.error).toMatchObject({ code: 'unknownServicePlan', message: expect.stringContaining(unknown) });
    expect((await call('PATCH', `/v1.0/catalog/servicePlans/${a.servicePlanId}`, { token: operator, body: {} })).status).toBe(400);
  });

  test('a rules document sets every listed plan at once; one naming unknown plans is a 400 that lists each, and changes nothing', async () => {
    const skuId = randomUUID();
    const [a, b] = [plan('DOC_A'), plan('DOC_B')];
    expect((await put(skuId, product(unique('DOC'), [a, b]))).status).toBe(201);
    const before = (await call('GET', '/v1.0/catalog', { token: operator })).body.version;
    const [u1, u2] = [randomUUID(), randomUUID()];
    const bad = await call('POST', '/v1.0/catalog/rules', {
      token: operator,
      body: {
        servicePlans: [
          { servicePlanId: a.servicePlanId, conflictsWith: [b.servicePlanId] },
          { servicePlanId: u1, isAutoAssigned: true },
          { servicePlanId: b.servicePlanId, dependsOn: [u2], description: 'why' },
        ],
      },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('unknownServicePlan');
    expect(bad.body.error.details.map((d: { target: string }) => d.target)).toEqual(['servicePlans[1].servicePlanId', 'servicePlans[2].dependsOn[0]']);
    expect(bad.body.error.message).toContain(u1);
    expect(bad.body.error.message).toContain(u2);
    expect((await call('GET', '/v1.0/catalog', { token: operator })).body.version).toBe(before);

    const good = await call('POST', '/v1.0/catalog/rules', {
      token: operator,
      body: {
        servicePlans: [
          { servicePlanId: a.servicePlanId, conflictsWith: [b.servicePlanId], description: 'the two exclude each other' },
          { servicePlanId: b.servicePlanId, conflictsWith: [a.servicePlanId] },
        ],
      },
    });
    expect(good.status).toBe(200);
    expect(good.body).toMatchObject({ published: true, version: before + 1, summary: { rulesChanged: 2 } });
    const read = await call('GET', `/v1.0/catalog/products/${skuId}`, { token: t.tokens.reader });
    expect(read.body.servicePlans.map((p: { conflictsWith: string[] }) => p.conflictsWith)).toEqual([[b.servicePlanId], [a.servicePlanId]]);
    // the same document again: no new version
    const same = await call('POST', '/v1.0/catalog/rules', {
      token: operator,
      body: {
        servicePlans: [
          { servicePlanId: a.servicePlanId, conflictsWith: [b.servicePlanId] },
          { servicePlanId: b.servicePlanId, conflictsWith: [a.servicePlanId] },
        ],
      },
    });
    expect(same.body).toMatchObject({ published: false, version: before + 1 });
  });
});

describe('reading the catalog', () => {
  test("the demo's products, paged by skuId with @odata.nextLink; $filter on skuPartNumber, $search on names, $count", async () => {
    const first = await call('GET', '/v1.0/catalog/products?$top=2&$count=true', { token: t.tokens.reader });
    expect(first.status).toBe(200);
    expect(first.body.value).toHaveLength(2);
    expect(first.body['@odata.count']).toBeGreaterThanOrEqual(6);
    const seen: string[] = first.body.value.map((p: { skuId: string }) => p.skuId);
    let next: string | undefined = first.body['@odata.nextLink'];
    while (next) {
      const page = await call('GET', next, { token: t.tokens.reader });
      seen.push(...page.body.value.map((p: { skuId: string }) => p.skuId));
      next = page.body['@odata.nextLink'];
    }
    expect(seen).toEqual([...seen].sort());
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(expect.arrayContaining(Object.values(SKU)));

    const e3 = await call('GET', "/v1.0/catalog/products?$filter=skuPartNumber eq 'enterprisepack'", { token: t.tokens.reader });
    expect(e3.body.value.map((p: { skuId: string }) => p.skuId)).toEqual([SKU.E3]);
    expect(e3.body.value[0].servicePlans.find((p: { servicePlanId: string }) => p.servicePlanId === PLAN.TEAMS)).toMatchObject({ apps: ['Teams'] });
    const starts = await call('GET', "/v1.0/catalog/products?$filter=startswith(skuPartNumber,'STANDARD') and isSellable eq true", { token: t.tokens.reader });
    expect(starts.body.value.map((p: { skuId: string }) => p.skuId)).toEqual([SKU.E1]);
    const withTeams = await call('GET', `/v1.0/catalog/products?$filter=servicePlans/any(x:x/servicePlanId eq ${PLAN.TEAMS})&$count=true`, {
      token: t.tokens.reader,
    });
    expect(withTeams.body.value.map((p: { skuId: string }) => p.skuId).sort()).toEqual([SKU.E1, SKU.E3].sort());
    expect(withTeams.body['@odata.count']).toBe(2);
    const search = await call('GET', '/v1.0/catalog/products?$search="office"', { token: t.tokens.reader });
    expect(search.body.value.map((p: { skuId: string }) => p.skuId).sort()).toEqual([SKU.E1, SKU.E3].sort());
    const word = await call('GET', '/v1.0/catalog/products?$search=phone', { token: t.tokens.reader });
    expect(word.body.value.map((p: { skuId: string }) => p.skuId)).toEqual([SKU.PHONE]);

    const unsupported = await call('GET', "/v1.0/catalog/products?$filter=appliesTo eq 'User'", { token: t.tokens.reader });
    expect(unsupported.status).toBe(400);
    expect(unsupported.body.error.code).toBe('Request_UnsupportedQuery');
    expect((await call('GET', '/v1.0/catalog/products?$skiptoken=bm9wZQ', { token: t.tokens.reader })).status).toBe(400);
    expect((await call('GET', '/v1.0/catalog/products?$orderby=displayName', { token: t.tokens.reader })).status).toBe(400);
  });

  test('the versions, newest first, and one version with what it changed; an unknown version is 404', async () => {
    const list = await call('GET', '/v1.0/catalog/versions', { token: t.tokens.reader });
    expect(list.status).toBe(200);
    const numbers = list.body.value.map((v: { version: number }) => v.version);
    expect(numbers).toEqual([...numbers].sort((a: number, b: number) => b - a));
    // the demo's catalog: its products imported (version 1), then its rules (version 2)
    const v1 = await call('GET', '/v1.0/catalog/versions/1', { token: t.tokens.reader });
    expect(v1.body).toMatchObject({
      version: 1,
      operation: 'import',
      summary: { productsAdded: 6 },
      publishedBy: { displayName: 'Demo catalog (local/catalog)' },
    });
    const v2 = await call('GET', '/v1.0/catalog/versions/2', { token: t.tokens.reader });
    expect(v2.body).toMatchObject({ version: 2, operation: 'rules', summary: { rulesChanged: 8 } });
    expect((await call('GET', '/v1.0/catalog/versions/999999', { token: t.tokens.reader })).status).toBe(404);
    expect((await call('GET', '/v1.0/catalog/versions/abc', { token: t.tokens.reader })).status).toBe(400);
  });
});

describe('who may do what', () => {
  const writes = (skuId: string, planId: string): [string, string, unknown?][] => [
    ['PUT', `/v1.0/catalog/products/${skuId}`, product('NOPE', [plan('NOPE')])],
    ['PATCH', `/v1.0/catalog/products/${SKU.E3}`, { isSellable: false }],
    ['DELETE', `/v1.0/catalog/products/${SKU.PHONE}`],
    ['PATCH', `/v1.0/catalog/servicePlans/${planId}`, { isAutoAssigned: true }],
    ['POST', '/v1.0/catalog/rules', { servicePlans: [] }],
  ];

  test("only the operator's app writes: an organization's Global admin, its app with ReadWrite, and a token without roles get 403 on each write, and nothing changes", async () => {
    const before = (await call('GET', '/v1.0/catalog', { token: operator })).body.version;
    const app = await (await import('../helpers')).tokenFor('App', t.id);
    for (const token of [t.tokens.global, app, t.tokens.plain]) {
      for (const [method, path, body] of writes(randomUUID(), PLAN.TEAMS)) {
        const r = await call(method, path, { token, body });
        expect([method, path, r.status]).toEqual([method, path, 403]);
        expect(r.body.error.code).toBe('Authorization_RequestDenied');
      }
      const imported = await call('POST', '/v1.0/catalog/import', { token, rawBody: 'x', headers: { 'content-type': 'text/csv' } });
      expect(imported.status).toBe(403);
    }
    expect((await call('GET', '/v1.0/catalog', { token: operator })).body.version).toBe(before);
    expect((await call('GET', `/v1.0/catalog/products/${SKU.E3}`, { token: operator })).body.isSellable).toBe(true);
  });

  test('readers read (each admin role, the operator); a member without a role does not; nobody anonymous', async () => {
    for (const token of [t.tokens.global, t.tokens.license, t.tokens.userAdmin, t.tokens.billing, t.tokens.reader, operator]) {
      expect((await call('GET', '/v1.0/catalog/products?$top=1', { token })).status).toBe(200);
      expect((await call('GET', `/v1.0/catalog/products/${SKU.E3}`, { token })).status).toBe(200);
      expect((await call('GET', '/v1.0/catalog/versions', { token })).status).toBe(200);
    }
    expect((await call('GET', '/v1.0/catalog/products', { token: t.tokens.plain })).status).toBe(403);
    expect((await call('GET', '/v1.0/catalog/products')).status).toBe(401);
    expect((await call('GET', '/v1.0/catalog/versions')).status).toBe(401);
  });
});
