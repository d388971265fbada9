/**
 * Changes to the catalog's content, pure: each takes the content of the current version and returns the
 * next one (or refuses with a 4xx naming what is wrong). The publisher (publish.ts) diffs the two, writes
 * a new version when they differ, and applies the same edit again on a fresher version when another
 * publisher came first.
 */
import { AppliesTo, CatalogContent, NO_RULES, PlanRules, StoredPlan, StoredProduct } from '../domain/catalog';
import { ApiError, ErrorCodes, ErrorDetail } from '../errors';

/** A product as Microsoft's table gives it (shared/catalog/microsoftTable.ts reads the file). */
export interface TableProductInput {
  skuId: string;
  skuPartNumber: string;
  displayName: string;
  servicePlans: { servicePlanId: string; servicePlanName: string; displayName: string }[];
  clouds: string[];
}

export type ImportMode = 'merge' | 'replace';

export interface ImportOutcome {
  content: CatalogContent;
  /** Products a replace left in place because organizations hold them (the way out: mark them not for sale). */
  keptBecauseHeld: { skuId: string; skuPartNumber: string; displayName: string }[];
}

const byId = (products: readonly StoredProduct[]) => new Map(products.map((p) => [p.skuId, p]));
const sorted = (products: StoredProduct[]) => products.sort((a, b) => a.skuId.localeCompare(b.skuId));

/** Rules of plans that no product has any more are dropped (a replace, a deleted product): nothing could apply them. */
function withLiveRules(products: StoredProduct[], planRules: Record<string, PlanRules>): CatalogContent {
  const live = new Set(products.flatMap((p) => p.servicePlans.map((s) => s.servicePlanId)));
  return { products: sorted(products), planRules: Object.fromEntries(Object.entries(planRules).filter(([id]) => live.has(id))) };
}

/**
 * A product's plans after an edit: the plans it keeps stay in their place with their dates, plans new to
 * an existing product are dated `now` (the console marks them; the organizations holding it are told),
 * and with `keepMissing` (a merge) plans the edit does not name stay too.
 */
function mergePlans(
  before: StoredProduct | undefined,
  plans: { servicePlanId: string; servicePlanName: string; displayName: string; appliesTo?: AppliesTo }[],
  now: string,
  keepMissing: boolean,
): StoredPlan[] {
  const given = new Map(plans.map((s) => [s.servicePlanId.toLowerCase(), s]));
  const out: StoredPlan[] = [];
  for (const old of before?.servicePlans ?? []) {
    const s = given.get(old.servicePlanId);
    if (s) out.push({ ...old, servicePlanName: s.servicePlanName, displayName: s.displayName, appliesTo: s.appliesTo ?? old.appliesTo });
    else if (keepMissing) out.push(old);
  }
  const kept = new Set(out.map((s) => s.servicePlanId));
  for (const [id, s] of given) {
    if (kept.has(id)) continue;
    out.push({
      servicePlanId: id,
      servicePlanName: s.servicePlanName,
      displayName: s.displayName,
      appliesTo: s.appliesTo ?? 'User',
      addedDateTime: before ? now : null,
    });
  }
  return out;
}

/**
 * Microsoft's table into the catalog. A merge adds and updates, never removes (the table is known to be
 * incomplete and late); a replace also removes the products of Microsoft's the file lacks (and their plans
 * the file lacks), except the operator's own products and products organizations hold (`held`), which
 * are kept and reported. A product in the file is Microsoft's from then on; whether it is for sale and
 * whom it applies to stay as the operator set them.
 */
export function importTable(
  current: CatalogContent,
  table: readonly TableProductInput[],
  mode: ImportMode,
  now: string,
  held: ReadonlySet<string>,
): ImportOutcome {
  const was = byId(current.products);
  const next = new Map<string, StoredProduct>();
  for (const t of table) {
    const skuId = t.skuId.toLowerCase();
    const before = was.get(skuId);
    next.set(skuId, {
      skuId,
      skuPartNumber: t.skuPartNumber,
      displayName: t.displayName,
      appliesTo: before?.appliesTo ?? 'User',
      isSellable: before?.isSellable ?? true,
      clouds: [...t.clouds],
      source: 'microsoft',
      servicePlans: mergePlans(before, t.servicePlans, now, mode === 'merge'),
    });
  }
  const keptBecauseHeld: ImportOutcome['keptBecauseHeld'] = [];
  for (const p of current.products) {
    if (next.has(p.skuId)) continue;
    if (mode === 'merge' || p.source === 'operator') next.set(p.skuId, p);
    else if (held.has(p.skuId)) {
      next.set(p.skuId, p);
      keptBecauseHeld.push({ skuId: p.skuId, skuPartNumber: p.skuPartNumber, displayName: p.displayName });
    }
  }
  // no refusal of a part number two products share: Microsoft's own table has such pairs (its data, taken
  // whole); a lookup by part number then finds the first by skuId
  return { content: withLiveRules([...next.values()], current.planRules), keptBecauseHeld };
}

/** The operator's own product may not take a part number another product has. */
function refuseTakenPartNumber(products: StoredProduct[], product: StoredProduct) {
  const other = products.find((p) => p.skuId !== product.skuId && p.skuPartNumber.toUpperCase() === product.skuPartNumber.toUpperCase());
  if (other)
    throw new ApiError(
      409,
      ErrorCodes.conflict,
      `Part number ${product.skuPartNumber} already names product ${other.displayName} (${other.skuId}). Give this product a part number of its own.`,
      'skuPartNumber',
    );
}

// ---------------- rules ----------------

/** One plan's rules as a rules document or a PATCH gives them (absent fields: none in a document, unchanged in a PATCH). */
export interface RulesInput {
  servicePlanId: string;
  conflictsWith?: string[];
  dependsOn?: string[];
  notOfferedIn?: string[];
  isAutoAssigned?: boolean;
  apps?: string[];
}

/**
 * Sets plans' rules. `replace`: each listed plan's rules become exactly what is given (a rules document);
 * otherwise the given fields change and the rest stay (a PATCH of one plan). A plan the catalog does not
 * have, as the subject or in conflictsWith / dependsOn, is a 400 that names every one of them.
 */
export function setRules(current: CatalogContent, input: readonly RulesInput[], o: { replace: boolean; target: (i: number) => string }): CatalogContent {
  const known = new Set(current.products.flatMap((p) => p.servicePlans.map((s) => s.servicePlanId)));
  const unknown: ErrorDetail[] = [];
  input.forEach((r, i) => {
    const check = (id: string, where: string) => {
      if (!known.has(id.toLowerCase()))
        unknown.push({
          code: ErrorCodes.unknownServicePlan,
          message: `${o.target(i)}${where}: service plan ${id} is in no product of the catalog.`,
          target: `${o.target(i)}${where}`,
        });
    };
    check(r.servicePlanId, '.servicePlanId');
    (r.conflictsWith ?? []).forEach((id, j) => check(id, `.conflictsWith[${j}]`));
    (r.dependsOn ?? []).forEach((id, j) => check(id, `.dependsOn[${j}]`));
  });
  if (unknown.length)
    throw new ApiError(
      400,
      ErrorCodes.unknownServicePlan,
      `${unknown.length === 1 ? 'A rule names a service plan' : `Rules name ${unknown.length} service plans`} the catalog does not have: ${unknown
        .slice(0, 20)
        .map((u) => u.message)
        .join(' ')} Import the products that have them first (POST /v1.0/catalog/import), or correct the ids. Nothing was changed.`,
      unknown[0].target,
      unknown,
    );
  const planRules = { ...current.planRules };
  const lower = (ids: string[] | undefined) => (ids === undefined ? undefined : [...new Set(ids.map((x) => x.toLowerCase()))]);
  for (const r of input) {
    const id = r.servicePlanId.toLowerCase();
    const base = o.replace ? NO_RULES : (planRules[id] ?? NO_RULES);
    const rules: PlanRules = {
      conflictsWith: (lower(r.conflictsWith) ?? base.conflictsWith).filter((x) => x !== id),
      dependsOn: (lower(r.dependsOn) ?? base.dependsOn).filter((x) => x !== id),
      notOfferedIn: r.notOfferedIn ? [...new Set(r.notOfferedIn.map((c) => c.toUpperCase()))] : base.notOfferedIn,
      isAutoAssigned: r.isAutoAssigned ?? base.isAutoAssigned,
      apps: r.apps ? [...new Set(r.apps)] : base.apps,
    };
    const none = !rules.conflictsWith.length && !rules.dependsOn.length && !rules.notOfferedIn.length && !rules.apps.length && !rules.isAutoAssigned;
    if (none) delete planRules[id];
    else planRules[id] = rules;
  }
  return { products: current.products, planRules };
}

// ---------------- the operator's own products ----------------

export interface ProductInput {
  skuPartNumber: string;
  displayName: string;
  appliesTo?: AppliesTo;
  isSellable?: boolean;
  clouds?: string[];
  servicePlans: { servicePlanId: string; servicePlanName: string; displayName: string; appliesTo?: AppliesTo }[];
}

/** Creates or replaces one product with its plans (the operator's own: a replace import leaves it). */
export function putProduct(current: CatalogContent, skuId: string, input: ProductInput, now: string): CatalogContent {
  const id = skuId.toLowerCase();
  const before = byId(current.products).get(id);
  const product: StoredProduct = {
    skuId: id,
    skuPartNumber: input.skuPartNumber,
    displayName: input.displayName,
    appliesTo: input.appliesTo ?? before?.appliesTo ?? 'User',
    isSellable: input.isSellable ?? before?.isSellable ?? true,
    clouds: input.clouds ?? before?.clouds ?? ['AzureCloud'],
    source: 'operator',
    servicePlans: mergePlans(before, input.servicePlans, now, false),
  };
  refuseTakenPartNumber(current.products, product);
  const products = [...current.products.filter((p) => p.skuId !== id), product];
  return withLiveRules(products, current.planRules);
}

/** Changes a product's name, or whether it is for sale (isSellable false: no new purchases; subscriptions keep working). */
export function patchProduct(current: CatalogContent, skuId: string, patch: { displayName?: string; isSellable?: boolean }): CatalogContent {
  const id = skuId.toLowerCase();
  const before = byId(current.products).get(id);
  if (!before) throw productNotFound(skuId);
  const after = {
    ...before,
    ...(patch.displayName !== undefined ? { displayName: patch.displayName } : {}),
    ...(patch.isSellable !== undefined ? { isSellable: patch.isSellable } : {}),
  };
  return { products: current.products.map((p) => (p.skuId === id ? after : p)), planRules: current.planRules };
}

/** Removes a product (the caller has made sure no organization holds it). */
export function removeProduct(current: CatalogContent, skuId: string): CatalogContent {
  const id = skuId.toLowerCase();
  if (!current.products.some((p) => p.skuId === id)) throw productNotFound(skuId);
  return withLiveRules(
    current.products.filter((p) => p.skuId !== id),
    current.planRules,
  );
}

export const productNotFound = (skuId: string) =>
  new ApiError(404, ErrorCodes.notFound, `Product '${skuId}' is not in the catalog. List the products with GET /v1.0/catalog/products.`, skuId);
