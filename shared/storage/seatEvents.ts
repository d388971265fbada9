/**
 * What happens when seats are taken or freed, beyond the seat counter: low-seat alerts, the waiting list's
 * turn. Storage tells its subscribers; who subscribes is wired where the app starts (functions/index.ts),
 * never by importing a module. A subscriber's failure never fails the change that freed or took seats.
 */
import { SubscriptionDoc } from './documents';

export interface SeatSubscriber {
  /** Seats were taken: n of them, `doc` as written. */
  seatsTaken?(doc: SubscriptionDoc, n: number): Promise<unknown>;
  /** Seats became available on a subscription that has members waiting (released, or bought). */
  seatsFreed?(tenantId: string, skuId: string): Promise<unknown>;
}

const subscribers: SeatSubscriber[] = [];

/** Adds a subscriber; returns how to remove it. */
export function subscribeToSeats(subscriber: SeatSubscriber): () => void {
  subscribers.push(subscriber);
  return () => {
    const i = subscribers.indexOf(subscriber);
    if (i >= 0) subscribers.splice(i, 1);
  };
}

export async function seatsTaken(doc: SubscriptionDoc | undefined, n: number): Promise<void> {
  if (!doc) return;
  for (const s of subscribers) await s.seatsTaken?.(doc, n).catch(() => undefined); // an alert must never fail an assignment
}

export async function seatsFreed(doc: SubscriptionDoc | undefined): Promise<void> {
  if (!doc || !(doc.seat.waiting! > 0) || doc.seat.consumed >= doc.seat.limit) return;
  for (const s of subscribers) await s.seatsFreed?.(doc.tenantId, doc.skuId).catch(() => undefined); // the reconciliation retries waiting members too
}
