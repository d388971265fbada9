/**
 * What the console can tell about service plans before asking the service, from the rules the API
 * publishes on each plan (conflictsWith, dependsOn, isAutoAssigned, notOfferedIn). The service still
 * decides; this is what lets a switch explain itself in place.
 */
import type { ServicePlan, SubscribedSku, User } from '../graph/types';

/** Plans a user has switched on, across their products, except one product. */
export function enabledPlansOf(user: Pick<User, 'assignedLicenses'>, skus: SubscribedSku[], exceptSkuId?: string): Set<string> {
  const on = new Set<string>();
  for (const l of user.assignedLicenses) {
    if (l.skuId === exceptSkuId) continue;
    const sku = skus.find((s) => s.skuId === l.skuId);
    for (const p of sku?.servicePlans ?? []) if (!l.disabledPlans.includes(p.servicePlanId)) on.add(p.servicePlanId);
  }
  return on;
}

export interface PlanNote {
  kind: 'auto' | 'notOffered' | 'needs' | 'needsMissing';
  /** Plan names (needs: any one of them will do) or the users and their country (notOffered). */
  items: string[];
}

/**
 * Notes for one plan of a product being configured: comes automatically; not offered where some of the
 * users are; needs another plan, and whether that need is met (in this product as configured, or in
 * what the users already have).
 */
export function planNotes(
  plan: ServicePlan,
  o: {
    disabled: Set<string>;
    productPlans: ServicePlan[];
    users: Pick<User, 'displayName' | 'usageLocation'>[];
    usersPlans: Set<string>[];
    planName: (id: string) => string;
  },
): PlanNote[] {
  const notes: PlanNote[] = [];
  if (plan.isAutoAssigned) notes.push({ kind: 'auto', items: [] });
  const on = !o.disabled.has(plan.servicePlanId);
  const blocked = o.users.filter((u) => u.usageLocation && plan.notOfferedIn.includes(u.usageLocation));
  if (on && blocked.length) notes.push({ kind: 'notOffered', items: blocked.map((u) => `${u.displayName} (${u.usageLocation})`) });
  if (plan.dependsOn.length) {
    const names = plan.dependsOn.map(o.planName);
    const inProduct = o.productPlans.some((p) => plan.dependsOn.includes(p.servicePlanId) && !o.disabled.has(p.servicePlanId));
    const everyoneHasIt = o.usersPlans.length > 0 && o.usersPlans.every((own) => plan.dependsOn.some((d) => own.has(d)));
    notes.push({ kind: on && !inProduct && !everyoneHasIt ? 'needsMissing' : 'needs', items: names });
  }
  return notes;
}

/** A copy of a set of plan ids with one switched on (taken out of the disabled set) or off (put in). */
export function withPlan(disabled: Set<string>, planId: string, on: boolean): Set<string> {
  const next = new Set(disabled);
  if (on) next.delete(planId);
  else next.add(planId);
  return next;
}

/** A service plan the catalog added to a product in the last 30 days: the console marks it New. */
export const NEW_PLAN_DAYS = 30;

export const isNewPlan = (p: { addedDateTime: string | null }, now: number): boolean =>
  !!p.addedDateTime && now - Date.parse(p.addedDateTime) <= NEW_PLAN_DAYS * 86_400_000;
