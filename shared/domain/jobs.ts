/**
 * Bulk license jobs, the pure part: what each mode of the Active users page's "Manage product licenses"
 * means for one user, how a CSV row is read, and how a job's progress is reported.
 */
import { ErrorCodes, Violation } from '../errors';
import { Catalog, ProductDefinition } from './catalog';
import { LicenseAssignment, LicenseChange } from './licensing';
import { isUserPrincipalName, MAX_UPN_LENGTH } from './upn';
import { MAX_SIGN_IN_CLOCK_SKEW_MS, signInInTheFuture } from './users';

/** The modes an admin's job may have. */
export const JOB_MODES = ['add', 'replace', 'remove', 'unassignAll', 'swap'] as const;
/** `servicePlans`: the catalog's own job, when a product an organization holds gains or loses plans (never an admin's). */
export type JobMode = (typeof JOB_MODES)[number] | 'servicePlans';

/**
 * What a catalog change does to one product's assignments in an organization: `disable`, plans the
 * product gained that start off (the organization's newServicePlans is `disabled`); `drop`, plans the
 * product lost, which leave disabledPlans.
 */
export interface ServicePlanChange {
  skuId: string;
  disable: string[];
  drop: string[];
}

export type JobStatus = 'queued' | 'running' | 'completed' | 'completedWithErrors' | 'failed' | 'cancelled';
export const FINAL_STATUSES: JobStatus[] = ['completed', 'completedWithErrors', 'failed', 'cancelled'];

export interface JobRequest {
  mode: JobMode;
  addLicenses: { skuId: string; disabledPlans: string[] }[];
  removeLicenses: string[];
  fromSkuId?: string;
  toSkuId?: string;
  /** mode servicePlans: the catalog version and its changes to the products the organization holds. */
  servicePlanChanges?: ServicePlanChange[];
  catalogVersion?: number;
}

/** What one user of a job should get: a change, or a reason to skip them (nothing to do). */
export type JobChange = { change: LicenseChange } | { skip: string };

const direct = (assignments: LicenseAssignment[]) => assignments.filter((a) => a.assignedByGroup === null);

/**
 * The change a job's mode makes to one user. `perUser` (CSV rows) overrides the job's products.
 * - add: switch the products on, keeping the user's other assignments (re-adding replaces disabledPlans)
 * - replace: the given products become the user's direct assignments; others are removed
 * - remove: the given products are removed where the user has them directly
 * - unassignAll: every direct assignment is removed (inherited ones stay: they belong to groups)
 * - swap: A -> B for users who have A directly, keeping their other products and carrying over the
 *   disabled plans that exist in both products
 */
export function jobChangeFor(
  catalog: Catalog,
  req: JobRequest,
  assignments: LicenseAssignment[],
  perUser?: { addLicenses: { skuId: string; disabledPlans: string[] }[] },
): JobChange {
  const mine = direct(assignments);
  const has = (skuId: string) => mine.some((a) => a.skuId === skuId.toLowerCase());
  const adds = perUser?.addLicenses ?? req.addLicenses;
  switch (req.mode) {
    case 'add':
      return { change: { addLicenses: adds, removeLicenses: [] } };
    case 'replace': {
      const keep = new Set(adds.map((a) => a.skuId.toLowerCase()));
      return { change: { addLicenses: adds, removeLicenses: mine.map((a) => a.skuId).filter((s) => !keep.has(s)) } };
    }
    case 'remove': {
      const removeLicenses = req.removeLicenses.map((s) => s.toLowerCase()).filter(has);
      return removeLicenses.length ? { change: { addLicenses: [], removeLicenses } } : { skip: 'The user has none of these products directly.' };
    }
    case 'unassignAll':
      return mine.length ? { change: { addLicenses: [], removeLicenses: mine.map((a) => a.skuId) } } : { skip: 'The user has no directly assigned products.' };
    case 'swap': {
      const from = req.fromSkuId!.toLowerCase();
      const to = req.toSkuId!.toLowerCase();
      const current = mine.find((a) => a.skuId === from);
      if (!current) return { skip: `The user does not have ${catalog.productName(from)} directly.` };
      const toPlans = new Set(catalog.product(to)?.servicePlans.map((p) => p.servicePlanId) ?? []);
      const carried = current.disabledPlans.filter((p) => toPlans.has(p));
      const keepTarget = mine.find((a) => a.skuId === to);
      // already has B: keep B's own disabled plans rather than overwriting them
      return { change: { addLicenses: [{ skuId: to, disabledPlans: keepTarget ? keepTarget.disabledPlans : carried }], removeLicenses: [from] } };
    }
    case 'servicePlans':
      return { skip: "The catalog's job decides its changes itself (servicePlansChange)." };
  }
}

/**
 * A catalog change on one user's direct assignments: each product of the change the user has directly gets
 * its new plans in disabledPlans (when the organization keeps them off) and loses the plans the product no
 * longer has. Group paths are the groups' (their assignments change, members follow). `changed` false:
 * nothing to write for this user.
 */
export function servicePlansChange(
  changes: readonly ServicePlanChange[],
  assignments: readonly LicenseAssignment[],
  now: string,
): { next: LicenseAssignment[]; touched: string[]; changed: boolean } {
  const touched: string[] = [];
  const next = assignments.map((a) => {
    const c = a.assignedByGroup === null ? changes.find((x) => x.skuId === a.skuId) : undefined;
    if (!c) return a;
    const disabledPlans = [...new Set([...a.disabledPlans, ...c.disable])].filter((p) => !c.drop.includes(p));
    if (disabledPlans.length === a.disabledPlans.length && disabledPlans.every((p) => a.disabledPlans.includes(p))) return a;
    touched.push(a.skuId);
    return { ...a, disabledPlans, lastUpdatedDateTime: now };
  });
  return { next, touched, changed: touched.length > 0 };
}

/** Checks that a job's request names products and plans consistently with its mode (400 on failure). */
export function checkJobRequest(catalog: Catalog, req: JobRequest): Violation[] {
  const v: Violation[] = [];
  const invalid = (message: string, target: string) => v.push({ code: ErrorCodes.invalidRequest, message, target, parameters: { mode: req.mode } });
  const needAdds = req.mode === 'add' || req.mode === 'replace';
  if (needAdds && !req.addLicenses.length) invalid(`Mode ${req.mode} needs at least one product in addLicenses.`, 'addLicenses');
  if (req.mode === 'remove' && !req.removeLicenses.length) invalid('Mode remove needs at least one product in removeLicenses.', 'removeLicenses');
  if (req.mode === 'swap') {
    if (!req.fromSkuId || !req.toSkuId) invalid('Mode swap needs fromSkuId and toSkuId.', req.fromSkuId ? 'toSkuId' : 'fromSkuId');
    else if (req.fromSkuId.toLowerCase() === req.toSkuId.toLowerCase()) invalid('fromSkuId and toSkuId are the same product.', 'toSkuId');
  }
  if (!needAdds && req.addLicenses.length) invalid(`Mode ${req.mode} takes no addLicenses.`, 'addLicenses');
  if (req.mode !== 'remove' && req.removeLicenses.length) invalid(`Mode ${req.mode} takes no removeLicenses.`, 'removeLicenses');
  if (req.mode !== 'swap' && (req.fromSkuId || req.toSkuId)) invalid('fromSkuId/toSkuId only go with mode swap.', req.fromSkuId ? 'fromSkuId' : 'toSkuId');
  // a product listed twice would become two direct assignments of it
  const adds = req.addLicenses.map((a) => a.skuId.toLowerCase());
  adds.forEach((s, i) => {
    if (adds.indexOf(s) !== i) invalid(`Product ${s} is listed twice in addLicenses.`, 'addLicenses');
  });
  for (const skuId of [...req.addLicenses.map((a) => a.skuId), ...req.removeLicenses, req.fromSkuId, req.toSkuId].filter((s): s is string => !!s)) {
    if (!catalog.product(skuId))
      v.push({
        code: ErrorCodes.productNotSubscribed,
        message: `Product ${skuId} is not in the catalog (GET /v1.0/catalog/products).`,
        target: skuId,
        parameters: { skuId: skuId.toLowerCase(), mode: req.mode },
      });
  }
  return v;
}

// ---------------- CSV rows ----------------

export interface CsvRow {
  row: number;
  userPrincipalName: string;
  displayName?: string;
  usageLocation?: string;
  /** Entra ID's last sign-in, as exported from there (ISO 8601, UTC): kept on the user unless it has a later one. */
  lastSignInDateTime?: string;
  addLicenses: { skuId: string; disabledPlans: string[] }[];
}

/** An ISO 8601 date and time with a zone (Z or an offset), as Entra ID exports it; normalised to UTC. */
export function signInDate(text: string): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:?\d{2})$/i.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}

/** A cell quoted back in a message: enough to find it, never the whole of a hostile value. */
const quote = (v: string) => (v.length > 120 ? `${v.slice(0, 120)}…` : v);

/**
 * Reads one CSV record (header names are case-insensitive): userPrincipalName; licenses (or skus):
 * products by skuPartNumber or skuId separated by `;`; disabledPlans: plans by servicePlanName or id
 * separated by `;` (a plan applies to each listed product that has it); usageLocation; displayName;
 * lastSignInDateTime (Entra ID's sign-in activity, for tenants that export it; not more than a clock's skew
 * ahead of `nowMs`, the service's clock, as POST /signInEvents takes it).
 * Returns the row, or the reason it cannot be used (the row is then reported as failed, not dropped).
 */
export function readCsvRecord(
  catalog: Catalog,
  record: Record<string, string>,
  row: number,
  mode: 'add' | 'replace',
  nowMs: number,
): CsvRow | { row: number; userPrincipalName: string; error: Violation } {
  const get = (...names: string[]) => {
    for (const [k, val] of Object.entries(record)) if (names.includes(k.trim().toLowerCase())) return (val ?? '').trim();
    return '';
  };
  const upn = get('userprincipalname', 'upn');
  const fail = (message: string, target: string) => ({
    row,
    userPrincipalName: upn,
    error: { code: ErrorCodes.invalidRequest, message: `Row ${row}: ${message}`, target, parameters: { row, column: target } },
  });
  if (upn.length > MAX_UPN_LENGTH || !isUserPrincipalName(upn))
    return fail(`userPrincipalName '${quote(upn)}' must look like name@domain (at most ${MAX_UPN_LENGTH} characters).`, 'userPrincipalName');
  const products = get('licenses', 'skus', 'sku', 'products', 'skupartnumber', 'skuid')
    .split(/[;+|]/)
    .map((s) => s.trim())
    .filter(Boolean);
  const signIn = get('lastsignindatetime', 'last sign-in', 'lastsignin');
  // a row with only a sign-in date (an Entra ID export) records the date and changes no license
  if (!products.length && mode === 'add' && !signIn) return fail('no product given in the licenses column.', 'licenses');
  const resolved: ProductDefinition[] = [];
  for (const p of products) {
    const product = catalog.product(p) ?? catalog.productByPartNumber(p);
    if (!product) return fail(`unknown product '${quote(p)}'; use a skuPartNumber or skuId from GET /v1.0/catalog/products.`, 'licenses');
    if (!resolved.includes(product)) resolved.push(product); // named twice (e.g. by skuPartNumber and skuId): once
  }
  const planNames = get('disabledplans', 'disabled plans')
    .split(/[;+|]/)
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  for (const name of planNames) {
    if (!resolved.some((prod) => prod.servicePlans.some((s) => s.servicePlanId === name || s.servicePlanName.toLowerCase() === name)))
      return fail(
        `disabled plan '${quote(name)}' is not part of ${resolved.map((r) => r.skuPartNumber).join(', ') || 'the listed products'}.`,
        'disabledPlans',
      );
  }
  const usageLocation = get('usagelocation', 'usage location');
  if (usageLocation && !/^[A-Za-z]{2}$/.test(usageLocation))
    return fail(`usageLocation '${quote(usageLocation)}' must be a two-letter country code.`, 'usageLocation');
  const lastSignInDateTime = signIn ? signInDate(signIn) : undefined;
  if (signIn && !lastSignInDateTime)
    return fail(`lastSignInDateTime '${quote(signIn)}' must be an ISO 8601 date and time with a zone, like 2026-01-31T08:15:00Z.`, 'lastSignInDateTime');
  // a sign-in date only moves forward: one in the future would stay, and the user would never count as inactive
  if (lastSignInDateTime && signInInTheFuture(lastSignInDateTime, nowMs))
    return fail(
      `lastSignInDateTime '${quote(signIn)}' is in the future (the service's clock reads ${new Date(nowMs).toISOString()}; at most ${MAX_SIGN_IN_CLOCK_SKEW_MS / 60_000} minutes ahead is taken). Give the time the user last signed in, as Entra ID exports it.`,
      'lastSignInDateTime',
    );
  return {
    row,
    userPrincipalName: upn,
    displayName: get('displayname', 'display name') || undefined,
    usageLocation: usageLocation ? usageLocation.toUpperCase() : undefined,
    ...(lastSignInDateTime ? { lastSignInDateTime } : {}),
    addLicenses: resolved.map((prod) => ({
      skuId: prod.skuId,
      disabledPlans: prod.servicePlans
        .filter((s) => planNames.includes(s.servicePlanId) || planNames.includes(s.servicePlanName.toLowerCase()))
        .map((s) => s.servicePlanId),
    })),
  };
}

// ---------------- progress ----------------

export function jobProgress(total: number, counts: { succeeded: number; failed: number; skipped: number }, startedMs: number | undefined, nowMs: number) {
  const processed = counts.succeeded + counts.failed + counts.skipped;
  const percentComplete = total ? Math.min(100, Math.floor((processed / total) * 100)) : 100;
  let estimatedSecondsRemaining: number | null = null;
  if (startedMs !== undefined && processed > 0 && processed < total) {
    const perUser = (nowMs - startedMs) / processed;
    estimatedSecondsRemaining = Math.max(0, Math.ceil(((total - processed) * perUser) / 1000));
  } else if (processed >= total) estimatedSecondsRemaining = 0;
  return { processed, percentComplete, estimatedSecondsRemaining };
}
