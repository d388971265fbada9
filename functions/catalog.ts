/**
 * The product catalog: the operator's data (its app token writes it, as for /tenants), read by the
 * operator and by organizations' readers. Every change is a new version (GET /catalog/versions).
 */
import { app, InvocationContext, Timer } from '@azure/functions';
import { catalogCache } from '../shared/catalog/cache';
import { settings } from '../shared/config';
import { log } from '../shared/log';
import { QUEUES } from '../shared/storage/queues';
import { announceUnannounced, processCatalogChange } from '../shared/usecases/catalog/planChanges';
import { announceScheduled, applyDueCatalogChanges, cancelScheduled, scheduleChange, upcomingChanges } from '../shared/usecases/catalog/scheduled';
import { RequestContext, route } from '../shared/http/pipeline';
import { CatalogChangeInput } from '../shared/usecases/catalog/changes';
import { collectionResult, paging } from '../shared/http/paging';
import * as c from '../shared/schemas/contracts';
import { deleteCatalogProduct, getCatalogProduct, listCatalogProducts, patchCatalogProduct, putCatalogProduct } from '../shared/usecases/catalog/products';
import { applyRulesDocument, patchPlanRules } from '../shared/usecases/catalog/rules';
import { catalogState, getCatalogVersion, listCatalogVersions } from '../shared/usecases/catalog/versions';
import { changeResult } from '../shared/usecases/catalog/results';
import { importMicrosoftTable } from '../shared/usecases/catalog/importTable';
import { MAX_TABLE_BYTES, MICROSOFT_TABLE_PAGE } from '../shared/catalog/microsoftTable';
import { boundedBody } from '../shared/http/body';
import { ApiError, ErrorCodes } from '../shared/errors';

const TAG = 'Catalog';

/** A change given an effectiveDateTime in the future is scheduled (202, where to find it); otherwise it publishes now. */
const later = (effectiveDateTime: string | undefined) => !!effectiveDateTime && Date.parse(effectiveDateTime) > Date.now();
const scheduled = async (ctx: RequestContext<unknown, unknown, unknown>, input: CatalogChangeInput, effectiveDateTime: string) => {
  const change = await scheduleChange(ctx, input, effectiveDateTime);
  return {
    status: 202,
    body: change,
    headers: { Location: `${ctx.url.origin}${ctx.url.pathname.replace(/\/catalog\/.*$/, '')}/catalog/upcomingChanges/${change.id}` },
  };
};

route({
  name: 'getCatalog',
  method: 'GET',
  route: 'v1.0/catalog',
  tag: TAG,
  summary: 'The catalog version in force (who published it, when, how many products and plans), and the version the answering instance uses',
  auth: 'tenantOrOperator',
  permission: 'read',
  response: c.catalogState,
  handler: async (ctx) => ({ body: await catalogState(ctx.catalog) }),
});

route({
  name: 'listCatalogProducts',
  method: 'GET',
  route: 'v1.0/catalog/products',
  tag: TAG,
  summary:
    "The products with their service plans and the plans' rules (an organization's readers: those sold in this deployment's cloud; the operator: all), by skuId, paged ($top, @odata.nextLink); $filter on skuPartNumber (and skuId, displayName, isSellable, source, servicePlans), $search on names, $count",
  auth: 'tenantOrOperator',
  permission: 'read',
  query: c.catalogProductsQuery,
  response: c.collection(c.catalogProduct),
  handler: async (ctx) => {
    const [, token] = paging(ctx.query);
    // an organization's readers: what is sold in this deployment's cloud; the operator: every product
    const page = listCatalogProducts(ctx.catalog, ctx.query, token, ctx.tenant ? settings().AZURE_CLOUD : undefined);
    return collectionResult(ctx.url, page.items, page.continuationToken, page.count);
  },
});

route({
  name: 'getCatalogProduct',
  method: 'GET',
  route: 'v1.0/catalog/products/{skuId}',
  tag: TAG,
  summary: 'One product of the catalog with its service plans and their rules',
  auth: 'tenantOrOperator',
  permission: 'read',
  params: c.catalogProductParam,
  response: c.catalogProduct,
  handler: async (ctx) => ({ body: getCatalogProduct(ctx.catalog, ctx.params.skuId) }),
});

route({
  name: 'putCatalogProduct',
  method: 'PUT',
  route: 'v1.0/catalog/products/{skuId}',
  tag: TAG,
  summary:
    "Create or replace one of the operator's own products with its service plans (201 when new). Plans new to an existing product reach the organizations that hold it (their license settings decide whether they start on or off)",
  auth: 'operator',
  permission: 'manageTenants',
  params: c.catalogProductParam,
  query: c.scheduleQuery,
  body: c.putProductBody,
  response: c.catalogProduct,
  handler: async (ctx) => {
    if (later(ctx.query.effectiveDateTime))
      return scheduled(ctx, { operation: 'putProduct', skuId: ctx.params.skuId, body: ctx.body }, ctx.query.effectiveDateTime!);
    const { product, created } = await putCatalogProduct(ctx, ctx.params.skuId, ctx.body);
    return { status: created ? 201 : 200, body: product };
  },
});

route({
  name: 'patchCatalogProduct',
  method: 'PATCH',
  route: 'v1.0/catalog/products/{skuId}',
  tag: TAG,
  summary: 'Rename a product, or mark it not for sale (isSellable false: no new purchases, 409 with the reason; existing subscriptions keep working)',
  auth: 'operator',
  permission: 'manageTenants',
  params: c.catalogProductParam,
  query: c.scheduleQuery,
  body: c.patchProductBody,
  response: c.catalogProduct,
  handler: async (ctx) =>
    later(ctx.query.effectiveDateTime)
      ? scheduled(ctx, { operation: 'patchProduct', skuId: ctx.params.skuId, body: ctx.body }, ctx.query.effectiveDateTime!)
      : { body: await patchCatalogProduct(ctx, ctx.params.skuId, ctx.body) },
});

route({
  name: 'deleteCatalogProduct',
  method: 'DELETE',
  route: 'v1.0/catalog/products/{skuId}',
  tag: TAG,
  summary: 'Remove a product from the catalog; refused (409 productHeld) while any organization holds a subscription to it',
  auth: 'operator',
  permission: 'manageTenants',
  params: c.catalogProductParam,
  status: 204,
  handler: async (ctx) => {
    await deleteCatalogProduct(ctx, ctx.params.skuId);
    return { status: 204 };
  },
});

route({
  name: 'importCatalog',
  method: 'POST',
  route: 'v1.0/catalog/import',
  tag: TAG,
  summary: `Import Microsoft's table "Product names and service plan identifiers for licensing.csv" as published (${MICROSOFT_TABLE_PAGE}), Content-Type text/csv, up to 8 MiB. Default: merge (add and update, never remove); mode=replace also removes Microsoft's products the file lacks; dryRun answers what would change. The same file again makes no new version. A file that is not the table: 400 invalidCatalogFile, nothing changed`,
  auth: 'operator',
  permission: 'manageTenants',
  query: c.importCatalogQuery,
  rawBody: {
    contentType: 'text/csv',
    description:
      'Microsoft\'s "Product names and service plan identifiers for licensing.csv" as downloaded: columns Product_Display_Name, String_Id, GUID, Service_Plan_Name, Service_Plan_Id, Service_Plans_Included_Friendly_Names; one row per product and plan',
  },
  response: c.catalogImportResult,
  handler: async (ctx) => {
    const type = ctx.request.headers.get('content-type') ?? '';
    if (!/^(text\/csv|application\/csv|text\/plain|application\/vnd\.ms-excel)\b/i.test(type))
      throw new ApiError(
        415,
        ErrorCodes.unsupportedMediaType,
        `Send Microsoft's table as it was downloaded, with Content-Type: text/csv (got ${type || 'none'}).`,
        'Content-Type',
      );
    const result = await importMicrosoftTable(ctx, boundedBody(ctx.request, MAX_TABLE_BYTES), { mode: ctx.query.mode, dryRun: ctx.query.dryRun ?? false });
    // a new version: 201 with where its record is; no change (or a dry run): 200
    return result.published
      ? { status: 201, body: result, headers: { Location: `${ctx.url.origin}${ctx.url.pathname.replace(/\/import\/?$/, '')}/versions/${result.version}` } }
      : { body: result };
  },
});

route({
  name: 'patchServicePlanRules',
  method: 'PATCH',
  route: 'v1.0/catalog/servicePlans/{servicePlanId}',
  tag: TAG,
  summary:
    "Set a service plan's rules (conflictsWith, dependsOn, notOfferedIn, isAutoAssigned, apps): the fields given change, the others stay; a plan named that the catalog lacks is a 400 saying which",
  auth: 'operator',
  permission: 'manageTenants',
  params: c.servicePlanParam,
  query: c.scheduleQuery,
  body: c.patchPlanRulesBody,
  response: c.planRules,
  handler: async (ctx) =>
    later(ctx.query.effectiveDateTime)
      ? scheduled(ctx, { operation: 'servicePlanRules', servicePlanId: ctx.params.servicePlanId, body: ctx.body }, ctx.query.effectiveDateTime!)
      : { body: (await patchPlanRules(ctx, ctx.params.servicePlanId, ctx.body)).rules },
});

route({
  name: 'postCatalogRules',
  method: 'POST',
  route: 'v1.0/catalog/rules',
  tag: TAG,
  summary:
    "A rules document: { servicePlans: [{ servicePlanId, conflictsWith, dependsOn, notOfferedIn, isAutoAssigned, apps }] } sets each listed plan's rules to exactly that; any plan it names that the catalog lacks is a 400 listing them, and nothing changes",
  auth: 'operator',
  permission: 'manageTenants',
  query: c.scheduleQuery,
  body: c.rulesDocument,
  response: c.catalogChangeResult,
  handler: async (ctx) =>
    later(ctx.query.effectiveDateTime)
      ? scheduled(ctx, { operation: 'rules', body: ctx.body }, ctx.query.effectiveDateTime!)
      : { body: changeResult(await applyRulesDocument(ctx, ctx.body), false) },
});

route({
  name: 'listCatalogVersions',
  method: 'GET',
  route: 'v1.0/catalog/versions',
  tag: TAG,
  summary: 'Catalog versions, newest first: number, time, who published it and a summary of what changed',
  auth: 'tenantOrOperator',
  permission: 'read',
  query: c.pageQuery,
  response: c.collection(c.catalogVersion),
  handler: async (ctx) => {
    const page = await listCatalogVersions(...paging(ctx.query));
    return collectionResult(ctx.url, page.items, page.continuationToken);
  },
});

route({
  name: 'getCatalogVersion',
  method: 'GET',
  route: 'v1.0/catalog/versions/{version}',
  tag: TAG,
  summary: 'One catalog version and what it changed: products added, removed, renamed, plans added to and removed from products, rules changed',
  auth: 'tenantOrOperator',
  permission: 'read',
  params: c.catalogVersionParam,
  response: c.catalogVersion,
  handler: async (ctx) => ({ body: await getCatalogVersion(ctx.params.version) }),
});

route({
  name: 'listUpcomingCatalogChanges',
  method: 'GET',
  route: 'v1.0/catalog/upcomingChanges',
  tag: TAG,
  summary:
    'Catalog changes announced with a future effectiveDateTime and not yet in force, soonest first: for an organization, those that touch the products it holds (what they change there); for the operator, all',
  auth: 'tenantOrOperator',
  permission: 'read',
  response: c.collection(c.catalogScheduledChange),
  handler: async (ctx) => collectionResult(ctx.url, await upcomingChanges(ctx.catalog, ctx.tenant?.id)),
});

route({
  name: 'cancelUpcomingCatalogChange',
  method: 'DELETE',
  route: 'v1.0/catalog/upcomingChanges/{id}',
  tag: TAG,
  summary: 'Take back a scheduled catalog change before it is in force (409 once it is being applied or applied)',
  auth: 'operator',
  permission: 'manageTenants',
  params: c.scheduledChangeParam,
  response: c.catalogScheduledChange,
  handler: async (ctx) => ({ body: await cancelScheduled(ctx.params.id) }),
});

// ---------------- on the queue and the timer ----------------

app.storageQueue('processCatalogChange', {
  queueName: QUEUES.catalogChanges,
  connection: 'AzureWebJobsStorage',
  handler: async (message, context) => {
    const parsed = c.catalogChangeMessage.safeParse(message);
    if (!parsed.success) {
      log.error('malformed catalog change message dropped', { invocationId: context.invocationId });
      return;
    }
    const m = parsed.data;
    const catalog = await catalogCache(settings()).current();
    if (m.kind === 'scheduled') await announceScheduled(m.id, catalog);
    else await processCatalogChange(m, catalog);
    log.info('catalog change', {
      kind: m.kind,
      ...(m.kind === 'scheduled' ? { id: m.id } : { version: m.version }),
      ...(m.kind === 'tenant' ? { tenantId: m.tenantId } : {}),
    });
  },
});

app.timer('catalogTimer', {
  schedule: '%CATALOG_SCHEDULE%',
  handler: async (_timer: Timer, context: InvocationContext) => {
    const applied = await applyDueCatalogChanges(new Date());
    const announced = await announceUnannounced();
    if (applied.length || announced) log.info('catalog timer', { invocationId: context.invocationId, applied, announced });
  },
});
