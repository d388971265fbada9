/**
 * Applies license changes to one or more users: every rule first, then seats, then the users, then the
 * audit trail. The one mechanism behind assignLicense, the Licenses page's "assign to up to 20 users",
 * the service-plan toggles (and, later, bulk jobs and groups).
 *
 * Safety without multi-document transactions:
 * 1. Check: read the users, evaluate every rule for every user; any violation -> refuse, nothing written.
 * 2. Reserve: one conditional patch per product for all new holders (consumed + n <= limit).
 * 3. Commit: replace each user with If-Match. A user changed meanwhile is re-read and re-checked (and its
 *    seat need recomputed); if the change no longer passes, every user already written by this request is
 *    put back (If-Match again) and the seats are returned: all-or-nothing for the caller.
 * 4. Release seats of products users no longer hold, then write the audit records (ids fixed in step 3
 *    and embedded in the user document, so the record can be re-created from the user if we stop here).
 * A crash anywhere leaves at worst a seat counted that nobody holds (the reconciliation recounts), never
 * a held license without its seat.
 */
import { ApiError, ErrorCodes, notFound, ruleViolation, Violation } from '../errors';
import { Principal } from '../domain/roles';
import {
  countViolation,
  effectiveLicenses,
  evaluateLicenseChange,
  LicenseChange,
  LicenseChangeOutcome,
  subscriptionRefusal,
  SubscriptionForRules,
} from '../domain/licensing';
import { audit } from '../storage/audit';
import { AuditDoc, SubscriptionDoc, TenantDoc, UserDoc } from '../storage/documents';
import { subscriptions } from '../storage/subscriptions';
import { users } from '../storage/users';
import { log } from '../log';
import { isCosmosError } from '../storage/cosmos';

export interface UserLicenseChange {
  userId: string;
  /** The user's document if the caller already read it (saves a read; re-read if it turns out stale). */
  current?: UserDoc;
  /** User properties to set in the same write (a bulk import's usageLocation), before the rules are checked. */
  userPatch?: Partial<Pick<UserDoc, 'usageLocation'>>;
  /** The change, computed from the user's current document (called again if the user changes meanwhile). */
  changeFor: (user: UserDoc) => LicenseChange;
}

export interface ApplyRequest {
  tenant: Pick<TenantDoc, 'id'>;
  principal: Principal;
  requestId: string;
  operation: string;
  changes: UserLicenseChange[];
  /** A bulk job applying these changes: recorded in the audit trail and marked on each user written. */
  jobId?: string;
}

export interface ApplyResult {
  users: UserDoc[];
  changed: Set<string>;
}

const MAX_ATTEMPTS = 5;

export function forRules(doc: SubscriptionDoc): SubscriptionForRules {
  return {
    skuId: doc.skuId,
    capabilityStatus: doc.capabilityStatus,
    purchaseChannel: doc.purchaseChannel,
    totalLicenses: doc.totalLicenses,
    consumedUnits: doc.seat.consumed,
  };
}

const subscriptionMap = (docs: SubscriptionDoc[]) => new Map(docs.map((d) => [d.skuId, forRules(d)]));

/** How many bulk jobs a user remembers having been applied by (the marker that makes redelivery harmless). */
export const APPLIED_JOBS_KEPT = 20;

/** The user document after a change: assignments, derived fields, the audit record and the job marker. */
export function withSkus(doc: UserDoc, outcome: LicenseChangeOutcome, auditRecord: AuditDoc): UserDoc {
  const jobs = auditRecord.jobId ? [...(doc.appliedJobs ?? []).filter((j) => j !== auditRecord.jobId), auditRecord.jobId].slice(-APPLIED_JOBS_KEPT) : doc.appliedJobs;
  return {
    ...doc,
    licenseAssignments: outcome.next,
    skuIds: [...new Set(outcome.next.map((a) => a.skuId))],
    lastLicenseChange: auditRecord,
    ...(jobs ? { appliedJobs: jobs } : {}),
  };
}

/** The audit record of a job's change to a user: one per (job, user), so a repeated chunk writes it once. */
export const jobAuditId = (jobId: string, userId: string) => `${jobId}_${userId}`;

export function auditRecordFor(
  req: Pick<ApplyRequest, 'tenant' | 'requestId' | 'principal' | 'operation' | 'jobId'>,
  user: UserDoc,
  outcome: LicenseChangeOutcome,
  change: LicenseChange,
  now: string,
): AuditDoc {
  return {
    // a job's record has a fixed id per (job, user): applying the same chunk twice writes it once
    id: req.jobId ? jobAuditId(req.jobId, user.id) : audit.newId(),
    ...(req.jobId ? { jobId: req.jobId } : {}),
    tenantId: req.tenant.id,
    type: 'licenseChange',
    activityDateTime: now,
    requestId: req.requestId,
    actor: { id: req.principal.objectId, displayName: req.principal.displayName },
    operation: req.operation,
    userId: user.id,
    userPrincipalName: user.userPrincipalName,
    skuIds: [...new Set([...change.addLicenses.map((a) => a.skuId.toLowerCase()), ...change.removeLicenses.map((s) => s.toLowerCase())])],
    before: effectiveLicenses(user.licenseAssignments),
    after: effectiveLicenses(outcome.next),
  };
}

/** Why a seat reservation failed, from a fresh read of the subscription. */
async function seatShortage(tenantId: string, skuId: string, needed: number): Promise<Violation> {
  subscriptions.invalidate(tenantId);
  const fresh = await subscriptions.get(tenantId, skuId);
  const s = fresh && forRules(fresh);
  // the state may have changed since the rules were checked: explain that rather than a count
  return subscriptionRefusal(skuId, s, 'assign') ?? countViolation(skuId, s!, needed);
}

const SEAT_ATTEMPTS = 4;

/**
 * For undoing: keeps trying through a store outage for a while (the SDK has already retried each call),
 * because giving up would leave a multi-user request half-applied.
 */
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

function seatNeed(planned: Planned[]): Map<string, number> {
  const need = new Map<string, number>();
  for (const p of planned) for (const s of p.outcome.seatsToReserve) need.set(s, (need.get(s) ?? 0) + 1);
  return need;
}

/** Reserves every product's seats; on the first refusal gives back what it took and names that product. */
async function reserveAll(tenantId: string, need: Map<string, number>): Promise<string | undefined> {
  const taken: [string, number][] = [];
  const giveBack = () => Promise.all(taken.map(([s, k]) => subscriptions.releaseSeats(tenantId, s, k)));
  for (const [skuId, n] of need) {
    let ok: boolean;
    try {
      ok = await subscriptions.reserveSeats(tenantId, skuId, n);
    } catch (e) {
      await giveBack().catch(() => undefined); // still failing: an over-count at worst
      throw e;
    }
    if (!ok) {
      await giveBack();
      return skuId;
    }
    taken.push([skuId, n]);
  }
  return undefined;
}

interface Planned {
  userId: string;
  doc: UserDoc;
  change: LicenseChange;
  outcome: LicenseChangeOutcome;
  /** Seats this request holds for this user, per product. */
  reserved: Set<string>;
  written?: UserDoc;
  auditRecord?: AuditDoc;
}

export async function applyLicenseChanges(req: ApplyRequest): Promise<ApplyResult> {
  const tenantId = req.tenant.id;
  const now = new Date().toISOString();
  const unread = req.changes.filter((c) => !c.current).map((c) => c.userId);
  const [subsDocs, docs] = await Promise.all([subscriptions.forRules(tenantId), users.getMany(tenantId, unread)]);
  for (const c of req.changes) if (c.current) docs.set(c.current.id, c.current);
  const subs = subscriptionMap(subsDocs);
  const single = req.changes.length === 1;

  const changeOf = new Map(req.changes.map((c) => [c.userId.toLowerCase(), c]));
  const evaluate = (stored: UserDoc): Planned => {
    const userPatch = changeOf.get(stored.id)!.userPatch ?? {};
    const doc = { ...stored, ...userPatch };
    const change = changeOf.get(doc.id)!.changeFor(doc);
    const outcome = evaluateLicenseChange({ principal: req.principal, user: doc, subscriptions: subs, change, now, checkSeats: false });
    const patched = Object.entries(userPatch).some(([k, v]) => (stored as unknown as Record<string, unknown>)[k] !== v);
    return { userId: doc.id, doc, change, outcome: patched ? { ...outcome, unchanged: false } : outcome, reserved: new Set() };
  };

  // 1. check every user against every rule
  const violations: Violation[] = [];
  let planned: Planned[] = [];
  for (const c of req.changes) {
    const doc = docs.get(c.userId.toLowerCase());
    if (!doc) {
      if (single) throw notFound('User', c.userId);
      violations.push({ code: ErrorCodes.notFound, message: `User '${c.userId}' does not exist in this organization. Pick users from GET /users.`, target: c.userId });
      continue;
    }
    const p = evaluate(doc);
    violations.push(...p.outcome.violations);
    planned.push(p);
  }
  if (violations.length) {
    // say also whether the seats would have been enough, so the admin fixes everything in one go
    if (!single) {
      subscriptions.invalidate(tenantId);
      const fresh = subscriptionMap(await subscriptions.list(tenantId));
      for (const [skuId, n] of seatNeed(planned)) {
        const s = fresh.get(skuId);
        if (s && s.capabilityStatus === 'Enabled' && s.purchaseChannel === 'admin' && s.totalLicenses - s.consumedUnits < n) violations.push(countViolation(skuId, s, n));
      }
    }
    throw ruleViolation(violations);
  }

  // 2. reserve the seats, one conditional write per product for the whole request. A refusal may only
  //    mean that concurrent requests hold seats in flight (some of them for these very users): wait a
  //    moment, re-read the users and try again before calling it a shortage.
  for (let attempt = 1; ; attempt++) {
    const need = seatNeed(planned);
    const short = await reserveAll(tenantId, need);
    if (!short) {
      for (const p of planned) for (const s of p.outcome.seatsToReserve) p.reserved.add(s);
      break;
    }
    if (attempt === SEAT_ATTEMPTS) throw ruleViolation([await seatShortage(tenantId, short, need.get(short)!)]);
    await new Promise((r) => setTimeout(r, 25 * attempt + Math.random() * 25));
    const fresh = await users.getMany(tenantId, planned.map((p) => p.userId));
    planned = planned.map((p) => (fresh.get(p.userId) ? evaluate(fresh.get(p.userId)!) : p));
    const nowFailing = planned.flatMap((p) => p.outcome.violations);
    if (nowFailing.length) throw ruleViolation(nowFailing);
  }
  const releaseAll = async (which: Planned[]) => {
    const back = new Map<string, number>();
    for (const p of which) for (const s of p.reserved) back.set(s, (back.get(s) ?? 0) + 1);
    for (const p of which) p.reserved.clear();
    // one product at a time, dropping each once released, so a retry never gives back twice
    const pending = new Map(back);
    await persistently(async () => {
      for (const [s, n] of [...pending]) {
        await subscriptions.releaseSeats(tenantId, s, n);
        pending.delete(s);
      }
    });
  };

  // 3. commit each user (If-Match), re-checking those changed meanwhile
  const failures: Violation[] = [];
  const settled = await Promise.allSettled(
    planned.map(async (p) => {
      for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
        if (p.outcome.unchanged) {
          p.written = p.doc;
          return;
        }
        p.auditRecord = auditRecordFor(req, p.doc, p.outcome, p.change, now);
        const written = await users.replaceIfMatch(withSkus(p.doc, p.outcome, p.auditRecord), p.doc._etag!);
        if (written) {
          p.written = written;
          return;
        }
        // someone changed this user meanwhile: start over from the current document
        const stored = await users.get(tenantId, p.userId);
        if (!stored) {
          failures.push({ code: ErrorCodes.notFound, message: `User '${p.userId}' was deleted meanwhile.`, target: p.userId });
          return;
        }
        let next: Planned;
        try {
          next = evaluate(stored);
        } catch (e) {
          if (e instanceof ApiError) failures.push({ code: e.code, message: e.message, target: p.userId });
          else throw e;
          return;
        }
        const { doc: fresh, change, outcome } = next;
        if (outcome.violations.length) {
          failures.push(...outcome.violations);
          return;
        }
        // seats: keep what is still needed, reserve what is newly needed, give back the rest
        for (const s of outcome.seatsToReserve) {
          if (p.reserved.has(s)) continue;
          if (!(await subscriptions.reserveSeats(tenantId, s, 1))) {
            failures.push({ ...(await seatShortage(tenantId, s, 1)), target: p.userId });
            return;
          }
          p.reserved.add(s);
        }
        for (const s of [...p.reserved]) {
          if (!outcome.seatsToReserve.includes(s)) {
            await subscriptions.releaseSeats(tenantId, s, 1);
            p.reserved.delete(s);
          }
        }
        Object.assign(p, { doc: fresh, change, outcome });
      }
      failures.push({
        code: ErrorCodes.conflict,
        message: `User '${p.userId}' kept changing while this request ran. Nothing was changed; try again.`,
        target: p.userId,
      });
    }),
  );
  // a store failure (throttled past the SDK's retries, unreachable) is undone like a rule failure
  const storeError = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected')?.reason;

  if (failures.length || storeError) {
    // all-or-nothing: put back the users this request already changed, then return every seat it reserved
    await Promise.allSettled(
      planned
        .filter((p) => p.written && p.written !== p.doc)
        .map(async (p) => {
          const restored = { ...p.written!, licenseAssignments: p.doc.licenseAssignments, skuIds: p.doc.skuIds, lastLicenseChange: p.doc.lastLicenseChange };
          const back = await persistently(() => users.replaceIfMatch(restored, p.written!._etag!)).catch((e) => {
            log.error('could not put a user back after a failed request: the user keeps this change', { requestId: req.requestId, tenantId, userId: p.userId, error: String(e) });
            p.reserved.clear(); // the user holds the seats now
            return p.written;
          });
          if (!back) {
            // changed again by someone else since our write: keep their state and our seat (an over-count at worst)
            log.warn('could not roll back a user changed concurrently', { requestId: req.requestId, tenantId, userId: p.userId });
            p.reserved.clear();
          }
        }),
    );
    await releaseAll(planned).catch((e) =>
      // the store is still failing: the seats stay counted (an over-count the reconciliation repairs)
      log.warn('could not give back reserved seats', { requestId: req.requestId, tenantId, error: String(e) }),
    );
    if (storeError) throw storeError;
    throw ruleViolation(failures);
  }

  // 4. the change is made: give back seats no longer held, then record it. A failure from here on must not
  //    turn a done change into an error: what is left is an over-count and an audit record the
  //    reconciliation re-creates from the users' lastLicenseChange.
  const release = new Map<string, number>();
  for (const p of planned) for (const s of p.outcome.seatsToRelease) release.set(s, (release.get(s) ?? 0) + 1);
  const records = planned.filter((p) => p.written !== p.doc && p.auditRecord).map((p) => p.auditRecord!);
  try {
    await Promise.all([...release].map(([s, n]) => subscriptions.releaseSeats(tenantId, s, n)));
    await audit.write(records);
  } catch (e) {
    log.warn('license change made; seat release or audit record left to the reconciliation', { requestId: req.requestId, tenantId, error: String(e) });
  }

  return {
    users: planned.map((p) => p.written!),
    changed: new Set(planned.filter((p) => p.written !== p.doc).map((p) => p.userId)),
  };
}
