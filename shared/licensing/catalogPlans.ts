/**
 * The catalog's change of a user's direct assignments (a product gained plans that the organization keeps
 * off, or lost plans), decided by the pure rules like any change: only what the change itself breaks is
 * refused (switching a plan off that another enabled plan needs), never what was there before. No seat
 * moves: the user keeps every product.
 */
import { ServicePlanChange, servicePlansChange } from '../domain/jobs';
import { checkResultingLicenses } from '../domain/licensing';
import { UserDoc } from '../storage/documents';
import { Decision, DecideContext } from './changes';

export function decideCatalogPlans(changes: readonly ServicePlanChange[]) {
  return (user: UserDoc, context: DecideContext): Decision => {
    const r = servicePlansChange(changes, user.licenseAssignments, context.now);
    if (!r.changed) return { violations: [], next: user.licenseAssignments, unchanged: true, touched: [] };
    const violations = checkResultingLicenses({
      catalog: context.catalog,
      user,
      usageLocation: user.usageLocation,
      before: user.licenseAssignments,
      after: r.next,
      touched: r.touched,
      checkLocation: false,
    });
    return { violations, next: r.next, unchanged: false, touched: r.touched };
  };
}
