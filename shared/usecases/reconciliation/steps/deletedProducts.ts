/** Step 2: a deleted product leaves its users (If-Match per user, audited), its seats released. */
import { LicenseChangeOutcome } from '../../../domain/licensing';
import { withoutDeletedProduct } from '../../../domain/reconciliation';
import { log } from '../../../log';
import { usersWithProduct } from '../../../storage/reconciliation';
import { audit } from '../../../storage/audit';
import { UserDoc } from '../../../storage/documents';
import { subscriptions } from '../../../storage/subscriptions';
import { users } from '../../../storage/users';
import { auditRecordFor, withSkus } from '../../licenseChanges';
import { messageOf, Run } from '../run';
import { REPORT_LIST_CAP } from '../report';

type Removal = 'released' | 'removed' | 'unchanged' | 'gone' | 'conflict';

/** Takes a deleted product off one user (If-Match), then releases the seat and audits. */
async function removeDeletedProduct(run: Run, stored: UserDoc, skuId: string): Promise<Removal> {
  let user: UserDoc | undefined = stored;
  for (let attempt = 0; attempt < 5 && user; attempt++) {
    const { next, changed, held } = withoutDeletedProduct(user.licenseAssignments, skuId);
    if (!changed) return 'unchanged';
    const outcome: LicenseChangeOutcome = {
      violations: [],
      next,
      seatsToReserve: [],
      seatsToRelease: held ? [skuId] : [],
      unchanged: false,
    };
    const record = auditRecordFor(
      { tenant: { id: run.tenantId }, requestId: run.runId, principal: run.principal, operation: 'reconciliation' },
      user,
      outcome,
      { addLicenses: [], removeLicenses: [skuId] },
      new Date().toISOString(),
    );
    if (await users.replaceIfMatch(withSkus(user, outcome, record), user._etag!)) {
      // same order as every change: user first, then the seat, then the record (re-created from the user if lost)
      if (held) await subscriptions.releaseSeats(run.tenantId, skuId, 1);
      await audit.write([record]).catch((e) => log.warn('audit record left to the next reconciliation', { tenantId: run.tenantId, userId: user!.id, error: messageOf(e) }));
      return held ? 'released' : 'removed';
    }
    user = await users.get(run.tenantId, user.id);
  }
  return user ? 'conflict' : 'gone';
}

export async function deletedProductsStep(run: Run): Promise<void> {
  for (const sub of (await subscriptions.list(run.tenantId)).filter((s) => s.capabilityStatus === 'Deleted')) {
    const entry = { skuId: sub.skuId, skuPartNumber: sub.skuPartNumber, usersChanged: 0, seatsReleased: 0, users: [] as string[], failed: [] as { userId: string; message: string }[] };
    const failed = new Map<string, string>();
    // passes until one changes nothing: a page boundary may shift while the users it lists change
    for (let pass = 0; pass < 5; pass++) {
      let changed = 0;
      let token: string | undefined;
      do {
        const page = await usersWithProduct(run.tenantId, sub.skuId, 100, token);
        for (let i = 0; i < page.items.length; i += 10) {
          const batch = page.items.slice(i, i + 10);
          const results = await Promise.all(batch.map((u) => removeDeletedProduct(run, u, sub.skuId).catch((e) => e as Error)));
          results.forEach((r, k) => {
            const userId = batch[k].id;
            if (r instanceof Error || r === 'conflict') {
              failed.set(userId, r instanceof Error ? r.message : 'The user kept changing; the next run tries again.');
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
    entry.failed = [...failed].slice(0, REPORT_LIST_CAP).map(([userId, message]) => ({ userId, message }));
    if (entry.usersChanged || entry.failed.length) run.report.deletedProducts.push(entry);
  }
}
