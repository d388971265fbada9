/**
 * The demo's catalog, as its data files give it (local/catalog: Microsoft's table format and a rules
 * document, read by the import's reader and edits): the products, plans and rules the demo and the
 * licensing reference (../shared/licensing-reference.md) describe, and the snapshot's lookups.
 */
import { demoCatalog, PLAN, SKU } from './fixtures';

const CATALOG = () => demoCatalog.all();

const product = (skuId: string) => {
  const p = demoCatalog.product(skuId);
  if (!p) throw new Error(`no product ${skuId}`);
  return p;
};
const planIn = (skuId: string, planId: string) => {
  const p = product(skuId).servicePlans.find((s) => s.servicePlanId === planId);
  if (!p) throw new Error(`no plan ${planId} in ${skuId}`);
  return p;
};
const planIds = (skuId: string) => product(skuId).servicePlans.map((s) => s.servicePlanId);
const allPlans = () => CATALOG().flatMap((p) => p.servicePlans.map((s) => ({ product: p, plan: s })));
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('catalog: products', () => {
  test('every SKU constant is a product, and every product has a SKU constant', () => {
    expect(
      CATALOG()
        .map((p) => p.skuId)
        .sort(),
    ).toEqual(Object.values(SKU).sort());
  });

  test('sku ids and part numbers are unique lowercase GUIDs / names', () => {
    const ids = CATALOG().map((p) => p.skuId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(GUID);
    const parts = CATALOG().map((p) => p.skuPartNumber.toUpperCase());
    expect(new Set(parts).size).toBe(parts.length);
  });

  test('what each product contains', () => {
    expect(planIds(SKU.ENTERPRISEPACK).sort()).toEqual(
      [PLAN.EXCHANGE_S_ENTERPRISE, PLAN.SHAREPOINTENTERPRISE, PLAN.SHAREPOINTWAC, PLAN.TEAMS1, PLAN.SWAY, PLAN.YAMMER_ENTERPRISE].sort(),
    );
    expect(planIds(SKU.STANDARDPACK).sort()).toEqual(
      [PLAN.EXCHANGE_S_STANDARD, PLAN.SHAREPOINTSTANDARD, PLAN.SHAREPOINTWAC, PLAN.TEAMS1, PLAN.SWAY, PLAN.YAMMER_ENTERPRISE].sort(),
    );
    expect(planIds(SKU.EXCHANGESTANDARD)).toEqual([PLAN.EXCHANGE_S_STANDARD]);
    expect(planIds(SKU.POWER_BI_PRO)).toEqual([PLAN.BI_AZURE_P2]);
    expect(planIds(SKU.PROJECTPROFESSIONAL).sort()).toEqual(
      [PLAN.PROJECT_CLIENT_SUBSCRIPTION, PLAN.SHAREPOINT_PROJECT, PLAN.SHAREPOINTENTERPRISE, PLAN.SHAREPOINTWAC].sort(),
    );
    expect(planIds(SKU.MCOEV)).toEqual([PLAN.MCOEV]);
  });

  test('display names and part numbers the messages use', () => {
    // the catalog keeps its products by skuId
    expect(CATALOG().map((p) => [p.skuPartNumber, p.displayName])).toEqual([
      ['STANDARDPACK', 'Office 365 E1'],
      ['EXCHANGESTANDARD', 'Exchange Online (Plan 1)'],
      ['PROJECTPROFESSIONAL', 'Planner and Project Plan 3'],
      ['ENTERPRISEPACK', 'Office 365 E3'],
      ['MCOEV', 'Microsoft Teams Phone Standard'],
      ['POWER_BI_PRO', 'Power BI Pro'],
    ]);
  });

  test('no product lists the same plan twice', () => {
    for (const p of CATALOG()) expect(new Set(planIds(p.skuId)).size).toBe(p.servicePlans.length);
  });
});

describe('catalog: service plan rules', () => {
  test('plan ids are lowercase GUIDs and every PLAN constant is in some product', () => {
    for (const { plan } of allPlans()) expect(plan.servicePlanId).toMatch(GUID);
    const used = new Set(allPlans().map(({ plan }) => plan.servicePlanId));
    for (const id of Object.values(PLAN)) expect(used.has(id)).toBe(true);
  });

  test('every conflict and dependency points to a plan that exists', () => {
    const known = new Set(allPlans().map(({ plan }) => plan.servicePlanId));
    for (const { plan } of allPlans()) for (const id of [...plan.conflictsWith, ...plan.dependsOn]) expect(known.has(id)).toBe(true);
  });

  test('conflicts are symmetric', () => {
    for (const { plan } of allPlans()) for (const other of plan.conflictsWith) expect(demoCatalog.plan(other)!.conflictsWith).toContain(plan.servicePlanId);
  });

  test('E1/E3 Exchange conflict: Exchange Online Plan 1 and Plan 2 exclude each other, in every product that has them', () => {
    // the documented earlier behaviour, kept on purpose as the demo's conflict (Microsoft now allows both)
    expect(planIn(SKU.ENTERPRISEPACK, PLAN.EXCHANGE_S_ENTERPRISE).conflictsWith).toEqual([PLAN.EXCHANGE_S_STANDARD]);
    expect(planIn(SKU.STANDARDPACK, PLAN.EXCHANGE_S_STANDARD).conflictsWith).toEqual([PLAN.EXCHANGE_S_ENTERPRISE]);
    expect(planIn(SKU.EXCHANGESTANDARD, PLAN.EXCHANGE_S_STANDARD).conflictsWith).toEqual([PLAN.EXCHANGE_S_ENTERPRISE]);
  });

  test('only the Exchange plans have conflicts', () => {
    const withConflicts = allPlans()
      .filter(({ plan }) => plan.conflictsWith.length)
      .map(({ plan }) => plan.servicePlanName);
    expect([...new Set(withConflicts)].sort()).toEqual(['EXCHANGE_S_ENTERPRISE', 'EXCHANGE_S_STANDARD']);
  });

  test('Office for the web depends on SharePoint (Plan 1 or Plan 2), in E1, E3 and Project Plan 3', () => {
    for (const sku of [SKU.ENTERPRISEPACK, SKU.STANDARDPACK, SKU.PROJECTPROFESSIONAL])
      expect(planIn(sku, PLAN.SHAREPOINTWAC).dependsOn.sort()).toEqual([PLAN.SHAREPOINTENTERPRISE, PLAN.SHAREPOINTSTANDARD].sort());
  });

  test('Project Online Service depends on SharePoint, which Project Plan 3 brings itself; the desktop client depends on nothing', () => {
    expect(planIn(SKU.PROJECTPROFESSIONAL, PLAN.SHAREPOINT_PROJECT).dependsOn.sort()).toEqual([PLAN.SHAREPOINTENTERPRISE, PLAN.SHAREPOINTSTANDARD].sort());
    expect(planIn(SKU.PROJECTPROFESSIONAL, PLAN.PROJECT_CLIENT_SUBSCRIPTION).dependsOn).toEqual([]);
    // met within the product: its own SharePoint (Plan 2), the same plan as E3's
    expect(planIds(SKU.PROJECTPROFESSIONAL)).toContain(PLAN.SHAREPOINTENTERPRISE);
    expect(planIn(SKU.PROJECTPROFESSIONAL, PLAN.SHAREPOINTENTERPRISE)).toEqual(planIn(SKU.ENTERPRISEPACK, PLAN.SHAREPOINTENTERPRISE));
    expect(planIn(SKU.PROJECTPROFESSIONAL, PLAN.SHAREPOINTWAC)).toEqual(planIn(SKU.ENTERPRISEPACK, PLAN.SHAREPOINTWAC));
  });

  test('the dependency across products is Teams Phone on Teams: every other dependency can be met within its own product', () => {
    const across = allPlans().filter(({ product: p, plan }) => plan.dependsOn.length && !plan.dependsOn.some((d) => planIds(p.skuId).includes(d)));
    expect(across.map(({ product: p, plan }) => [p.skuPartNumber, plan.servicePlanName])).toEqual([['MCOEV', 'MCOEV']]);
    expect(planIds(SKU.MCOEV)).not.toContain(PLAN.TEAMS1);
  });

  test('Teams Phone depends on Teams and is not offered in CN, IN or AE', () => {
    const phone = planIn(SKU.MCOEV, PLAN.MCOEV);
    expect(phone.dependsOn).toEqual([PLAN.TEAMS1]);
    expect(phone.notOfferedIn.sort()).toEqual(['AE', 'CN', 'IN']);
  });

  test('only Office for the web, Project Online Service and Teams Phone have dependencies', () => {
    const withDeps = allPlans()
      .filter(({ plan }) => plan.dependsOn.length)
      .map(({ plan }) => plan.servicePlanName);
    expect([...new Set(withDeps)].sort()).toEqual(['MCOEV', 'SHAREPOINTWAC', 'SHAREPOINT_PROJECT']);
  });

  test('Sway is auto-assigned in E1 and E3, and nothing else is', () => {
    expect(planIn(SKU.ENTERPRISEPACK, PLAN.SWAY).isAutoAssigned).toBe(true);
    expect(planIn(SKU.STANDARDPACK, PLAN.SWAY).isAutoAssigned).toBe(true);
    expect(
      allPlans()
        .filter(({ plan }) => plan.isAutoAssigned)
        .map(({ plan }) => plan.servicePlanId),
    ).toEqual([PLAN.SWAY, PLAN.SWAY]);
  });

  test('Yammer is in E1 and E3 with the same definition, not offered in CN or RU', () => {
    expect(planIn(SKU.ENTERPRISEPACK, PLAN.YAMMER_ENTERPRISE).notOfferedIn.sort()).toEqual(['CN', 'RU']);
    expect(planIn(SKU.STANDARDPACK, PLAN.YAMMER_ENTERPRISE)).toEqual(planIn(SKU.ENTERPRISEPACK, PLAN.YAMMER_ENTERPRISE));
    expect(
      allPlans()
        .filter(({ plan }) => plan.servicePlanId === PLAN.YAMMER_ENTERPRISE)
        .map(({ product: p }) => p.skuPartNumber)
        .sort(),
    ).toEqual(['ENTERPRISEPACK', 'STANDARDPACK']);
  });

  test('only Yammer and Teams Phone have location limits, all as uppercase two-letter codes', () => {
    const limited = allPlans().filter(({ plan }) => plan.notOfferedIn.length);
    expect(limited.map(({ plan }) => plan.servicePlanName).sort()).toEqual(['MCOEV', 'YAMMER_ENTERPRISE', 'YAMMER_ENTERPRISE']);
    for (const { plan } of limited) for (const c of plan.notOfferedIn) expect(c).toMatch(/^[A-Z]{2}$/);
  });

  test('every plan applies to users', () => {
    for (const { plan, product: p } of allPlans()) {
      expect(plan.appliesTo).toBe('User');
      expect(p.appliesTo).toBe('User');
    }
  });
});

describe('catalog lookups', () => {
  test('product by sku id, case-insensitive; unknown gives undefined', () => {
    expect(demoCatalog.product(SKU.ENTERPRISEPACK)!.skuPartNumber).toBe('ENTERPRISEPACK');
    expect(demoCatalog.product(SKU.ENTERPRISEPACK.toUpperCase())!.skuPartNumber).toBe('ENTERPRISEPACK');
    expect(demoCatalog.product('00000000-0000-0000-0000-000000000000')).toBeUndefined();
  });

  test('product by part number, case-insensitive', () => {
    expect(demoCatalog.productByPartNumber('standardpack')!.skuId).toBe(SKU.STANDARDPACK);
    expect(demoCatalog.productByPartNumber('MCOEV')!.skuId).toBe(SKU.MCOEV);
    expect(demoCatalog.productByPartNumber('E5')).toBeUndefined();
  });

  test('plan by id, case-insensitive', () => {
    expect(demoCatalog.plan(PLAN.YAMMER_ENTERPRISE)!.servicePlanName).toBe('YAMMER_ENTERPRISE');
    expect(demoCatalog.plan(PLAN.YAMMER_ENTERPRISE.toUpperCase())!.servicePlanName).toBe('YAMMER_ENTERPRISE');
    expect(demoCatalog.plan('nope')).toBeUndefined();
  });

  test('planName gives the display name, or the id itself when unknown', () => {
    expect(demoCatalog.planName(PLAN.SHAREPOINTENTERPRISE)).toBe('SharePoint (Plan 2)');
    expect(demoCatalog.planName(PLAN.SHAREPOINTSTANDARD)).toBe('SharePoint (Plan 1)');
    expect(demoCatalog.planName(PLAN.TEAMS1)).toBe('Microsoft Teams');
    // Project's plans by the friendly names of Microsoft's table
    expect(demoCatalog.planName(PLAN.PROJECT_CLIENT_SUBSCRIPTION)).toBe('Project Online Desktop Client');
    expect(demoCatalog.planName(PLAN.SHAREPOINT_PROJECT)).toBe('Project Online Service');
    expect(demoCatalog.planName('11111111-2222-3333-4444-555555555555')).toBe('11111111-2222-3333-4444-555555555555');
  });

  test('the apps auto-claim knows: Teams, given by TEAMS1', () => {
    expect(demoCatalog.apps()).toEqual(['Teams']);
    expect(demoCatalog.appPlans('Teams')).toEqual([PLAN.TEAMS1]);
    expect(demoCatalog.appPlans('Outlook')).toEqual([]);
  });

  test('the demo is version 2: the products imported, then the rules', () => {
    expect(demoCatalog.version).toBe(2);
  });
});
