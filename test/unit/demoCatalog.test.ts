/**
 * The demo's catalog as data files in the operator's formats (local/catalog): demo-products.csv in
 * Microsoft's table format as Microsoft ships it, read by the import's own reader without anything to
 * tidy; demo-rules.json with a rule entry per plan and the apps of auto-claim. What the products contain
 * and what the rules say (what shared/domain/catalog.ts compiled in before the catalog became data) is
 * checked on the snapshot built from these files: test/unit/catalog.test.ts.
 */
import { createReadStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readMicrosoftTable } from '../../shared/catalog/microsoftTable';

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

test("demo-products.csv, read by the import's reader, needs no tidying: six products, each plan once, in the file's order", async () => {
  const table = await readMicrosoftTable(createReadStream(join(dir, 'demo-products.csv')));
  expect(table.notes).toEqual([]); // nothing to tidy in the demo's own file
  expect(table.products.map((p) => p.skuPartNumber)).toEqual([
    'ENTERPRISEPACK',
    'STANDARDPACK',
    'EXCHANGESTANDARD',
    'POWER_BI_PRO',
    'PROJECTPROFESSIONAL',
    'MCOEV',
  ]);
  expect(table.products.every((p) => p.clouds.join() === 'AzureCloud')).toBe(true);
  // what each product contains, its names and its rules: test/unit/catalog.test.ts, on the snapshot built from these files
});

test('demo-rules.json names every plan of the demo once, says why, names only plans the table has, and gives Teams by TEAMS1', async () => {
  const doc = JSON.parse(readFileSync(join(dir, 'demo-rules.json'), 'utf8')) as RulesDocument;
  const table = await readMicrosoftTable(createReadStream(join(dir, 'demo-products.csv')));
  const plans = new Set(table.servicePlans.map((p) => p.servicePlanId));
  expect(doc.servicePlans.map((r) => r.servicePlanId)).toEqual([...plans]);
  for (const rule of doc.servicePlans) {
    expect(rule.description.length).toBeGreaterThan(10);
    for (const id of [...rule.conflictsWith, ...rule.dependsOn]) expect(plans.has(id)).toBe(true);
  }
  const apps: Record<string, string[]> = {};
  for (const rule of doc.servicePlans) for (const app of rule.apps) (apps[app] ??= []).push(rule.servicePlanId);
  expect(apps).toEqual({ Teams: ['57ff2da0-773e-42df-b2af-ffb7a2317929'] });
});
