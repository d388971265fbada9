/** Step 2: a deleted product leaves its users (If-Match per user, audited), its seats released. */
import { withoutDeletedProduct } from '../../../domain/reconciliation';
import { settings } from '../../../config';
import { usersWithProduct, WithTs } from '../../../storage/reconciliation';
import { SubscriptionDoc, UserDoc } from '../../../storage/documents';
import { applyChanges, reservedSeats } from '../../../licensing';
import { Run, runSubscriptions, subscriptionsChanged } from '../run';
import { REPORT_LIST_CAP } from '../report';

/**
 * Takes a deleted product off a page of its users: one engine run, a group per user (If-Match, decided
 * again if a user changed meanwhile), seats released, each change audited. Per user: 'released' (the user
 * held it), 'removed' (only a path in error), 'unchanged', or the error.
 */
async function removeDeletedProduct(run: Run, page: UserDoc[], skuId: string): Promise<(Removal | Error)[]> {
  const outcomes = await applyChanges({
    tenantId: run.tenantId,
    catalog: run.catalog,
    seats: reservedSeats(run.tenantId),
    groups: page.map((u) => ({
      principal: run.principal,
      requestId: run.runId,
      operation: 'reconciliation',
      changes: [
        {
          userId: u.id,
          current: u,
          decide: (user: UserDoc) => {
            const { next, changed } = withoutDeletedProduct(user.licenseAssignments, skuId);
            return { violations: [], next, unchanged: !changed, touched: [skuId] };
          },
        },
      ],
    })),
  });
  return outcomes.map((o, i) => {
    if (!o.ok) return o.error;
    if (!o.changed.has(page[i].id)) return 'unchanged';
    return o.users[0].lastLicenseChange?.before.some((l) => l.skuId === skuId) ? 'released' : 'removed';
  });
}

type Removal = 'released' | 'removed' | 'unchanged';

/**
 * Which deleted products to take off their users: in a full run every one; in an incremental run those
 * still counting seats (holders left) and those that changed since the last run (deleted since). A user
 * left with only a path in error of a long-deleted product holds no seat: the full run takes that.
 */
const toClear = (run: Run, s: WithTs<SubscriptionDoc>) =>
  s.capabilityStatus === 'Deleted' &&
  (run.mode === 'full' || s.seat.consumed > 0 || (s._ts ?? Infinity) >= run.from!.since - settings().RECONCILIATION_CHANGE_MARGIN_SECONDS);

export async function deletedProductsStep(run: Run): Promise<void> {
  for (const sub of (await runSubscriptions(run)).filter((s) => toClear(run, s))) {
    const entry = {
      skuId: sub.skuId,
      skuPartNumber: sub.skuPartNumber,
      usersChanged: 0,
      seatsReleased: 0,
      users: [] as string[],
      failed: [] as { userId: string; message: string }[],
    };
    const failed = new Map<string, string>();
    // passes until one changes nothing: a page boundary may shift while the users it lists change
    for (let pass = 0; pass < 5; pass++) {
      let changed = 0;
      let token: string | undefined;
      do {
        const page = await usersWithProduct(run.tenantId, sub.skuId, 100, token);
        {
          const batch = page.items;
          const results = await removeDeletedProduct(run, batch, sub.skuId).catch((e) => batch.map(() => e as Error));
          results.forEach((r, k) => {
            const userId = batch[k].id;
            if (r instanceof Error) {
              failed.set(userId, r.message);
              return;
            }
            if (r === 'released' || r === 'removed') {
              changed++;
              failed.delete(userId);
              entry.usersChanged++;
              if (r === 'released') entry.seatsReleased++;
              if (entry.users.length < REPORT_LIST_CAP) entry.users.push(userId);
            }
          });
        }
        await run.lease.keepAlive();
        token = page.continuationToken;
      } while (token);
      if (!changed) break;
    }
    if (entry.seatsReleased) subscriptionsChanged(run);
    entry.failed = [...failed].slice(0, REPORT_LIST_CAP).map(([userId, message]) => ({ userId, message }));
    if (entry.usersChanged || entry.failed.length) run.report.deletedProducts.push(entry);
  }
}
