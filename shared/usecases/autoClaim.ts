/**
 * Auto-claim: when a user signs in to an app (POST /signInEvents, an identity provider's hook) and has no
 * license that gives it, the policy's first product in order with a free seat that the rules allow is
 * assigned, on the one write path (group commit, reserved seats: rules, seats, audit, low-seat alerts).
 *
 * Why a burst and many hosts are safe without locks:
 *   - one claim per user: the change is decided from the user as stored, and "already has the app" decides
 *     "nothing to do". The engine writes a user only with If-Match on the etag it decided from, so of
 *     concurrent claims for one user (on any number of hosts) exactly one write lands; every other one
 *     gets 412, re-reads the user, now sees the app, decides nothing, and gives back any seat it took.
 *   - never more claims than seats: each seat is taken by a conditional patch of the subscription's
 *     counter (`consumed + n <= limit`) before the user is written, so N free seats admit N claims, and a
 *     claim refused there moves on to the next product (the engine's replan) or fails, recorded.
 *   - the sign-in date only moves forward: a conditional patch (users.recordSignIn).
 * A claim is an audit record with operation `autoClaim` (written with the change; a lost one is
 * re-created from the user), so the claims list is read from the audit trail; failures are recorded once
 * per user and day.
 */
import { z } from 'zod';
import { chooseClaim, hasApp, knownApp } from '../domain/autoClaim';
import { Catalog } from '../domain/catalog';
import { Principal } from '../domain/roles';
import { signInInTheFuture } from '../domain/users';
import { ApiError, ErrorCodes } from '../errors';
import { commitGroup, UserChange } from '../licensing';
import { log } from '../log';
import * as c from '../schemas/contracts';
import { csvLine } from '../csv';
import { audit } from '../storage/audit';
import { AutoClaimPolicyDoc, autoClaimFailures, policies } from '../storage/licenseRequests';
import { UserDoc } from '../storage/documents';
import { users } from '../storage/users';
import { autoClaimShown } from './reports/concealedLists';
import { concealmentFor } from './reports/names';
import { subscriptions } from '../storage/subscriptions';
import { emit } from './alerts';
import { resolveUser } from './licenses';
import { changeIfMatch } from './changeIfMatch';

/** The audit record's actor of a claim. */
export const AUTO_CLAIM_PRINCIPAL: Principal = {
  tenantId: '',
  objectId: 'autoClaimPolicy',
  displayName: 'Auto-claim policy',
  // licenses members like a License Administrator would (never guests: those are not eligible)
  directoryRoles: ['LicenseAdministrator'],
  appRoles: [],
  isApp: true,
};

const DEFAULT_POLICY = { enabled: false, app: 'Teams', products: [] as { skuId: string; disabledPlans: string[] }[] };

async function readPolicy(tenantId: string): Promise<Policy> {
  const doc = await policies.autoClaim(tenantId);
  return doc ? { enabled: doc.enabled, app: doc.app, products: doc.products } : DEFAULT_POLICY;
}

/** The policy as stored (the default until an admin sets one): what a sign-in claims by. */
export const autoClaimPolicyOf = readPolicy;

/** The policy, with the apps it may name (those the catalog's plans give). */
export async function getAutoClaimPolicy(catalog: Catalog, tenantId: string): Promise<z.infer<typeof c.autoClaimPolicy>> {
  return { ...(await readPolicy(tenantId)), availableApps: catalog.apps() };
}

export async function updateAutoClaimPolicy(catalog: Catalog, tenantId: string, body: z.infer<typeof c.updateAutoClaimPolicyBody>) {
  const app = body.app === undefined ? undefined : knownApp(catalog, body.app);
  if (body.app !== undefined && !app)
    throw new ApiError(400, ErrorCodes.invalidRequest, `'${body.app}' is not an app auto-claim knows. Apps: ${catalog.apps().join(', ')}.`, 'app');
  const products = body.products?.map((p) => ({ skuId: p.skuId.toLowerCase(), disabledPlans: p.disabledPlans.map((d) => d.toLowerCase()) }));
  if (products) {
    const subs = new Set((await subscriptions.list(tenantId)).map((s) => s.skuId));
    for (const [i, p] of products.entries()) {
      if (products.findIndex((q) => q.skuId === p.skuId) !== i)
        throw new ApiError(400, ErrorCodes.invalidRequest, `products[${i}]: ${catalog.productName(p.skuId)} is listed twice.`, `products[${i}].skuId`);
      if (!subs.has(p.skuId))
        throw new ApiError(
          400,
          ErrorCodes.productNotSubscribed,
          `products[${i}]: your organization has no ${catalog.productName(p.skuId)} subscription. Pick products from GET /subscribedSkus.`,
          `products[${i}].skuId`,
        );
      const plans = new Set(catalog.product(p.skuId)?.servicePlans.map((s) => s.servicePlanId));
      const unknown = p.disabledPlans.find((d) => !plans.has(d));
      if (unknown)
        throw new ApiError(
          400,
          ErrorCodes.unknownServicePlan,
          `products[${i}]: ${unknown} is not a service plan of ${catalog.productName(p.skuId)}.`,
          `products[${i}].disabledPlans`,
        );
    }
  }
  await changeIfMatch({
    read: () => policies.autoClaim(tenantId),
    write: (current) => {
      const next: AutoClaimPolicyDoc = {
        ...(current ?? { id: 'autoClaimPolicy', tenantId, type: 'autoClaimPolicy', ...DEFAULT_POLICY }),
        ...(body.enabled !== undefined ? { enabled: body.enabled } : {}),
        ...(app ? { app } : {}),
        ...(products ? { products } : {}),
      };
      if (next.enabled && !next.products.length)
        throw new ApiError(400, ErrorCodes.invalidRequest, 'Name at least one product (products) before switching auto-claim on.', 'products');
      return policies.write(next, current?._etag);
    },
    attempts: 3,
    conflictMessage: 'The auto-claim policy kept changing while this request ran. Nothing was changed; try again.',
  });
  return getAutoClaimPolicy(catalog, tenantId);
}

type Outcome = z.infer<typeof c.signInEventResult>['claim'];
type Policy = Omit<z.infer<typeof c.autoClaimPolicy>, 'availableApps'>;

export async function recordSignInEvent(
  catalog: Catalog,
  tenantId: string,
  requestId: string,
  body: z.infer<typeof c.signInEventBody>,
): Promise<z.infer<typeof c.signInEventResult>> {
  const at = new Date(body.dateTime).toISOString();
  // a sign-in from the future would pin the date there (it never moves back): a clock this far off is refused
  if (signInInTheFuture(at, Date.now()))
    throw new ApiError(
      400,
      ErrorCodes.invalidRequest,
      `dateTime ${body.dateTime} is in the future. Send the time the user signed in (UTC, or with its offset).`,
      'dateTime',
    );
  // the user and the policy read together: one round trip fewer on every sign-in
  const [found, policy] = await Promise.all([resolveUser(tenantId, body.userId), readPolicy(tenantId)]);
  const { user, claim } = await signIn(catalog, tenantId, requestId, { user: found, policy, app: body.app, at });
  return { userId: user.id, lastSignInDateTime: user.signInActivity?.lastSignInDateTime ?? null, claim };
}

/**
 * A user signed in to `app` at `at` (POST /signInEvents, Entra ID's token issuance event): the sign-in
 * recorded, and when the policy is on for that app and no license of the user gives it, one claimed.
 * Answers the user as it is now (with a claimed license) and what the claim did.
 */
export async function signIn(
  catalog: Catalog,
  tenantId: string,
  requestId: string,
  input: {
    user: UserDoc;
    policy: Policy;
    app: string | undefined;
    at: string;
    /** A stored date less than this much older than `at` is left as it is (no write): the sign-in is there already. */
    resolutionMs?: number;
  },
): Promise<{ user: UserDoc; claim: Outcome }> {
  const { policy, app, at } = input;
  const stored = input.user.signInActivity?.lastSignInDateTime;
  const recent = !!stored && !!input.resolutionMs && Date.parse(at) - Date.parse(stored) < input.resolutionMs;
  const user = (!recent && (await users.recordSignIn(tenantId, input.user.id, at))) || input.user;
  const answer = (claim: Outcome, now: UserDoc = user) => ({ user: now, claim });

  if (!policy.enabled || !app || policy.app.toLowerCase() !== app.toLowerCase()) return answer({ outcome: 'policyOff', skuId: null, reason: null });
  if (user.userType === 'Guest' || !user.accountEnabled)
    return answer({ outcome: 'notEligible', skuId: null, reason: user.userType === 'Guest' ? 'Guests do not claim licenses.' : 'The account is disabled.' });
  if (hasApp(catalog, user.licenseAssignments, policy.app)) return answer({ outcome: 'hasApp', skuId: null, reason: null });

  let choice: ReturnType<typeof chooseClaim> = { reasons: [] };
  let alreadyHas = false;
  const change: UserChange = {
    userId: user.id,
    current: user,
    // a product whose seat cannot be had is dropped and the next one tried (the engine decides again)
    replan: true,
    decide: (u, context) => {
      alreadyHas = hasApp(context.catalog, u.licenseAssignments, policy.app);
      choice = alreadyHas
        ? { reasons: [] }
        : chooseClaim({
            catalog: context.catalog,
            principal: AUTO_CLAIM_PRINCIPAL,
            user: u,
            products: policy.products,
            subscriptions: context.subscriptions,
            without: context.without,
            now: context.now,
          });
      const next = choice.chosen?.next ?? u.licenseAssignments;
      return { violations: [], next, unchanged: !choice.chosen, touched: choice.chosen ? [choice.chosen.skuId] : [] };
    },
  };
  // a burst of events for the user (their sign-ins and claims, on any host) changes it under the engine's
  // If-Match writes: each time the claim is decided again from the user as stored, which soon has the app
  const outcome = await commitGroup(
    tenantId,
    {
      changes: [change],
      principal: AUTO_CLAIM_PRINCIPAL,
      requestId,
      operation: 'autoClaim',
      attempts: CLAIM_ATTEMPTS,
    },
    catalog,
  );
  const written = outcome.ok ? outcome.users.find((u) => u.id === user.id) : undefined;
  if (outcome.ok && outcome.changed.has(user.id)) return answer({ outcome: 'claimed', skuId: choice.chosen!.skuId, reason: null }, written ?? user);
  if (outcome.ok && alreadyHas) return answer({ outcome: 'hasApp', skuId: null, reason: null }, written ?? user);
  // refused for another reason (the store busy past its retries, say) while another event of the burst
  // claimed for this user: the user has the app, nothing failed for them
  if (!outcome.ok) {
    const now = await users.get(tenantId, user.id);
    if (now && hasApp(catalog, now.licenseAssignments, policy.app)) return answer({ outcome: 'hasApp', skuId: null, reason: null }, now);
  }
  const reason = outcome.ok ? choice.reasons.join(' ') || 'No product of the policy could be assigned.' : outcome.error.message;
  await recordFailure(tenantId, user, policy.app, reason);
  return answer({ outcome: 'failed', skuId: null, reason });
}

/**
 * How often the engine writes a claim before it gives up on a user that keeps changing: four times an
 * admin request's 5, as a burst of events moves the user once per sign-in (a forward-only patch of
 * lastSignInDateTime) while the claim is being decided and written.
 */
const CLAIM_ATTEMPTS = 20;

async function recordFailure(tenantId: string, user: { id: string; userPrincipalName: string }, app: string, reason: string): Promise<void> {
  const now = new Date().toISOString();
  const first = await autoClaimFailures.record({
    id: `autoClaimFailure_${user.id}_${now.slice(0, 10)}`,
    tenantId,
    type: 'autoClaimFailure',
    userId: user.id,
    userPrincipalName: user.userPrincipalName,
    app,
    dateTime: now,
    reason,
  });
  if (first)
    await emit(tenantId, 'autoClaimFailed', { userId: user.id, userPrincipalName: user.userPrincipalName, app, reason }).catch((e) =>
      log.warn('alert not recorded', { tenantId, error: String(e) }),
    );
}

export type AutoClaimEntry = z.infer<typeof c.autoClaimEntry>;

/** Claims and failures of the last `days` days, newest first. */
export async function listAutoClaims(catalog: Catalog, tenantId: string, days: number): Promise<AutoClaimEntry[]> {
  const since = new Date(Date.now() - days * 86_400_000).toISOString();
  const [claims, failures, policy, concealment] = await Promise.all([
    audit.ofOperationSince(tenantId, 'autoClaim', since),
    autoClaimFailures.since(tenantId, since),
    readPolicy(tenantId),
    concealmentFor(tenantId),
  ]);
  const entries: AutoClaimEntry[] = [
    ...claims.map((r) => ({
      id: r.id,
      outcome: 'claimed' as const,
      dateTime: r.activityDateTime,
      userId: r.userId,
      userPrincipalName: r.userPrincipalName,
      app: policy.app,
      skuId: r.skuIds[0] ?? null,
      skuPartNumber: catalog.product(r.skuIds[0] ?? '')?.skuPartNumber ?? null,
      reason: null,
    })),
    ...failures.map((f) => ({
      id: f.id,
      outcome: 'failed' as const,
      dateTime: f.dateTime,
      userId: f.userId,
      userPrincipalName: f.userPrincipalName,
      app: f.app,
      skuId: null,
      skuPartNumber: null,
      reason: f.reason,
    })),
  ];
  // a report: people concealed as the organization's report settings say
  return entries.sort((a, b) => b.dateTime.localeCompare(a.dateTime)).map((e) => autoClaimShown(e, concealment));
}

export async function* autoClaimsCsv(entries: AutoClaimEntry[]): AsyncGenerator<string> {
  yield csvLine(['dateTime', 'outcome', 'userPrincipalName', 'userId', 'app', 'skuPartNumber', 'skuId', 'reason']);
  for (const e of entries) yield csvLine([e.dateTime, e.outcome, e.userPrincipalName, e.userId, e.app, e.skuPartNumber, e.skuId, e.reason]);
}
