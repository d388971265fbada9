/**
 * The demo's catalog as data files in the operator's formats (local/catalog): demo-products.csv in
 * Microsoft's table format, read by the import's own reader, gives exactly the products and plans of
 * shared/domain/catalog.ts; demo-rules.json gives exactly its rules and the apps of auto-claim. This is what
 * lets the constants go: the data files say the same.
 */
import { createReadStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readMicrosoftTable } from '../../shared/catalog/microsoftTable';
import { APPS, CATALOG } from '../../shared/domain/catalog';

const dir = join(__dirname, '..', '..', 'local', 'catalog');

interface RulesDocument {
  servicePlans: {
    servicePlanId: string;
    description: string;
    conflictsWith: string[];
    dependsOn: string[];
    notOfferedIn: string[];
    isAutoAssigned: boolean;
    apps: string[];
  }[];
}

test("demo-products.csv is in Microsoft's format as Microsoft ships it (BOM, its header, CRLF)", () => {
  const bytes = readFileSync(join(dir, 'demo-products.csv'));
  expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  const lines = bytes.subarray(3).toString('utf8').split('\r\n');
  expect(lines[0]).toBe('Product_Display_Name,String_Id,GUID,Service_Plan_Name,Service_Plan_Id,Service_Plans_Included_Friendly_Names');
  expect(lines.at(-1)).toBe('');
  expect(lines.slice(1, -1).every((l) => !l.includes('\n'))).toBe(true);
});

test("demo-products.csv, read by the import's reader, is catalog.ts's products and plans: ids, names, plans in order", async () => {
  const table = await readMicrosoftTable(createReadStream(join(dir, 'demo-products.csv')));
  expect(table.notes).toEqual([]); // nothing to tidy in the demo's own file
  expect(table.products).toEqual(
    CATALOG.map((p) => ({
      skuId: p.skuId,
      skuPartNumber: p.skuPartNumber,
      displayName: p.displayName,
      servicePlans: p.servicePlans.map((s) => ({ servicePlanId: s.servicePlanId, servicePlanName: s.servicePlanName, displayName: s.displayName })),
      clouds: ['AzureCloud'],
    })),
  );
  const plans = new Map(CATALOG.flatMap((p) => p.servicePlans.map((s) => [s.servicePlanId, s.servicePlanName] as const)));
  expect(table.servicePlans.map((s) => [s.servicePlanId, s.servicePlanName])).toEqual([...plans]);
});

test("demo-rules.json is catalog.ts's rules, plan by plan, and the apps auto-claim knows (Teams = TEAMS1)", () => {
  const doc = JSON.parse(readFileSync(join(dir, 'demo-rules.json'), 'utf8')) as RulesDocument;
  const plans = new Map(CATALOG.flatMap((p) => p.servicePlans.map((s) => [s.servicePlanId, s] as const)));
  expect(doc.servicePlans.map((r) => r.servicePlanId)).toEqual([...plans.keys()]);
  for (const rule of doc.servicePlans) {
    const plan = plans.get(rule.servicePlanId)!;
    expect({
      id: rule.servicePlanId,
      conflictsWith: rule.conflictsWith,
      dependsOn: rule.dependsOn,
      notOfferedIn: rule.notOfferedIn,
      isAutoAssigned: rule.isAutoAssigned,
    }).toEqual({
      id: plan.servicePlanId,
      conflictsWith: plan.conflictsWith,
      dependsOn: plan.dependsOn,
      notOfferedIn: plan.notOfferedIn,
      isAutoAssigned: plan.isAutoAssigned,
    });
    expect(rule.description.length).toBeGreaterThan(10);
  }
  const apps: Record<string, string[]> = {};
  for (const rule of doc.servicePlans) for (const app of rule.apps) (apps[app] ??= []).push(rule.servicePlanId);
  expect(apps).toEqual(APPS);
  // every plan a rule names is in the demo's catalog
  for (const rule of doc.servicePlans) for (const id of [...rule.conflictsWith, ...rule.dependsOn]) expect(plans.has(id)).toBe(true);
});
