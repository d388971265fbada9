/** What each product of a tenant costs a month, per license (from its subscription's unitPrice). */
import { Catalog } from '../../domain/catalog';
import { monthlyPerLicense, toAmount, Twelfths } from '../../domain/money';
import { SubscriptionDoc } from '../../storage/documents';

export interface ProductPrice {
  skuPartNumber: string;
  productName: string;
  /** Per license per month, exact (null: no price known; 0: not billed), as domain/money.ts's monthlyPerLicense. */
  perLicense: Twelfths | null;
  currency: string | null;
}

/** One product's price and names. */
export const priceOf = (catalog: Catalog, s: SubscriptionDoc): ProductPrice => ({
  skuPartNumber: s.skuPartNumber,
  productName: catalog.productName(s.skuId, s.skuPartNumber),
  perLicense: monthlyPerLicense(s),
  currency: s.unitPrice?.currency ?? null,
});

export const pricesOf = (catalog: Catalog, subs: SubscriptionDoc[]): Map<string, ProductPrice> => new Map(subs.map((s) => [s.skuId, priceOf(catalog, s)]));

/** A monthly figure as shown: rounded once, null without a price. */
export const shown = (t: Twelfths | null, currency: string | null): number | null => (t === null || !currency ? null : toAmount(t, currency));
