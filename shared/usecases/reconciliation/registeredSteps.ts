/** Steps other modules add to every run (group licensing, alerts), registered where the app starts. */
import { Catalog } from '../../domain/catalog';
import { RunMode } from '../../domain/reconciliationSchedule';
import { SubscriptionDoc, TenantDoc } from '../../storage/documents';
import { ReconciliationReport } from './report';
import { LeaseLostError } from './lease';
import { ChangeSummary } from './run';

export interface ReconciliationStepContext {
  runId: string;
  /** The run's start (ISO). */
  now: string;
  /**
   * full: the step does all it does (every user may be looked at); incremental: only what `changes` (or a
   * cheap query) points at, the rest waiting for the tenant's next full run.
   */
  mode: RunMode;
  /** Incremental: what changed since the last run (the run's change set). */
  changes?: ChangeSummary;
  /** The tenant's subscriptions as the run last read them (shared by the steps: one query). */
  subscriptions(): Promise<SubscriptionDoc[]>;
  /** The catalog version of the run. */
  catalog: Catalog;
  /** Call now and then in a long step: renews the tenant's lease (throws when another run took it over). */
  keepAlive(): Promise<void>;
}

/** A step of another module: returns what it found and did (stored under its name in the report's `steps`). */
export type ReconciliationStep = (tenant: TenantDoc, report: Readonly<ReconciliationReport>, context: ReconciliationStepContext) => Promise<object>;

const registeredSteps = new Map<string, ReconciliationStep>();

/**
 * Adds a step to every tenant's reconciliation, run after the reconciliation's own steps, in registration
 * order, under the same lease. A step that throws is reported (its error under its name and in `errors`)
 * and does not stop the others; an incremental run with an error keeps its checkpoint, so the next run
 * goes over the same changes again. Registering a name again replaces that step.
 */
export function registerReconciliationStep(name: string, step: ReconciliationStep): void {
  registeredSteps.set(name, step);
}

/** Runs the registered steps into the report (exported for tests). */
export async function runRegisteredSteps(tenant: TenantDoc, report: ReconciliationReport, context: ReconciliationStepContext): Promise<void> {
  for (const [name, step] of registeredSteps) {
    try {
      report.steps[name] = await step(tenant, report, context);
    } catch (e) {
      if (e instanceof LeaseLostError) throw e;
      const message = e instanceof Error ? e.message : String(e);
      report.steps[name] = { error: message };
      report.errors.push({ step: name, message });
    }
  }
}
