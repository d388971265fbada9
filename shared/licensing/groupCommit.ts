/**
 * Group commit for interactive license changes: the requests of one tenant that arrive on this instance
 * while a batch of its changes is being written are gathered and written together, in one engine run —
 * one bulk read of their users, one conditional seat write per product, one bulk replace (If-Match per
 * user), one bulk write of the audit records — instead of four requests each. Nothing waits when nothing
 * is in flight: the first request starts a batch at once.
 *
 * Each request keeps its own outcome: it is a group of the run (all or nothing for its users), groups are
 * independent, seats fall back to group by group when the batch's total does not fit (so no request fails
 * for lack of seats another took), and a user named by two waiting requests goes in two batches, one after
 * the other, as two requests alone would. LICENSE_GROUP_COMMIT=false writes every request on its own.
 */
import { settings } from '../config';
import { Catalog } from '../domain/catalog';
import { ChangeGroup, GroupOutcome } from './changes';
import { applyChanges } from './engine';
import { reservedSeats } from './seats';

/** Users in one batch at most (a bulk request takes 100 operations; a batch of several of them is fine). */
const MAX_BATCH_USERS = 200;

interface Waiting {
  group: ChangeGroup;
  catalog: Catalog;
  resolve: (outcome: GroupOutcome) => void;
}

const queues = new Map<string, Waiting[]>();

/**
 * Writes one request's changes (a group), gathered with concurrent requests of its tenant; judged by its
 * catalog snapshot, or by a newer one a request of the same batch brought (never an older one).
 */
export function commitGroup(tenantId: string, group: ChangeGroup, catalog: Catalog): Promise<GroupOutcome> {
  if (!settings().LICENSE_GROUP_COMMIT) return applyChanges({ tenantId, catalog, groups: [group], seats: reservedSeats(tenantId) }).then(([o]) => o);
  return new Promise((resolve) => {
    const waiting = queues.get(tenantId);
    if (waiting) {
      waiting.push({ group, catalog, resolve });
      return;
    }
    queues.set(tenantId, [{ group, catalog, resolve }]);
    void drain(tenantId);
  });
}

/** Writes the tenant's waiting requests, batch after batch, until none waits. */
async function drain(tenantId: string): Promise<void> {
  const waiting = queues.get(tenantId)!;
  while (waiting.length) {
    const batch = nextBatch(waiting);
    let outcomes: GroupOutcome[];
    try {
      const catalog = batch.reduce((newest, w) => (w.catalog.version > newest.version ? w.catalog : newest), batch[0].catalog);
      outcomes = await applyChanges({ tenantId, catalog, groups: batch.map((w) => w.group), seats: reservedSeats(tenantId) });
    } catch (e) {
      outcomes = batch.map(() => ({ ok: false, error: e as Error }));
    }
    batch.forEach((w, i) => w.resolve(outcomes[i]));
  }
  queues.delete(tenantId);
}

/** Takes the next batch off the queue, in arrival order: no user twice, at most MAX_BATCH_USERS users. */
function nextBatch(waiting: Waiting[]): Waiting[] {
  const batch: Waiting[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < waiting.length;) {
    const ids = waiting[i].group.changes.map((c) => c.userId.toLowerCase());
    const clash = ids.some((id) => seen.has(id));
    if (!clash && (batch.length === 0 || seen.size + ids.length <= MAX_BATCH_USERS)) {
      batch.push(...waiting.splice(i, 1));
      ids.forEach((id) => seen.add(id));
    } else i++;
    if (seen.size >= MAX_BATCH_USERS) break;
  }
  return batch;
}
