/**
 * License requests: a member asks for a product (POST /me/licenseRequests), admins list them, deny them,
 * and approve them (approval.ts); pending ones expire after 30 days in the reconciliation (expiry.ts).
 *
 * One pending request per user and product, on many instances at once: a marker document whose id is the
 * pair (a named slot, storage/slots.ts) is created first (create-if-absent: only one creator wins), naming
 * the request; a marker left by a request that is no longer pending, or that was never written (a crash
 * between the two writes, older than a minute), is taken over with If-Match. Decisions change a request
 * only with If-Match on its etag, so two admins deciding at once get one decision and one 409.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { Catalog } from '../../domain/catalog';
import { effectiveLicenses } from '../../domain/licensing';
import { can, Principal } from '../../domain/roles';
import { ApiError, ErrorCodes, notFound } from '../../errors';
import { log } from '../../log';
import { andClauses, FilterExpr, formatFilter, parseFilter } from '../../odata/filter';
import * as c from '../../schemas/contracts';
import { UserDoc } from '../../storage/documents';
import { LicenseRequestDoc, licenseRequests, LicenseRequestPolicyDoc, pendingMarkers, policies } from '../../storage/licenseRequests';
import { subscriptions } from '../../storage/subscriptions';
import { users } from '../../storage/users';
import { emit } from '../alerts';
import { changeIfMatch } from '../changeIfMatch';

export const REQUEST_LIFETIME_DAYS = 30;
/** How long a marker may name a request not written yet before another request may take it over. */
const MARKER_GRACE_MS = 60_000;

export interface RequestCaller {
  tenantId: string;
  principal: Principal;
  requestId: string;
  catalog: Catalog;
}

const DEFAULT_POLICY = { enabled: true, customMessage: '', customUrl: null };

export async function getRequestPolicy(tenantId: string): Promise<z.infer<typeof c.licenseRequestPolicy>> {
  const doc = await policies.requests(tenantId);
  return doc ? { enabled: doc.enabled, customMessage: doc.customMessage, customUrl: doc.customUrl } : DEFAULT_POLICY;
}

export async function updateRequestPolicy(tenantId: string, body: z.infer<typeof c.updateLicenseRequestPolicyBody>) {
  await changeIfMatch({
    read: () => policies.requests(tenantId),
    write: (current) => {
      const next: LicenseRequestPolicyDoc = {
        ...(current ?? { id: 'licenseRequestPolicy', tenantId, type: 'licenseRequestPolicy', ...DEFAULT_POLICY }),
        ...Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined)),
      };
      return policies.write(next, current?._etag);
    },
    attempts: 3,
    conflictMessage: 'The license request policy kept changing while this request ran. Nothing was changed; try again.',
  });
  return getRequestPolicy(tenantId);
}

/** The refusal a member gets while requests are switched off: the organization's own message and link. */
function requestsOff(policy: z.infer<typeof c.licenseRequestPolicy>): ApiError {
  const message = policy.customMessage || 'Your organization does not take license requests here.';
  return new ApiError(
    403,
    'licenseRequestsDisabled',
    policy.customUrl ? `${message} ${policy.customUrl}` : `${message} Ask your IT department how to get a license.`,
    'customUrl',
    policy.customUrl ? [{ code: 'customUrl', message: policy.customUrl, target: 'customUrl' }] : undefined,
  );
}

/** The caller as a user of the organization (a member asking for themselves). */
async function me(caller: RequestCaller): Promise<UserDoc> {
  const user = await users.get(caller.tenantId, caller.principal.objectId);
  if (!user) {
    throw new ApiError(
      403,
      ErrorCodes.insufficientRole,
      'Your account is not a user of this organization, so it cannot ask for a license here. Sign in with your work account.',
    );
  }
  return user;
}

export async function createLicenseRequest(caller: RequestCaller, body: z.infer<typeof c.createLicenseRequestBody>): Promise<LicenseRequestDoc> {
  const { tenantId } = caller;
  const skuId = body.skuId.toLowerCase();
  const [policy, user, sub] = await Promise.all([getRequestPolicy(tenantId), me(caller), subscriptions.get(tenantId, skuId)]);
  if (!policy.enabled) throw requestsOff(policy);
  if (user.userType === 'Guest') {
    throw new ApiError(403, ErrorCodes.insufficientRole, 'Guests cannot ask for licenses here. Ask the person who invited you to your organization.', user.id);
  }
  const product = caller.catalog.productName(skuId);
  if (!sub || sub.capabilityStatus === 'Deleted') {
    throw new ApiError(
      404,
      ErrorCodes.productNotSubscribed,
      `Your organization has no ${product} subscription. Pick a product from GET /subscribedSkus.`,
      'skuId',
    );
  }
  if (effectiveLicenses(user.licenseAssignments).some((l) => l.skuId === skuId))
    throw new ApiError(409, 'licenseAlreadyAssigned', `You already have ${product}.`, 'skuId');

  const now = new Date();
  const doc: LicenseRequestDoc = {
    id: randomUUID(),
    tenantId,
    type: 'licenseRequest',
    status: 'pending',
    userId: user.id,
    userDisplayName: user.displayName,
    userPrincipalName: user.userPrincipalName,
    skuId,
    justification: body.justification,
    createdDateTime: now.toISOString(),
    expirationDateTime: new Date(now.getTime() + REQUEST_LIFETIME_DAYS * 86_400_000).toISOString(),
    decidedBy: null,
    decidedDateTime: null,
    decisionReason: null,
    lastApprovalError: null,
    approvedVia: null,
  };
  await takeMarker(tenantId, doc, product);
  const created = await licenseRequests.create(doc);
  if (!created) throw new Error(`license request id ${doc.id} already taken`);
  await emit(tenantId, 'licenseRequestCreated', eventData(caller.catalog, created)).catch((e) =>
    log.warn('alert not recorded', { tenantId, error: String(e) }),
  );
  return created;
}

/** The one-pending-request marker for the user and product, or 409 naming the pending request. */
async function takeMarker(tenantId: string, doc: LicenseRequestDoc, product: string): Promise<void> {
  let named: LicenseRequestDoc | undefined;
  const taken = await pendingMarkers.take(tenantId, doc.userId, doc.skuId, doc.id, async (held) => {
    named = await licenseRequests.get(tenantId, held.holder);
    return named ? named.status !== 'pending' : Date.now() - Date.parse(held.takenDateTime) > MARKER_GRACE_MS;
  });
  if (taken) return;
  throw new ApiError(
    409,
    'licenseRequestPending',
    `You already asked for ${product}${named ? ` on ${named.createdDateTime.slice(0, 10)}` : ''}; that request is still pending. Wait for an admin to decide it.`,
    named?.id ?? 'skuId',
  );
}

export const eventData = (catalog: Catalog, d: LicenseRequestDoc) => ({
  licenseRequestId: d.id,
  status: d.status,
  userId: d.userId,
  userPrincipalName: d.userPrincipalName,
  skuId: d.skuId,
  productName: catalog.productName(d.skuId),
  decidedBy: d.decidedBy,
  decisionReason: d.decisionReason,
});

const REQUEST_FILTER_HINT = "Use status eq 'pending'|'approved'|'denied'|'expired' and/or skuId eq {guid}, joined with and.";

const unsupportedRequestFilter = (clause: string) =>
  new ApiError(400, 'Request_UnsupportedQuery', `Unsupported $filter clause '${clause.slice(0, 100)}'. ${REQUEST_FILTER_HINT}`, '$filter');

/**
 * `status eq 'pending'`, `skuId eq {guid}`, joined with `and`: the list's $filter, read by the OData
 * grammar of the users and groups lists (shared/odata/filter.ts) and then held to those two equalities.
 */
export function parseRequestFilter(text: string | undefined): { status?: string; skuId?: string } {
  if (!text?.trim()) return {};
  let expr: FilterExpr;
  try {
    expr = parseFilter(text);
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    // a form the grammar does not take (a function, a lambda): not one this list takes either
    if (e.code === 'Request_UnsupportedQuery') throw unsupportedRequestFilter(text.trim());
    // malformed: the grammar's own account of what is wrong, and what this list takes
    throw new ApiError(e.status, e.code, `${e.message} ${REQUEST_FILTER_HINT}`, '$filter');
  }
  const out: { status?: string; skuId?: string } = {};
  for (const clause of andClauses(expr)) {
    const eq = clause.kind === 'compare' && clause.op === 'eq' ? clause : undefined;
    const field = eq?.property.toLowerCase();
    const value = eq && (eq.value.kind === 'string' || eq.value.kind === 'guid') ? eq.value.value.toLowerCase() : undefined;
    if (field === 'status' && value && (c.LICENSE_REQUEST_STATUSES as readonly string[]).includes(value)) out.status = value;
    else if (field === 'skuid' && value && c.guid.safeParse(value).success) out.skuId = value;
    else throw unsupportedRequestFilter(formatFilter(clause));
  }
  return out;
}

/** One request: admins and readers see any; a member only their own (another's is "not found", as it would be in Graph). */
export async function getLicenseRequest(caller: RequestCaller, id: string): Promise<LicenseRequestDoc> {
  const doc = await licenseRequests.get(caller.tenantId, id);
  if (!doc || (!can(caller.principal, 'read') && doc.userId !== caller.principal.objectId)) throw notFound('License request', id);
  return doc;
}

/** A pending request an admin may decide now, or the refusal saying why not. */
export async function decidable(tenantId: string, id: string): Promise<LicenseRequestDoc> {
  const doc = await licenseRequests.get(tenantId, id);
  if (!doc) throw notFound('License request', id);
  if (doc.status !== 'pending') {
    throw new ApiError(
      409,
      'licenseRequestDecided',
      `This request is already ${doc.status}${doc.decidedBy ? ` (by ${doc.decidedBy.displayName} on ${doc.decidedDateTime?.slice(0, 10)})` : ''}; nothing was changed.`,
      id,
    );
  }
  if (doc.approving && Date.now() - Date.parse(doc.approving.since) < APPROVAL_GRACE_MS) {
    throw new ApiError(409, 'licenseRequestBeingApproved', 'Another admin is approving this request right now. Look again in a moment.', id);
  }
  return doc;
}

/** An approval that has not finished after this long (its instance stopped) no longer holds the request. */
export const APPROVAL_GRACE_MS = 120_000;

export async function denyLicenseRequest(caller: RequestCaller, id: string, reason: string): Promise<LicenseRequestDoc> {
  const doc = await decidable(caller.tenantId, id);
  const denied = await licenseRequests.replaceIfMatch(
    {
      ...doc,
      status: 'denied',
      decidedBy: { id: caller.principal.objectId, displayName: caller.principal.displayName },
      decidedDateTime: new Date().toISOString(),
      decisionReason: reason || null,
      approving: null,
    },
    doc._etag!,
  );
  if (!denied) throw new ApiError(409, ErrorCodes.conflict, 'This request changed while you denied it (someone else decided it?). Look at it again.', id);
  await closed(caller.catalog, denied);
  return denied;
}

/** After a decision or expiry: the user may ask again, and the webhooks hear of it. */
export async function closed(catalog: Catalog, doc: LicenseRequestDoc): Promise<void> {
  await pendingMarkers.release(doc.tenantId, doc.userId, doc.skuId, doc.id);
  await emit(doc.tenantId, 'licenseRequestDecided', eventData(catalog, doc)).catch((e) =>
    log.warn('alert not recorded', { tenantId: doc.tenantId, error: String(e) }),
  );
}
