/**
 * Microsoft's table through POST /v1.0/catalog/import, on a stack of its own (a replace removes products
 * other test files buy): a full-size table with the real file's quirks (bench/lib's seeded generator:
 * 6,000 rows, 620 products, a product with 112 plans, a plan in many products, names with commas)
 * imported whole, a dry run that writes nothing, the same file twice making no new version, a replace that
 * keeps the operator's own products and those organizations hold, a file that is not the table refused
 * with nothing changed; then every kind of product in it bought for an organization by the operator,
 * assigned to a user, and listed in licenseDetails with all its plans.
 */
import { randomUUID } from 'node:crypto';
import { generateMicrosoftTable, GeneratedTable } from '../../bench/lib/microsoftTableFixture';
import { call, newTenant, operatorToken, TestTenant } from '../helpers';
import { OwnStack, startOwnStack } from '../ownStack';

let stack: OwnStack;
let operator: string;
let table: GeneratedTable;
let t: TestTenant;

beforeAll(async () => {
  stack = await startOwnStack(170);
  operator = await operatorToken();
  table = generateMicrosoftTable({ seed: 20 });
  t = await newTenant('Buys from the full table', stack.api);
}, 180_000);

afterAll(() => stack?.stop());

const importFile = (body: Buffer | string, query = '', contentType = 'text/csv') =>
  fetch(`${stack.api}/v1.0/catalog/import${query}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${operator}`, 'content-type': contentType },
    body: typeof body === 'string' ? body : new Uint8Array(body),
  }).then(async (r) => ({ status: r.status, body: await r.json(), headers: r.headers }));
const state = async () =>
  (await call('GET', `${stack.api}/v1.0/catalog`, { token: operator })).body as { version: number; products: number; servicePlans: number };

test('a dry run says what the import would do and writes nothing', async () => {
  const before = await state();
  const dry = await importFile(table.bytes, '?dryRun=true');
  expect(dry.status).toBe(200);
  expect(dry.body).toMatchObject({ dryRun: true, published: false, mode: 'merge', version: before.version });
  expect(dry.body.summary.productsAdded).toBe(table.products.length);
  expect(dry.body.file).toMatchObject({ rows: table.rows, products: table.products.length, servicePlans: table.plans.length });
  expect(dry.body.file.notes.map((n: { code: string }) => n.code)).toEqual(expect.arrayContaining(['duplicateRows', 'spacesTrimmed', 'planNameVaries']));
  expect(await state()).toEqual(before);
});

test("the full table imports whole as one new version; the same file again makes none; every product's plans are there", async () => {
  const before = await state();
  const first = await importFile(table.bytes);
  expect(first.status).toBe(201);
  expect(first.headers.get('location')).toMatch(new RegExp(`/v1\\.0/catalog/versions/${before.version + 1}$`));
  expect(first.body).toMatchObject({ published: true, dryRun: false, version: before.version + 1, previousVersion: before.version, keptBecauseHeld: [] });
  expect(first.body.summary).toMatchObject({ productsAdded: table.products.length, productsRemoved: 0 });
  const after = await state();
  expect(after.products).toBe(before.products + table.products.length);

  const again = await importFile(table.bytes);
  expect(again.status).toBe(200);
  expect(again.body).toMatchObject({ published: false, version: after.version, summary: { productsAdded: 0, productsChanged: 0, productsRemoved: 0 } });
  expect((await state()).version).toBe(after.version);

  // what the reader made of the file is what the catalog serves: ids, part numbers, names with commas, plans in order, clouds
  for (const p of [table.products.find((x) => x.skuId === table.biggest.skuId)!, ...table.products.filter((x) => x.displayName.includes(',')).slice(0, 3)]) {
    const got = await call('GET', `${stack.api}/v1.0/catalog/products/${p.skuId}`, { token: operator });
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ skuPartNumber: p.skuPartNumber, displayName: p.displayName, clouds: p.clouds, source: 'microsoft', isSellable: true });
    expect(got.body.servicePlans.map((s: { servicePlanId: string }) => s.servicePlanId)).toEqual(p.servicePlanIds);
  }
  expect(table.biggest.plans).toBeGreaterThanOrEqual(100);
  const gov = table.products.find((p) => p.clouds.includes('AzureUSGovernment'))!;
  const filtered = await call('GET', `${stack.api}/v1.0/catalog/products?$filter=skuPartNumber eq '${gov.skuPartNumber}'`, { token: operator });
  expect(filtered.body.value.map((p: { clouds: string[] }) => p.clouds)).toContainEqual(['AzureUSGovernment']);
});

test('every kind of product of the table is bought by the operator for an organization, assigned, and licenseDetails lists all its plans', async () => {
  const planById = new Map(table.plans.map((p) => [p.servicePlanId, p]));
  // the biggest product, a product with a comma in its name, and one whose plans are shared with many products
  // (this stack is the worldwide cloud's: a US Government product is refused below, as the sovereign clouds test does)
  const worldwide = table.products.filter((p) => p.clouds.includes('AzureCloud'));
  const inMany = [...table.plans].sort((a, b) => countIn(b.servicePlanId) - countIn(a.servicePlanId))[0];
  const picks = [
    worldwide.find((p) => p.skuId === table.biggest.skuId) ?? worldwide.reduce((a, b) => (b.servicePlanIds.length > a.servicePlanIds.length ? b : a)),
    worldwide.find((p) => p.displayName.includes(','))!,
    worldwide.find((p) => p.servicePlanIds.includes(inMany.servicePlanId) && p.skuId !== table.biggest.skuId)!,
  ];
  expect(picks[0].servicePlanIds.length).toBeGreaterThanOrEqual(100);
  expect(countIn(inMany.servicePlanId)).toBeGreaterThan(5);
  for (const p of picks) {
    const bought = await call('POST', `${stack.api}/v1.0/tenants/${t.id}/subscriptions`, { token: operator, body: { skuId: p.skuId, totalLicenses: 2 } });
    expect([p.skuPartNumber, bought.status]).toEqual([p.skuPartNumber, 201]);
    expect(bought.body.skuPartNumber).toBe(p.skuPartNumber);
    const u = await t.createUser();
    const assigned = await t.assign(u.id, { addLicenses: [{ skuId: p.skuId, disabledPlans: [] }], removeLicenses: [] });
    expect([p.skuPartNumber, assigned.status]).toEqual([p.skuPartNumber, 200]);
    const details = await call('GET', `${stack.api}/v1.0/users/${u.id}/licenseDetails`, { token: t.tokens.reader });
    expect(details.body.value).toHaveLength(1);
    expect(details.body.value[0]).toMatchObject({ skuId: p.skuId, skuPartNumber: p.skuPartNumber });
    expect(
      details.body.value[0].servicePlans.map((s: { servicePlanId: string; servicePlanName: string; provisioningStatus: string }) => [
        s.servicePlanId,
        s.servicePlanName,
        s.provisioningStatus,
      ]),
    ).toEqual(p.servicePlanIds.map((id) => [id, planById.get(id)!.servicePlanName, 'Success']));
  }
  // a product the table marks as sold in the US Government cloud: recorded so, and not sold here
  const gov = table.products.find((p) => p.clouds.includes('AzureUSGovernment'))!;
  const refused = await call('POST', `${stack.api}/v1.0/tenants/${t.id}/subscriptions`, { token: operator, body: { skuId: gov.skuId, totalLicenses: 1 } });
  expect([refused.status, refused.body.error.code]).toEqual([409, 'productNotSoldInCloud']);
  expect(refused.body.error.message).toContain('it is sold in AzureUSGovernment');
  // the part number names the product too, as Microsoft's table spells it
  const byPart = await call('POST', `${stack.api}/v1.0/tenants/${t.id}/subscriptions`, {
    token: operator,
    body: {
      skuPartNumber: table.products.find((p) => !picks.includes(p) && !table.planted.partNumbersUnderSeveralProducts.includes(p.skuPartNumber))!.skuPartNumber,
      totalLicenses: 1,
    },
  });
  expect(byPart.status).toBe(201);

  function countIn(planId: string) {
    return table.products.filter((p) => p.servicePlanIds.includes(planId)).length;
  }
});

test("replace removes Microsoft's products the file lacks, except the operator's own and those organizations hold; merge never does", async () => {
  const own = randomUUID();
  const ownPlan = randomUUID();
  expect(
    (
      await call('PUT', `${stack.api}/v1.0/catalog/products/${own}`, {
        token: operator,
        body: {
          skuPartNumber: 'OPERATOR_OWN',
          displayName: 'Own product',
          servicePlans: [{ servicePlanId: ownPlan, servicePlanName: 'OWN', displayName: 'Own' }],
        },
      })
    ).status,
  ).toBe(201);
  // a smaller table: the first 50 products of the full one (their rows as they are)
  const lines = table.text.split('\r\n');
  const keep = new Set(table.products.slice(0, 50).map((p) => p.skuId));
  const small = [lines[0], ...lines.slice(1).filter((l) => [...keep].some((id) => l.toLowerCase().includes(id)))].join('\r\n');

  const merged = await importFile(small);
  expect(merged.body).toMatchObject({ published: false, summary: { productsRemoved: 0 } });

  const before = await state();
  const heldByT = new Set<string>(
    (await call('GET', `${stack.api}/v1.0/subscribedSkus`, { token: t.tokens.reader })).body.value.map((s: { skuId: string }) => s.skuId),
  );
  const dry = await importFile(small, '?mode=replace&dryRun=true');
  expect(dry.body).toMatchObject({ mode: 'replace', dryRun: true, published: false });
  expect((await state()).version).toBe(before.version);
  const replaced = await importFile(small, '?mode=replace');
  expect(replaced.status).toBe(201);
  const kept = replaced.body.keptBecauseHeld.map((p: { skuId: string }) => p.skuId);
  // the demo's products the test organizations hold (E3 of newTenant's? none bought here) and the table's bought above stay
  for (const sku of heldByT) if (!keep.has(sku)) expect(kept).toContain(sku);
  expect(kept).not.toContain(own);
  const removed = replaced.body.changes.productsRemoved.map((p: { skuId: string }) => p.skuId);
  expect(removed).not.toContain(own);
  for (const sku of kept) expect(removed).not.toContain(sku);
  expect(replaced.body.summary.productsRemoved).toBe(before.products - keep.size - kept.length - 1);
  expect((await call('GET', `${stack.api}/v1.0/catalog/products/${own}`, { token: operator })).status).toBe(200);
  // a product nobody held is gone; the organization's products still work
  const gone = removed[0];
  expect((await call('GET', `${stack.api}/v1.0/catalog/products/${gone}`, { token: operator })).status).toBe(404);
  for (const sku of heldByT) expect((await t.sku(sku)).servicePlans.length).toBeGreaterThan(0);
});

test("a file that is not Microsoft's table is a 400 naming what is wrong; a body that is not CSV a 415; nothing changes", async () => {
  const before = await state();
  const notTable = await importFile('userPrincipalName,licenses\r\nalex@contoso.dev,ENTERPRISEPACK\r\n');
  expect(notTable.status).toBe(400);
  expect(notTable.body.error.code).toBe('invalidCatalogFile');
  expect(notTable.body.error.message).toMatch(/Product_Display_Name|column/);
  const badGuid = await importFile(
    `Product_Display_Name,String_Id,GUID,Service_Plan_Name,Service_Plan_Id,Service_Plans_Included_Friendly_Names\r\nX,X,not-a-guid,P,${randomUUID()},P\r\n`,
  );
  expect(badGuid.status).toBe(400);
  expect(badGuid.body.error.target).toMatch(/line 2|GUID/);
  const json = await importFile('{"products":[]}', '', 'application/json');
  expect(json.status).toBe(415);
  expect((await importFile('')).status).toBe(400);
  expect((await importFile(table.bytes, '?mode=everything')).status).toBe(400);
  expect(await state()).toEqual(before);
});
