/**
 * Storage of the scheduled license reconciliation:
 * - a per-tenant lease (container `jobs`, one document per tenant): taken by a create, or by a patch
 *   conditional on its being free or expired; renewed and released with If-Match. Two runs of one tenant
 *   cannot both hold it; it also keeps where the next incremental run starts (its checkpoint);
 * - the reports of its runs (container `jobs`, type `reconciliationReport`, with a TTL), newest first;
 * - the tenant's reclaim policy (container `directory`, one small document);
 * - the reads it pages through (every tenant: a cross-partition query; a tenant's users) and the two
 *   conditional writes it makes on a subscription (the seat counter with If-Match, the over-assignment mark).
 * Every query names only indexed paths (tenantId, type, skuIds, createdDateTime, and id, which is always indexed).
 */
import { SqlParameter } from '@azure/cosmos';
import { ReclaimPolicy } from '../domain/reconciliation';
import { LicenseAssignment } from '../domain/licensing';
import { container, isCosmosError, patchDoc, patchIfMatch, putIfMatch, replaceIfMatch, setFields, tracked } from './cosmos';
import { ChangeCheckpoint } from './changes';
import { AuditDoc, Page, SubscriptionDoc, UserDoc } from './documents';
import { queryAll, queryPage, queryPages } from './queries';
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
  lastRun?: { runId: string; startedDateTime: string; completedDateTime: string; status: string; mode?: string };
  /** Where the next incremental run's change set starts: set by a run that completed (absent: the next run is full). */
  checkpoint?: ChangeCheckpoint;
  /** The last full run whose pass over every user completed (the schedule counts from it). */
  lastFullRun?: { runId: string; startedDateTime: string };
  /** The store's time of the lease's last write (epoch seconds): a run's start on the store's clock. */
  _ts?: number;
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

  /**
   * Takes the tenant's lease for `ms`, unless another run holds it (and it has not expired): one
   * conditional write when the lease is free or expired (every run after a tenant's first), else a look
   * at who holds it, or the lease's creation.
   */
  async acquire(tenantId: string, runId: string, ms: number): Promise<LeaseClaim> {
    for (let attempt = 0; attempt < 4; attempt++) {
      const now = new Date();
      const claim = { runId, acquiredDateTime: now.toISOString(), expiresDateTime: new Date(now.getTime() + ms).toISOString() };
      const taken = await patchDoc<LeaseDoc>(
        'jobs',
        LEASE_ID,
        tenantId,
        setFields(claim),
        `is_null(c.runId) or c.expiresDateTime < '${claim.acquiredDateTime}'`,
      );
      if (taken) return { lease: taken };
      const existing = await leases.get(tenantId);
      if (existing?.runId && Date.parse(existing.expiresDateTime) > now.getTime()) return { heldBy: existing.runId, expiresDateTime: existing.expiresDateTime };
      if (existing) continue; // released or expired since the write was refused: again
      try {
        const created: LeaseDoc = { id: LEASE_ID, tenantId, type: 'reconciliationLease', ...claim };
        return { lease: (await tracked(() => jobsContainer().items.create(created))).resource as LeaseDoc };
      } catch (e) {
        if (!isCosmosError(e, 409)) throw e; // another run created it first: look again
      }
    }
    const current = await leases.get(tenantId);
    return { heldBy: current?.runId ?? 'unknown', expiresDateTime: current?.expiresDateTime ?? new Date(Date.now() + ms).toISOString() };
  },

  /** Extends the lease; undefined when it is no longer this run's (expired and taken by another run). */
  renew: (lease: LeaseDoc, ms: number) => replaceLease({ ...lease, expiresDateTime: new Date(Date.now() + ms).toISOString() }, lease._etag!),

  /** Frees the lease, recording the run (and where the next one starts); undefined when it was no longer this run's. */
  release: (lease: LeaseDoc, fields: Pick<LeaseDoc, 'lastRun'> & Partial<Pick<LeaseDoc, 'auditCheckedFrom' | 'checkpoint' | 'lastFullRun'>>) =>
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
  /** The products held by an active path, as the last write derived them (absent on a user written before the query fields). */
  assignedSkuIds?: string[];
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
  'assignedSkuIds',
  '_ts',
];

/** A tenant's users, a page at a time (the full run's pass), or those with any path to a product (the catalog's breach check). */
export function userPages(tenantId: string, pageSize: number, skuId?: string): AsyncGenerator<ScannedUser[]> {
  const fields = SCANNED_FIELDS.map((f) => `c.${f}`).join(', ');
  const filter = skuId ? ' AND ARRAY_CONTAINS(c.skuIds, @sku)' : '';
  const params = skuId ? [{ name: '@sku', value: skuId }] : [];
  return queryPages<ScannedUser>('directory', tenantId, `SELECT ${fields} FROM c WHERE c.tenantId = @tenantId AND c.type = 'user'${filter}`, params, pageSize);
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

/** The reads of an incremental run that replace the pass over every user: reclaim candidates and inactivity counts by indexed queries. */
export const reclaimReads = {
  /**
   * Users the reclaim policy may point at, by indexed query instead of the whole tenant (the rule itself,
   * reclaimCandidate, still decides on what is read): licensed accounts disabled before `disabledBefore`,
   * and (with `inactiveSince`) licensed enabled accounts neither signed in nor created after it. Stored dates
   * are normalised ISO 8601 in UTC, so they compare as strings as they do as dates. A user written before
   * the query fields existed (no assignedLicenseCount) is read whatever it holds.
   */
  candidatePages(tenantId: string, pageSize: number, o: { disabledBefore: string; inactiveSince: string | null }): AsyncGenerator<ScannedUser[]> {
    const fields = SCANNED_FIELDS.map((f) => `c.${f}`).join(', ');
    const licensed = '(c.assignedLicenseCount > 0 OR NOT IS_DEFINED(c.assignedLicenseCount))';
    const disabled = 'c.accountEnabled = false AND c.disabledDateTime < @disabledBefore';
    const inactive =
      'c.accountEnabled = true' +
      ' AND (NOT IS_DEFINED(c.signInActivity.lastSignInDateTime) OR IS_NULL(c.signInActivity.lastSignInDateTime) OR c.signInActivity.lastSignInDateTime <= @inactiveSince)' +
      ' AND (NOT IS_DEFINED(c.createdDateTime) OR c.createdDateTime <= @inactiveSince)';
    const params: SqlParameter[] = [{ name: '@disabledBefore', value: o.disabledBefore }];
    if (o.inactiveSince) params.push({ name: '@inactiveSince', value: o.inactiveSince });
    const who = o.inactiveSince ? `((${disabled}) OR (${inactive}))` : disabled;
    return queryPages<ScannedUser>(
      'directory',
      tenantId,
      `SELECT ${fields} FROM c WHERE c.tenantId = @tenantId AND c.type = 'user' AND ${licensed} AND ${who}`,
      params,
      pageSize,
    );
  },

  /**
   * How many licensed users last signed in at or before `signedInBy`, or never (inactiveLicensed's rule, by
   * an index-only COUNT on Cosmos DB: no user document is read).
   */
  async countInactiveLicensed(tenantId: string, signedInBy: string): Promise<number> {
    const [n] = await queryAll<number>(
      'directory',
      tenantId,
      `SELECT VALUE COUNT(1) FROM c WHERE c.tenantId = @tenantId AND c.type = 'user' AND c.assignedLicenseCount > 0` +
        ` AND (NOT IS_DEFINED(c.signInActivity.lastSignInDateTime) OR IS_NULL(c.signInActivity.lastSignInDateTime) OR c.signInActivity.lastSignInDateTime <= @signedInBy)`,
      [{ name: '@signedInBy', value: signedInBy }],
    );
    return n ?? 0;
  },
};

/**
 * One product counted again on its own (a seat intent left open, a stale hold, an over-assignment) without
 * reading its holders: the store counts them by the query field every write derives (assignedSkuIds: an
 * index-only COUNT on Cosmos DB), and only the users written within the grace period are read.
 */
export const productRecount = {
  /** Users holding the product by an active path. */
  async holders(tenantId: string, skuId: string): Promise<number> {
    const [n] = await queryAll<number>(
      'directory',
      tenantId,
      `SELECT VALUE COUNT(1) FROM c WHERE c.tenantId = @tenantId AND c.type = 'user' AND ARRAY_CONTAINS(c.assignedSkuIds, @sku)`,
      [{ name: '@sku', value: skuId }],
    );
    return n ?? 0;
  },

  /** Users written since `writtenSince` (epoch seconds): a release of theirs may be on its way. */
  writtenSince(tenantId: string, writtenSince: number, pageSize: number): AsyncGenerator<ScannedUser[]> {
    const fields = SCANNED_FIELDS.map((f) => `c.${f}`).join(', ');
    return queryPages<ScannedUser>(
      'directory',
      tenantId,
      `SELECT ${fields} FROM c WHERE c.tenantId = @tenantId AND c.type = 'user' AND c._ts >= @since`,
      [{ name: '@since', value: writtenSince }],
      pageSize,
    );
  },

  /** The product's holders themselves (the most recently assigned over the line of an over-assignment). */
  holderPages(tenantId: string, skuId: string, pageSize: number): AsyncGenerator<ScannedUser[]> {
    const fields = SCANNED_FIELDS.map((f) => `c.${f}`).join(', ');
    return queryPages<ScannedUser>(
      'directory',
      tenantId,
      `SELECT ${fields} FROM c WHERE c.tenantId = @tenantId AND c.type = 'user' AND ARRAY_CONTAINS(c.assignedSkuIds, @sku)`,
      [{ name: '@sku', value: skuId }],
      pageSize,
    );
  },
};

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
