/**
 * Storage of the scheduled license reconciliation:
 * - a per-tenant lease (container `jobs`, one document per tenant): taken by a create, or by a replace with
 *   If-Match once expired; renewed and released with If-Match. Two runs of one tenant cannot both hold it;
 * - the reports of its runs (container `jobs`, type `reconciliationReport`, with a TTL), newest first;
 * - the tenant's reclaim policy (container `directory`, one small document);
 * - the reads it pages through (every tenant: a cross-partition query; a tenant's users) and the two
 *   conditional writes it makes on a subscription (the seat counter with If-Match, the over-assignment mark).
 * Every query names only indexed paths (tenantId, type, skuIds, createdDateTime, and id, which is always indexed).
 */
import { SqlParameter } from '@azure/cosmos';
import { ReclaimPolicy } from '../domain/reconciliation';
import { LicenseAssignment } from '../domain/licensing';
import { container, isCosmosError, patchDoc, patchIfMatch, putIfMatch, replaceIfMatch, tracked } from './cosmos';
import { AuditDoc, Page, SubscriptionDoc, UserDoc } from './documents';
import { queryPage, queryPages } from './queries';
import { subscriptions } from './subscriptions';

const jobsContainer = () => container('jobs');
const directory = () => container('directory');

async function read<T extends object>(which: 'jobs' | 'directory', id: string, tenantId: string): Promise<T | undefined> {
  const res = await tracked(() => container(which).item(id, tenantId).read<T>());
  return res.resource ?? undefined;
}

/** Server-side metadata the SDK returns with every document. */
export type WithTs<T> = T & { _ts?: number; _etag?: string };

// ---------------- lease ----------------

export interface LeaseDoc {
  id: string;
  tenantId: string;
  type: 'reconciliationLease';
  /** The run holding the lease (null: free). */
  runId: string | null;
  acquiredDateTime: string | null;
  expiresDateTime: string;
  /** Start of the last run that checked the audit trail (the next one checks changes since then). */
  auditCheckedFrom?: string;
  lastRun?: { runId: string; startedDateTime: string; completedDateTime: string; status: string };
  _etag?: string;
}

const LEASE_ID = 'reconciliation-lease';

async function replaceLease(doc: LeaseDoc, etag: string): Promise<LeaseDoc | undefined> {
  try {
    return await replaceIfMatch('jobs', { ...doc, id: LEASE_ID }, etag);
  } catch (e) {
    if (isCosmosError(e, 404)) return undefined; // released meanwhile
    throw e;
  }
}

export type LeaseClaim = { lease: LeaseDoc } | { heldBy: string; expiresDateTime: string };

export const leases = {
  get: (tenantId: string) => read<LeaseDoc>('jobs', LEASE_ID, tenantId),

  /** Takes the tenant's lease for `ms`, unless another run holds it (and it has not expired). */
  async acquire(tenantId: string, runId: string, ms: number): Promise<LeaseClaim> {
    for (let attempt = 0; attempt < 4; attempt++) {
      const now = Date.now();
      const existing = await leases.get(tenantId);
      if (existing?.runId && Date.parse(existing.expiresDateTime) > now) return { heldBy: existing.runId, expiresDateTime: existing.expiresDateTime };
      const claim: LeaseDoc = {
        ...(existing ?? { id: LEASE_ID, tenantId, type: 'reconciliationLease' }),
        runId,
        acquiredDateTime: new Date(now).toISOString(),
        expiresDateTime: new Date(now + ms).toISOString(),
      };
      if (!existing) {
        try {
          return { lease: (await tracked(() => jobsContainer().items.create(claim))).resource as LeaseDoc };
        } catch (e) {
          if (!isCosmosError(e, 409)) throw e;
          continue; // another run created it first: look again
        }
      }
      const taken = await replaceLease(claim, existing._etag!);
      if (taken) return { lease: taken };
      // changed meanwhile (another run took it, or its holder renewed or released it): look again
    }
    const current = await leases.get(tenantId);
    return { heldBy: current?.runId ?? 'unknown', expiresDateTime: current?.expiresDateTime ?? new Date(Date.now() + ms).toISOString() };
  },

  /** Extends the lease; undefined when it is no longer this run's (expired and taken by another run). */
  renew: (lease: LeaseDoc, ms: number) => replaceLease({ ...lease, expiresDateTime: new Date(Date.now() + ms).toISOString() }, lease._etag!),

  /** Frees the lease, recording the run; undefined when it was no longer this run's. */
  release: (lease: LeaseDoc, fields: Pick<LeaseDoc, 'lastRun'> & Partial<Pick<LeaseDoc, 'auditCheckedFrom'>>) =>
    replaceLease({ ...lease, ...fields, runId: null, expiresDateTime: new Date().toISOString() }, lease._etag!),
};

// ---------------- reports ----------------

/** Reports are kept for 90 days (the container's TTL applies per document). */
export const REPORT_TTL_SECONDS = 90 * 24 * 3600;

export interface ReconciliationReportDoc {
  id: string;
  tenantId: string;
  type: 'reconciliationReport';
  ttl: number;
  /** The run's start: the listing's order (an indexed path of the container). */
  createdDateTime: string;
  [field: string]: unknown;
}

export const reconciliationReports = {
  async put(doc: ReconciliationReportDoc): Promise<void> {
    await tracked(() => jobsContainer().items.upsert(doc));
  },

  async get(tenantId: string, id: string): Promise<ReconciliationReportDoc | undefined> {
    const doc = await read<ReconciliationReportDoc>('jobs', id.toLowerCase(), tenantId);
    return doc?.type === 'reconciliationReport' ? doc : undefined;
  },

  list(tenantId: string, top: number, token?: string): Promise<Page<ReconciliationReportDoc>> {
    return queryPage<ReconciliationReportDoc>(
      'jobs',
      tenantId,
      `SELECT * FROM c WHERE c.tenantId = @tenantId AND c.type = 'reconciliationReport' ORDER BY c.createdDateTime DESC`,
      [],
      top,
      token,
    );
  },
};

// ---------------- reclaim policy ----------------

export interface ReclaimPolicyDoc {
  id: string;
  tenantId: string;
  type: 'reconciliationPolicy';
  reclaimDisabledAccounts: ReclaimPolicy;
  lastModifiedDateTime: string;
  lastModifiedBy: { id: string; displayName: string };
  _etag?: string;
}

const POLICY_ID = 'reconciliation-policy';

export const reclaimPolicies = {
  get: (tenantId: string) => read<ReclaimPolicyDoc>('directory', POLICY_ID, tenantId),

  /** Writes the policy; with an etag only over that version (undefined when it changed meanwhile). */
  async put(doc: Omit<ReclaimPolicyDoc, 'id' | 'type'>, etag?: string): Promise<ReclaimPolicyDoc | undefined> {
    const body: ReclaimPolicyDoc = { ...doc, id: POLICY_ID, type: 'reconciliationPolicy' };
    return putIfMatch('directory', body, etag);
  },
};

// ---------------- reads the reconciliation pages through ----------------

/** Every tenant, a page of ids at a time (a cross-partition query on the directory's tenant documents). */
export async function* tenantIdPages(pageSize: number): AsyncGenerator<string[]> {
  const iterator = directory().items.query<{ id: string }>({ query: `SELECT c.id FROM c WHERE c.type = 'tenant'` }, { maxItemCount: pageSize });
  while (iterator.hasMoreResults()) {
    const page = await tracked(() => iterator.fetchNext());
    if (page.resources.length) yield page.resources.map((r) => r.id);
  }
}

/** The fields of a user the reconciliation reads (a projection: no search fields, job markers...). */
export interface ScannedUser {
  id: string;
  displayName: string;
  userPrincipalName: string;
  accountEnabled: boolean;
  disabledDateTime?: string | null;
  createdDateTime?: string;
  signInActivity?: { lastSignInDateTime?: string };
  licenseAssignments: LicenseAssignment[];
  lastLicenseChange?: AuditDoc;
  /** For the catalog's rules where the user is (plans not offered there). */
  usageLocation?: string | null;
  _ts?: number;
}

const SCANNED_FIELDS = [
  'id',
  'displayName',
  'userPrincipalName',
  'accountEnabled',
  'disabledDateTime',
  'createdDateTime',
  'signInActivity',
  'licenseAssignments',
  'usageLocation',
  'lastLicenseChange',
  '_ts',
];

/**
 * A tenant's users, a page at a time. With skuId: only those with any path to that product, and (with
 * writtenSince, epoch seconds) also every user written since then (`_ts` is always indexed).
 */
export async function* userPages(tenantId: string, pageSize: number, skuId?: string, writtenSince?: number): AsyncGenerator<ScannedUser[]> {
  const fields = SCANNED_FIELDS.map((f) => `c.${f}`).join(', ');
  const params: SqlParameter[] = skuId ? [{ name: '@sku', value: skuId }] : [];
  if (skuId && writtenSince !== undefined) params.push({ name: '@since', value: writtenSince });
  const filter = !skuId ? '' : writtenSince === undefined ? ' AND ARRAY_CONTAINS(c.skuIds, @sku)' : ' AND (ARRAY_CONTAINS(c.skuIds, @sku) OR c._ts >= @since)';
  yield* queryPages<ScannedUser>('directory', tenantId, `SELECT ${fields} FROM c WHERE c.tenantId = @tenantId AND c.type = 'user'${filter}`, params, pageSize);
}

/** Whole user documents with any path to a product (to change them with If-Match). */
export function usersWithProduct(tenantId: string, skuId: string, top: number, token?: string): Promise<Page<UserDoc>> {
  return queryPage<UserDoc>(
    'directory',
    tenantId,
    `SELECT * FROM c WHERE c.tenantId = @tenantId AND c.type = 'user' AND ARRAY_CONTAINS(c.skuIds, @sku)`,
    [{ name: '@sku', value: skuId }],
    top,
    token,
  );
}

/** Which of these audit record ids exist (one query for a batch of ids). */
export async function existingAuditIds(tenantId: string, ids: string[]): Promise<Set<string>> {
  const found = new Set<string>();
  let token: string | undefined;
  do {
    const page = await queryPage<string>(
      'audit',
      tenantId,
      `SELECT VALUE c.id FROM c WHERE c.tenantId = @tenantId AND ARRAY_CONTAINS(@ids, c.id)`,
      [{ name: '@ids', value: ids }],
      ids.length || 1,
      token,
    );
    page.items.forEach((id) => found.add(id));
    token = page.continuationToken;
  } while (token);
  return found;
}

// ---------------- conditional writes on a subscription ----------------

export const seatCounter = {
  /**
   * Sets the counter and its holds only if the subscription document is still the version read (If-Match
   * on its etag): nothing — no reservation, release, hold or quantity change — happened since. Undefined
   * when it moved (count again).
   */
  async repair(doc: SubscriptionDoc, next: { consumed: number; holds: Record<string, number> }): Promise<SubscriptionDoc | undefined> {
    const repaired = await patchIfMatch<SubscriptionDoc>(
      'directory',
      doc.id,
      doc.tenantId,
      [
        { op: 'set', path: '/seat/consumed', value: next.consumed },
        { op: 'set', path: '/seat/holds', value: next.holds },
      ],
      doc._etag!,
    );
    if (repaired) subscriptions.invalidate(doc.tenantId);
    return repaired;
  },

  /**
   * Starts (a date) or ends (null) the over-assignment window. Starting keeps an existing start (the
   * window does not move); neither touches the seat counter or `gen`, so no admin change has to retry.
   */
  async markOverAssigned(doc: SubscriptionDoc, since: string | null): Promise<boolean> {
    const condition = since
      ? `not is_defined(c.overAssignedSince) or is_null(c.overAssignedSince)`
      : `is_defined(c.overAssignedSince) and not is_null(c.overAssignedSince)`;
    return !!(await patchDoc('directory', doc.id, doc.tenantId, [{ op: 'set', path: '/overAssignedSince', value: since }], condition));
  },
};
