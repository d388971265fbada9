/**
 * What a caller hands the write engine: groups of user changes. A group is one request's worth of changes
 * and is all or nothing (the Licenses page's 20 users; one user's assignLicense is a group of one); groups
 * are independent of each other (the requests gathered by group commit, the users of a bulk chunk).
 */
import { Catalog } from '../domain/catalog';
import { LicenseAssignment, SubscriptionForRules } from '../domain/licensing';
import { Principal } from '../domain/roles';
import { Violation } from '../errors';
import { UserDoc } from '../storage/documents';

/** What the rules decided for one user, from the user as stored now. */
export interface Decision {
  /** Refusals: with any, nothing of the user's group is written. */
  violations: Violation[];
  /** The user's license paths after the change. */
  next: LicenseAssignment[];
  /** Other fields written in the same atomic replace (a CSV row's usage location, group licensing's bookkeeping). */
  fields?: Partial<UserDoc>;
  /** Nothing to write. */
  unchanged: boolean;
  /** Products the change concerns, for the audit record. */
  touched: string[];
  /** Whether the change gets an audit record (default: yes). Group licensing records only changes of the effective products. */
  record?: boolean;
}

export interface DecideContext {
  /** The catalog version the change is judged by (the request's or the message's snapshot). */
  catalog: Catalog;
  /** The tenant's subscriptions for the rules (seat counts in them are never trusted). */
  subscriptions: ReadonlyMap<string, SubscriptionForRules>;
  /** The time of this change (ISO). */
  now: string;
  /** Products whose seat could not be had (only for changes that `replan`). */
  without: ReadonlySet<string>;
}

export interface UserChange {
  userId: string;
  /** The user as the caller already read it (saves a read; re-read when it turns out stale). */
  current?: UserDoc;
  /** Decides the change from the user as stored now; called again when the user changed meanwhile. */
  decide(user: UserDoc, context: DecideContext): Decision;
  /**
   * When a product's seat cannot be had, decide again without it instead of failing the change: a group
   * path then waits in Error (group-based licensing). Other changes fail with CountViolation.
   */
  replan?: boolean;
}

export interface ChangeGroup {
  changes: UserChange[];
  /** Who asks: the audit record's actor. */
  principal: Pick<Principal, 'objectId' | 'displayName'>;
  requestId: string;
  /** The audit record's operation (assignLicense, licenseJob:add, reconciliation, ...). */
  operation: string;
  /** A bulk job applying the changes: on the audit records and marked on the users. */
  jobId?: string;
  /** The license request this change approves: named on the audit records. */
  licenseRequestId?: string;
  /**
   * How many times the engine writes this group's users, a user changed meanwhile being read and decided
   * again each time, before it refuses the group because a user kept changing (default 5). Auto-claim
   * takes more: a burst of sign-ins moves the very user it claims for.
   */
  attempts?: number;
}

/** A group's outcome: the users as written (or as they were, when unchanged), or why nothing was written. */
export type GroupOutcome = { ok: true; users: UserDoc[]; changed: Set<string> } | { ok: false; error: Error };
