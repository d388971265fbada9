/**
 * The catalog's products for the operator and organizations' readers: list (paged, $filter, $search,
 * $count), one product, and the operator's own products (create or replace, rename, not for sale,
 * delete while nobody holds it).
 */
import { z } from 'zod';
import { Catalog, ProductDefinition } from '../../domain/catalog';
import { searchWords } from '../../domain/searchWords';
import { AzureCloudName, soldIn } from '../../domain/clouds';
import { ApiError, ErrorCodes } from '../../errors';
import { FilterExpr, Literal, parseFilter } from '../../odata/filter';
import * as c from '../../schemas/contracts';
import { holdings } from '../../storage/subscriptions';
import { productNotFound, removeProduct } from '../../catalog/edits';
import { editOf } from './changes';
import { CatalogWriter, publishAndAnnounce } from './publishing';

export type CatalogProductView = z.infer<typeof c.catalogProduct>;

export function catalogProductView(catalog: Catalog, p: ProductDefinition): CatalogProductView {
  return {
    skuId: p.skuId,
    skuPartNumber: p.skuPartNumber,
    displayName: p.displayName,
    appliesTo: p.appliesTo,
    isSellable: p.isSellable,
    clouds: p.clouds,
    source: p.source,
    servicePlans: p.servicePlans.map((s) => ({
      servicePlanId: s.servicePlanId,
      servicePlanName: s.servicePlanName,
      displayName: s.displayName,
      appliesTo: s.appliesTo,
      conflictsWith: s.conflictsWith,
      dependsOn: s.dependsOn,
      isAutoAssigned: s.isAutoAssigned,
      notOfferedIn: s.notOfferedIn,
      apps: catalog.rules(s.servicePlanId).apps,
      addedDateTime: s.addedDateTime,
    })),
  };
}

// ---------------- $filter and $search, on the snapshot in memory ----------------

const unsupported = (what: string) =>
  new ApiError(
    400,
    'Request_UnsupportedQuery',
    `${what} is not supported on the catalog. It takes skuPartNumber (eq, ne, in, startswith), skuId (eq, in), displayName (eq, startswith), isSellable (eq), source (eq) and servicePlans/any(x:x/servicePlanId eq {guid}) or servicePlanName, with and, or, not.`,
    '$filter',
  );

const text = (l: Literal) => (l.kind === 'string' || l.kind === 'guid' ? l.value.toLowerCase() : l.kind === 'boolean' ? l.value : undefined);

function field(p: ProductDefinition, property: string): string | boolean {
  switch (property) {
    case 'skuPartNumber':
      return p.skuPartNumber.toLowerCase();
    case 'skuId':
      return p.skuId;
    case 'displayName':
      return p.displayName.toLowerCase();
    case 'isSellable':
      return p.isSellable;
    case 'source':
      return p.source;
    default:
      throw unsupported(`Filtering on '${property}'`);
  }
}

function matches(p: ProductDefinition, e: FilterExpr): boolean {
  switch (e.kind) {
    case 'and':
      return matches(p, e.left) && matches(p, e.right);
    case 'or':
      return matches(p, e.left) || matches(p, e.right);
    case 'not':
      return !matches(p, e.expr);
    case 'compare':
      if (e.op !== 'eq' && e.op !== 'ne') throw unsupported(`'${e.op}'`);
      return (field(p, e.property) === text(e.value)) === (e.op === 'eq');
    case 'in':
      return e.values.map(text).includes(field(p, e.property));
    case 'startswith': {
      const v = field(p, e.property);
      if (typeof v !== 'string' || e.property === 'isSellable') throw unsupported(`startswith on '${e.property}'`);
      return v.startsWith(e.value.toLowerCase());
    }
    case 'any': {
      if (e.collection !== 'servicePlans' || e.op !== 'eq' || !['servicePlanId', 'servicePlanName'].includes(e.property))
        throw unsupported(`'${e.collection}/any(x:x/${e.property} ${e.op} ...)'`);
      const want = text(e.value);
      return p.servicePlans.some((s) => (e.property === 'servicePlanId' ? s.servicePlanId : s.servicePlanName.toLowerCase()) === want);
    }
    case 'count':
      throw unsupported(`'${e.collection}/$count'`);
  }
}

/** `$search`: a word of the product's name, or its part number, starts with the text ("displayName:x" and quotes allowed). */
function searchOf(textValue: string): (p: ProductDefinition) => boolean {
  const t = textValue
    .trim()
    .replace(/^"(.*)"$/, '$1')
    .replace(/^(displayName|skuPartNumber):/i, '')
    .trim()
    .toLowerCase();
  if (!t) throw new ApiError(400, 'BadRequest', 'The $search text is empty.', '$search');
  return (p) =>
    p.displayName.toLowerCase().startsWith(t) || p.skuPartNumber.toLowerCase().startsWith(t) || searchWords(p.displayName).some((w) => w.startsWith(t));
}

/** Where a page continues: the $skiptoken of the page before carries the last skuId it had. */
function afterOf(skipToken: string): string {
  let after: unknown;
  try {
    after = (JSON.parse(skipToken) as { after?: unknown }).after;
  } catch {
    after = undefined;
  }
  if (typeof after !== 'string')
    throw new ApiError(400, ErrorCodes.invalidRequest, 'The $skiptoken is not valid. Use the @odata.nextLink of the previous page as it is.', '$skiptoken');
  return after;
}

/**
 * A page of the catalog's products, by skuId; the next page continues after the last skuId (stable while
 * versions change). `soldInCloud`: an organization's readers see the products sold in the deployment's
 * cloud ([Sovereign clouds]); the operator sees every product.
 */
export function listCatalogProducts(catalog: Catalog, q: z.infer<typeof c.catalogProductsQuery>, skipToken: string | undefined, soldInCloud?: AzureCloudName) {
  const filter = q.$filter ? parseFilter(q.$filter) : undefined;
  const search = q.$search !== undefined ? searchOf(q.$search) : undefined;
  const all = catalog.all().filter((p) => (!soldInCloud || soldIn(p.clouds, soldInCloud)) && (!filter || matches(p, filter)) && (!search || search(p)));
  const after = skipToken ? afterOf(skipToken) : undefined;
  const top = q.$top ?? 100;
  const from = after === undefined ? 0 : all.findIndex((p) => p.skuId > after);
  const page = from < 0 ? [] : all.slice(from, from + top);
  const more = from >= 0 && from + top < all.length;
  return {
    items: page.map((p) => catalogProductView(catalog, p)),
    continuationToken: more ? JSON.stringify({ after: page[page.length - 1].skuId }) : undefined,
    count: q.$count ? all.length : undefined,
  };
}

export function getCatalogProduct(catalog: Catalog, skuId: string): CatalogProductView {
  const p = catalog.product(skuId);
  if (!p) throw productNotFound(skuId);
  return catalogProductView(catalog, p);
}

// ---------------- the operator's own products ----------------

export async function putCatalogProduct(w: CatalogWriter, skuId: string, body: z.infer<typeof c.putProductBody>) {
  const outcome = await publishAndAnnounce(w, 'putProduct', editOf({ operation: 'putProduct', skuId, body }));
  return { outcome, product: getCatalogProduct(outcome.catalog, skuId), created: !outcome.previous.product(skuId) };
}

export async function patchCatalogProduct(w: CatalogWriter, skuId: string, body: z.infer<typeof c.patchProductBody>) {
  const outcome = await publishAndAnnounce(w, 'patchProduct', editOf({ operation: 'patchProduct', skuId, body }));
  return getCatalogProduct(outcome.catalog, skuId);
}

/** Refused while any organization holds a subscription to the product (its users would lose what it is). */
export async function deleteCatalogProduct(w: CatalogWriter, skuId: string) {
  if (!w.catalog.product(skuId)) throw productNotFound(skuId);
  const held = await holdings(skuId);
  if (held.length)
    throw new ApiError(
      409,
      'productHeld',
      `${w.catalog.productName(skuId)} is held by ${held.length} organization${held.length === 1 ? '' : 's'}, so it cannot leave the catalog. Mark it not for sale instead (PATCH /v1.0/catalog/products/${skuId.toLowerCase()} with {"isSellable": false}): no new purchases, and the organizations that have it keep it; delete it once no organization holds it.`,
      skuId.toLowerCase(),
    );
  await publishAndAnnounce(w, 'deleteProduct', (current) => removeProduct(current.content, skuId));
}
