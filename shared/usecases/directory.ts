/**
 * Use-cases for the organization and its subscriptions (the commerce side); its users are in users.ts.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { Catalog, ProductDefinition } from '../domain/catalog';
import { CLOUDS, cloudServing, soldIn } from '../domain/clouds';
import { settings } from '../config';
import { checkSubscriptionChange, checkTakeOver } from '../domain/subscriptions';
import { firstLifecycleDate } from '../domain/reconciliation';
import { ApiError, badRequest, ErrorCodes, notFound, ruleViolation } from '../errors';
import * as c from '../schemas/contracts';
import { SubscriptionDoc, TenantDoc, UserDoc } from '../storage/documents';
import { subscriptionId, subscriptions } from '../storage/subscriptions';
import { tenants } from '../storage/tenants';
import { users } from '../storage/users';
import { applyChanges, DecideContext, decideDirect, forRules, precountedSeats } from '../licensing';
import { seatLimit } from '../domain/licensing';
import { Principal } from '../domain/roles';
import { log } from '../log';
import { checkIfMatch, parseIfMatch } from '../http/etag';

type IfMatch = ReturnType<typeof parseIfMatch>;

export async function createTenant(body: z.infer<typeof c.createTenantBody>): Promise<TenantDoc> {
  const id = (body.id ?? randomUUID()).toLowerCase();
  const here = settings().AZURE_CLOUD;
  // an organization lives in one cloud: this deployment sets up the organizations of its own
  if (body.cloud && !CLOUDS[here].organizationClouds.includes(body.cloud))
    throw new ApiError(
      409,
      ErrorCodes.cloudNotServed,
      `This deployment is in ${CLOUDS[here].displayName} (AZURE_CLOUD=${here}) and sets up organizations of ${CLOUDS[here].organizationClouds.join(' or ')}; an organization in ${body.cloud} is set up by the deployment in ${cloudServing(body.cloud)}.`,
      'cloud',
    );
  return tenants.create({
    id,
    tenantId: id,
    type: 'tenant',
    displayName: body.displayName,
    defaultUsageLocation: body.defaultUsageLocation ?? null,
    cloud: body.cloud ?? CLOUDS[here].organizationClouds[0],
    createdDateTime: new Date().toISOString(),
  });
}

/** The products an organization in this deployment can buy: those the catalog sells in its cloud. */
/** What can be bought here: the catalog's products for sale and sold in the deployment's cloud. */
export const productsOnOffer = (catalog: Catalog): ProductDefinition[] => catalog.all().filter((p) => p.isSellable && soldIn(p.clouds, settings().AZURE_CLOUD));

// ---------------- subscriptions ----------------

/** Who buys: the caller, for the rules and the audit record of a self-service buyer's license. */
export interface Buyer {
  principal: Principal;
  requestId: string;
}

export async function createSubscription(
  catalog: Catalog,
  tenantId: string,
  body: z.infer<typeof c.createSubscriptionBody>,
  buyer?: Buyer,
): Promise<SubscriptionDoc> {
  const product = body.skuId ? catalog.product(body.skuId) : catalog.productByPartNumber(body.skuPartNumber!);
  const onOffer = () =>
    productsOnOffer(catalog)
      .map((p) => `${p.skuPartNumber} (${p.skuId})`)
      .join(', ') || 'none';
  if (!product) {
    const offer = productsOnOffer(catalog);
    throw badRequest(
      `Unknown product ${body.skuId ?? body.skuPartNumber}. ${offer.length > 10 ? `Find it in GET /v1.0/catalog/products ($filter on skuPartNumber, $search on its name): ${offer.length} products are on offer` : `Products on offer: ${onOffer()}`}.`,
      body.skuId ? 'skuId' : 'skuPartNumber',
    );
  }
  const here = settings().AZURE_CLOUD;
  if (!soldIn(product.clouds, here))
    throw ruleViolation([
      {
        code: ErrorCodes.productNotSoldInCloud,
        message: `${product.displayName} (${product.skuPartNumber}) is not sold in ${CLOUDS[here].displayName}, where this deployment is (AZURE_CLOUD=${here}): it is sold in ${(product.clouds?.length ? product.clouds : ['AzureCloud']).join(', ')}. Products on offer here: ${productsOnOffer(catalog).length > 10 ? 'GET /v1.0/catalog/products' : onOffer()}.`,
        target: body.skuId ? 'skuId' : 'skuPartNumber',
        parameters: { skuId: product.skuId },
      },
    ]);
  if (!product.isSellable)
    throw new ApiError(
      409,
      'productNotForSale',
      `${product.displayName} (${product.skuPartNumber}) is no longer for sale: the catalog marks it not for sale, so it cannot be bought. Organizations that have it keep it; pick another product from GET /v1.0/catalog/products.`,
      body.skuId ? 'skuId' : 'skuPartNumber',
    );
  const owner = body.ownerUserId ? await users.get(tenantId, body.ownerUserId) : undefined;
  if (body.ownerUserId && !owner) throw badRequest(`User '${body.ownerUserId}' does not exist in this organization.`, 'ownerUserId');
  const now = new Date().toISOString();
  const selfService = body.purchaseChannel === 'selfService';
  // a self-service buyer gets the product: the same rules as any assignment (guests, usage location,
  // plans offered there, conflicts), checked before anything is bought
  if (selfService && owner) await checkBuyerLicense(catalog, tenantId, owner, product.skuId, body.totalLicenses, buyer, now);
  const doc: SubscriptionDoc = {
    id: subscriptionId(tenantId, product.skuId),
    tenantId,
    type: 'subscription',
    skuId: product.skuId,
    skuPartNumber: product.skuPartNumber,
    capabilityStatus: 'Enabled',
    totalLicenses: body.totalLicenses,
    purchaseChannel: body.purchaseChannel,
    ownerId: owner?.id ?? null,
    createdDateTime: now,
    takenOverDateTime: null,
    // the end of the first term: the reconciliation moves the subscription on from this date (the commerce side may set another)
    nextLifecycleDateTime: firstLifecycleDate(now),
    ...(body.unitPrice ? { unitPrice: body.unitPrice } : {}),
    // a self-service buyer holds one seat of their purchase from the start
    seat: {
      consumed: selfService && owner ? 1 : 0,
      limit: seatLimit({ capabilityStatus: 'Enabled', purchaseChannel: body.purchaseChannel, totalLicenses: body.totalLicenses }),
      gen: 0,
      holds: {},
    },
  };
  const created = (await buyAgainIfDeleted(catalog, doc)) ?? (await subscriptions.create(doc));
  if (selfService && owner) await giveBuyerLicense(catalog, tenantId, owner.id, product.skuId, buyer!, body.totalLicenses);
  return created;
}

/**
 * One subscription per product: a product whose subscription reached Deleted is bought again by
 * replacing that document (If-Match), the seat counter carried over (it counts whoever still holds the
 * product) and its generation moved on. Undefined when there is no deleted subscription to replace.
 */
async function buyAgainIfDeleted(catalog: Catalog, doc: SubscriptionDoc): Promise<SubscriptionDoc | undefined> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const existing = await subscriptions.get(doc.tenantId, doc.skuId);
    if (!existing || existing.capabilityStatus !== 'Deleted') return undefined;
    const consumed = existing.seat.consumed + doc.seat.consumed;
    if (consumed > doc.totalLicenses)
      throw ruleViolation(
        checkSubscriptionChange(catalog, { ...forRules(existing), capabilityStatus: 'Enabled', consumedUnits: consumed }, { totalLicenses: doc.totalLicenses }),
      );
    const again: SubscriptionDoc = { ...doc, seat: { ...existing.seat, consumed, limit: doc.seat.limit, gen: existing.seat.gen + 1 } };
    const written = await subscriptions.replaceIfMatch(again, existing._etag!);
    if (written) return written;
  }
  throw new ApiError(409, ErrorCodes.conflict, 'The subscription kept changing while this request ran. Try again.');
}

/**
 * The buyer's license, judged as the product will be once bought (enabled, the buyer's seat free): the
 * same rules as any assignment (guests, usage location, plans offered there, conflicts), as the buyer.
 */
function buyerDecision(buyer: Buyer, skuId: string, totalLicenses: number) {
  return (user: UserDoc, context: DecideContext) =>
    decideDirect(buyer.principal, { changeFor: () => ({ addLicenses: [{ skuId, disabledPlans: [] }], removeLicenses: [] }) })(user, {
      ...context,
      subscriptions: new Map([
        ...context.subscriptions,
        [skuId, { skuId, capabilityStatus: 'Enabled', purchaseChannel: 'admin', totalLicenses, consumedUnits: 0 }],
      ]),
    });
}

/** Before anything is bought: would the buyer's license pass the rules? */
async function checkBuyerLicense(
  catalog: Catalog,
  tenantId: string,
  owner: UserDoc,
  skuId: string,
  totalLicenses: number,
  buyer: Buyer | undefined,
  now: string,
): Promise<void> {
  if (!buyer) throw new Error('a self-service purchase needs the buyer (principal and request id) for its rules and audit record');
  const subs = new Map((await subscriptions.forRules(tenantId)).map((d) => [d.skuId, forRules(d)]));
  const decision = buyerDecision(buyer, skuId, totalLicenses)(owner, { catalog, subscriptions: subs, now, without: new Set() });
  if (decision.violations.length) throw ruleViolation(decision.violations);
}

/**
 * The buyer's license, through the write engine like every license change (rules again at the write,
 * audit record): its seat was counted when the subscription was created.
 */
async function giveBuyerLicense(catalog: Catalog, tenantId: string, ownerId: string, skuId: string, buyer: Buyer, totalLicenses: number): Promise<void> {
  const [outcome] = await applyChanges({
    tenantId,
    catalog,
    seats: precountedSeats(tenantId),
    groups: [
      {
        principal: buyer.principal,
        requestId: buyer.requestId,
        operation: 'selfServicePurchase',
        changes: [{ userId: ownerId, decide: buyerDecision(buyer, skuId, totalLicenses) }],
      },
    ],
  });
  if (!outcome.ok)
    log.warn('self-service buyer not licensed (the seat counted for them is given back)', { tenantId, userId: ownerId, skuId, error: outcome.error.message });
}

export async function getSubscription(tenantId: string, id: string): Promise<SubscriptionDoc> {
  // accepts Graph's `{tenantId}_{skuId}` id or a bare skuId; never another tenant's
  const skuId = id.includes('_') ? id.split('_')[1] : id;
  if (id.includes('_') && id.split('_')[0].toLowerCase() !== tenantId) throw notFound('Subscription', id);
  const doc = await subscriptions.get(tenantId, skuId);
  if (!doc) throw notFound('Subscription', id);
  return doc;
}

export async function updateSubscription(
  catalog: Catalog,
  tenantId: string,
  id: string,
  body: z.infer<typeof c.updateSubscriptionBody>,
  ifMatch?: IfMatch,
): Promise<SubscriptionDoc> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const doc = await getSubscription(tenantId, id);
    checkIfMatch(ifMatch, doc._etag, 'The subscription');
    const problems = checkSubscriptionChange(catalog, forRules(doc), body);
    if (problems.length) throw ruleViolation(problems);
    const updated = await subscriptions.update(doc, {
      ...(body.totalLicenses !== undefined ? { totalLicenses: body.totalLicenses } : {}),
      ...(body.status !== undefined ? { capabilityStatus: body.status } : {}),
      ...(body.nextLifecycleDateTime !== undefined ? { nextLifecycleDateTime: body.nextLifecycleDateTime } : {}),
      ...(body.unitPrice !== undefined ? { unitPrice: body.unitPrice } : {}),
    });
    if (updated) return updated;
    // the seat count or the subscription moved meanwhile: decide again on fresh numbers
  }
  throw new ApiError(409, ErrorCodes.conflict, 'The subscription kept changing while this request ran. Try again.');
}

export async function takeOverSubscription(catalog: Catalog, tenantId: string, id: string): Promise<SubscriptionDoc> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const doc = await getSubscription(tenantId, id);
    const problems = checkTakeOver(catalog, forRules(doc));
    if (problems.length) throw ruleViolation(problems);
    const updated = await subscriptions.update(doc, { purchaseChannel: 'admin', takenOverDateTime: new Date().toISOString() });
    if (updated) return updated;
  }
  throw new ApiError(409, ErrorCodes.conflict, 'The subscription kept changing while this request ran. Try again.');
}
