/**
 * The one write engine: every change of a user's licenses, whatever triggers it (assignLicense, the
 * Licenses page, plan switches, bulk jobs, group licensing, the reconciliation, self-service purchases),
 * goes through `applyChanges`. Safety without multi-document transactions:
 *
 *   1. read   the users (one bulk read), and the tenant's subscriptions for the rules (cached list);
 *   2. decide each change from the user as stored (pure rules); a group with any refusal writes nothing;
 *   3. seats  are had before anyone is written, by the caller's seat strategy (one conditional write per
 *             product for the whole batch, a bulk chunk's hold, or seats counted at purchase), after a
 *             seat intent names the products whose counters the run moves (seatIntent.ts);
 *   4. commit each user with If-Match (one bulk replace): a user changed meanwhile is re-read, decided
 *             again, its seats adjusted, and written again (up to the group's `attempts`);
 *   5. undo   a group that can no longer complete: its users already written are put back (If-Match) and
 *             its seats given back, so a group (a request) is all or nothing;
 *   6. finish seats of products users no longer hold are released, then the audit records are written
 *             (bulk; their ids fixed in step 4 and embedded in the users, so a lost record is re-created),
 *             the seat intent's removal riding in the same bulk request.
 *
 * A crash anywhere leaves at worst a seat counted that nobody holds, named by the intent left behind (the
 * incremental reconciliation recounts those products), never a held license without its seat. Groups are
 * independent: one failing never fails another.
 */
import { Catalog } from '../domain/catalog';
import { ApiError, ErrorCodes, notFound, ruleViolation, Violation } from '../errors';
import { log } from '../log';
import { audit } from '../storage/audit';
import { AuditDoc } from '../storage/documents';
import { subscriptions } from '../storage/subscriptions';
import { users } from '../storage/users';
import { ChangeGroup, GroupOutcome } from './changes';
import { auditRecordFor, changedUser, forRules } from './records';
import { SeatSource, SeatStrategy } from './seats';
import { decide, Plan } from './plan';
import { addSeatHints, redecide, takeSeats } from './seatTaking';
import { landedAnyway, undo } from './undo';
import { withSeatIntent } from './seatIntent';

export interface ApplyRequest {
  tenantId: string;
  /** The catalog version every change of the run is judged by (the caller's snapshot: rules never fetch it). */
  catalog: Catalog;
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

/** Who learns that a run has its seats, before any of its users is written: wired where the app starts. */
export type SeatsObserver = (groups: readonly ChangeGroup[]) => void;
const seatsObservers: SeatsObserver[] = [];

/** Adds a seats observer (the local host's chaos hook that dies between reservation and user write); returns how to remove it. */
export function observeSeatsTaken(observer: SeatsObserver): () => void {
  seatsObservers.push(observer);
  return () => seatsObservers.splice(seatsObservers.indexOf(observer), 1);
}

/** How often a group's users are written (a user changed meanwhile decided again) unless the group says otherwise. */
const MAX_ATTEMPTS = 5;

export async function applyChanges(req: ApplyRequest): Promise<GroupOutcome[]> {
  const { tenantId, groups } = req;
  const now = new Date().toISOString();
  const seats = withSeatIntent(tenantId, req.seats, {
    at: now,
    userIds: groups.flatMap((g) => g.changes.map((c) => c.userId)),
  });
  const failures = new Map<number, Error>();
  const fail = (g: number, e: Error) => {
    if (!failures.has(g)) failures.set(g, e);
  };
  const live = (p: Plan) => !failures.has(p.group);

  // 1. read
  const unread = [...new Set(groups.flatMap((g) => g.changes.filter((c) => !c.current).map((c) => c.userId.toLowerCase())))];
  const [subsDocs, read] = await Promise.all([subscriptions.forRules(tenantId), users.getMany(tenantId, unread)]);
  const context = { catalog: req.catalog, subscriptions: new Map(subsDocs.map((d) => [d.skuId, forRules(d)])), now };

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
          parameters: { userId: change.userId },
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
  await addSeatHints(req.catalog, tenantId, groups, plans, failures);

  // 3. seats, for the groups still going: first the intent naming every product whose counter may move
  //    (one write; none when no counter moves), so that a run dying from here on is found
  try {
    await seats.cover(plans.filter(live).flatMap((p) => [...p.reserve, ...p.release]));
    await seats.willRelease?.([...new Set(plans.filter(live).flatMap((p) => p.release))]);
  } catch (e) {
    for (const p of plans) fail(p.group, e as Error);
  }
  plans = await takeSeats(tenantId, plans, seats, context, fail, live);
  if (plans.some((p) => live(p) && p.taken.size)) for (const observe of seatsObservers) observe(groups);

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
        // a store failure (throttled past the SDK's retries, unreachable) is undone like a rule failure;
        // a write that may have landed keeps its seats, and the intent stays for the reconciliation
        if (r.unknown) {
          p.unknownWrite = true;
          seats.keep();
        }
        fail(p.group, r.error as Error);
      }
    }
    pending = [];
    // a group whose users were written as often as it allows is refused (each group its own limit)
    for (const p of conflicts.filter((c) => attempt >= (groups[c.group].attempts ?? MAX_ATTEMPTS)))
      fail(
        p.group,
        ruleViolation([
          {
            code: ErrorCodes.conflict,
            message: `User '${p.user.id}' kept changing while this request ran. Nothing was changed; try again.`,
            target: p.user.id,
            parameters: { userId: p.user.id },
          },
        ]),
      );
    const changed = conflicts.filter(live);
    if (!changed.length) break;
    // someone changed these users meanwhile: start over from their current documents
    const fresh = await users.getMany(
      tenantId,
      changed.map((p) => p.user.id),
    );
    for (const p of changed) {
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
    await seats.cover(release.keys()); // a user decided again may release a product the intent does not name yet
    await Promise.all([...release].map(([s, n]) => seats.release(s, n)));
    await audit.write(
      done.filter((p) => p.record).map((p) => p.record!),
      seats.closing(),
    );
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
