/**
 * Per-operation tracing of the Cosmos DB SDK's requests in one process: its item, bulk and query methods
 * are wrapped (in this process only), and each call is handed to the benchmark with its label, timing and
 * diagnostics. The requests are counted the way the app's own counter counts them
 * (shared/storage/cosmos.ts countRequests), so a breakdown adds up to the headline figure.
 */
import { performance } from 'node:perf_hooks';
import type { CosmosDiagnostics } from '@azure/cosmos';

export type SdkMethod = 'read' | 'replace' | 'delete' | 'patch' | 'create' | 'upsert' | 'bulk' | 'batch' | 'executeBulkOperations' | 'fetchNext' | 'fetchAll';
export const ALL_METHODS: readonly SdkMethod[] = [
  'read',
  'replace',
  'delete',
  'patch',
  'create',
  'upsert',
  'bulk',
  'batch',
  'executeBulkOperations',
  'fetchNext',
  'fetchAll',
];

/** One SDK call as the wrapper saw it. */
export interface SdkCall {
  method: SdkMethod;
  label: string;
  t0: number;
  t1: number;
  ok: boolean;
  /** The SDK object called (an Item, Items or QueryIterator) and the call's arguments. */
  self: any; // the SDK's classes (Item, Items, QueryIterator), read by the labels
  args: unknown[];
  diagnostics?: CosmosDiagnostics;
  /** HTTP status, or the error code (a string for an attempt that got no answer). */
  status: number | string;
  /** The call failed without an HTTP answer (timeout, reset): its last attempt went out and is in no list. */
  unansweredLast: boolean;
  /** Documents returned (queries). */
  items: number;
}

export interface TraceHooks<S> {
  label(method: SdkMethod, self: any, args: unknown[]): string;
  /** Whether to trace at all now (false: the SDK's method runs untouched). */
  enabled?(): boolean;
  /** Runs as the call starts (in-flight counters, the caller's context); its result is handed to onEnd. */
  onStart?(t0: number): S;
  onEnd(call: SdkCall, started: S): void;
}

/** Wraps the SDK's methods (all of them unless `methods` says which) to report each call to `hooks`. */
export async function traceSdk<S = undefined>(hooks: TraceHooks<S>, methods: readonly SdkMethod[] = ALL_METHODS): Promise<void> {
  const sdk = await import('@azure/cosmos');
  const protoOf: Record<SdkMethod, object> = {
    read: sdk.Item.prototype,
    replace: sdk.Item.prototype,
    delete: sdk.Item.prototype,
    patch: sdk.Item.prototype,
    create: sdk.Items.prototype,
    upsert: sdk.Items.prototype,
    bulk: sdk.Items.prototype,
    batch: sdk.Items.prototype,
    // (its answer has no diagnostics: counted as one request per call, however many it sent)
    executeBulkOperations: sdk.Items.prototype,
    fetchNext: sdk.QueryIterator.prototype,
    fetchAll: sdk.QueryIterator.prototype,
  };
  type Res = { diagnostics?: CosmosDiagnostics; statusCode?: number; resources?: unknown[] } | undefined;
  for (const method of methods) {
    const target = protoOf[method] as Record<string, (...args: unknown[]) => Promise<Res>>;
    const original = target[method];
    target[method] = async function (this: unknown, ...args: unknown[]) {
      if (hooks.enabled && !hooks.enabled()) return original.apply(this, args);
      const label = hooks.label(method, this, args);
      const t0 = performance.now();
      const started = hooks.onStart?.(t0) as S;
      const call = { method, label, t0, self: this, args };
      try {
        const res = await original.apply(this, args);
        hooks.onEnd(
          {
            ...call,
            t1: performance.now(),
            ok: true,
            diagnostics: res?.diagnostics,
            status: res?.statusCode ?? 200,
            unansweredLast: false,
            items: Array.isArray(res?.resources) ? res.resources.length : 0,
          },
          started,
        );
        return res;
      } catch (e) {
        const err = e as { diagnostics?: CosmosDiagnostics; code?: number | string };
        // an HTTP error status has a numeric code; a string code means the last attempt got no answer
        hooks.onEnd(
          {
            ...call,
            t1: performance.now(),
            ok: false,
            diagnostics: err.diagnostics,
            status: err.code ?? 'error',
            unansweredLast: typeof err.code === 'string',
            items: 0,
          },
          started,
        );
        throw e;
      }
    };
  }
}

/** What one call's requests were, from its diagnostics (@azure/cosmos 4.x). */
export interface RequestParts {
  /** Every request, as countRequests counts them (1 when there are no diagnostics, as for bulk). */
  total: number;
  /** The answered last attempts (gateway answers that were not retried), plus an unanswered last attempt. */
  answered: number;
  /** Gateway time (ms) summed over the `answeredTimed` answered requests. */
  answeredMs: number;
  answeredTimed: number;
  /** The SDK's own lookups (query plans…), not in the gateway statistics. */
  metadata: { type: string; ms: number }[];
  /** Attempts the SDK's retry policy repeated (429s, resets…). */
  retried: { status: number | string; ms: number }[];
  /** Response payload bytes. */
  bytes: number;
}

export function requestParts(diagnostics: CosmosDiagnostics | undefined, unansweredLast: boolean): RequestParts {
  const stats = diagnostics?.clientSideRequestStatistics;
  if (!stats) return { total: 1, answered: 1, answeredMs: 0, answeredTimed: 0, metadata: [], retried: [], bytes: 0 };
  const gateway = stats.gatewayStatistics ?? [];
  const failed = stats.retryDiagnostics?.failedAttempts ?? [];
  const metadata = stats.metadataDiagnostics?.metadataLookups ?? [];
  // retried attempts that got an HTTP answer are in gatewayStatistics as well (same activity id)
  const retriedIds = new Set(failed.map((f) => f.activityId).filter(Boolean));
  const answers = gateway.filter((g) => !g.activityId || !retriedIds.has(g.activityId));
  let failedWithoutAnswer = 0;
  for (const f of failed) if (!f.activityId || !gateway.some((g) => g.activityId === f.activityId)) failedWithoutAnswer++;
  const unanswered = unansweredLast ? 1 : 0;
  return {
    total: gateway.length + metadata.length + failedWithoutAnswer + unanswered,
    answered: answers.length + unanswered,
    answeredMs: answers.reduce((t, g) => t + (g.durationInMs ?? 0), 0),
    answeredTimed: answers.length,
    metadata: metadata.map((m) => ({ type: String(m.metaDataType), ms: m.durationInMs ?? 0 })),
    retried: failed.map((f) => ({ status: f.statusCode, ms: f.durationInMs ?? 0 })),
    bytes: gateway.reduce((t, g) => t + (g.responsePayloadLengthInBytes ?? 0), 0),
  };
}

// ---------------- labels ----------------

/** What a document is, from its container and id. */
export type DocKind = (container: string, id: string | undefined) => string;

/** The kinds of the app's documents, from their ids (`tenantDocId`: the benchmark's tenant, whose document id is the tenant id). */
export function documentKind(tenantDocId: () => string | undefined): DocKind {
  return (container, id) => {
    if (container === 'jobs') return !id ? 'jobs' : id.startsWith('idem-') ? 'idempotencyKey' : id.includes('_') ? 'chunk' : 'job';
    if (container !== 'directory') return container;
    if (!id) return 'directory';
    if (id === tenantDocId()) return 'tenant';
    if (id.includes('_')) return 'subscription';
    if (id.startsWith('upn-')) return 'upnClaim';
    if (id.startsWith('raw-')) return 'raw';
    return 'user';
  };
}

export const bodyOf = (args: unknown[]) => args[0] as { id?: string; type?: string } | undefined;

/** A query by container and the document type it selects (`c.type = '…'`). */
export function queryByType(self: { resourceLink?: string; query?: string | { query?: string } }): string {
  const text = typeof self.query === 'string' ? self.query : (self.query?.query ?? '');
  const type = /c\.type\s*=\s*'(\w+)'/i.exec(text)?.[1];
  return `query ${
    String(self.resourceLink ?? '')
      .split('/')
      .filter(Boolean)
      .pop() ?? '?'
  }${type ? ` type='${type}'` : ''}`;
}

/** A bulk / batch call (up to 100 operations a request): its operation types and the kind of its first document. */
export function bulkKind(kind: DocKind, self: { container: { id: string } }, args: unknown[]): string {
  const ops = (args[0] as { operationType?: string; id?: string; resourceBody?: { id?: string } }[] | undefined) ?? [];
  return `${[...new Set(ops.map((o) => o.operationType))].join('+')} ${kind(self.container.id, ops[0]?.id ?? ops[0]?.resourceBody?.id)}`;
}

/** `<method> <kind>` for every method; a conditional patch says so (`patchLabel` to say more), a query names its type. */
export function standardLabel(kind: DocKind, patchLabel?: (self: any, args: unknown[]) => string): TraceHooks<unknown>['label'] {
  return (method, self, args) => {
    switch (method) {
      case 'read':
      case 'replace':
      case 'delete':
        return `${method} ${kind(self.container.id, self.id)}`;
      case 'patch': {
        if (patchLabel) return patchLabel(self, args);
        const conditional = !Array.isArray(args[0]) && !!(args[0] as { condition?: string } | undefined)?.condition;
        return `patch ${kind(self.container.id, self.id)}${conditional ? ' (conditional)' : ''}`;
      }
      case 'create':
      case 'upsert':
        return `${method} ${kind(self.container.id, bodyOf(args)?.id)}`;
      case 'bulk':
      case 'batch':
      case 'executeBulkOperations':
        return `${method} ${bulkKind(kind, self, args)}`;
      default:
        return queryByType(self);
    }
  };
}

// ---------------- a tally by operation ----------------

export interface OpRow {
  /** What the row belongs to (a part of the work: path / refresh, chunk / POST / poll…). */
  group: string;
  label: string;
  calls: number;
  requests: number;
  /** Gateway time (ms) summed over `timed` requests. */
  ms: number;
  timed: number;
  statuses: Map<number | string, number>;
}

/**
 * Calls and requests per operation: an operation's row has its answered requests (the last attempt); the
 * SDK's metadata lookups (query plans…) and retried attempts (429s, resets…) have rows of their own,
 * indented under it, so the rows add up to the app's counter.
 */
export class OpTally {
  readonly rows = new Map<string, OpRow>();

  private row(group: string, label: string): OpRow {
    const key = `${group}|${label}`;
    let s = this.rows.get(key);
    if (!s) this.rows.set(key, (s = { group, label, calls: 0, requests: 0, ms: 0, timed: 0, statuses: new Map() }));
    return s;
  }

  add(group: string, call: SdkCall): void {
    const parts = requestParts(call.diagnostics, call.unansweredLast);
    const s = this.row(group, call.label);
    s.calls++;
    s.requests += parts.answered;
    s.ms += parts.answeredMs;
    s.timed += parts.answeredTimed;
    bump(s.statuses, call.status);
    for (const m of parts.metadata) {
      const r = this.row(group, `  metadata ${m.type} (${call.label})`);
      r.calls++;
      r.requests++;
      r.ms += m.ms;
      r.timed++;
      bump(r.statuses, 'ok');
    }
    for (const f of parts.retried) {
      const r = this.row(group, `  retried attempt (${call.label})`);
      r.calls++;
      r.requests++;
      r.ms += f.ms;
      r.timed++;
      bump(r.statuses, f.status);
    }
  }

  clear(): void {
    this.rows.clear();
  }

  /** Operations by requests (group by group in `groups` order if given), each followed by its metadata and retry rows. */
  ordered(groups?: readonly string[]): OpRow[] {
    const all = [...this.rows.values()];
    const isSub = (r: OpRow) => r.label.startsWith('  ');
    const out: OpRow[] = [];
    for (const group of groups ?? [undefined]) {
      const ops = all.filter((r) => !isSub(r) && (group === undefined || r.group === group)).sort((a, b) => b.requests - a.requests);
      for (const op of ops) {
        out.push(op);
        for (const sub of all) if (isSub(sub) && sub.group === op.group && sub.label.endsWith(`(${op.label})`)) out.push(sub);
      }
    }
    return out;
  }
}

const bump = (m: Map<number | string, number>, k: number | string) => m.set(k, (m.get(k) ?? 0) + 1);
export const statusList = (statuses: Map<number | string, number>) => [...statuses].map(([code, n]) => `${code}x${n}`).join(' ');
