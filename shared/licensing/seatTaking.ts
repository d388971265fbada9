/** The engine's step 3 (seats for every group still going) and step 4's retry of a user changed meanwhile. */
import { ApiError, ErrorCodes, ruleViolation, Violation } from '../errors';
import { Catalog } from '../domain/catalog';
import { countViolation, subscriptionRefusal } from '../domain/licensing';
import { UserDoc } from '../storage/documents';
import { subscriptions } from '../storage/subscriptions';
import { users } from '../storage/users';
import { ChangeGroup, DecideContext } from './changes';
import { decide, Plan } from './plan';
import { forRules } from './records';
import { SeatStrategy } from './seats';

/** Why a product's seats could not be had, from a fresh read of its subscription. */
async function seatShortage(catalog: Catalog, tenantId: string, skuId: string, needed: number, target?: string): Promise<Violation> {
  subscriptions.invalidate(tenantId);
  const fresh = await subscriptions.get(tenantId, skuId);
  const s = fresh && forRules(fresh);
  // the state may have changed since the rules were checked: explain that rather than a count
  const refusal = subscriptionRefusal(catalog, skuId, s, 'assign');
  return refusal
    ? { ...refusal, ...(target ? { target, parameters: { ...refusal.parameters, userId: target } } : {}) }
    : countViolation(catalog, skuId, s!, needed, target);
}

/** For a group of several users refused by the rules: say also whether the seats would have been enough, so the admin fixes everything in one go. */
export async function addSeatHints(catalog: Catalog, tenantId: string, groups: ChangeGroup[], plans: Plan[], failures: Map<number, Error>): Promise<void> {
  const refused = [...failures.keys()].filter(
    (g) => groups[g].changes.length > 1 && failures.get(g) instanceof ApiError && (failures.get(g) as ApiError).status === 409,
  );
  if (!refused.length) return;
  subscriptions.invalidate(tenantId);
  const fresh = new Map((await subscriptions.list(tenantId)).map((d) => [d.skuId, forRules(d)]));
  for (const g of refused) {
    const need = new Map<string, number>();
    for (const p of plans.filter((x) => x.group === g)) for (const s of p.reserve) need.set(s, (need.get(s) ?? 0) + 1);
    const hints: Violation[] = [];
    for (const [skuId, n] of need) {
      const s = fresh.get(skuId);
      if (s && s.capabilityStatus === 'Enabled' && s.purchaseChannel === 'admin' && s.totalLicenses - s.consumedUnits < n)
        hints.push(countViolation(catalog, skuId, s, n));
    }
    if (hints.length) failures.set(g, ruleViolation([...((failures.get(g) as ApiError).details ?? []), ...hints]));
  }
}

/**
 * Step 3: seats for every group still going. A group that changes replan lose the products whose seats
 * cannot be had (group paths wait); others, refused, wait a moment, re-read their users and try again
 * (the refusal may only mean that concurrent requests hold seats in flight, some for these very users),
 * then fail with the shortage.
 */
export async function takeSeats(
  tenantId: string,
  plans: Plan[],
  seats: SeatStrategy,
  context: Omit<DecideContext, 'without'>,
  fail: (g: number, e: Error) => void,
  live: (p: Plan) => boolean,
): Promise<Plan[]> {
  let waiting = [...new Set(plans.filter(live).map((p) => p.group))];
  for (let attempt = 1; waiting.length; attempt++) {
    const needs = waiting.map((g) => {
      const need = new Map<string, number>();
      for (const p of plans.filter((x) => x.group === g)) for (const s of p.reserve) need.set(s, (need.get(s) ?? 0) + 1);
      return { need };
    });
    let short: (string | undefined)[];
    try {
      short = await seats.take(needs);
    } catch (e) {
      for (const g of waiting) fail(g, e as Error);
      return plans;
    }
    const again: number[] = [];
    for (let i = 0; i < waiting.length; i++) {
      const g = waiting[i];
      const mine = plans.filter((p) => p.group === g);
      if (short[i] === undefined) {
        for (const p of mine) for (const s of p.reserve) p.taken.set(s, seats.source);
        continue;
      }
      const sku = short[i]!;
      if (mine.every((p) => p.change.replan)) {
        // decide again without that product (its path waits); the group asks for its other seats again
        for (const p of mine) plans[plans.indexOf(p)] = decide(g, p.change, p.user, context, new Set([...p.without, sku]));
        again.push(g);
        continue;
      }
      if (attempt >= seats.attempts) {
        const needed = needs[i].need.get(sku)!;
        // one user short of a seat: the refusal is about that user (as the rules' own pre-check says it)
        const target = mine.length === 1 ? mine[0].user.id : undefined;
        fail(
          g,
          ruleViolation([seats.shortage?.(context.catalog, sku, needed, target) ?? (await seatShortage(context.catalog, tenantId, sku, needed, target))]),
        );
        continue;
      }
      again.push(g);
    }
    const retry = again.filter((g) => !plans.filter((p) => p.group === g).every((p) => p.change.replan));
    if (retry.length) {
      await new Promise((r) => setTimeout(r, 25 * attempt + Math.random() * 25));
      const fresh = await users.getMany(
        tenantId,
        plans.filter((p) => retry.includes(p.group)).map((p) => p.user.id),
      );
      for (const g of retry) {
        const mine = plans.filter((p) => p.group === g);
        const violations: Violation[] = [];
        for (const p of mine) {
          const next = decide(g, p.change, fresh.get(p.user.id) ?? p.user, context, p.without);
          violations.push(...next.decision.violations);
          plans[plans.indexOf(p)] = next;
        }
        if (violations.length) fail(g, ruleViolation(violations));
      }
    }
    waiting = again.filter((g) => plans.some((p) => p.group === g && live(p)));
  }
  return plans;
}

/** Step 4's retry of one user changed meanwhile: decided again, seats adjusted (what it newly needs taken, what it no longer needs given back). */
export async function redecide(
  tenantId: string,
  p: Plan,
  fresh: UserDoc | undefined,
  seats: SeatStrategy,
  context: Omit<DecideContext, 'without'>,
  fail: (g: number, e: Error) => void,
): Promise<Plan | undefined> {
  if (!fresh) {
    fail(
      p.group,
      ruleViolation([
        { code: ErrorCodes.notFound, message: `User '${p.user.id}' was deleted meanwhile.`, target: p.user.id, parameters: { userId: p.user.id } },
      ]),
    );
    return undefined;
  }
  let next: Plan;
  try {
    next = decide(p.group, p.change, fresh, context, p.without, p.taken);
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    fail(p.group, ruleViolation([{ code: e.code, message: e.message, target: p.user.id, parameters: { ...e.details?.[0]?.parameters, userId: p.user.id } }]));
    return undefined;
  }
  await seats.willRelease?.(next.release);
  for (;;) {
    if (next.decision.violations.length) {
      fail(p.group, ruleViolation(next.decision.violations));
      return undefined;
    }
    const missing = next.reserve.find((s) => !next.taken.has(s));
    if (!missing) break;
    const source = await seats.takeOne(missing);
    if (source) {
      next.taken.set(missing, source);
      continue;
    }
    if (!p.change.replan) {
      fail(
        p.group,
        ruleViolation([seats.shortage?.(context.catalog, missing, 1, p.user.id) ?? (await seatShortage(context.catalog, tenantId, missing, 1, p.user.id))]),
      );
      return undefined;
    }
    next = decide(p.group, p.change, fresh, context, new Set([...next.without, missing]), next.taken);
  }
  for (const [s, source] of [...next.taken]) {
    if (next.reserve.includes(s)) continue;
    await seats.giveBack(s, 1, source);
    next.taken.delete(s);
  }
  if (next.decision.unchanged) next.written = undefined;
  return next;
}
