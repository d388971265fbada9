/** The tenant's reclaim policy: read and changed by its admins. */
import { ReclaimPolicy, withPolicyDefaults } from '../../domain/reconciliation';
import { reclaimPolicies, ReclaimPolicyDoc } from '../../storage/reconciliation';
import { changeIfMatch } from '../changeIfMatch';

export async function getReclaimPolicy(
  tenantId: string,
): Promise<{ reclaimDisabledAccounts: ReclaimPolicy; lastModifiedDateTime: string | null; lastModifiedBy: { id: string; displayName: string } | null }> {
  const doc = await reclaimPolicies.get(tenantId);
  return {
    reclaimDisabledAccounts: withPolicyDefaults(doc?.reclaimDisabledAccounts),
    lastModifiedDateTime: doc?.lastModifiedDateTime ?? null,
    lastModifiedBy: doc?.lastModifiedBy ?? null,
  };
}

/** Changes the fields given, keeping the others (If-Match on the stored policy, retried on a concurrent change). */
export async function updateReclaimPolicy(
  tenantId: string,
  change: Partial<ReclaimPolicy>,
  by: { id: string; displayName: string },
): Promise<ReclaimPolicyDoc> {
  return changeIfMatch({
    read: () => reclaimPolicies.get(tenantId),
    write: (current) =>
      reclaimPolicies.put(
        {
          tenantId,
          reclaimDisabledAccounts: { ...withPolicyDefaults(current?.reclaimDisabledAccounts), ...change },
          lastModifiedDateTime: new Date().toISOString(),
          lastModifiedBy: by,
        },
        current?._etag,
      ),
    attempts: 5,
    conflictMessage: 'The reconciliation policy kept changing while this request ran. Try again.',
  });
}
