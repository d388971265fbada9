/** The engine's step 5 and its helpers: writes that may have landed, and putting a failed group back. */
import { log } from '../log';
import { isCosmosError } from '../storage/cosmos';
import { UserDoc } from '../storage/documents';
import { users } from '../storage/users';
import { Plan } from './plan';
import { SeatSource, SeatStrategy } from './seats';

/**
 * A write that failed without an answer (a timeout, a reset connection) may still have landed: the user as
 * stored says so (its last change is this one). When it did, it counts as written.
 */
export async function landedAnyway(tenantId: string, p: Plan): Promise<boolean> {
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

/** Step 5: put back the users a failed group already changed (If-Match), then give back every seat it took. */
export async function undo(tenantId: string, failed: Plan[], seats: SeatStrategy): Promise<void> {
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
