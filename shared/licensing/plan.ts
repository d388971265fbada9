/** One user's change as the engine carries it through its steps: the decision, the seats it needs and holds, what was written. */
import { effectiveLicenses } from '../domain/licensing';
import { AuditDoc, UserDoc } from '../storage/documents';
import { Decision, DecideContext, UserChange } from './changes';
import { SeatSource } from './seats';

export interface Plan {
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

export function decide(
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
