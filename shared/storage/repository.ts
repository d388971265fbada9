/**
 * The storage of tenants, users, subscriptions and the audit trail in Cosmos DB. Every document carries
 * its tenant id as partition key and every query names it, so no read ever crosses tenants.
 *
 * Atomicity is per document (Cosmos DB's guarantee, and all the local emulator offers):
 * - a seat is reserved by one conditional patch on the subscription (`consumed + n <= limit`), so seats are
 *   never over-assigned whatever the number of instances;
 * - a user's licenses change by one replace with If-Match on the user's etag;
 * - the order is always reserve -> write user -> release, so an interruption can only leave a seat counted
 *   that nobody holds (repaired by the scheduled reconciliation), never a held seat that is not counted.
 */
import { randomUUID } from 'node:crypto';
import { SqlParameter } from '@azure/cosmos';
import { settings } from '../config';
import { ApiError, ErrorCodes } from '../errors';
import { CapabilityStatus, effectiveLicenses, LicenseAssignment, PurchaseChannel, seatLimit } from '../domain/licensing';
import { JSONObject } from '@azure/cosmos';
import { bulk, container, CONTAINERS, isCosmosError, readOf, replaceIfMatch, retriable, tracked } from './cosmos';

export interface TenantDoc {
  id: string;
  tenantId: string;
  type: 'tenant';
  displayName: string;
  defaultUsageLocation: string | null;
  cloud: 'Worldwide' | 'Germany' | 'China';
  createdDateTime: string;
}

export interface UserDoc {
  id: string;
  tenantId: string;
  type: 'user';
  displayName: string;
  userPrincipalName: string;
  /** Graph's mail alias (absent on users stored before it was kept: the UPN's part before the @). */
  mailNickname?: string;
  givenName?: string | null;
  surname?: string | null;
  mail: string | null;
  usageLocation: string | null;
  accountEnabled: boolean;
  /** When accountEnabled last went false (null or absent while enabled): the reconciliation's reclaim policy. */
  disabledDateTime?: string | null;
  userType: 'Member' | 'Guest';
  department: string | null;
  jobTitle: string | null;
  createdDateTime: string;
  licenseAssignments: LicenseAssignment[];
  /** Derived, for queries: lower-cased names for prefix search (and department), and the distinct products held. */
  search: { displayName: string; userPrincipalName: string; department?: string | null };
  skuIds: string[];
  /**
   * Derived for $filter, set by withQueryFields on every write here (so no caller maintains them):
   * the products in assignedLicenses (active paths only, unlike skuIds), how many, and whether any path
   * is in Error. Absent on documents written before they existed, until the reconciliation's
   * `userQueryFields` step (or any write) adds them.
   */
  assignedSkuIds?: string[];
  assignedLicenseCount?: number;
  hasLicenseErrors?: boolean;
  /** The audit record of the last license change, written in the same atomic replace as the change. */
  lastLicenseChange?: AuditDoc;
  /** The last bulk jobs that changed this user: a redelivered chunk sees its work is done. */
  appliedJobs?: string[];
  /** Groups whose licenses are in error for this user (for the group's membersWithLicenseErrors). */
  groupsInError?: string[];
  /** Groups this user has license paths from (the reconciliation finds former members by it). */
  groupPaths?: string[];
  _etag?: string;
}

export interface SubscriptionDoc {
  /** Graph's subscribedSku id: `{tenantId}_{skuId}`. One subscription per product and tenant. */
  id: string;
  tenantId: string;
  type: 'subscription';
  skuId: string;
  skuPartNumber: string;
  capabilityStatus: CapabilityStatus;
  totalLicenses: number;
  purchaseChannel: PurchaseChannel;
  ownerId: string | null;
  createdDateTime: string;
  takenOverDateTime: string | null;
  /** Graph's nextLifecycleDateTime: when the reconciliation moves the subscription to its next state (null: none). */
  nextLifecycleDateTime?: string | null;
  /** Start of the over-assignment window (more holders than enabled units), kept by the reconciliation. */
  overAssignedSince?: string | null;
  /**
   * The seat counter, changed only by conditional patches. Field names are lower case: the emulator's own
   * condition handling lower-cases condition text (local/cosmosEmulator.ts no longer does, but lower-case
   * names keep the conditions right either way). `gen` changes with every quantity or state change.
   */
  seat: {
    consumed: number;
    limit: number;
    gen: number;
    /**
     * Seats held by bulk-job chunks while they run (`{jobId}_{chunk}` -> seats reserved), counted in
     * `consumed`. A redelivered chunk finds its hold and reuses it instead of reserving again; the chunk
     * settles it once (removing the hold in the same write that adjusts `consumed`).
     */
    holds?: Record<string, number>;
    /** Members waiting for a seat of this product (group-based licensing's waiting list). */
    waiting?: number;
  };
  _etag?: string;
}

export interface AuditDoc {
  id: string;
  tenantId: string;
  type: 'licenseChange';
  /** The bulk job that made the change, if any. */
  jobId?: string;
  /** 'jobHold': the seats of this change were counted through the job chunk's hold (see seat.holds). */
  seatSource?: 'jobHold';
  activityDateTime: string;
  requestId: string;
  actor: { id: string; displayName: string };
  operation: string;
  userId: string;
  userPrincipalName: string;
  skuIds: string[];
  before: { skuId: string; disabledPlans: string[] }[];
  after: { skuId: string; disabledPlans: string[] }[];
}

export interface Page<T> {
  items: T[];
  continuationToken?: string;
}

const tenantParam = (tenantId: string): SqlParameter => ({ name: '@tenantId', value: tenantId });

export async function queryPage<T>(
  which: keyof typeof CONTAINERS,
  tenantId: string,
  query: string,
  parameters: SqlParameter[],
  top: number,
  continuationToken?: string,
): Promise<Page<T>> {
  const iterator = container(which).items.query<T>(
    { query, parameters: [tenantParam(tenantId), ...parameters] },
    { partitionKey: tenantId, maxItemCount: top, continuationToken },
  );
  try {
    const page = await tracked(() => iterator.fetchNext());
    return { items: page.resources, continuationToken: page.continuationToken || undefined };
  } catch (e) {
    if (continuationToken && isCosmosError(e, 400)) {
      throw new ApiError(400, ErrorCodes.invalidRequest, 'The $skiptoken is not valid (it may be from another list or expired). Start again from the first page.', '$skiptoken');
    }
    throw e;
  }
}

/**
 * Every page of a query, one after the other, from one iterator (so the SDK plans the query once, not once
 * per page as a new iterator per continuation token would): for scans of a whole tenant.
 */
export async function* queryPages<T>(which: keyof typeof CONTAINERS, tenantId: string, query: string, parameters: SqlParameter[], pageSize: number): AsyncGenerator<T[]> {
  const iterator = container(which).items.query<T>({ query, parameters: [tenantParam(tenantId), ...parameters] }, { partitionKey: tenantId, maxItemCount: pageSize });
  while (iterator.hasMoreResults()) {
    const page = await tracked(() => iterator.fetchNext());
    if (page.resources.length) yield page.resources;
  }
}

/** Every page of a query, gathered (for lists that are small by nature: a tenant's subscriptions, a user's groups). */
export async function queryAll<T>(which: keyof typeof CONTAINERS, tenantId: string, query: string, parameters: SqlParameter[] = []): Promise<T[]> {
  const out: T[] = [];
  for await (const page of queryPages<T>(which, tenantId, query, parameters, 100)) out.push(...page);
  return out;
}

/** Point reads of many documents of one tenant in bulk requests; undefined where there is none. */
async function bulkRead<T>(tenantId: string, ids: string[], which: keyof typeof CONTAINERS = 'directory'): Promise<(T | undefined)[]> {
  const res = await bulk(which, ids.map((id) => ({ operationType: 'Read' as const, id, partitionKey: tenantId })));
  return Promise.all(
    res.map(async (r, i) => {
      if (r.statusCode === 404) return undefined;
      if (retriable(r.statusCode)) return readDoc<T & object>(which, ids[i], tenantId);
      if (r.statusCode >= 400) throw new Error(`reading ${ids[i]} answered ${r.statusCode}`);
      return { ...(r.resourceBody as unknown as T), _etag: r.eTag ?? (r.resourceBody as { _etag?: string } | undefined)?._etag } as T;
    }),
  );
}

async function readDoc<T extends object>(which: keyof typeof CONTAINERS, id: string, tenantId: string): Promise<T | undefined> {
  const res = await tracked(() => container(which).item(id, tenantId).read<T>());
  return res.resource ?? undefined;
}

// ---------------- tenants ----------------

const tenantCache = new Map<string, { at: number; doc: TenantDoc }>();

export const tenants = {
  /** The tenant document, reused briefly per instance (tenants are never deleted here). */
  async get(tenantId: string): Promise<TenantDoc | undefined> {
    const hit = tenantCache.get(tenantId);
    if (hit && Date.now() - hit.at < 60_000) return hit.doc;
    const doc = await readOf<TenantDoc>('directory', tenantId, tenantId, 'tenant');
    if (doc) tenantCache.set(tenantId, { at: Date.now(), doc });
    return doc;
  },
  async create(doc: TenantDoc): Promise<TenantDoc> {
    try {
      const res = await tracked(() => container('directory').items.create(doc));
      return res.resource as TenantDoc;
    } catch (e) {
      if (isCosmosError(e, 409)) throw new ApiError(409, ErrorCodes.conflict, `Organization ${doc.id} already exists.`, 'id');
      throw e;
    }
  },
};

// ---------------- users ----------------

/**
 * The user with its query fields recomputed from what it holds: every write of a user goes through here,
 * so a filter on assignedLicenses, their count, license errors or a case-insensitive department sees the
 * document as Graph's view shows it, whichever use-case wrote it.
 */
export function withQueryFields(doc: UserDoc): UserDoc {
  const assignments = doc.licenseAssignments ?? [];
  const assigned = effectiveLicenses(assignments).map((l) => l.skuId.toLowerCase());
  return {
    ...doc,
    search: { displayName: doc.displayName.toLowerCase(), userPrincipalName: doc.userPrincipalName.toLowerCase(), department: doc.department?.toLowerCase() ?? null },
    assignedSkuIds: assigned,
    assignedLicenseCount: assigned.length,
    hasLicenseErrors: assignments.some((a) => a.state === 'Error'),
  };
}

// base64url: a UPN may hold characters a Cosmos DB id may not (guests' `#EXT#`)
const upnClaimId = (upn: string) => `upn-${Buffer.from(upn.toLowerCase()).toString('base64url')}`;

export const users = {
  get: (tenantId: string, id: string) => readOf<UserDoc>('directory', id.toLowerCase(), tenantId, 'user'),

  /** Many users by id: point reads, in bulk requests when there are several. */
  async getMany(tenantId: string, ids: string[]): Promise<Map<string, UserDoc>> {
    const docs = ids.length <= 1 ? await Promise.all(ids.map((id) => users.get(tenantId, id))) : await bulkRead<UserDoc>(tenantId, ids.map((id) => id.toLowerCase()));
    return new Map(docs.filter((d): d is UserDoc => !!d && d.type === 'user').map((d) => [d.id, d]));
  },

  async findByUpn(tenantId: string, upn: string): Promise<UserDoc | undefined> {
    const claim = await readOf<{ userId: string }>('directory', upnClaimId(upn), tenantId, 'upnClaim');
    return claim ? users.get(tenantId, claim.userId) : undefined;
  },

  /** Many users by userPrincipalName (lower case keys): the claims, then the users, each in bulk. */
  async getManyByUpn(tenantId: string, upns: string[]): Promise<Map<string, UserDoc>> {
    const claims = (await bulkRead<{ userId: string }>(tenantId, upns.map(upnClaimId))).filter((c): c is { userId: string } => !!c);
    const found = await users.getMany(tenantId, claims.map((c) => c.userId));
    return new Map([...found.values()].map((u) => [u.userPrincipalName.toLowerCase(), u]));
  },

  /** Replaces many users, each only if it still has its etag: the written user, or undefined where it changed. */
  async replaceManyIfMatch(items: { doc: UserDoc; etag: string }[]): Promise<(UserDoc | undefined)[]> {
    if (!items.length) return [];
    const ops = items.map(({ doc, etag }) => {
      const { _etag, ...body } = withQueryFields(doc);
      void _etag;
      return { operationType: 'Replace' as const, id: doc.id, partitionKey: doc.tenantId, resourceBody: body as unknown as JSONObject, ifMatch: etag };
    });
    const res = await bulk('directory', ops);
    return Promise.all(
      res.map(async (r, i) => {
        if (r.statusCode === 412) return undefined;
        if (retriable(r.statusCode)) return users.replaceIfMatch(items[i].doc, items[i].etag); // on its own, with the SDK's retries
        if (r.statusCode >= 400) throw new Error(`replacing user ${items[i].doc.id} answered ${r.statusCode}`);
        return { ...(r.resourceBody as unknown as UserDoc), _etag: r.eTag ?? (r.resourceBody as { _etag?: string } | undefined)?._etag };
      }),
    );
  },

  /**
   * Creates a user. The user principal name is kept unique per tenant by a claim document created first;
   * a claim left behind by an interrupted create (its user never written) is taken over.
   */
  async create(doc: UserDoc): Promise<UserDoc> {
    const c = container('directory');
    const claim = { id: upnClaimId(doc.userPrincipalName), tenantId: doc.tenantId, type: 'upnClaim', userId: doc.id };
    try {
      await tracked(() => c.items.create(claim));
    } catch (e) {
      if (!isCosmosError(e, 409)) throw e;
      const existing = await tracked(() => c.item(claim.id, doc.tenantId).read<typeof claim>());
      const holder = existing.resource && (await users.get(doc.tenantId, existing.resource.userId));
      if (holder || !existing.resource) {
        throw new ApiError(409, ErrorCodes.conflict, `Another user already has the user principal name ${doc.userPrincipalName}. Pick another one.`, 'userPrincipalName');
      }
      await tracked(() => c.item(claim.id, doc.tenantId).replace(claim, { accessCondition: { type: 'IfMatch', condition: existing.etag } }));
    }
    const res = await tracked(() => c.items.create(withQueryFields(doc)));
    return res.resource as UserDoc;
  },

  /** Replaces a user if it still has the given etag; undefined when someone changed it meanwhile. */
  replaceIfMatch: (doc: UserDoc, etag: string) => replaceIfMatch('directory', withQueryFields(doc), etag),

  /** Users written before the query fields existed (the reconciliation's userQueryFields step adds them). */
  withoutQueryFields(tenantId: string, top: number, token?: string): Promise<Page<UserDoc>> {
    return queryPage<UserDoc>('directory', tenantId, `SELECT * FROM c WHERE c.tenantId = @tenantId AND c.type = 'user' AND NOT IS_DEFINED(c.assignedLicenseCount)`, [], top, token);
  },

  listHolding(tenantId: string, skuId: string, top: number, token?: string): Promise<Page<UserDoc>> {
    return queryPage<UserDoc>(
      'directory',
      tenantId,
      `SELECT * FROM c WHERE c.tenantId = @tenantId AND c.type = 'user' AND ARRAY_CONTAINS(c.skuIds, @sku) ORDER BY c.search.displayName`,
      [{ name: '@sku', value: skuId }],
      top,
      token,
    );
  },
};

// ---------------- subscriptions ----------------

const subscriptionCache = new Map<string, { at: number; docs: Promise<SubscriptionDoc[]> }>();

export const subscriptionId = (tenantId: string, skuId: string) => `${tenantId}_${skuId.toLowerCase()}`;

export const subscriptions = {
  /** Fresh list of a tenant's subscriptions (one query). */
  async list(tenantId: string): Promise<SubscriptionDoc[]> {
    const docs = await queryAll<SubscriptionDoc>('directory', tenantId, `SELECT * FROM c WHERE c.tenantId = @tenantId AND c.type = 'subscription'`);
    subscriptionCache.set(tenantId, { at: Date.now(), docs: Promise.resolve(docs) });
    return docs;
  },

  /**
   * The tenant's subscriptions for rule checks, reused for SUBSCRIPTION_CACHE_TTL_MS per instance.
   * Seat counts from here are never trusted: the conditional write that reserves a seat is the check.
   */
  forRules(tenantId: string): Promise<SubscriptionDoc[]> {
    const hit = subscriptionCache.get(tenantId);
    if (hit && Date.now() - hit.at < settings().SUBSCRIPTION_CACHE_TTL_MS) return hit.docs;
    const docs = subscriptions.list(tenantId);
    subscriptionCache.set(tenantId, { at: Date.now(), docs });
    docs.catch(() => subscriptionCache.delete(tenantId));
    return docs;
  },

  invalidate(tenantId: string): void {
    subscriptionCache.delete(tenantId);
  },

  get: (tenantId: string, skuId: string) => readOf<SubscriptionDoc>('directory', subscriptionId(tenantId, skuId), tenantId, 'subscription'),

  async create(doc: SubscriptionDoc): Promise<SubscriptionDoc> {
    try {
      const res = await tracked(() => container('directory').items.create(doc));
      subscriptions.invalidate(doc.tenantId);
      return res.resource as SubscriptionDoc;
    } catch (e) {
      if (isCosmosError(e, 409))
        throw new ApiError(409, ErrorCodes.conflict, `Your organization already has a ${doc.skuPartNumber} subscription. Change its totalLicenses instead of buying a second one.`, 'skuId');
      throw e;
    }
  },

  /** Replaces a subscription if it still has that etag (buying a deleted product again); undefined when it changed meanwhile. */
  async replaceIfMatch(doc: SubscriptionDoc, etag: string): Promise<SubscriptionDoc | undefined> {
    const written = await replaceIfMatch('directory', doc, etag);
    subscriptions.invalidate(doc.tenantId);
    return written;
  },

  /**
   * Reserves n seats in one conditional write: succeeds only while consumed + n <= limit, where the limit
   * is 0 unless the subscription is active and admin-managed. False when the seats are not there.
   */
  async reserveSeats(tenantId: string, skuId: string, n: number): Promise<boolean> {
    if (n <= 0) return true;
    try {
      const res = await tracked(() =>
        container('directory')
          .item(subscriptionId(tenantId, skuId), tenantId)
          .patch({ condition: `from c where c.seat.consumed + ${n} <= c.seat.limit`, operations: [{ op: 'incr', path: '/seat/consumed', value: n }] }),
      );
      await seatsTaken(res.resource as unknown as SubscriptionDoc | undefined, n);
      return true;
    } catch (e) {
      if (isCosmosError(e, 412) || isCosmosError(e, 404)) return false;
      throw e;
    }
  },

  /**
   * Creates a chunk's hold of n seats in one conditional write (only if that hold does not exist yet and
   * the seats are there). False when the condition fails: the hold exists already, or too few seats.
   */
  async createHold(tenantId: string, skuId: string, key: string, n: number): Promise<boolean> {
    const condition = `from c where not is_defined(c.seat.holds["${key}"])${n > 0 ? ` and c.seat.consumed + ${n} <= c.seat.limit` : ''}`;
    try {
      const res = await tracked(() =>
        container('directory')
          .item(subscriptionId(tenantId, skuId), tenantId)
          .patch({ condition, operations: [{ op: 'incr', path: '/seat/consumed', value: n }, { op: 'set', path: `/seat/holds/${key}`, value: n }] }),
      );
      await seatsTaken(res.resource as unknown as SubscriptionDoc | undefined, n);
      return true;
    } catch (e) {
      if (isCosmosError(e, 412) || isCosmosError(e, 404)) return false;
      throw e;
    }
  },

  /** Settles a chunk's hold once: removes it and adjusts consumed by delta in the same write. */
  async settleHold(tenantId: string, skuId: string, key: string, delta: number): Promise<boolean> {
    try {
      await tracked(() =>
        container('directory')
          .item(subscriptionId(tenantId, skuId), tenantId)
          .patch({ condition: `from c where is_defined(c.seat.holds["${key}"])`, operations: [{ op: 'remove', path: `/seat/holds/${key}` }, { op: 'incr', path: '/seat/consumed', value: delta }] }),
      );
      return true;
    } catch (e) {
      if (isCosmosError(e, 412) || isCosmosError(e, 404)) return false;
      throw e;
    }
  },

  /** Gives n seats back (after the users no longer hold them). */
  async releaseSeats(tenantId: string, skuId: string, n: number): Promise<void> {
    if (n <= 0) return;
    const res = await tracked(() =>
      container('directory')
        .item(subscriptionId(tenantId, skuId), tenantId)
        .patch([{ op: 'incr', path: '/seat/consumed', value: -n }]),
    );
    await seatsFreed(res.resource as unknown as SubscriptionDoc | undefined);
  },

  /** Counts members waiting for a seat of this product (+1 joined the waiting list, -1 left it). */
  async adjustWaiting(tenantId: string, skuId: string, delta: number): Promise<void> {
    await tracked(() => container('directory').item(subscriptionId(tenantId, skuId), tenantId).patch([{ op: 'incr', path: '/seat/waiting', value: delta }]));
  },

  /**
   * Changes quantity, state or purchase channel in one conditional write: the condition pins `gen` (no
   * concurrent quantity/state change) and, when the quantity shrinks, that it stays at or above consumed.
   * Returns the updated document, or undefined when the condition failed (re-read and decide again).
   */
  async update(
    doc: SubscriptionDoc,
    change: Partial<Pick<SubscriptionDoc, 'totalLicenses' | 'capabilityStatus' | 'purchaseChannel' | 'takenOverDateTime' | 'nextLifecycleDateTime'>>,
  ): Promise<SubscriptionDoc | undefined> {
    const next = { ...doc, ...change };
    const limit = seatLimit(next);
    const conditions = [`c.seat.gen = ${doc.seat.gen}`];
    if (change.totalLicenses !== undefined) conditions.push(`c.seat.consumed <= ${change.totalLicenses}`);
    const operations = [
      ...Object.entries(change).map(([k, value]) => ({ op: 'set' as const, path: `/${k}`, value })),
      { op: 'set' as const, path: '/seat/limit', value: limit },
      { op: 'incr' as const, path: '/seat/gen', value: 1 },
    ];
    try {
      const res = await tracked(() =>
        container('directory')
          .item(doc.id, doc.tenantId)
          .patch({ condition: `from c where ${conditions.join(' and ')}`, operations }),
      );
      subscriptions.invalidate(doc.tenantId);
      const updated = res.resource as unknown as SubscriptionDoc;
      if (updated.seat.limit > doc.seat.limit) await seatsFreed(updated);
      return updated;
    } catch (e) {
      if (isCosmosError(e, 412)) return undefined;
      throw e;
    }
  },
};

/**
 * Seats became available on a subscription that has members waiting (seats released, or bought): the
 * group-licensing module registers what to do (queue the waiting list). Never fails the caller's change.
 */
export const seatEvents: {
  onFreed?: (tenantId: string, skuId: string) => Promise<void>;
  /** Seats were taken: n of them, `doc` as written (the alerts module watches for low seats). */
  onTaken?: (doc: SubscriptionDoc, n: number) => Promise<void>;
} = {};

async function seatsTaken(doc: SubscriptionDoc | undefined, n: number): Promise<void> {
  if (!doc || !seatEvents.onTaken) return;
  await seatEvents.onTaken(doc, n).catch(() => undefined); // an alert must never fail an assignment
}

async function seatsFreed(doc: SubscriptionDoc | undefined): Promise<void> {
  if (!doc || !(doc.seat.waiting! > 0) || doc.seat.consumed >= doc.seat.limit || !seatEvents.onFreed) return;
  await seatEvents.onFreed(doc.tenantId, doc.skuId).catch(() => undefined); // the reconciliation retries waiting members too
}

// ---------------- audit ----------------

export const audit = {
  newId: () => randomUUID(),

  get: (tenantId: string, id: string) => readOf<AuditDoc>('audit', id, tenantId, 'licenseChange'),

  /** Idempotent: the record id is fixed when the change is decided, so a retry overwrites, never duplicates. */
  async write(records: AuditDoc[]): Promise<void> {
    if (records.length <= 1) {
      await Promise.all(records.map((r) => tracked(() => container('audit').items.upsert(r))));
      return;
    }
    const res = await bulk('audit', records.map((r) => ({ operationType: 'Upsert' as const, partitionKey: r.tenantId, resourceBody: r as unknown as JSONObject })));
    await Promise.all(
      res.map(async (r, i) => {
        if (retriable(r.statusCode)) await tracked(() => container('audit').items.upsert(records[i]));
        else if (r.statusCode >= 400) throw new Error(`writing audit record ${records[i].id} answered ${r.statusCode}`);
      }),
    );
  },

  list(tenantId: string, top: number, token?: string, filter: { userId?: string; skuId?: string; jobId?: string } = {}): Promise<Page<AuditDoc>> {
    const where: string[] = [];
    const params: SqlParameter[] = [];
    if (filter.userId) {
      where.push('c.userId = @userId');
      params.push({ name: '@userId', value: filter.userId.toLowerCase() });
    }
    if (filter.jobId) {
      where.push('c.jobId = @jobId');
      params.push({ name: '@jobId', value: filter.jobId.toLowerCase() });
    }
    if (filter.skuId) {
      where.push('ARRAY_CONTAINS(c.skuIds, @skuId)');
      params.push({ name: '@skuId', value: filter.skuId.toLowerCase() });
    }
    return queryPage<AuditDoc>(
      'audit',
      tenantId,
      `SELECT * FROM c WHERE c.tenantId = @tenantId AND c.type = 'licenseChange'${where.map((w) => ` AND ${w}`).join('')} ORDER BY c.activityDateTime DESC`,
      params,
      top,
      token,
    );
  },
};
