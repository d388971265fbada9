/** One run of one tenant: what its steps share. */
import { Catalog } from '../../domain/catalog';
import { HoldJobState, ReclaimPolicy } from '../../domain/reconciliation';
import { RunMode } from '../../domain/reconciliationSchedule';
import { Principal } from '../../domain/roles';
import { ChangeCheckpoint } from '../../storage/changes';
import { SubscriptionDoc } from '../../storage/documents';
import { ReclaimMarkDoc } from '../../storage/reclaimMarks';
import { subscriptions } from '../../storage/subscriptions';
import { ReconciliationReport } from './report';
import { LeaseKeeper } from './lease';

export interface RunOptions {
  trigger: 'timer' | 'onDemand';
  requestedBy?: { id: string; displayName: string } | null;
  /** On demand: the kind of run asked for (none: what the timer would run, incremental unless a full run is due). */
  mode?: RunMode;
  /**
   * The run's clock (ISO), instead of the time it starts: only where RECONCILIATION_ALLOW_AS_OF is on (the
   * test stack), so tests move the clock for the reclaim policy's dates instead of sleeping.
   */
  asOf?: string;
  /** The catalog version the run judges by (the request's snapshot, or the timer's for this tenant). */
  catalog: Catalog;
}

/**
 * What an incremental run learnt from the change set, for the steps other modules registered (group
 * licensing): changed users with group paths or group errors, memberships made, groups written, whether
 * the tenant's own document changed; users whose query fields are missing.
 */
export interface ChangeSummary {
  groupUsers: { id: string; groupPaths: string[]; groupsInError: string[] }[];
  memberships: { groupId: string; userId: string }[];
  groups: { id: string; state: string | null }[];
  tenantChanged: boolean;
  withoutQueryFields: string[];
}

export const emptyChanges = (): ChangeSummary => ({ groupUsers: [], memberships: [], groups: [], tenantChanged: false, withoutQueryFields: [] });

export interface Run {
  tenantId: string;
  catalog: Catalog;
  runId: string;
  mode: RunMode;
  /** The store's time at the run's start (the `_ts` of its lease write, epoch seconds), before it read anything. */
  startTs: number;
  /** Incremental: where its change set starts (the last run's checkpoint). */
  from?: ChangeCheckpoint;
  /** Where the next run starts, once this one has dealt with every change before it (stored only if it completes). */
  next?: ChangeCheckpoint;
  changes: ChangeSummary;
  now: string;
  report: ReconciliationReport;
  lease: LeaseKeeper;
  graceSeconds: number;
  policy: ReclaimPolicy;
  principal: Principal;
  jobStates: Map<string, HoldJobState>;
  auditChecked: boolean;
  /** Filled by the scan (or the change set) for the reclaim step. */
  disabledWithoutDate: string[];
  /**
   * Users the store's count of a product's holders cannot see (written without the query fields, by a
   * version of the app from before them), found by the scan or in the change set: while there are any, a
   * recount lowers no counter.
   */
  uncounted: number;
  /** Ask-first marks of the tenant (read once, when the policy reclaims by activity). */
  marks: Map<string, ReclaimMarkDoc>;
  /** The tenant's subscriptions, read once and again only after the run changed one (runSubscriptions). */
  subscriptions?: Promise<SubscriptionDoc[]>;
}

/** The tenant's subscriptions as the run last read them (one query, shared by its steps). */
export function runSubscriptions(run: Run): Promise<SubscriptionDoc[]> {
  if (!run.subscriptions) {
    run.subscriptions = subscriptions.list(run.tenantId);
    run.subscriptions.catch(() => (run.subscriptions = undefined));
  }
  return run.subscriptions;
}

/**
 * The run changed a subscription: the next step reads them again, or (given the document as written, and
 * the list read already) sees it in the list as it is now.
 */
export function subscriptionsChanged(run: Run, written?: SubscriptionDoc): void {
  const listed = run.subscriptions;
  run.subscriptions = written && listed ? listed.then((docs) => docs.map((d) => (d.skuId === written.skuId ? written : d))) : undefined;
}

/** Who the reconciliation's own changes are attributed to in the audit trail. */
export const systemPrincipal = (tenantId: string): Principal => ({
  tenantId,
  objectId: 'license-reconciliation',
  displayName: 'License reconciliation',
  // guests' licenses too (a Global Administrator's reach); the reconciliation only removes, never adds
  directoryRoles: ['GlobalAdministrator'],
  appRoles: [],
  isApp: true,
});

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));
