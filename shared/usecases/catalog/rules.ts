/** The rules on service plans: one plan's (PATCH) or many at once (a rules document). Microsoft's table has none: they are the operator's. */
import { z } from 'zod';
import * as c from '../../schemas/contracts';
import { editOf } from './changes';
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
  const outcome = await publishAndAnnounce(w, 'servicePlanRules', editOf({ operation: 'servicePlanRules', servicePlanId, body }));
  const id = servicePlanId.toLowerCase();
  return { outcome, rules: planRulesView(id, outcome.catalog.rules(id)) };
}

/** A rules document: each listed plan's rules become exactly what it says (plans not listed keep theirs). */
export async function applyRulesDocument(w: CatalogWriter, body: z.infer<typeof c.rulesDocument>) {
  return publishAndAnnounce(w, 'rules', editOf({ operation: 'rules', body }));
}
