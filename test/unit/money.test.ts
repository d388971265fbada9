import { demoCatalog } from './fixtures';
/**
 * Money (shared/domain/money.ts) and the spend figures (shared/usecases/reports/licenseSpend.ts): exact, per
 * currency, rounded once; one price per license for every report.
 */
import fc from 'fast-check';
import { CurrencyTotals, currencyDigits, isBilled, isCurrency, minorUnits, monthlyPerLicense, monthlyTwelfths, toAmount } from '../../shared/domain/money';
import { pricesOf } from '../../shared/usecases/reports/prices';
import { spendOf } from '../../shared/usecases/reports/licenseSpend';
import { SubscriptionDoc } from '../../shared/storage/documents';

const sub = (o: Partial<SubscriptionDoc> & { skuId: string; skuPartNumber: string }): SubscriptionDoc => ({
  id: `t_${o.skuId}`,
  tenantId: 't',
  type: 'subscription',
  capabilityStatus: 'Enabled',
  totalLicenses: 10,
  purchaseChannel: 'admin',
  ownerId: null,
  createdDateTime: '2026-01-01T00:00:00.000Z',
  takenOverDateTime: null,
  seat: { consumed: 4, limit: 10, gen: 0 },
  ...o,
});

test('currencies and their minor units come from ISO 4217 (through Intl)', () => {
  expect([isCurrency('EUR'), isCurrency('JPY'), isCurrency('KWD'), isCurrency('EUX'), isCurrency('eur')]).toEqual([true, true, true, false, false]);
  expect([currencyDigits('EUR'), currencyDigits('JPY'), currencyDigits('KWD')]).toEqual([2, 0, 3]);
  expect(minorUnits(19.99, 'EUR')).toBe(1999n);
  expect(minorUnits(19.995, 'EUR')).toBeUndefined();
  expect(minorUnits(1.5, 'JPY')).toBeUndefined();
  expect(minorUnits(1.234, 'KWD')).toBe(1234n);
});

test('a yearly price is a twelfth a month, exactly; shown rounded half up once', () => {
  expect(monthlyTwelfths({ amount: 100, currency: 'EUR', billingPeriod: 'year' })).toBe(10000n);
  expect(monthlyTwelfths({ amount: 8, currency: 'EUR', billingPeriod: 'month' })).toBe(9600n);
  expect(toAmount(10000n, 'EUR')).toBe(8.33);
  expect(toAmount(10000n * 3n, 'EUR')).toBe(25);
  expect(toAmount(6n, 'EUR')).toBe(0.01); // half a cent rounds up
  expect(toAmount(5n, 'EUR')).toBe(0);
});

test('every price the API accepts (no more decimals than its currency has) is its exact minor units a month, or a twelfth of them a year', () => {
  // prices as people type them, whose binary value is not the decimal: rounding to the minor unit is exact for them
  expect(monthlyTwelfths({ amount: 19.99, currency: 'EUR', billingPeriod: 'month' })).toBe(1999n * 12n);
  expect(monthlyTwelfths({ amount: 23.1, currency: 'EUR', billingPeriod: 'month' })).toBe(2310n * 12n);
  expect(monthlyTwelfths({ amount: 94.8, currency: 'EUR', billingPeriod: 'year' })).toBe(9480n);
  expect(monthlyTwelfths({ amount: 1000, currency: 'JPY', billingPeriod: 'year' })).toBe(1000n);
  expect(monthlyTwelfths({ amount: 1.234, currency: 'KWD', billingPeriod: 'month' })).toBe(1234n * 12n);
  expect(monthlyTwelfths({ amount: 0, currency: 'USD', billingPeriod: 'month' })).toBe(0n);
  fc.assert(
    fc.property(
      fc.constantFrom('EUR', 'JPY', 'KWD', 'USD'),
      fc.integer({ min: 0, max: 1_000_000 }),
      fc.nat(999),
      fc.constantFrom('month' as const, 'year' as const),
      (currency, whole, fraction, billingPeriod) => {
        const digits = currencyDigits(currency);
        const minor = BigInt(whole) * 10n ** BigInt(digits) + BigInt(fraction % 10 ** digits);
        const amount = Number(`${whole}.${String(fraction % 10 ** digits).padStart(digits, '0')}`);
        expect(minorUnits(amount, currency)).toBe(minor);
        expect(monthlyTwelfths({ amount, currency, billingPeriod })).toBe(billingPeriod === 'month' ? minor * 12n : minor);
      },
    ),
  );
});

test('100,000 seats of 0.10 a month add up to exactly 10,000.00 (floating point would not)', () => {
  const totals = new CurrencyTotals();
  const per = monthlyTwelfths({ amount: 0.1, currency: 'EUR', billingPeriod: 'month' });
  for (let i = 0; i < 100_000; i++) totals.add('EUR', per);
  expect(totals.list()).toEqual([{ currency: 'EUR', monthlyCost: 10000, unusedMonthlyCost: 0 }]);
  let float = 0;
  for (let i = 0; i < 100_000; i++) float += 0.1;
  expect(float).not.toBe(10000);
});

test('spend: per product and per currency; Suspended costs 0, Deleted is left out, unpriced counted', () => {
  const f = spendOf(demoCatalog, [
    sub({ skuId: 'a', skuPartNumber: 'A', unitPrice: { amount: 20, currency: 'EUR', billingPeriod: 'month' } }),
    sub({ skuId: 'b', skuPartNumber: 'B', unitPrice: { amount: 120, currency: 'EUR', billingPeriod: 'year' }, capabilityStatus: 'Warning' }),
    sub({ skuId: 'c', skuPartNumber: 'C', unitPrice: { amount: 5, currency: 'USD', billingPeriod: 'month' }, capabilityStatus: 'Suspended' }),
    sub({ skuId: 'd', skuPartNumber: 'D', unitPrice: { amount: 5, currency: 'USD', billingPeriod: 'month' }, capabilityStatus: 'Deleted' }),
    sub({ skuId: 'e', skuPartNumber: 'E' }),
  ]);
  expect(f.products.map((p) => [p.skuPartNumber, p.billed, p.monthlyCost, p.unusedMonthlyCost])).toEqual([
    ['A', true, 200, 120],
    ['B', true, 100, 60],
    ['C', false, 0, 0],
    ['E', true, null, null],
  ]);
  expect(f.totals).toEqual([
    { currency: 'EUR', monthlyCost: 300, unusedMonthlyCost: 180 },
    { currency: 'USD', monthlyCost: 0, unusedMonthlyCost: 0 },
  ]);
  expect(f.unpricedProducts).toBe(1);
});

test("a license's monthly price, one answer for every report: null without a price, 0 while not billed (Suspended, Deleted), else its price a month", () => {
  const eur = { amount: 120, currency: 'EUR', billingPeriod: 'year' as const };
  expect(['Enabled', 'Warning', 'Suspended', 'Deleted'].map((status) => isBilled(status as SubscriptionDoc['capabilityStatus']))).toEqual([
    true,
    true,
    false,
    false,
  ]);
  expect(monthlyPerLicense({ unitPrice: eur, capabilityStatus: 'Enabled' })).toBe(12000n);
  expect(monthlyPerLicense({ unitPrice: eur, capabilityStatus: 'Warning' })).toBe(12000n);
  expect(monthlyPerLicense({ unitPrice: eur, capabilityStatus: 'Suspended' })).toBe(0n);
  expect(monthlyPerLicense({ unitPrice: eur, capabilityStatus: 'Deleted' })).toBe(0n);
  expect(monthlyPerLicense({ unitPrice: null, capabilityStatus: 'Enabled' })).toBeNull();
  expect(monthlyPerLicense({ capabilityStatus: 'Suspended' })).toBeNull();
  // the spend report and the inactivity report's prices agree on a Suspended product: 0, in its currency
  const suspended = sub({ skuId: 'c', skuPartNumber: 'C', unitPrice: eur, capabilityStatus: 'Suspended' });
  expect(spendOf(demoCatalog, [suspended]).products[0]).toMatchObject({ billed: false, monthlyCost: 0, currency: 'EUR' });
  expect(pricesOf(demoCatalog, [suspended]).get('c')).toMatchObject({ perLicense: 0n, currency: 'EUR' });
});
