/** The rules on service plans: one plan's (PATCH) or many at once (a rules document). Microsoft's table has none: they are the operator's. */
import { z } from 'zod';
import { setRules } from '../../catalog/edits';
import { ApiError, ErrorCodes } from '../../errors';
import * as c from '../../schemas/contracts';
import { CatalogWriter, publishAndAnnounce } from './publishing';

export function planRulesView(
  servicePlanId: string,
  rules: { conflictsWith: string[]; dependsOn: string[]; notOfferedIn: string[]; isAutoAssigned: boolean; apps: string[] },
) {
  return {
    servicePlanId,
    conflictsWith: rules.conflictsWith,
    dependsOn: rules.dependsOn,
    notOfferedIn: rules.notOfferedIn,
    isAutoAssigned: rules.isAutoAssigned,
    apps: rules.apps,
  };
}

/** One plan's rules: the fields given change, the others stay. */
export async function patchPlanRules(w: CatalogWriter, servicePlanId: string, body: z.infer<typeof c.patchPlanRulesBody>) {
  const id = servicePlanId.toLowerCase();
  const outcome = await publishAndAnnounce(w, 'servicePlanRules', (current) => {
    if (!current.plan(id))
      throw new ApiError(
        404,
        ErrorCodes.notFound,
        `Service plan '${servicePlanId}' is in no product of the catalog. Import or create the products that have it first.`,
        servicePlanId,
      );
    return setRules(current.content, [{ servicePlanId: id, ...body }], { replace: false, target: () => 'body' });
  });
  return { outcome, rules: planRulesView(id, outcome.catalog.rules(id)) };
}

/** A rules document: each listed plan's rules become exactly what it says (plans not listed keep theirs). */
export async function applyRulesDocument(w: CatalogWriter, body: z.infer<typeof c.rulesDocument>) {
  return publishAndAnnounce(w, 'rules', (current) =>
    setRules(
      current.content,
      body.servicePlans.map(({ description, ...rules }) => (void description, rules)),
      { replace: true, target: (i) => `servicePlans[${i}]` },
    ),
  );
}
