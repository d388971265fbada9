/**
 * What changed between two versions of the catalog, pure: products added, removed, renamed or changed
 * (plans added, removed, renamed; other fields), and plans whose rules changed. A version record keeps it
 * (GET /v1.0/catalog/versions/{n}), an import's dry run answers it, and the organizations that hold a
 * changed product are processed from it.
 */
import { CatalogContent, NO_RULES, PlanRules, StoredPlan, StoredProduct } from '../domain/catalog';

export interface ProductRef {
  skuId: string;
  skuPartNumber: string;
  displayName: string;
}

export interface PlanRef {
  servicePlanId: string;
  servicePlanName: string;
  displayName: string;
}

export interface ProductChange extends ProductRef {
  /** The names it had before, when the part number or the display name changed. */
  renamedFrom?: { skuPartNumber: string; displayName: string };
  plansAdded: PlanRef[];
  plansRemoved: PlanRef[];
  plansRenamed: (PlanRef & { from: { servicePlanName: string; displayName: string } })[];
  /** Other fields that changed: appliesTo, isSellable, clouds, source. */
  fields: string[];
}

export interface RuleChange {
  servicePlanId: string;
  before: PlanRules;
  after: PlanRules;
}

export interface CatalogChanges {
  productsAdded: (ProductRef & { servicePlanCount: number })[];
  productsRemoved: ProductRef[];
  productsChanged: ProductChange[];
  rulesChanged: RuleChange[];
}

export interface ChangeSummary {
  productsAdded: number;
  productsRemoved: number;
  productsRenamed: number;
  productsChanged: number;
  plansAdded: number;
  plansRemoved: number;
  plansRenamed: number;
  rulesChanged: number;
}

const ref = (p: StoredProduct): ProductRef => ({ skuId: p.skuId, skuPartNumber: p.skuPartNumber, displayName: p.displayName });
const planRef = (s: StoredPlan): PlanRef => ({ servicePlanId: s.servicePlanId, servicePlanName: s.servicePlanName, displayName: s.displayName });
const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && [...a].sort().join() === [...b].sort().join();

export const sameRules = (a: PlanRules, b: PlanRules) =>
  sameList(a.conflictsWith, b.conflictsWith) &&
  sameList(a.dependsOn, b.dependsOn) &&
  sameList(a.notOfferedIn, b.notOfferedIn) &&
  sameList(a.apps, b.apps) &&
  a.isAutoAssigned === b.isAutoAssigned;

function productChange(before: StoredProduct, after: StoredProduct): ProductChange | undefined {
  const was = new Map(before.servicePlans.map((s) => [s.servicePlanId, s]));
  const now = new Map(after.servicePlans.map((s) => [s.servicePlanId, s]));
  const change: ProductChange = {
    ...ref(after),
    plansAdded: after.servicePlans.filter((s) => !was.has(s.servicePlanId)).map(planRef),
    plansRemoved: before.servicePlans.filter((s) => !now.has(s.servicePlanId)).map(planRef),
    plansRenamed: [],
    fields: [],
  };
  if (before.skuPartNumber !== after.skuPartNumber || before.displayName !== after.displayName)
    change.renamedFrom = { skuPartNumber: before.skuPartNumber, displayName: before.displayName };
  for (const s of after.servicePlans) {
    const old = was.get(s.servicePlanId);
    if (old && (old.servicePlanName !== s.servicePlanName || old.displayName !== s.displayName || old.appliesTo !== s.appliesTo))
      change.plansRenamed.push({ ...planRef(s), from: { servicePlanName: old.servicePlanName, displayName: old.displayName } });
  }
  if (before.appliesTo !== after.appliesTo) change.fields.push('appliesTo');
  if (before.isSellable !== after.isSellable) change.fields.push('isSellable');
  if (!sameList(before.clouds, after.clouds)) change.fields.push('clouds');
  if (before.source !== after.source) change.fields.push('source');
  const changed = change.renamedFrom || change.plansAdded.length || change.plansRemoved.length || change.plansRenamed.length || change.fields.length;
  return changed ? change : undefined;
}

export function diffCatalogs(before: CatalogContent, after: CatalogContent): CatalogChanges {
  const was = new Map(before.products.map((p) => [p.skuId, p]));
  const now = new Map(after.products.map((p) => [p.skuId, p]));
  const changes: CatalogChanges = {
    productsAdded: after.products.filter((p) => !was.has(p.skuId)).map((p) => ({ ...ref(p), servicePlanCount: p.servicePlans.length })),
    productsRemoved: before.products.filter((p) => !now.has(p.skuId)).map(ref),
    productsChanged: [],
    rulesChanged: [],
  };
  for (const p of after.products) {
    const old = was.get(p.skuId);
    const c = old && productChange(old, p);
    if (c) changes.productsChanged.push(c);
  }
  for (const id of [...new Set([...Object.keys(before.planRules), ...Object.keys(after.planRules)])].sort()) {
    const b = before.planRules[id] ?? NO_RULES;
    const a = after.planRules[id] ?? NO_RULES;
    if (!sameRules(a, b)) changes.rulesChanged.push({ servicePlanId: id, before: { ...b }, after: { ...a } });
  }
  return changes;
}

export const isEmpty = (c: CatalogChanges) => !c.productsAdded.length && !c.productsRemoved.length && !c.productsChanged.length && !c.rulesChanged.length;

export function summarize(c: CatalogChanges): ChangeSummary {
  return {
    productsAdded: c.productsAdded.length,
    productsRemoved: c.productsRemoved.length,
    productsRenamed: c.productsChanged.filter((p) => p.renamedFrom).length,
    productsChanged: c.productsChanged.length,
    plansAdded: c.productsChanged.reduce((n, p) => n + p.plansAdded.length, 0),
    plansRemoved: c.productsChanged.reduce((n, p) => n + p.plansRemoved.length, 0),
    plansRenamed: c.productsChanged.reduce((n, p) => n + p.plansRenamed.length, 0),
    rulesChanged: c.rulesChanged.length,
  };
}
