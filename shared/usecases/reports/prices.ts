/** What each product of a tenant costs a month, per license (from its subscription's unitPrice). */
import { catalog } from '../../domain/catalog';
import { monthlyTwelfths, toAmount, Twelfths } from '../../domain/money';
import { SubscriptionDoc } from '../../storage/documents';

export interface ProductPrice {
  skuPartNumber: string;
  productName: string;
  /** Per license per month, exact (null: no price known). */
  perLicense: Twelfths | null;
  currency: string | null;
}

/** Subscriptions still billed: Enabled and Warning (a Suspended or Deleted one is not paid for). */
export const billed = (s: Pick<SubscriptionDoc, 'capabilityStatus'>) => s.capabilityStatus === 'Enabled' || s.capabilityStatus === 'Warning';

export function pricesOf(subs: SubscriptionDoc[]): Map<string, ProductPrice> {
  return new Map(
    subs.map((s) => [
      s.skuId,
      {
        skuPartNumber: s.skuPartNumber,
        productName: catalog.productName(s.skuId, s.skuPartNumber),
        perLicense: s.unitPrice && billed(s) ? monthlyTwelfths(s.unitPrice) : null,
        currency: s.unitPrice?.currency ?? null,
      },
    ]),
  );
}

/** A monthly figure as shown: rounded once, null without a price. */
export const shown = (t: Twelfths | null, currency: string | null): number | null => (t === null || !currency ? null : toAmount(t, currency));
