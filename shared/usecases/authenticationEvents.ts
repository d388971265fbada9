/**
 * Sign-ins from Entra ID: the custom authentication extension for the token issuance start event. Entra ID
 * calls it as it issues a token to an app and waits about two seconds for claims to add; this answers
 * with the service plans the user may use (servicePlans), records the sign-in (signInActivity, as POST
 * /signInEvents does) and, when the user signs in to an app known by its client application
 * (Teams: domain/appClients.ts; which plans give it is the catalog's), runs auto-claim first so the token already carries the claimed license's plans.
 *
 * Which user: Entra ID sends the user's object id. It is looked up as this service's user id first (the
 * same identity a delegated token's `oid` has for /me), then by the userPrincipalName it sends (users
 * created here, by POST /users or a CSV import, have ids of their own). The match is kept per instance
 * (object id -> user id, bounded), so the usual sign-in costs one point read of the user, plus one of the
 * auto-claim policy when the app is one it knows, and the sign-in's write when the recorded one is older
 * than SIGN_IN_RESOLUTION_MS.
 *
 * Never a failed sign-in because of this service: a user not known here, a store that is down or slow,
 * any error of ours answers a valid, empty provideClaimsForToken action (logged), and so does the work
 * still running at AUTH_EVENTS_DEADLINE_MS (it goes on: the sign-in is still recorded, the claim made).
 */
import { z } from 'zod';
import { settings } from '../config';
import { appOfClient } from '../domain/appClients';
import { Catalog } from '../domain/catalog';
import { servicePlanNamesWithin, usageRightsOf } from '../domain/usageRights';
import { log } from '../log';
import * as c from '../schemas/contracts';
import { UserDoc } from '../storage/documents';
import { subscriptions } from '../storage/subscriptions';
import { users } from '../storage/users';
import { autoClaimPolicyOf, signIn } from './autoClaim';

type Event = z.infer<typeof c.tokenIssuanceStartEvent>;
type Answer = z.infer<typeof c.tokenIssuanceStartResponse>;
type Claims = Answer['data']['actions'][number]['claims'];

/** The claim the token carries the user's service plans in (the claims mapping policy maps it by this name). */
export const SERVICE_PLANS_CLAIM = 'servicePlans';
/**
 * Entra ID calls the extension for every token it issues (each refresh, each resource of a session), not
 * once per sign-in: a sign-in less than this much after the recorded one is not written again (the
 * activity reports count days).
 */
export const SIGN_IN_RESOLUTION_MS = 5 * 60_000;
/** Entra ID takes at most 3 KB of claims from an extension, keys and values together. */
export const CLAIMS_BUDGET_BYTES = 3072;

const answer = (claims: Claims): Answer => ({
  data: {
    '@odata.type': c.TOKEN_ISSUANCE_START_RESPONSE_DATA,
    actions: [{ '@odata.type': c.PROVIDE_CLAIMS_FOR_TOKEN, claims }],
  },
});

/** Entra ID object id -> this service's user id, per tenant; at most MAX_MATCHES (oldest dropped first). */
const matches = new Map<string, string>();
const MAX_MATCHES = 50_000;

async function signingInUser(tenantId: string, entraUser: Event['data']['authenticationContext']['user']): Promise<UserDoc | undefined> {
  const key = `${tenantId}/${entraUser.id.toLowerCase()}`;
  const known = matches.get(key);
  if (known) {
    const user = await users.get(tenantId, known);
    if (user) return user;
    matches.delete(key);
  }
  const upn = entraUser.userPrincipalName;
  // by id and by user principal name at once: one round trip when the id does not match
  const [byId, byUpn] = await Promise.all([users.get(tenantId, entraUser.id), upn ? users.findByUpn(tenantId, upn) : undefined]);
  const user = byId ?? byUpn;
  if (user) {
    if (matches.size >= MAX_MATCHES) matches.delete(matches.keys().next().value!);
    matches.set(key, user.id);
  }
  return user;
}

async function claimsFor(catalogOf: () => Promise<Catalog>, tenantId: string, requestId: string, event: Event): Promise<Claims> {
  const context = event.data.authenticationContext;
  const app = appOfClient(context.clientServicePrincipal.appId);
  const [catalog, found, policy] = await Promise.all([catalogOf(), signingInUser(tenantId, context.user), app ? autoClaimPolicyOf(tenantId) : undefined]);
  if (!found) {
    log.info('token issuance for a user not known here: no claims', { requestId, tenantId, correlationId: context.correlationId });
    return {};
  }
  const [{ user }, subs] = await Promise.all([
    signIn(catalog, tenantId, requestId, {
      user: found,
      policy: policy ?? { enabled: false, app: '', products: [] },
      app,
      at: new Date().toISOString(),
      resolutionMs: SIGN_IN_RESOLUTION_MS,
    }),
    // the states for the claims, from the instance's list (usually no read at all)
    subscriptions.forRules(tenantId),
  ]);
  const status = new Map(subs.map((s) => [s.skuId, s.capabilityStatus]));
  const { names, complete } = servicePlanNamesWithin(
    usageRightsOf(catalog, user.licenseAssignments, (skuId) => status.get(skuId)),
    SERVICE_PLANS_CLAIM,
    CLAIMS_BUDGET_BYTES,
  );
  if (!complete) log.warn('service plans cut to fit the 3 KB of claims', { requestId, tenantId, userId: user.id, kept: names.length });
  return { [SERVICE_PLANS_CLAIM]: names };
}

/** The answer to one token issuance start event of `tenantId` (the tenant Entra ID's token was issued in). */
/**
 * `catalogOf`: the catalog in force, taken inside the deadline (a catalog the instance must load first
 * counts against it, and a failure to load it answers the empty claims like any other).
 */
export async function tokenIssuanceStart(catalogOf: () => Promise<Catalog>, tenantId: string, requestId: string, event: Event): Promise<Answer> {
  const work = claimsFor(catalogOf, tenantId, requestId, event).catch((e: unknown): Claims => {
    log.error('token issuance extension failed: answered no claims', { requestId, tenantId, error: (e as Error)?.stack ?? String(e) });
    return {};
  });
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<Claims>((resolve) => {
    timer = setTimeout(() => {
      log.warn('token issuance extension answered at its deadline: no claims (the work goes on)', { requestId, tenantId });
      resolve({});
    }, settings().AUTH_EVENTS_DEADLINE_MS);
  });
  try {
    return answer(await Promise.race([work, deadline]));
  } finally {
    clearTimeout(timer);
  }
}
