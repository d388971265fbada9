/** The product catalog: products, their service plans and the plans' rules, versions, Microsoft's table imported. */
import { z } from 'zod';
import { countryCode, flag, guid, odataOption, pageQuery } from './common';

/** Plans in one product: Microsoft's largest has well under 200. */
export const MAX_PLANS_PER_PRODUCT = 500;
/** Entries in one rules document. */
export const MAX_RULES_PER_DOCUMENT = 10_000;

const appliesTo = z.enum(['User', 'Company']);
const cloud = z.enum(['AzureCloud', 'AzureUSGovernment', 'AzureChinaCloud']);
const name = (max: number) => z.string().trim().min(1).max(max);
const appName = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/, { error: 'must be an app name of up to 64 letters, digits, spaces, dots, dashes or underscores, like Teams' });
const planIds = z.array(guid).max(100);

export const catalogServicePlan = z.object({
  servicePlanId: z.string(),
  servicePlanName: z.string(),
  displayName: z.string(),
  appliesTo: z.string(),
  conflictsWith: z.array(z.string()).describe('servicePlanIds that cannot be enabled together with this plan'),
  dependsOn: z.array(z.string()).describe('this plan needs one of these servicePlanIds enabled'),
  isAutoAssigned: z.boolean().describe('comes with the product on its own; it can still be switched off through disabledPlans'),
  notOfferedIn: z.array(z.string()).describe('usage locations where the plan is not offered'),
  apps: z.array(z.string()).describe('apps this plan gives, for auto-claim (Teams)'),
  addedDateTime: z.string().nullable().describe('when the plan was added to the product (null: it came with the product)'),
});

export const catalogProduct = z.object({
  skuId: z.string(),
  skuPartNumber: z.string(),
  displayName: z.string(),
  appliesTo: z.string(),
  isSellable: z.boolean().describe('false: no new purchases (existing subscriptions keep working)'),
  clouds: z.array(z.string()).describe('where the product is sold: AzureCloud, AzureUSGovernment, AzureChinaCloud'),
  source: z.enum(['microsoft', 'operator']).describe("microsoft: from Microsoft's table (a replace import may remove it); operator: the operator's own"),
  servicePlans: z.array(catalogServicePlan),
});

export const catalogProductParam = z.strictObject({ skuId: guid });
export const servicePlanParam = z.strictObject({ servicePlanId: guid });
export const catalogVersionParam = z.strictObject({ version: z.coerce.number().int().min(1).max(1_000_000_000) });

export const catalogProductsQuery = pageQuery.extend({
  $filter: odataOption.$filter
    .describe(
      "skuPartNumber eq|ne 'X', startswith(skuPartNumber, 'X'), skuPartNumber in ('X','Y'); skuId eq {guid}; displayName eq|startswith; isSellable eq true|false; source eq 'microsoft'|'operator'; servicePlans/any(x:x/servicePlanId eq {guid}), servicePlans/any(x:x/servicePlanName eq 'X'); and, or, not. Text compares case-insensitively",
    )
    .optional(),
  $search: odataOption.$search.describe('a word (or the start of one) of the product name or its part number; "displayName:..." works too').optional(),
  $count: odataOption.$count.describe('true adds @odata.count: every product that matches').optional(),
});

export const putProductBody = z.strictObject({
  skuPartNumber: name(128),
  displayName: name(256),
  appliesTo: appliesTo.optional(),
  isSellable: z.boolean().optional(),
  clouds: z.array(cloud).min(1).max(3).optional(),
  servicePlans: z
    .array(
      z.strictObject({
        servicePlanId: guid,
        servicePlanName: name(128),
        displayName: name(256),
        appliesTo: appliesTo.optional(),
      }),
    )
    .min(1, { error: 'a product has at least one service plan' })
    .max(MAX_PLANS_PER_PRODUCT)
    .refine((plans) => new Set(plans.map((p) => p.servicePlanId.toLowerCase())).size === plans.length, { error: 'a service plan is listed twice' }),
});

export const patchProductBody = z
  .strictObject({
    displayName: name(256).optional(),
    isSellable: z.boolean().optional().describe('false: no new purchases (409 with the reason); existing subscriptions keep working'),
  })
  .refine((b) => b.displayName !== undefined || b.isSellable !== undefined, { error: 'give displayName or isSellable', path: ['displayName'] });

const rulesFields = {
  conflictsWith: planIds.optional().describe('plans that cannot be enabled for the same user together with this one'),
  dependsOn: planIds.optional().describe('this plan needs one of these enabled for the user (in any product)'),
  notOfferedIn: z.array(countryCode).max(250).optional().describe('two-letter usage locations where the plan is not offered'),
  isAutoAssigned: z.boolean().optional().describe('comes with the product on its own (information; it can still be switched off)'),
  apps: z.array(appName).max(20).optional().describe('apps this plan gives, for auto-claim (Teams)'),
};

export const patchPlanRulesBody = z.strictObject(rulesFields).refine((b) => Object.values(b).some((v) => v !== undefined), {
  error: 'give at least one of conflictsWith, dependsOn, notOfferedIn, isAutoAssigned, apps',
  path: ['conflictsWith'],
});

export const rulesDocument = z.strictObject({
  servicePlans: z
    .array(
      z.strictObject({
        servicePlanId: guid,
        description: z.string().max(4000).optional().describe('free text for whoever reads the document (why the rule is there); not stored'),
        ...rulesFields,
      }),
    )
    .max(MAX_RULES_PER_DOCUMENT)
    .refine((rules) => new Set(rules.map((r) => r.servicePlanId.toLowerCase())).size === rules.length, { error: 'a service plan is listed twice' }),
});

export const planRules = z.object({
  servicePlanId: z.string(),
  conflictsWith: z.array(z.string()),
  dependsOn: z.array(z.string()),
  notOfferedIn: z.array(z.string()),
  isAutoAssigned: z.boolean(),
  apps: z.array(z.string()),
});

const productRef = z.object({ skuId: z.string(), skuPartNumber: z.string(), displayName: z.string() });
const planRef = z.object({ servicePlanId: z.string(), servicePlanName: z.string(), displayName: z.string() });

export const changeSummary = z.object({
  productsAdded: z.number(),
  productsRemoved: z.number(),
  productsRenamed: z.number(),
  productsChanged: z.number(),
  plansAdded: z.number().describe('plans added to products that were already there'),
  plansRemoved: z.number(),
  plansRenamed: z.number(),
  rulesChanged: z.number(),
});

const rulesShape = planRules.omit({ servicePlanId: true });

export const catalogChanges = z.object({
  productsAdded: z.array(productRef.extend({ servicePlanCount: z.number() })),
  productsRemoved: z.array(productRef),
  productsChanged: z.array(
    productRef.extend({
      renamedFrom: z.object({ skuPartNumber: z.string(), displayName: z.string() }).optional(),
      plansAdded: z.array(planRef),
      plansRemoved: z.array(planRef),
      plansRenamed: z.array(planRef.extend({ from: z.object({ servicePlanName: z.string(), displayName: z.string() }) })),
      fields: z.array(z.string()),
    }),
  ),
  rulesChanged: z.array(z.object({ servicePlanId: z.string(), before: rulesShape, after: rulesShape })),
});

const publisher = z.object({ id: z.string(), displayName: z.string() });

export const catalogVersion = z.object({
  version: z.number(),
  publishedDateTime: z.string(),
  publishedBy: publisher,
  operation: z.string().describe('what published it: import, rules, servicePlanRules, putProduct, patchProduct, deleteProduct'),
  summary: changeSummary,
  changes: catalogChanges.optional().describe('GET /catalog/versions/{n} only'),
});

/** What a change to the catalog did: the version in force, and what changed (nothing: no new version). */
export const catalogChangeResult = z.object({
  published: z.boolean().describe('a new version was written (false: nothing changed, or a dry run)'),
  dryRun: z.boolean(),
  version: z.number().describe('the version in force after the call'),
  previousVersion: z.number(),
  summary: changeSummary,
  changes: catalogChanges,
});

export const importCatalogQuery = z.strictObject({
  dryRun: flag.optional().describe('answer what would change; nothing is written'),
  mode: z
    .enum(['merge', 'replace'], { error: "must be 'merge' (add and update, never remove) or 'replace' (also remove what the file lacks)" })
    .default('merge')
    .describe(
      "merge (default): add and update, never remove; replace: also remove Microsoft's products and plans the file lacks (the operator's own products and products organizations hold stay)",
    ),
});

export const tableNote = z.object({ code: z.string(), message: z.string(), count: z.number(), examples: z.array(z.string()) });

export const catalogImportResult = catalogChangeResult.extend({
  mode: z.enum(['merge', 'replace']),
  file: z.object({
    rows: z.number().describe('data rows read'),
    products: z.number(),
    servicePlans: z.number().describe('distinct plans'),
    notes: z.array(tableNote).describe('what the reader tidied (duplicate rows, trimmed ids, names that vary...), with a count and examples'),
  }),
  keptBecauseHeld: z
    .array(productRef)
    .describe('products a replace would remove that organizations hold: kept; mark them not for sale (PATCH isSellable false)'),
});

export const catalogState = z.object({
  version: z.number().describe('the version in force (0: nothing published yet)'),
  publishedDateTime: z.string().nullable(),
  publishedBy: publisher.nullable(),
  products: z.number(),
  servicePlans: z.number(),
  instance: z
    .object({
      version: z.number(),
      checks: z.number().describe('head reads this instance made'),
      loads: z.number().describe('versions this instance loaded'),
      lastCheckedDateTime: z.string().nullable(),
      refreshSeconds: z.number().describe('an instance checks for a new version at most this often; every instance uses a new one within this bound'),
    })
    .describe('the instance that answered: the version it uses'),
});

// ---------------- what a catalog change does to an organization ----------------

export const newServicePlans = z
  .enum(['enabled', 'disabled'], { error: "must be 'enabled' (new plans on, Microsoft's behaviour) or 'disabled' (new plans off until switched on)" })
  .describe(
    "what a service plan the catalog adds to a product the organization holds does: enabled (default, Microsoft's behaviour): on for every holder; disabled: added to the disabled plans of every direct and group assignment of the product",
  );

export const licenseSettings = z.object({
  newServicePlans,
  lastModifiedDateTime: z.string().nullable(),
  lastModifiedBy: z.object({ id: z.string(), displayName: z.string() }).nullable(),
});

export const updateLicenseSettingsBody = z.strictObject({ newServicePlans });

/** The catalog-changes queue: a version whose products gained or lost plans, then each organization holding them. */
export const catalogChangeMessage = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('version'), version: z.number().int().min(1) }),
  z.strictObject({ kind: z.literal('tenant'), version: z.number().int().min(1), tenantId: guid }),
  z.strictObject({ kind: z.literal('scheduled'), id: guid }),
]);

/** A change the operator asks to take effect later: announced now, applied when due by the catalog timer. */
export const scheduleQuery = z.strictObject({
  effectiveDateTime: z.iso
    .datetime({ offset: true, error: 'must be an ISO 8601 date and time, like 2026-12-01T00:00:00Z' })
    .transform((d) => new Date(d).toISOString())
    .optional()
    .describe(
      'when the change takes effect: in the future, it is announced now (catalogChangeScheduled, GET /catalog/upcomingChanges) and applied then (answer 202); absent or past, now',
    ),
});

export const catalogScheduledChange = z.object({
  id: z.string(),
  status: z.enum(['scheduled', 'applying', 'applied', 'failed', 'cancelled']),
  effectiveDateTime: z.string(),
  operation: z.string(),
  scheduledDateTime: z.string(),
  scheduledBy: publisher.nullable().describe("the operator's app (organizations see null)"),
  basedOnVersion: z.number().describe('the version what it changes was measured against'),
  summary: changeSummary,
  changes: catalogChanges.describe('what it changes (an organization sees what touches its products)'),
  appliedVersion: z.number().nullable(),
  error: z.string().nullable(),
});

export const scheduledChangeParam = z.strictObject({ id: guid });
