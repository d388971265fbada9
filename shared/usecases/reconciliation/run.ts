/** One run of one tenant: what its steps share. */
import { Catalog } from '../../domain/catalog';
import { HoldJobState, ReclaimPolicy } from '../../domain/reconciliation';
import { Principal } from '../../domain/roles';
import { SubscriptionDoc } from '../../storage/documents';
import { ReclaimMarkDoc } from '../../storage/reclaimMarks';
import { ReconciliationReport } from './report';
import { LeaseKeeper } from './lease';

export interface RunOptions {
  trigger: 'timer' | 'onDemand';
  requestedBy?: { id: string; displayName: string } | null;
  /**
   * The run's clock (ISO), instead of the time it starts: only where RECONCILIATION_ALLOW_AS_OF is on (the
   * test stack), so tests move the clock for the reclaim policy's dates instead of sleeping.
   */
  asOf?: string;
  /** The catalog version the run judges by (the request's snapshot, or the timer's for this tenant). */
  catalog: Catalog;
}

export interface Run {
  tenantId: string;
  catalog: Catalog;
  runId: string;
  now: string;
  report: ReconciliationReport;
  lease: LeaseKeeper;
  graceSeconds: number;
  policy: ReclaimPolicy;
  principal: Principal;
  jobStates: Map<string, HoldJobState>;
  auditChecked: boolean;
  /** Filled by the scan for the reclaim step. */
  disabledWithoutDate: string[];
  subscriptionsAfterScan: SubscriptionDoc[];
  /** Ask-first marks of the tenant (read once, when the policy reclaims by activity). */
  marks: Map<string, ReclaimMarkDoc>;
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
