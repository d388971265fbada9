/** The reconciliation step that expires pending license requests past their expirationDateTime (its report counts them). */
import { licenseRequests } from '../../storage/licenseRequests';
import { ReconciliationStep } from '../reconciliation';
import { APPROVAL_GRACE_MS, closed } from './requests';

export const licenseRequestExpiryStep: ReconciliationStep = async (tenant, _report, context) => {
  let expired = 0;
  let skipped = 0;
  for (const doc of await licenseRequests.expiredPending(tenant.id, context.now)) {
    // an approval under way decides it (unless it stopped long ago)
    if (doc.approving && Date.parse(context.now) - Date.parse(doc.approving.since) < APPROVAL_GRACE_MS) {
      skipped++;
      continue;
    }
    const written = await licenseRequests.replaceIfMatch({ ...doc, status: 'expired', approving: null, decidedDateTime: context.now }, doc._etag!);
    if (!written) {
      skipped++; // decided meanwhile
      continue;
    }
    await closed(context.catalog, written);
    expired++;
    await context.keepAlive();
  }
  return { expired, skipped };
};
