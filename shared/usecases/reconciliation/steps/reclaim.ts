/** Step 4: licenses of long-disabled accounts are reclaimed, when the tenant's policy says so and is not a dry run. */
import { reclaimCandidate } from '../../../domain/reconciliation';
import { ApiError } from '../../../errors';
import { subscriptions } from '../../../storage/subscriptions';
import { users } from '../../../storage/users';
import { applyLicenseChanges } from '../../licenseChanges';
import { messageOf, Run } from '../run';

export async function reclaimStep(run: Run): Promise<void> {
  const r = run.report.reclaim;
  // accounts disabled before the date was recorded: the count of days starts now
  for (const id of run.disabledWithoutDate) {
    const u = await users.get(run.tenantId, id);
    if (!u || u.accountEnabled !== false || u.disabledDateTime) continue;
    if (await users.replaceIfMatch({ ...u, disabledDateTime: run.now }, u._etag!)) r.disableDatesRecorded++;
  }
  if (!run.policy.enabled || run.policy.dryRun) return;
  const subs = new Map((run.subscriptionsAfterScan.length ? run.subscriptionsAfterScan : await subscriptions.list(run.tenantId)).map((d) => [d.skuId, d]));
  for (const candidate of r.users.filter((c) => c.reclaim.length)) {
    try {
      const result = await applyLicenseChanges({
        tenant: { id: run.tenantId },
        principal: run.principal,
        requestId: run.runId,
        operation: 'reconciliation',
        changes: [
          {
            userId: candidate.userId,
            // decided again on the user as it is at the write (re-enabled meanwhile: nothing happens)
            changeFor: (doc) => {
              const now = reclaimCandidate(doc, run.policy, run.now, (s) => subs.get(s));
              if (!now?.reclaim.length) throw new ApiError(409, 'notACandidate', 'The account was enabled again, or its licenses changed, since it was found.');
              return { addLicenses: [], removeLicenses: now.reclaim };
            },
          },
        ],
      });
      const removed = result.changed.has(candidate.userId) ? candidate.reclaim : [];
      r.actions.push({ userId: candidate.userId, status: removed.length ? 'reclaimed' : 'skipped', removed });
    } catch (e) {
      const skipped = e instanceof ApiError && e.code === 'notACandidate';
      r.actions.push({ userId: candidate.userId, status: skipped ? 'skipped' : 'failed', removed: [], message: messageOf(e) });
    }
    await run.lease.keepAlive();
  }
}
