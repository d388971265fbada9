/**
 * A bounded number of things per tenant, enforced atomically on many instances: slot n of a budget is one
 * document (`{prefix}-{n}`) naming what holds it. Taking a slot is one create (only one creator can win
 * it), or, when what held it is gone without giving it back, one replace with If-Match. So 15 simultaneous
 * requests for a budget of 5 get 5, never 6, where a count-then-create would let them all through.
 */
import { CONTAINERS, container, createIfAbsent, isCosmosError, readOf, replaceIfMatch, tracked } from './cosmos';

export interface SlotDoc {
  id: string;
  tenantId: string;
  type: 'slot';
  /** What holds the slot (a job id, a webhook id). */
  holder: string;
  takenDateTime: string;
  _etag?: string;
}

const slotId = (prefix: string, n: number) => `${prefix}-${n}`;

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
  const slot = (n: number): SlotDoc => ({ id: slotId(prefix, n), tenantId, type: 'slot', holder, takenDateTime: new Date().toISOString() });
  for (let n = 0; n < size; n++) if (await createIfAbsent(which, slot(n))) return n;
  for (let n = 0; n < size; n++) {
    const held = await readOf<SlotDoc>(which, slotId(prefix, n), tenantId, 'slot');
    if (!held) {
      if (await createIfAbsent(which, slot(n))) return n;
      continue;
    }
    if (held.holder === holder) return n;
    if ((await isOver(held)) && (await replaceIfMatch(which, slot(n), held._etag!))) return n;
  }
  return undefined;
}

/** Gives a slot back, only if `holder` still holds it. */
export async function releaseSlot(which: keyof typeof CONTAINERS, tenantId: string, prefix: string, n: number, holder: string): Promise<void> {
  const held = await readOf<SlotDoc>(which, slotId(prefix, n), tenantId, 'slot');
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
