/**
 * The catalog the benchmarks buy from: the demo's (local/catalog), which the stack loads through the
 * import when its store is empty. Products by part number, and the snapshot the calls are judged by.
 */
import type { Catalog } from '../../shared/domain/catalog';

const PARTS = ['ENTERPRISEPACK', 'STANDARDPACK', 'EXCHANGESTANDARD', 'POWER_BI_PRO', 'PROJECTPROFESSIONAL', 'MCOEV'] as const;

export async function demoCatalog(): Promise<{ catalog: Catalog; SKU: Record<(typeof PARTS)[number], string> }> {
  const { catalogCache } = await import('../../shared/catalog/cache');
  const { settings } = await import('../../shared/config');
  const catalog = await catalogCache(settings()).current();
  const SKU = Object.fromEntries(
    PARTS.map((part) => {
      const p = catalog.productByPartNumber(part);
      if (!p) throw new Error(`the stack's catalog has no ${part}: is it the demo's (local/catalog)?`);
      return [part, p.skuId];
    }),
  ) as Record<(typeof PARTS)[number], string>;
  return { catalog, SKU };
}
