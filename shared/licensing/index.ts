/**
 * The one license-write engine (see engine.ts): every path that changes a user's licenses builds change
 * groups and hands them here. Interactive requests go through group commit; background paths (bulk
 * chunks, group licensing, the reconciliation, purchases) call the engine with their seat strategy.
 */
export type { ChangeGroup, Decision, DecideContext, GroupOutcome, UserChange } from './changes';
export { applyChanges, observeCommits, observeSeatsTaken } from './engine';
export type { CommitObserver, SeatsObserver } from './engine';
export type { ApplyRequest } from './engine';
export { commitGroup } from './groupCommit';
export { decideDirect, directChange } from './direct';
export { decideCatalogPlans } from './catalogPlans';
export type { DirectChange } from './direct';
export { precountedSeats, reservedSeats } from './seats';
export type { SeatSource, SeatStrategy } from './seats';
export { APPLIED_JOBS_KEPT, auditRecordFor, changedUser, forRules, jobAuditId } from './records';

import { GroupOutcome } from './changes';
import { UserDoc } from '../storage/documents';

/** A group's users as written, or its error thrown: for callers that answer one request. */
export function settled(outcome: GroupOutcome): { users: UserDoc[]; changed: Set<string> } {
  if (!outcome.ok) throw outcome.error;
  return outcome;
}
