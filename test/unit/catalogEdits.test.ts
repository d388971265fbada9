/** The catalog's edits and diffs, pure: imports (merge, replace), rules, the operator's own products. */
import { diffCatalogs, isEmpty, summarize } from '../../shared/catalog/diff';
import { importTable, patchProduct, putProduct, removeProduct, setRules, TableProductInput } from '../../shared/catalog/edits';
import { Catalog, CatalogContent } from '../../shared/domain/catalog';
import { ApiError } from '../../shared/errors';

const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const plan = (n: number, name = `PLAN_${n}`) => ({ servicePlanId: id(1000 + n), servicePlanName: name, displayName: `Plan ${n}` });
const row = (n: number, plans: number[], o: Partial<TableProductInput> = {}): TableProductInput => ({
  skuId: id(n),
  skuPartNumber: `SKU_${n}`,
  displayName: `Product ${n}`,
  servicePlans: plans.map((p) => plan(p)),
  clouds: ['AzureCloud'],
  ...o,
});
const EMPTY: CatalogContent = { products: [], planRules: {} };
const T0 = '2026-01-01T00:00:00.000Z';
const T1 = '2026-02-01T00:00:00.000Z';
const none = new Set<string>();

const imported = (table: TableProductInput[], from = EMPTY, mode: 'merge' | 'replace' = 'merge', at = T0, held = none) =>
  importTable(from, table, mode, at, held).content;

describe("importing Microsoft's table", () => {
  test('a first import adds every product with its plans, none of them "new" to its product', () => {
    const c = new Catalog(imported([row(1, [1, 2]), row(2, [2, 3])]), 1);
    expect(c.all().map((p) => p.skuPartNumber)).toEqual(['SKU_1', 'SKU_2']);
    expect(c.product(id(1))!.servicePlans.map((s) => [s.servicePlanName, s.addedDateTime])).toEqual([
      ['PLAN_1', null],
      ['PLAN_2', null],
    ]);
    expect(c.product(id(2))).toMatchObject({ isSellable: true, source: 'microsoft', appliesTo: 'User', clouds: ['AzureCloud'] });
  });

  test('the same table twice changes nothing (no new version)', () => {
    const once = imported([row(1, [1, 2]), row(2, [3])]);
    const twice = imported([row(1, [1, 2]), row(2, [3])], once, 'merge', T1);
    expect(isEmpty(diffCatalogs(once, twice))).toBe(true);
    expect(isEmpty(diffCatalogs(once, imported([row(1, [1, 2]), row(2, [3])], once, 'replace', T1)))).toBe(true);
  });

  test('merge: adds and updates, never removes; a plan new to a product is dated', () => {
    const v1 = imported([row(1, [1, 2]), row(2, [3])]);
    const v2 = imported([row(1, [2, 4], { displayName: 'Product One' })], v1, 'merge', T1);
    const c = new Catalog(v2, 2);
    expect(c.all().map((p) => p.skuId)).toEqual([id(1), id(2)]);
    expect(c.product(id(1))!.servicePlans.map((s) => [s.servicePlanId, s.addedDateTime])).toEqual([
      [id(1001), null],
      [id(1002), null],
      [id(1004), T1],
    ]);
    const d = diffCatalogs(v1, v2);
    expect(summarize(d)).toMatchObject({ productsAdded: 0, productsRemoved: 0, productsRenamed: 1, plansAdded: 1, plansRemoved: 0 });
    expect(d.productsChanged[0]).toMatchObject({ skuId: id(1), renamedFrom: { displayName: 'Product 1' }, plansAdded: [{ servicePlanId: id(1004) }] });
  });

  test("replace: removes Microsoft's products and plans the file lacks, keeps the operator's own and those organizations hold", () => {
    let v1 = imported([row(1, [1, 2]), row(2, [3]), row(3, [5])]);
    v1 = putProduct(v1, id(9), { skuPartNumber: 'OWN', displayName: 'Own', servicePlans: [plan(9)] }, T0);
    const { content, keptBecauseHeld } = importTable(v1, [row(1, [2])], 'replace', T1, new Set([id(3)]));
    const c = new Catalog(content, 2);
    expect(
      c
        .all()
        .map((p) => p.skuPartNumber)
        .sort(),
    ).toEqual(['OWN', 'SKU_1', 'SKU_3']);
    expect(c.product(id(1))!.servicePlans.map((s) => s.servicePlanId)).toEqual([id(1002)]);
    expect(keptBecauseHeld).toEqual([{ skuId: id(3), skuPartNumber: 'SKU_3', displayName: 'Product 3' }]);
    expect(summarize(diffCatalogs(v1, content))).toMatchObject({ productsRemoved: 1, plansRemoved: 1 });
  });

  test("a part number two products share (as in Microsoft's own table) is taken; a lookup finds the first by skuId", () => {
    const c = new Catalog(imported([row(2, [1], { skuPartNumber: 'SAME' }), row(1, [2], { skuPartNumber: 'SAME' })]), 1);
    expect(c.all()).toHaveLength(2);
    expect(c.productByPartNumber('same')!.skuId).toBe(id(1));
  });

  test('an import keeps what the operator set: not for sale, applies to', () => {
    const v1 = patchProduct(imported([row(1, [1])]), id(1), { isSellable: false });
    expect(new Catalog(imported([row(1, [1])], v1, 'merge', T1), 2).product(id(1))!.isSellable).toBe(false);
  });
});

describe('rules', () => {
  const base = imported([row(1, [1, 2]), row(2, [3])]);

  test('a rules document sets each listed plan exactly; the snapshot serves them; apps give the auto-claim plans', () => {
    const next = setRules(
      base,
      [
        { servicePlanId: id(1001), conflictsWith: [id(1003)], notOfferedIn: ['cn'] },
        { servicePlanId: id(1003), conflictsWith: [id(1001)], apps: ['Teams'], isAutoAssigned: true },
      ],
      { replace: true, target: (i) => `servicePlans[${i}]` },
    );
    const c = new Catalog(next, 2);
    expect(c.plan(id(1001))).toMatchObject({ conflictsWith: [id(1003)], notOfferedIn: ['CN'], dependsOn: [], isAutoAssigned: false });
    expect(c.apps()).toEqual(['Teams']);
    expect(c.appPlans('Teams')).toEqual([id(1003)]);
    expect(summarize(diffCatalogs(base, next)).rulesChanged).toBe(2);
    // a document replaces: a plan listed with nothing has no rules left
    const cleared = setRules(next, [{ servicePlanId: id(1001) }], { replace: true, target: () => 'x' });
    expect(cleared.planRules[id(1001)]).toBeUndefined();
  });

  test('a PATCH changes only the fields given', () => {
    const one = setRules(base, [{ servicePlanId: id(1001), dependsOn: [id(1002)], notOfferedIn: ['RU'] }], { replace: false, target: () => 'body' });
    const two = setRules(one, [{ servicePlanId: id(1001), notOfferedIn: [] }], { replace: false, target: () => 'body' });
    expect(two.planRules[id(1001)]).toMatchObject({ dependsOn: [id(1002)], notOfferedIn: [] });
  });

  test('plans the catalog lacks, as the subject or in a rule, are one 400 naming each; nothing changes', () => {
    let err: ApiError | undefined;
    try {
      setRules(
        base,
        [
          { servicePlanId: id(1001), conflictsWith: [id(7777)] },
          { servicePlanId: id(8888), dependsOn: [id(1002)] },
        ],
        { replace: true, target: (i) => `servicePlans[${i}]` },
      );
    } catch (e) {
      err = e as ApiError;
    }
    expect(err).toBeInstanceOf(ApiError);
    expect(err!.status).toBe(400);
    expect(err!.code).toBe('unknownServicePlan');
    expect(err!.details!.map((d) => d.target)).toEqual(['servicePlans[0].conflictsWith[0]', 'servicePlans[1].servicePlanId']);
    expect(err!.message).toContain(id(7777));
    expect(err!.message).toContain(id(8888));
    expect(base.planRules).toEqual({});
  });
});

describe("the operator's own products", () => {
  test('put creates, then replaces: kept plans keep their date, new ones are dated, missing ones go', () => {
    const v1 = putProduct(EMPTY, id(5), { skuPartNumber: 'OWN', displayName: 'Own', servicePlans: [plan(1), plan(2)] }, T0);
    const v2 = putProduct(v1, id(5), { skuPartNumber: 'OWN', displayName: 'Own', servicePlans: [plan(2), plan(3)] }, T1);
    expect(new Catalog(v2, 2).product(id(5))!.servicePlans.map((s) => [s.servicePlanId, s.addedDateTime])).toEqual([
      [id(1002), null],
      [id(1003), T1],
    ]);
    expect(summarize(diffCatalogs(v1, v2))).toMatchObject({ plansAdded: 1, plansRemoved: 1 });
  });

  test('a part number another product has is refused (409)', () => {
    const v1 = imported([row(1, [1])]);
    expect(() => putProduct(v1, id(5), { skuPartNumber: 'sku_1', displayName: 'X', servicePlans: [plan(1)] }, T0)).toThrow(
      expect.objectContaining({ status: 409, target: 'skuPartNumber' }),
    );
  });

  test('patch renames or stops sales; remove takes the product and the rules no other product needs', () => {
    let v = imported([row(1, [1, 2]), row(2, [2])]);
    v = setRules(
      v,
      [
        { servicePlanId: id(1001), notOfferedIn: ['CN'] },
        { servicePlanId: id(1002), notOfferedIn: ['RU'] },
      ],
      { replace: true, target: () => 'x' },
    );
    const renamed = patchProduct(v, id(1), { displayName: 'Renamed', isSellable: false });
    expect(new Catalog(renamed, 2).product(id(1))).toMatchObject({ displayName: 'Renamed', isSellable: false });
    const removed = removeProduct(renamed, id(1));
    expect(Object.keys(removed.planRules)).toEqual([id(1002)]);
    expect(() => removeProduct(removed, id(1))).toThrow(expect.objectContaining({ status: 404 }));
    expect(() => patchProduct(removed, id(1), { isSellable: true })).toThrow(expect.objectContaining({ status: 404 }));
  });
});
