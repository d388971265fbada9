/**
 * The demo's catalog, loaded the way an operator loads one: Microsoft's table format (local/catalog/
 * demo-products.csv) through the same import use-case as POST /v1.0/catalog/import, then the rules
 * document (demo-rules.json) as POST /v1.0/catalog/rules takes it. The stack does it when it starts
 * (local/stack.ts), before anything needs a product, and only when the catalog is empty: a catalog an
 * operator changed, or Microsoft's full table imported, is left as it is.
 */
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { rulesDocument } from '../shared/schemas/catalog';
import type { Principal } from '../shared/domain/roles';

/** local/catalog, from the sources (ts-jest) or from dist/local. */
export const DEMO_CATALOG_DIR = [join(__dirname, 'catalog'), join(__dirname, '..', '..', 'local', 'catalog')].find((d) =>
  existsSync(join(d, 'demo-products.csv')),
)!;
export const DEMO_PRODUCTS_FILE = join(DEMO_CATALOG_DIR, 'demo-products.csv');
export const DEMO_RULES_FILE = join(DEMO_CATALOG_DIR, 'demo-rules.json');

export const demoRules = (): z.infer<typeof rulesDocument> => rulesDocument.parse(JSON.parse(readFileSync(DEMO_RULES_FILE, 'utf8')));

/** Who publishes the demo's catalog (its versions' records say so). */
const DEMO_PUBLISHER: Principal = {
  tenantId: 'local',
  objectId: 'demo-catalog',
  displayName: 'Demo catalog (local/catalog)',
  directoryRoles: [],
  appRoles: [],
  isApp: true,
};

/** Loads the demo catalog when the store has none: true when it did. */
export async function loadDemoCatalogIfEmpty(): Promise<boolean> {
  const { catalogStore } = await import('../shared/storage/catalog');
  if (await catalogStore.head()) return false;
  const { importMicrosoftTable } = await import('../shared/usecases/catalog/importTable');
  const { applyRulesDocument } = await import('../shared/usecases/catalog/rules');
  const { EMPTY_CATALOG } = await import('../shared/domain/catalog');
  const writer = { principal: DEMO_PUBLISHER, requestId: 'demo-catalog', catalog: EMPTY_CATALOG };
  await importMicrosoftTable(writer, createReadStream(DEMO_PRODUCTS_FILE), { mode: 'merge', dryRun: false });
  await applyRulesDocument(writer, demoRules());
  return true;
}

/**
 * The demo's catalog as a snapshot, without a store: the same reader and the same edits the import and
 * the rules document apply (the unit tests' catalog; `version` 2, as the stack publishes it in two).
 */
export async function demoCatalogSnapshot(): Promise<import('../shared/domain/catalog').Catalog> {
  const { readMicrosoftTable } = await import('../shared/catalog/microsoftTable');
  const { importTable, setRules } = await import('../shared/catalog/edits');
  const { Catalog } = await import('../shared/domain/catalog');
  const table = await readMicrosoftTable(createReadStream(DEMO_PRODUCTS_FILE));
  const imported = importTable({ products: [], planRules: {} }, table.products, 'merge', new Date(0).toISOString(), new Set()).content;
  const rules = demoRules().servicePlans.map(({ description, ...r }) => (void description, r));
  return new Catalog(setRules(imported, rules, { replace: true, target: (i) => `servicePlans[${i}]` }), 2);
}
