/**
 * Microsoft's published table, imported as it is: read by shared/catalog/microsoftTable.ts (every quirk of
 * the real file taken, each tidy-up reported), then merged into the catalog (or, with mode replace, the
 * products of Microsoft's it lacks removed), as a new version only when something changed.
 */
import { z } from 'zod';
import { importTable, ImportMode } from '../../catalog/edits';
import { readMicrosoftTable } from '../../catalog/microsoftTable';
import * as c from '../../schemas/contracts';
import { holdings } from '../../storage/subscriptions';
import { CatalogWriter, publishAndAnnounce } from './publishing';
import { changeResult } from './results';

export async function importMicrosoftTable(
  w: CatalogWriter,
  source: AsyncIterable<Uint8Array | string>,
  o: { mode: ImportMode; dryRun: boolean },
): Promise<z.infer<typeof c.catalogImportResult>> {
  const table = await readMicrosoftTable(source);
  // a replace keeps the products organizations hold (the operator's question, across tenants: one query)
  const held = o.mode === 'replace' ? new Set((await holdings()).map((h) => h.skuId)) : new Set<string>();
  let kept: z.infer<typeof c.catalogImportResult>['keptBecauseHeld'] = [];
  const outcome = await publishAndAnnounce(
    w,
    'import',
    (current, now) => {
      const r = importTable(current.content, table.products, o.mode, now, held);
      kept = r.keptBecauseHeld;
      return r.content;
    },
    { dryRun: o.dryRun },
  );
  return {
    ...changeResult(outcome, o.dryRun),
    mode: o.mode,
    file: { rows: table.rows, products: table.products.length, servicePlans: table.servicePlans.length, notes: table.notes },
    keptBecauseHeld: kept,
  };
}
