/**
 * A bounded number of things per tenant, enforced atomically on many instances: slot n of a budget is one
 * document (`{prefix}-{n}`) naming what holds it. Taking a slot is one create (only one creator can win
 * it), or, when what held it is gone without giving it back, one replace with If-Match. So 15 simultaneous
 * requests for a budget of 5 get 5, never 6, where a count-then-create would let them all through.
 * A budget of one named by what it keeps unique (one pending license request per user and product) is a
 * named slot: the same document under an id of the caller's.
 */
import { CONTAINERS, container, createIfAbsent, isCosmosError, readOf, replaceIfMatch, tracked } from './cosmos';

export interface SlotDoc {
  id: string;
  tenantId: string;
  type: 'slot';
  /** What holds the slot (a job id, a webhook id, a license request id). */
  holder: string;
  takenDateTime: string;
  _etag?: string;
}

const slotId = (prefix: string, n: number) => `${prefix}-${n}`;

const slotDoc = (id: string, tenantId: string, holder: string): SlotDoc => ({ id, tenantId, type: 'slot', holder, takenDateTime: new Date().toISOString() });

/** The slot `id` once a create found it taken: created if it has gone since, taken over if its holder is over. */
async function takeOver(
  which: keyof typeof CONTAINERS,
  tenantId: string,
  id: string,
  holder: string,
  isOver: (held: SlotDoc) => Promise<boolean>,
): Promise<boolean> {
  const held = await readOf<SlotDoc>(which, id, tenantId, 'slot');
  if (!held) return createIfAbsent(which, slotDoc(id, tenantId, holder));
  if (held.holder === holder) return true;
  return (await isOver(held)) && (await replaceIfMatch(which, slotDoc(id, tenantId, holder), held._etag!)) !== undefined;
}

/**
 * Takes a free slot of `size` for `holder`: the first that does not exist, else one whose holder is over
 * (`isOver` decides). Undefined when every slot is held.
 */
export async function takeSlot(
  which: keyof typeof CONTAINERS,
  tenantId: string,
  prefix: string,
  size: number,
  holder: string,
  isOver: (held: SlotDoc) => Promise<boolean>,
): Promise<number | undefined> {
  for (let n = 0; n < size; n++) if (await createIfAbsent(which, slotDoc(slotId(prefix, n), tenantId, holder))) return n;
  for (let n = 0; n < size; n++) if (await takeOver(which, tenantId, slotId(prefix, n), holder, isOver)) return n;
  return undefined;
}

/** Takes the named slot `id` for `holder`: true if it was free or its holder is over (`isOver` decides). */
export async function takeNamedSlot(
  which: keyof typeof CONTAINERS,
  tenantId: string,
  id: string,
  holder: string,
  isOver: (held: SlotDoc) => Promise<boolean>,
): Promise<boolean> {
  return (await createIfAbsent(which, slotDoc(id, tenantId, holder))) || takeOver(which, tenantId, id, holder, isOver);
}

/** Gives a slot back, only if `holder` still holds it. */
export const releaseSlot = (which: keyof typeof CONTAINERS, tenantId: string, prefix: string, n: number, holder: string) =>
  releaseNamedSlot(which, tenantId, slotId(prefix, n), holder);

/** Gives the named slot `id` back, only if `holder` still holds it. */
export async function releaseNamedSlot(which: keyof typeof CONTAINERS, tenantId: string, id: string, holder: string): Promise<void> {
  const held = await readOf<SlotDoc>(which, id, tenantId, 'slot');
  if (!held || held.holder !== holder) return;
  try {
    await tracked(() =>
      container(which)
        .item(held.id, tenantId)
        .delete({ accessCondition: { type: 'IfMatch', condition: held._etag! } }),
    );
  } catch (e) {
    if (!isCosmosError(e, 412) && !isCosmosError(e, 404)) throw e;
  }
}
