/** Step 1: subscriptions whose lifecycle date has passed move on (Enabled -> Warning -> Suspended -> Deleted). */
import { dueTransitions } from '../../../domain/reconciliation';
import { checkSubscriptionChange } from '../../../domain/subscriptions';
import { SubscriptionDoc } from '../../../storage/documents';
import { subscriptions } from '../../../storage/subscriptions';
import { forRules } from '../../../licensing';
import { Run, runSubscriptions, subscriptionsChanged } from '../run';

export async function lifecycleStep(run: Run): Promise<void> {
  for (const listed of await runSubscriptions(run)) {
    let doc: SubscriptionDoc | undefined = listed;
    let done = false;
    for (let attempt = 0; attempt < 4 && doc && !done; attempt++) {
      done = true;
      for (const t of dueTransitions(doc, run.now)) {
        const problems = checkSubscriptionChange(run.catalog, forRules(doc), { status: t.to });
        if (problems.length) throw new Error(problems.map((p) => p.message).join(' '));
        const updated: SubscriptionDoc | undefined = await subscriptions.update(doc, {
          capabilityStatus: t.to,
          nextLifecycleDateTime: t.nextLifecycleDateTime,
        });
        if (!updated) {
          // changed meanwhile (renewed, new date, quantity): decide again on the fresh document
          done = false;
          doc = await subscriptions.get(run.tenantId, doc.skuId);
          break;
        }
        run.report.lifecycle.push({ subscriptionId: doc.id, skuId: doc.skuId, skuPartNumber: doc.skuPartNumber, ...t });
        subscriptionsChanged(run);
        doc = updated;
      }
    }
    if (!done) throw new Error(`The ${listed.skuPartNumber} subscription kept changing; its lifecycle is checked again next run.`);
    await run.lease.keepAlive();
  }
}
