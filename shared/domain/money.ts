/**
 * Money, exactly (pure). A price is stated in a currency's units (ISO 4217) per month or per year; the
 * reports want monthly figures, and a yearly price's month is amount / 12, which is not a whole number of
 * cents (100.00 / 12 = 8.333...). Adding such figures as floating point drifts (0.1 + 0.2), and rounding
 * each to cents before adding loses up to half a cent per seat, which over 100,000 seats is real money.
 *
 * So every monthly figure is held as an integer count of twelfths of the currency's minor unit (a monthly
 * price of 8.00 EUR is 800 cents = 9600 twelfths; a yearly 100.00 EUR is 10000 cents a year = 10000
 * twelfths a month), added and multiplied as BigInt (no bound on seats x price), and rounded to the minor
 * unit once, when a figure is shown (half up). A shown total is the rounding of the exact sum, so it can
 * differ by a minor unit from the sum of the shown parts, as on any invoice that rounds once.
 */
import { UnitPrice } from '../storage/documents';
import { CapabilityStatus } from './licensing';

/** A monthly amount in twelfths of the currency's minor unit. */
export type Twelfths = bigint;

const digitsCache = new Map<string, number>();

/** ISO 4217 codes the runtime knows (Intl: the ICU data Node ships, kept current with the standard). */
export function isCurrency(code: string): boolean {
  return /^[A-Z]{3}$/.test(code) && Intl.supportedValuesOf('currency').includes(code);
}

/** The currency's minor-unit digits (EUR 2, JPY 0, KWD 3), as ISO 4217 states them (through Intl). */
export function currencyDigits(currency: string): number {
  let d = digitsCache.get(currency);
  if (d === undefined) {
    d = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    digitsCache.set(currency, d);
  }
  return d;
}

/** The amount in minor units, or undefined when it has more decimals than the currency has. */
export function minorUnits(amount: number, currency: string): bigint | undefined {
  const scaled = amount * 10 ** currencyDigits(currency);
  const whole = Math.round(scaled);
  // a decimal typed by a person (19.99) is not exact in binary; a tolerance far below a minor unit tells
  // "19.99" (1998.9999999) from "19.995" (1999.5)
  if (!Number.isFinite(scaled) || Math.abs(scaled - whole) > 1e-6) return undefined;
  return BigInt(whole);
}

/**
 * One license's monthly cost in twelfths of a minor unit (a yearly price: a twelfth of it). A price has no
 * more decimals than its currency has (schemas/subscriptions.ts refuses it otherwise, by minorUnits), so
 * its amount scaled to minor units is a whole number up to binary noise (19.99 x 100 is
 * 1998.9999999999998), which rounding removes: the same figure minorUnits gives every price it accepts.
 */
export function monthlyTwelfths(price: UnitPrice): Twelfths {
  const minor = BigInt(Math.round(price.amount * 10 ** currencyDigits(price.currency)));
  return price.billingPeriod === 'month' ? minor * 12n : minor;
}

/**
 * Whether a subscription in this state is paid for: Enabled and Warning (Microsoft 365's Expired: the
 * grace period, users keep working). A Suspended subscription (Microsoft 365's Disabled: users lost
 * access, nothing is billed until it is reactivated) and a Deleted one are not.
 */
export const isBilled = (status: CapabilityStatus): boolean => status === 'Enabled' || status === 'Warning';

/**
 * What one license of a product costs a month, the one answer every report gives: null when no price is
 * known; 0 while its subscription is not billed (keeping or reclaiming such a license changes nothing on
 * the bill); otherwise its price a month.
 */
export function monthlyPerLicense(s: { unitPrice?: UnitPrice | null; capabilityStatus: CapabilityStatus }): Twelfths | null {
  if (!s.unitPrice) return null;
  return isBilled(s.capabilityStatus) ? monthlyTwelfths(s.unitPrice) : 0n;
}

/** A monthly figure as an amount in the currency's units, rounded half up to the minor unit (shown once). */
export function toAmount(t: Twelfths, currency: string): number {
  const negative = t < 0n;
  const abs = negative ? -t : t;
  const minor = (abs + 6n) / 12n; // half up
  const value = Number(minor) / 10 ** currencyDigits(currency);
  return negative ? -value : value;
}

/** Monthly figures per currency (a tenant may buy in several). */
export class CurrencyTotals {
  private readonly sums = new Map<string, { cost: Twelfths; unused: Twelfths }>();

  add(currency: string, cost: Twelfths, unused: Twelfths = 0n): void {
    const s = this.sums.get(currency) ?? { cost: 0n, unused: 0n };
    s.cost += cost;
    s.unused += unused;
    this.sums.set(currency, s);
  }

  /** Per currency, alphabetical: the amounts rounded once. */
  list(): { currency: string; monthlyCost: number; unusedMonthlyCost: number }[] {
    return [...this.sums.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([currency, s]) => ({ currency, monthlyCost: toAmount(s.cost, currency), unusedMonthlyCost: toAmount(s.unused, currency) }));
  }
}
