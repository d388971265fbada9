/** What a reconciliation run found and did, stored per run (kept REPORT_TTL_SECONDS). */
import {
  DEFAULT_RECLAIM_POLICY,
  HoldInfo,
  INACTIVITY_WINDOWS,
  LifecycleTransition,
  OverAssignment,
  ReclaimCandidate,
  ReclaimPolicy,
} from '../../domain/reconciliation';
import { RunMode, RunModeReason } from '../../domain/reconciliationSchedule';
import { RunOptions } from './run';

/** Users listed per product, candidate list, etc. in a report (counts are always complete). */
export const REPORT_LIST_CAP = 200;

export interface SeatReport {
  skuId: string;
  skuPartNumber: string;
  capabilityStatus: string;
  consumedBefore: number;
  consumedAfter: number;
  /** Users holding the product (active paths), as counted. */
  holders: number;
  /** Users whose recent change removed the product: their seat release may still be on its way. */
  pendingReleases: number;
  action: 'none' | 'repaired' | 'deferred';
  reason?: 'jobRunning' | 'recentSeatActivity' | 'unreadableUsers' | 'busy';
  message?: string;
  staleHoldsRemoved: (HoldInfo & { reason: string })[];
  liveHolds: HoldInfo[];
}

export interface ReconciliationReport {
  id: string;
  tenantId: string;
  trigger: 'timer' | 'onDemand';
  requestedBy: { id: string; displayName: string } | null;
  /** incremental: what changed since the last run and what the engine left open; full: every user read, every counter recounted. */
  mode: RunMode;
  modeReason: RunModeReason;
  /** When the tenant's next scheduled full run is due. */
  nextFullRunDateTime: string | null;
  status: 'completed' | 'completedWithErrors' | 'skipped';
  /** skipped: why (another run holds the tenant's lease). */
  reason?: 'alreadyRunning';
  runningUntil?: string;
  startedDateTime: string;
  /** The clock the run's dates were judged by, when it was not the start (a test stack's asOf). */
  asOf?: string;
  completedDateTime: string | null;
  durationMs: number | null;
  /** What the run read from the store: documents, requests, and the request charge the store reported (request units on Cosmos DB). */
  documentsRead: number;
  requests: number;
  requestCharge: number;
  /** Incremental: the change set it worked from (where it started, how many documents and of them users). */
  changes: { source: 'timestamp' | 'changeFeed'; sinceDateTime: string; documents: number; users: number } | null;
  /** The write engine's seat intents: open at the run, older than the grace period (their products recounted), closed by it. */
  seatIntents: { open: number; recounted: number; closed: number };
  summary: {
    seatsRepaired: number;
    seatsDeferred: number;
    staleHoldsRemoved: number;
    lifecycleTransitions: number;
    assignmentsRemoved: number;
    overAssignedProducts: number;
    auditRecordsRecreated: number;
    reclaimCandidates: number;
    licensesReclaimed: number;
    reclaimMarked: number;
  };
  seats: SeatReport[];
  lifecycle: (LifecycleTransition & { subscriptionId: string; skuId: string; skuPartNumber: string })[];
  deletedProducts: {
    skuId: string;
    skuPartNumber: string;
    usersChanged: number;
    seatsReleased: number;
    users: string[];
    failed: { userId: string; message: string }[];
  }[];
  overAssignments: (OverAssignment & { skuId: string; skuPartNumber: string; capabilityStatus: string })[];
  /** Products back within their enabled units since the previous run: their window is closed. */
  overAssignmentsResolved: { skuId: string; skuPartNumber: string; overAssignedSince: string }[];
  auditRecords: { checkedSince: string | null; checked: number; recreated: number; recreatedIds: string[] };
  reclaim: {
    policy: ReclaimPolicy;
    candidates: number;
    users: (ReclaimCandidate & {
      userId: string;
      userPrincipalName: string;
      displayName: string;
      disabledDateTime: string | null;
    })[];
    actions: { userId: string; status: 'reclaimed' | 'skipped' | 'failed'; removed: string[]; message?: string }[];
    /** Ask first: products marked in this run (the user is asked; a webhook says so), and those still waiting. */
    pending: {
      userId: string;
      userPrincipalName: string;
      displayName: string;
      skuIds: string[];
      reclaimAfterDateTime: string;
      status: 'marked' | 'waiting';
    }[];
    /** Disabled accounts without a disable date (disabled before it was recorded): dated now, counted from today. */
    disableDatesRecorded: number;
  };
  /** Licensed users without a sign-in for each of INACTIVITY_WINDOWS days or more (or never), counted in the scan. */
  inactiveLicensedUsers: Record<string, number>;
  /** Results of the steps other modules registered (registerReconciliationStep), by name. */
  steps: Record<string, object>;
  unreadableUsers: string[];
  errors: { step: string; message: string }[];
}

export function newReport(id: string, tenantId: string, o: RunOptions, started: Date): ReconciliationReport {
  return {
    id,
    tenantId,
    trigger: o.trigger,
    requestedBy: o.requestedBy ?? null,
    mode: o.mode ?? 'incremental',
    modeReason: o.mode ? 'requested' : 'default',
    nextFullRunDateTime: null,
    status: 'completed',
    startedDateTime: started.toISOString(),
    completedDateTime: null,
    durationMs: null,
    documentsRead: 0,
    requests: 0,
    requestCharge: 0,
    changes: null,
    seatIntents: { open: 0, recounted: 0, closed: 0 },
    summary: {
      seatsRepaired: 0,
      seatsDeferred: 0,
      staleHoldsRemoved: 0,
      lifecycleTransitions: 0,
      assignmentsRemoved: 0,
      overAssignedProducts: 0,
      auditRecordsRecreated: 0,
      reclaimCandidates: 0,
      licensesReclaimed: 0,
      reclaimMarked: 0,
    },
    seats: [],
    lifecycle: [],
    deletedProducts: [],
    overAssignments: [],
    overAssignmentsResolved: [],
    auditRecords: { checkedSince: null, checked: 0, recreated: 0, recreatedIds: [] },
    reclaim: { policy: DEFAULT_RECLAIM_POLICY, candidates: 0, users: [], actions: [], pending: [], disableDatesRecorded: 0 },
    inactiveLicensedUsers: Object.fromEntries(INACTIVITY_WINDOWS.map((d) => [String(d), 0])),
    steps: {},
    unreadableUsers: [],
    errors: [],
  };
}

export function summarise(r: ReconciliationReport): void {
  r.summary = {
    seatsRepaired: r.seats.filter((s) => s.action === 'repaired').length,
    seatsDeferred: r.seats.filter((s) => s.action === 'deferred').length,
    staleHoldsRemoved: r.seats.reduce((n, s) => n + s.staleHoldsRemoved.length, 0),
    lifecycleTransitions: r.lifecycle.length,
    assignmentsRemoved: r.deletedProducts.reduce((n, d) => n + d.usersChanged, 0),
    overAssignedProducts: r.overAssignments.length,
    auditRecordsRecreated: r.auditRecords.recreated,
    reclaimCandidates: r.reclaim.candidates,
    licensesReclaimed: r.reclaim.actions.filter((a) => a.status === 'reclaimed').reduce((n, a) => n + a.removed.length, 0),
    reclaimMarked: r.reclaim.pending.filter((p) => p.status === 'marked').reduce((n, p) => n + p.skuIds.length, 0),
  };
}
