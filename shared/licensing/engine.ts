/**
 * The one write engine: every change of a user's licenses, whatever triggers it (assignLicense, the
 * Licenses page, plan switches, bulk jobs, group licensing, the reconciliation, self-service purchases),
 * goes through `applyChanges`. Safety without multi-document transactions:
 *
 *   1. read   the users (one bulk read), and the tenant's subscriptions for the rules (cached list);
 *   2. decide each change from the user as stored (pure rules); a group with any refusal writes nothing;
 *   3. seats  are had before anyone is written, by the caller's seat strategy (one conditional write per
 *             product for the whole batch, a bulk chunk's hold, or seats counted at purchase);
 *   4. commit each user with If-Match (one bulk replace): a user changed meanwhile is re-read, decided
 *             again, its seats adjusted, and written again;
 *   5. undo   a group that can no longer complete: its users already written are put back (If-Match) and
 *             its seats given back, so a group (a request) is all or nothing;
 *   6. finish seats of products users no longer hold are released, then the audit records are written
 *             (bulk; their ids fixed in step 4 and embedded in the users, so a lost record is re-created).
 *
 * A crash anywhere leaves at worst a seat counted that nobody holds (the reconciliation recounts), never a
 * held license without its seat. Groups are independent: one failing never fails another.
 */
import { ApiError, ErrorCodes, notFound, ruleViolation, Violation } from '../errors';
import { countViolation, effectiveLicenses, subscriptionRefusal } from '../domain/licensing';
import { log } from '../log';
import { isCosmosError } from '../storage/cosmos';
import { audit } from '../storage/audit';
import { AuditDoc, UserDoc } from '../storage/documents';
import { subscriptions } from '../storage/subscriptions';
import { users } from '../storage/users';
import { ChangeGroup, Decision, DecideContext, GroupOutcome, UserChange } from './changes';
import { auditRecordFor, changedUser, forRules } from './records';
import { SeatSource, SeatStrategy } from './seats';

export interface ApplyRequest {
  tenantId: string;
  groups: ChangeGroup[];
  seats: SeatStrategy;
  /** Marks on the audit records of this request's changes (a bulk chunk's seat bookkeeping). */
  mark?: (plan: { taken: ReadonlyMap<string, SeatSource> }) => Partial<AuditDoc>;
}

/** Who learns of each commit, right after it (before seats are released and records written): wired where the app starts. */
export type CommitObserver = (written: number, groups: readonly ChangeGroup[]) => void;
const commitObservers: CommitObserver[] = [];

/** Adds a commit observer (the local host's worker-kill test hook is one); returns how to remove it. */
export function observeCommits(observer: CommitObserver): () => void {
  commitObservers.push(observer);
  return () => commitObservers.splice(commitObservers.indexOf(observer), 1);
}

const MAX_ATTEMPTS = 5;

interface Plan {
  group: number;
  change: UserChange;
  /** The user the decision was made from: its etag is the commit's If-Match. */
  user: UserDoc;
  decision: Decision;
  without: Set<string>;
  /** Products the user newly holds (a seat each) and no longer holds (released after the write). */
  reserve: string[];
  release: string[];
  /** Seats this run holds for the user, by product, and where they came from. */
  taken: Map<string, SeatSource>;
  written?: UserDoc;
  record?: AuditDoc;
  /** The write failed without an answer and the user could not be read since: it may have landed. */
  unknownWrite?: boolean;
}

const skusOf = (list: UserDoc['licenseAssignments']) => new Set(effectiveLicenses(list).map((l) => l.skuId));

function decide(
  group: number,
  change: UserChange,
  user: UserDoc,
  context: Omit<DecideContext, 'without'>,
  without: Set<string>,
  taken = new Map<string, SeatSource>(),
): Plan {
  const decision = change.decide(user, { ...context, without });
  const before = skusOf(user.licenseAssignments);
  const after = skusOf(decision.next);
  return {
    group,
    change,
    user,
    decision,
    without,
    reserve: decision.unchanged ? [] : [...after].filter((s) => !before.has(s)),
    release: decision.unchanged ? [] : [...before].filter((s) => !after.has(s)),
    taken,
  };
}

/**
 * A write that failed without an answer (a timeout, a reset connection) may still have landed: the user as
 * stored says so (its last change is this one). When it did, it counts as written.
 */
async function landedAnyway(tenantId: string, p: Plan): Promise<boolean> {
  try {
    const fresh = await users.get(tenantId, p.user.id);
    const landed =
      !!fresh &&
      fresh._etag !== p.user._etag &&
      (p.record ? fresh.lastLicenseChange?.id === p.record.id : JSON.stringify(fresh.licenseAssignments) === JSON.stringify(p.decision.next));
    if (landed) p.written = fresh;
    return landed;
  } catch {
    return false;
  }
}

/** For undoing: keeps trying through a store outage for a while (the SDK already retried each call). */
async function persistently<T>(op: () => Promise<T>, attempts = 6): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await op();
    } catch (e) {
      // only answers that say the write was not applied (throttled, unavailable) are safe to repeat
      if (i + 1 >= attempts || !(isCosmosError(e, 429) || isCosmosError(e, 503))) throw e;
      await new Promise((r) => setTimeout(r, 100 * 2 ** i));
    }
  }
}

/** Why a product's seats could not be had, from a fresh read of its subscription. */
async function seatShortage(tenantId: string, skuId: string, needed: number, target?: string): Promise<Violation> {
  subscriptions.invalidate(tenantId);
  const fresh = await subscriptions.get(tenantId, skuId);
  const s = fresh && forRules(fresh);
  // the state may have changed since the rules were checked: explain that rather than a count
  const refusal = subscriptionRefusal(skuId, s, 'assign');
  return refusal ? { ...refusal, ...(target ? { target } : {}) } : countViolation(skuId, s!, needed, target);
}

export async function applyChanges(req: ApplyRequest): Promise<GroupOutcome[]> {
  const { tenantId, groups, seats } = req;
  const now = new Date().toISOString();
  const failures = new Map<number, Error>();
  const fail = (g: number, e: Error) => {
    if (!failures.has(g)) failures.set(g, e);
  };
  const live = (p: Plan) => !failures.has(p.group);

  // 1. read
  const unread = [...new Set(groups.flatMap((g) => g.changes.filter((c) => !c.current).map((c) => c.userId.toLowerCase())))];
  const [subsDocs, read] = await Promise.all([subscriptions.forRules(tenantId), users.getMany(tenantId, unread)]);
  const context = { subscriptions: new Map(subsDocs.map((d) => [d.skuId, forRules(d)])), now };

  // 2. decide
  let plans: Plan[] = [];
  groups.forEach((group, g) => {
    const violations: Violation[] = [];
    for (const change of group.changes) {
      const user = change.current ?? read.get(change.userId.toLowerCase());
      if (!user) {
        violations.push({
          code: ErrorCodes.notFound,
          message: `User '${change.userId}' does not exist in this organization. Pick users from GET /users.`,
          target: change.userId,
        });
        continue;
      }
      try {
        const plan = decide(g, change, user, context, new Set());
        violations.push(...plan.decision.violations);
        plans.push(plan);
      } catch (e) {
        // a decision may refuse outright (an ApiError): that is the group's answer
        if (!(e instanceof ApiError)) throw e;
        fail(g, e);
      }
    }
    if (violations.length && !failures.has(g)) {
      if (group.changes.length === 1 && violations[0].code === ErrorCodes.notFound) fail(g, notFound('User', group.changes[0].userId));
      else fail(g, ruleViolation(violations));
    }
  });
  await addSeatHints(tenantId, groups, plans, failures);

  // 3. seats, for the groups still going
  await seats.willRelease?.([...new Set(plans.filter(live).flatMap((p) => p.release))]);
  plans = await takeSeats(tenantId, plans, seats, context, fail, live);

  // 4. commit
  const meta = (p: Plan) => ({ tenantId, ...groups[p.group] });
  let pending = plans.filter((p) => live(p) && !p.decision.unchanged);
  for (let attempt = 1; (pending = pending.filter(live)).length; attempt++) {
    const docs = pending.map((p) => {
      const record =
        p.decision.record === false ? undefined : { ...auditRecordFor(meta(p), p.user, p.decision.next, p.decision.touched, now), ...(req.mark?.(p) ?? {}) };
      p.record = record;
      return { doc: changedUser(p.user, p.decision.next, p.decision.fields ?? {}, record), etag: p.user._etag! };
    });
    const results = await users.writeMany(docs);
    const written = results.filter((r) => 'written' in r).length;
    for (const observe of commitObservers) observe(written, groups);
    const conflicts: Plan[] = [];
    for (const [i, p] of pending.entries()) {
      const r = results[i];
      if ('written' in r) p.written = r.written;
      else if ('stale' in r) conflicts.push(p);
      else if (r.unknown && (await landedAnyway(tenantId, p))) continue;
      else {
        // a store failure (throttled past the SDK's retries, unreachable) is undone like a rule failure
        if (r.unknown) p.unknownWrite = true;
        fail(p.group, r.error as Error);
      }
    }
    pending = [];
    if (!conflicts.length) break;
    if (attempt === MAX_ATTEMPTS) {
      for (const p of conflicts)
        fail(
          p.group,
          ruleViolation([
            {
              code: ErrorCodes.conflict,
              message: `User '${p.user.id}' kept changing while this request ran. Nothing was changed; try again.`,
              target: p.user.id,
            },
          ]),
        );
      break;
    }
    // someone changed these users meanwhile: start over from their current documents
    const fresh = await users.getMany(
      tenantId,
      conflicts.filter(live).map((p) => p.user.id),
    );
    for (const p of conflicts.filter(live)) {
      const again = await redecide(tenantId, p, fresh.get(p.user.id), seats, context, fail);
      if (!again) continue;
      plans[plans.indexOf(p)] = again;
      if (!again.decision.unchanged) pending.push(again);
    }
  }

  // 5. undo the groups that failed after some of their users were written
  await undo(
    tenantId,
    plans.filter((p) => !live(p)),
    seats,
  );

  // 6. finish: release seats no longer held, then the audit trail. A failure from here on must not turn a
  //    done change into an error: what is left is an over-count and a record the reconciliation re-creates.
  const done = plans.filter((p) => live(p) && p.written);
  const release = new Map<string, number>();
  for (const p of done) for (const s of p.release) release.set(s, (release.get(s) ?? 0) + 1);
  try {
    await Promise.all([...release].map(([s, n]) => seats.release(s, n)));
    await audit.write(done.filter((p) => p.record).map((p) => p.record!));
  } catch (e) {
    log.warn('license change made; seat release or audit record left to the reconciliation', { tenantId, error: String(e) });
  }

  return groups.map((_, g) => {
    const error = failures.get(g);
    if (error) return { ok: false, error };
    const mine = plans.filter((p) => p.group === g);
    return { ok: true, users: mine.map((p) => p.written ?? p.user), changed: new Set(mine.filter((p) => p.written).map((p) => p.user.id)) };
  });
}

/** For a group of several users refused by the rules: say also whether the seats would have been enough, so the admin fixes everything in one go. */
async function addSeatHints(tenantId: string, groups: ChangeGroup[], plans: Plan[], failures: Map<number, Error>): Promise<void> {
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
        hints.push(countViolation(skuId, s, n));
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
async function takeSeats(
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
        fail(g, ruleViolation([seats.shortage?.(sku, needed, mine.length === 1 ? mine[0].user.id : undefined) ?? (await seatShortage(tenantId, sku, needed))]));
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
async function redecide(
  tenantId: string,
  p: Plan,
  fresh: UserDoc | undefined,
  seats: SeatStrategy,
  context: Omit<DecideContext, 'without'>,
  fail: (g: number, e: Error) => void,
): Promise<Plan | undefined> {
  if (!fresh) {
    fail(p.group, ruleViolation([{ code: ErrorCodes.notFound, message: `User '${p.user.id}' was deleted meanwhile.`, target: p.user.id }]));
    return undefined;
  }
  let next: Plan;
  try {
    next = decide(p.group, p.change, fresh, context, p.without, p.taken);
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    fail(p.group, ruleViolation([{ code: e.code, message: e.message, target: p.user.id }]));
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
      fail(p.group, ruleViolation([seats.shortage?.(missing, 1, p.user.id) ?? (await seatShortage(tenantId, missing, 1, p.user.id))]));
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

/** Step 5: put back the users a failed group already changed (If-Match), then give back every seat it took. */
async function undo(tenantId: string, failed: Plan[], seats: SeatStrategy): Promise<void> {
  await Promise.allSettled(
    failed
      .filter((p) => p.written)
      .map(async (p) => {
        const restored: UserDoc = {
          ...p.written!,
          licenseAssignments: p.user.licenseAssignments,
          skuIds: p.user.skuIds,
          lastLicenseChange: p.user.lastLicenseChange,
          appliedJobs: p.user.appliedJobs,
        };
        Object.assign(restored, Object.fromEntries(Object.keys(p.decision.fields ?? {}).map((k) => [k, p.user[k as keyof UserDoc]])));
        const back = await persistently(() => users.replaceIfMatch(restored, p.written!._etag!)).catch((e) => {
          log.error('could not put a user back after a failed request: the user keeps this change', { tenantId, userId: p.user.id, error: String(e) });
          return undefined;
        });
        if (!back) {
          // changed again by someone else since our write, or the store is down: the user keeps the
          // change and its seats (an over-count at worst)
          log.warn('could not roll back a user changed concurrently', { tenantId, userId: p.user.id });
          p.taken.clear();
        }
        p.written = undefined;
      }),
  );
  // a write that may have landed keeps its seats: at worst an over-count, never a license without its seat
  for (const p of failed) if (p.unknownWrite) p.taken.clear();
  const back = new Map<string, { n: number; source: SeatSource }>();
  for (const p of failed) for (const [s, source] of p.taken) back.set(`${s}|${source}`, { n: (back.get(`${s}|${source}`)?.n ?? 0) + 1, source });
  for (const p of failed) p.taken.clear();
  for (const [key, { n, source }] of back) {
    await persistently(() => seats.giveBack(key.split('|')[0], n, source)).catch((e) =>
      // the store is still failing: the seats stay counted (an over-count the reconciliation repairs)
      log.warn('could not give back reserved seats', { tenantId, error: String(e) }),
    );
  }
}
