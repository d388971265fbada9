/**
 * The engine's seats, noted while in flight: wraps a run's seat strategy so that a seat intent
 * (shared/storage/seatIntents.ts) names every product before its counter moves (take, takeOne, a chunk's
 * hold, a release), and is removed when the run has settled them all. What the run cannot be sure of (a
 * reservation that failed half-way, a give-back or release that threw, a user write whose outcome is
 * unknown) keeps the intent: the incremental reconciliation recounts those products once the intent is
 * older than RECONCILIATION_SEAT_GRACE_SECONDS. A run that dies keeps it too, by not removing it.
 */
import { OperationInput } from '@azure/cosmos';
import { newSeatIntentId, SeatIntentDoc, seatIntents } from '../storage/seatIntents';
import { SeatStrategy } from './seats';

export interface IntentSeats extends SeatStrategy {
  /** Notes these products (if new to the intent) before any of their counters moves: one write, or none. */
  cover(skuIds: Iterable<string>): Promise<void>;
  /** The run's seats are uncertain: the intent stays for the reconciliation. */
  keep(): void;
  /** What closes the intent, to ride in the run's last bulk write (audit.write): nothing when none was written, or it stays. */
  closing(): OperationInput[];
}

/** `about`: the run's start (its audit records' time) and its users. */
export function withSeatIntent(tenantId: string, inner: SeatStrategy, about: { at: string; userIds: string[] }): IntentSeats {
  const covered = new Set<string>();
  let doc: SeatIntentDoc | undefined;
  let kept = false;
  // one write at a time, so a later write never lists fewer products than an earlier one
  let writing: Promise<void> = Promise.resolve();

  const cover = (skuIds: Iterable<string>): Promise<void> => {
    const next = (writing = writing
      .catch(() => undefined) // a write that failed failed its caller; the next one tries afresh
      .then(async () => {
        const fresh = [...new Set(skuIds)].filter((s) => !covered.has(s));
        if (!fresh.length) return;
        const written: SeatIntentDoc = {
          ...(doc ?? {
            id: newSeatIntentId(),
            tenantId,
            type: 'seatIntent',
            createdDateTime: about.at,
            userIds: [...new Set(about.userIds.map((u) => u.toLowerCase()))],
          }),
          skuIds: [...covered, ...fresh],
        };
        await seatIntents.put(written);
        doc = written;
        fresh.forEach((s) => covered.add(s));
      }));
    return next;
  };
  /** A counter move the run cannot vouch for once it throws: the intent stays. */
  const uncertain = async <T>(move: () => Promise<T>): Promise<T> => {
    try {
      return await move();
    } catch (e) {
      kept = true;
      throw e;
    }
  };

  return {
    name: inner.name,
    source: inner.source,
    attempts: inner.attempts,
    shortage: inner.shortage?.bind(inner),
    cover,
    keep: () => {
      kept = true;
    },
    closing: () => (doc && !kept ? [seatIntents.removal(tenantId, doc.id)] : []),
    async take(needs) {
      await cover(needs.flatMap((g) => [...g.need.keys()]));
      return uncertain(() => inner.take(needs));
    },
    async takeOne(skuId) {
      await cover([skuId]);
      return uncertain(() => inner.takeOne(skuId));
    },
    giveBack: (skuId, n, source) => uncertain(() => inner.giveBack(skuId, n, source)),
    async release(skuId, n) {
      await cover([skuId]);
      return uncertain(() => inner.release(skuId, n));
    },
    ...(inner.willRelease
      ? {
          async willRelease(skuIds: string[]) {
            await cover(skuIds);
            return uncertain(() => inner.willRelease!(skuIds));
          },
        }
      : {}),
  };
}
