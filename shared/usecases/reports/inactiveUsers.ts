/**
 * GET /v1.0/reports/inactiveLicensedUsers?days=30|60|90|180: licensed users without a sign-in for that
 * long (exactly N days counts) or never, guests included and disabled accounts marked; per user the
 * products (direct or through a group) and what they cost a month; at the end, what reclaiming them all
 * would save a month, per currency. Reads only those users (the filter is in the store's query), a page at
 * a time.
 */
import { Catalog } from '../../domain/catalog';
import { effectiveLicenses, isActive } from '../../domain/licensing';
import { CurrencyTotals } from '../../domain/money';
import { inactiveLicensed, inactivityCutoff } from '../../domain/reconciliation';
import { inactiveLicensedUserPages, ReportedUser } from '../../storage/reports';
import { subscriptions } from '../../storage/subscriptions';
import { Concealment, concealmentFor, ShownUser } from './names';
import { pricesOf, ProductPrice, shown } from './prices';
import { ReportSource } from './render';

export const REPORT_PAGE = 500;

export interface InactiveUserRow extends ShownUser {
  userType: string;
  accountEnabled: boolean;
  lastSignInDateTime: string | null;
  daysSinceLastSignIn: number | null;
  licenses: { skuId: string; skuPartNumber: string; assignedBy: 'direct' | 'group'; monthlyCost: number | null; currency: string | null }[];
  monthlyCost: { currency: string; amount: number }[];
}

export function inactiveRow(u: ReportedUser, prices: Map<string, ProductPrice>, show: Concealment, now: string, savings: CurrencyTotals): InactiveUserRow {
  const own = new CurrencyTotals();
  const licenses = effectiveLicenses(u.licenseAssignments).map(({ skuId }) => {
    const p = prices.get(skuId);
    const direct = u.licenseAssignments.some((a) => a.skuId === skuId && a.assignedByGroup === null && isActive(a));
    if (p?.perLicense != null && p.currency) {
      own.add(p.currency, p.perLicense);
      savings.add(p.currency, p.perLicense);
    }
    return {
      skuId,
      skuPartNumber: p?.skuPartNumber ?? skuId,
      assignedBy: direct ? ('direct' as const) : ('group' as const),
      monthlyCost: shown(p?.perLicense ?? null, p?.currency ?? null),
      currency: p?.currency ?? null,
    };
  });
  const last = u.signInActivity?.lastSignInDateTime ?? null;
  return {
    ...show.person(u),
    userType: u.userType,
    accountEnabled: u.accountEnabled,
    // concealed: the day, and the days counted between days (an exact count would narrow the day down)
    lastSignInDateTime: show.day(last),
    daysSinceLastSignIn: show.daysSince(last, now),
    licenses,
    monthlyCost: own.list().map((t) => ({ currency: t.currency, amount: t.monthlyCost })),
  };
}

export async function inactiveLicensedUsersReport(
  catalog: Catalog,
  tenantId: string,
  days: number,
  now = new Date().toISOString(),
): Promise<ReportSource<InactiveUserRow>> {
  const [subscribed, show] = await Promise.all([subscriptions.list(tenantId), concealmentFor(tenantId)]);
  const prices = pricesOf(catalog, subscribed);
  const savings = new CurrencyTotals();
  let users = 0;
  let disabled = 0;
  async function* pages(): AsyncGenerator<InactiveUserRow[]> {
    // the query reads the licensed users not signed in since the cutoff (or never); the rule decides
    for await (const page of inactiveLicensedUserPages(tenantId, REPORT_PAGE, inactivityCutoff(now, days))) {
      const rows = page.filter((u) => inactiveLicensed(u, now, days)).map((u) => inactiveRow(u, prices, show, now, savings));
      users += rows.length;
      disabled += rows.filter((r) => !r.accountEnabled).length;
      yield rows;
    }
  }
  const totals = () => ({ users, disabledUsers: disabled, monthlySavings: savings.list().map((t) => ({ currency: t.currency, amount: t.monthlyCost })) });
  return {
    head: { reportDateTime: now, days },
    pages: pages(),
    tail: () => ({ totals: totals() }),
    csvHeader: [
      'userId',
      'userPrincipalName',
      'displayName',
      'userType',
      'accountEnabled',
      'lastSignInDateTime',
      'daysSinceLastSignIn',
      'skuId',
      'skuPartNumber',
      'assignedBy',
      'monthlyCost',
      'currency',
    ],
    csvRows: (r) =>
      r.licenses.map((l) => [
        r.userId,
        r.userPrincipalName,
        r.displayName,
        r.userType,
        r.accountEnabled,
        r.lastSignInDateTime,
        r.daysSinceLastSignIn,
        l.skuId,
        l.skuPartNumber,
        l.assignedBy,
        l.monthlyCost,
        l.currency,
      ]),
    // what reclaiming them all would save: one line per currency, the user columns empty
    csvTail: () => totals().monthlySavings.map((t) => ['', '', `Total monthly savings ${t.currency}`, '', '', '', '', '', 'TOTAL', '', t.amount, t.currency]),
  };
}
