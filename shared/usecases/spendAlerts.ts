/**
 * Alerts the reconciliation raises about spend and activity (registered as its steps in functions/index.ts):
 * - unusedSeats: a product whose unused seats cost more a month than a webhook's threshold for it;
 * - inactiveLicensedUsers: more licensed users without a sign-in for N days than a webhook's count (the
 *   counts come from the run: its pass over the users when full, the store's counts when incremental);
 * both at most once a day per webhook and subject (the run's day, UTC);
 * - licenseReclaimPending: each user the ask-first reclaim asked in this run, with the products and when
 *   they go unless kept.
 */
import { emit, emitOnceADay } from './alerts';
import { ReconciliationStep } from './reconciliation';
import { spendOf } from './reports';

export const spendAlertsStep: ReconciliationStep = async (tenant, report, context) => {
  const day = context.now.slice(0, 10);
  let unusedSeats = 0;
  for (const p of spendOf(context.catalog, await context.subscriptions()).products) {
    if (p.unusedMonthlyCost === null) continue;
    const cost = p.unusedMonthlyCost;
    unusedSeats += await emitOnceADay(
      tenant.id,
      'unusedSeats',
      p.skuId,
      day,
      {
        skuId: p.skuId,
        skuPartNumber: p.skuPartNumber,
        productName: p.productName,
        unused: p.unused,
        totalLicenses: p.totalLicenses,
        unusedMonthlyCost: cost,
        currency: p.currency,
      },
      (w) => {
        const threshold = w.unusedSeatCostThresholds?.[p.skuId];
        return threshold !== undefined && cost > threshold;
      },
    );
  }
  let inactiveUsers = 0;
  for (const [days, count] of Object.entries(report.inactiveLicensedUsers)) {
    inactiveUsers += await emitOnceADay(tenant.id, 'inactiveLicensedUsers', `${days}d`, day, { days: Number(days), count }, (w) => {
      const t = w.inactiveUsersThreshold;
      return !!t && String(t.days) === days && count > t.count;
    });
  }
  return { unusedSeats, inactiveUsers };
};

export const reclaimPendingAlertsStep: ReconciliationStep = async (tenant, report, context) => {
  let alerted = 0;
  for (const p of report.reclaim.pending.filter((x) => x.status === 'marked')) {
    alerted += await emit(tenant.id, 'licenseReclaimPending', {
      userId: p.userId,
      userPrincipalName: p.userPrincipalName,
      displayName: p.displayName,
      products: p.skuIds.map((skuId) => ({ skuId, productName: context.catalog.productName(skuId), keep: `POST /v1.0/me/licenses/${skuId}/keep` })),
      reclaimAfterDateTime: p.reclaimAfterDateTime,
    });
  }
  return { alerted };
};
