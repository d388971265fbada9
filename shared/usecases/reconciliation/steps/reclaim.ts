/** Step 4: licenses of long-disabled accounts are reclaimed, when the tenant's policy says so and is not a dry run. */
import { reclaimCandidate } from '../../../domain/reconciliation';
import { ApiError } from '../../../errors';
import { subscriptions } from '../../../storage/subscriptions';
import { users } from '../../../storage/users';
import { applyChanges, directChange, reservedSeats } from '../../../licensing';
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
  const candidates = r.users.filter((c) => c.reclaim.length);
  // a batch of candidates per engine run (one bulk read, one bulk write), each candidate its own group
  for (let i = 0; i < candidates.length; i += RECLAIM_BATCH) {
    const batch = candidates.slice(i, i + RECLAIM_BATCH);
    const outcomes = await applyChanges({
      tenantId: run.tenantId,
      seats: reservedSeats(run.tenantId),
      groups: batch.map((candidate) => ({
        principal: run.principal,
        requestId: run.runId,
        operation: 'reconciliation',
        changes: [
          directChange(run.principal, {
            userId: candidate.userId,
            // decided again on the user as it is at the write (re-enabled meanwhile: nothing happens)
            changeFor: (doc) => {
              const now = reclaimCandidate(doc, run.policy, run.now, (s) => subs.get(s));
              if (!now?.reclaim.length) throw new ApiError(409, 'notACandidate', 'The account was enabled again, or its licenses changed, since it was found.');
              return { addLicenses: [], removeLicenses: now.reclaim };
            },
          }),
        ],
      })),
    });
    batch.forEach((candidate, k) => {
      const o = outcomes[k];
      if (o.ok) {
        const removed = o.changed.has(candidate.userId) ? candidate.reclaim : [];
        r.actions.push({ userId: candidate.userId, status: removed.length ? 'reclaimed' : 'skipped', removed });
        return;
      }
      const skipped = o.error instanceof ApiError && o.error.code === 'notACandidate';
      r.actions.push({ userId: candidate.userId, status: skipped ? 'skipped' : 'failed', removed: [], message: messageOf(o.error) });
    });
    await run.lease.keepAlive();
  }
}

const RECLAIM_BATCH = 100;
