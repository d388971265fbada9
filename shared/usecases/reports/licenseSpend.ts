/**
 * GET /v1.0/reports/licenseSpend: per product the seats bought, assigned and unused, what they cost a month
 * and what the unused ones cost, and the totals per currency (a tenant may buy in several).
 */
import { Catalog } from '../../domain/catalog';
import { CurrencyTotals, isBilled } from '../../domain/money';
import { SubscriptionDoc } from '../../storage/documents';
import { subscriptions } from '../../storage/subscriptions';
import { priceOf, shown } from './prices';
import { ReportSource } from './render';

export interface ProductSpend {
  skuId: string;
  skuPartNumber: string;
  productName: string;
  status: string;
  /** Enabled and Warning are billed; Suspended is not (its cost reads 0). */
  billed: boolean;
  totalLicenses: number;
  assigned: number;
  unused: number;
  unitPrice: SubscriptionDoc['unitPrice'] | null;
  currency: string | null;
  monthlyCost: number | null;
  unusedMonthlyCost: number | null;
}

export interface SpendFigures {
  products: ProductSpend[];
  totals: { currency: string; monthlyCost: number; unusedMonthlyCost: number }[];
  unpricedProducts: number;
}

/** The figures of every product but deleted ones, exact sums per currency rounded once. */
export function spendOf(catalog: Catalog, subs: SubscriptionDoc[]): SpendFigures {
  const totals = new CurrencyTotals();
  const products: ProductSpend[] = [];
  let unpriced = 0;
  for (const s of [...subs].filter((d) => d.capabilityStatus !== 'Deleted').sort((a, b) => (a.skuPartNumber < b.skuPartNumber ? -1 : 1))) {
    const assigned = s.seat.consumed;
    const unused = Math.max(0, s.totalLicenses - assigned);
    const { perLicense: per, currency, productName } = priceOf(catalog, s);
    const cost = per === null ? null : per * BigInt(s.totalLicenses);
    const unusedCost = per === null ? null : per * BigInt(unused);
    if (currency && cost !== null && unusedCost !== null) totals.add(currency, cost, unusedCost);
    else unpriced++;
    products.push({
      skuId: s.skuId,
      skuPartNumber: s.skuPartNumber,
      productName,
      status: s.capabilityStatus,
      billed: isBilled(s.capabilityStatus),
      totalLicenses: s.totalLicenses,
      assigned,
      unused,
      unitPrice: s.unitPrice ?? null,
      currency,
      monthlyCost: shown(cost, currency),
      unusedMonthlyCost: shown(unusedCost, currency),
    });
  }
  return { products, totals: totals.list(), unpricedProducts: unpriced };
}

export async function licenseSpendReport(catalog: Catalog, tenantId: string): Promise<ReportSource<ProductSpend>> {
  const figures = spendOf(catalog, await subscriptions.list(tenantId));
  return {
    head: { reportDateTime: new Date().toISOString() },
    pages: (async function* () {
      yield figures.products;
    })(),
    tail: () => ({ totals: figures.totals, unpricedProducts: figures.unpricedProducts }),
    csvHeader: SPEND_COLUMNS,
    csvRows: (p) => [
      [
        p.skuId,
        p.skuPartNumber,
        p.productName,
        p.status,
        p.billed,
        p.totalLicenses,
        p.assigned,
        p.unused,
        p.unitPrice?.amount,
        p.unitPrice?.billingPeriod,
        p.currency,
        p.monthlyCost,
        p.unusedMonthlyCost,
      ],
    ],
    // the totals: one line per currency, the product columns empty
    csvTail: () => figures.totals.map((t) => ['', 'TOTAL', `Total ${t.currency}`, '', '', '', '', '', '', '', t.currency, t.monthlyCost, t.unusedMonthlyCost]),
  };
}

const SPEND_COLUMNS = [
  'skuId',
  'skuPartNumber',
  'productName',
  'status',
  'billed',
  'totalLicenses',
  'assigned',
  'unused',
  'unitPriceAmount',
  'billingPeriod',
  'currency',
  'monthlyCost',
  'unusedMonthlyCost',
];
