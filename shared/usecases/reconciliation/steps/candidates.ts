/**
 * The incremental run's reclaim candidates and inactivity counts, by indexed queries instead of a pass
 * over every user: the accounts the policy may point at (disabled for more than N days, or neither signed
 * in nor created within inactiveForDays), decided by the same rule as in the full pass; and the licensed
 * users without a sign-in for each window, counted by the store.
 */
import { inactivityCutoff, INACTIVITY_WINDOWS } from '../../../domain/reconciliation';
import { reclaimReads } from '../../../storage/reconciliation';
import { Run, runSubscriptions } from '../run';
import { noteReclaim } from './scan';
import { USER_PAGE } from './seats';

export async function candidatesStep(run: Run): Promise<void> {
  const policy = run.policy;
  if (policy.enabled) {
    const bySku = new Map((await runSubscriptions(run)).map((d) => [d.skuId, d]));
    const pages = reclaimReads.candidatePages(run.tenantId, USER_PAGE, {
      disabledBefore: inactivityCutoff(run.now, policy.disabledForDays),
      inactiveSince: policy.inactiveForDays === null ? null : inactivityCutoff(run.now, policy.inactiveForDays),
    });
    for await (const page of pages) {
      for (const u of page) noteReclaim(run, u, (s) => bySku.get(s));
      await run.lease.keepAlive();
    }
  }
  for (const days of INACTIVITY_WINDOWS)
    run.report.inactiveLicensedUsers[String(days)] = await reclaimReads.countInactiveLicensed(run.tenantId, inactivityCutoff(run.now, days));
}
