/**
 * Seat intents (container `audit`, type `seatIntent`): the write engine's note of seats in flight. A run
 * of the engine writes one before it moves any seat counter, naming the products whose counters it may
 * move and the users it changes, and removes it once every seat it took, gave back or released is
 * settled. One left behind is a run that died (or could not settle) between the two: the incremental
 * reconciliation recounts just those products, without reading every user.
 *
 * They live beside the audit records because the engine's last write is the bulk write of its records:
 * the intent's removal rides in that same bulk request (audit.write), so an engine run pays one request
 * for its intent, the create.
 */
import { randomUUID } from 'node:crypto';
import { OperationInput } from '@azure/cosmos';
import { container, deleteIfPresent, tracked } from './cosmos';
import { queryAll } from './queries';

export interface SeatIntentDoc {
  id: string;
  tenantId: string;
  type: 'seatIntent';
  /** When the engine run started (its clock: the time of its audit records). */
  createdDateTime: string;
  /** Products whose seat counters the run may move. */
  skuIds: string[];
  /** The users it changes (the reconciliation checks their audit records too). */
  userIds: string[];
  _ts?: number;
  _etag?: string;
}

export const newSeatIntentId = () => `seatIntent-${randomUUID()}`;

export const seatIntents = {
  /** Writes the intent (again, with more products, when the run comes to need them). */
  async put(doc: SeatIntentDoc): Promise<void> {
    await tracked(() => container('audit').items.upsert(doc));
  },

  /** The tenant's open intents (runs under way, or left behind). */
  open: (tenantId: string): Promise<SeatIntentDoc[]> =>
    queryAll<SeatIntentDoc>('audit', tenantId, `SELECT * FROM c WHERE c.tenantId = @tenantId AND c.type = 'seatIntent'`),

  /** Removes an intent (the reconciliation, once its products are counted again). */
  remove: (tenantId: string, id: string) => deleteIfPresent('audit', id, tenantId),

  /** The removal as a bulk operation (riding in the engine's bulk write of its audit records). */
  removal: (tenantId: string, id: string): OperationInput => ({ operationType: 'Delete', id, partitionKey: tenantId }),
};
