/**
 * Groups and their memberships in the `directory` container (partition key the tenant). A membership is
 * its own small document (`member-{groupId}-{userId}`), so groups of any size page and change one member
 * at a time, and a user's groups are one query.
 */
import { bulk, bulkBody, container, createIfAbsent, deleteIfPresent, patchDoc, readOf, replaceIfMatch, retriable, setFields, tracked } from './cosmos';
import { Page, UserDoc } from './documents';
import { queryAll, queryPage } from './queries';
import { subscriptions } from './subscriptions';

export interface GroupDoc {
  id: string;
  tenantId: string;
  type: 'group';
  displayName: string;
  description: string | null;
  createdDateTime: string;
  /** The group's products: every member inherits them (Graph's group.assignedLicenses). */
  assignedLicenses: { skuId: string; disabledPlans: string[] }[];
  licenseProcessingState: { state: 'QueuedForProcessing' | 'ProcessingInProgress' | 'ProcessingComplete' };
  /**
   * Who assigned each product to the group (by skuId): only a Global Administrator may license guests, so
   * a guest member inherits a product only when a Global Administrator assigned it (absent: nobody known).
   */
  licenseAssigners?: Record<string, { id: string; displayName: string; mayLicenseGuests: boolean }>;
  search: { displayName: string };
  /** Derived, for $search: the name's words (domain/searchWords.ts). */
  displayNameWords?: string[];
  /** The identity provider's id for the group (SCIM's externalId, compared case-sensitively). */
  externalId?: string | null;
  _etag?: string;
}

export interface MembershipDoc {
  id: string;
  tenantId: string;
  type: 'groupMember';
  groupId: string;
  userId: string;
  joinedDateTime: string;
}

const membershipId = (groupId: string, userId: string) => `member-${groupId}-${userId}`;
const c = () => container('directory');

export const groups = {
  async get(tenantId: string, id: string): Promise<GroupDoc | undefined> {
    const res = await tracked(() => c().item(id.toLowerCase(), tenantId).read<GroupDoc>());
    return res.resource?.type === 'group' ? res.resource : undefined;
  },

  async create(doc: GroupDoc): Promise<GroupDoc> {
    return (await tracked(() => c().items.create(doc))).resource as GroupDoc;
  },

  /** Replaces the group if it still has that etag; undefined when it changed meanwhile. */
  replaceIfMatch: (doc: GroupDoc, etag: string) => replaceIfMatch('directory', doc, etag),

  async setProcessingState(tenantId: string, id: string, state: GroupDoc['licenseProcessingState']['state']): Promise<void> {
    await patchDoc('directory', id, tenantId, [{ op: 'set', path: '/licenseProcessingState/state', value: state }]);
  },

  async remove(tenantId: string, id: string): Promise<void> {
    await deleteIfPresent('directory', id, tenantId);
  },

  /** The ids of the groups with this name, compared case-insensitively (at most `top`). */
  async named(tenantId: string, displayName: string, top: number): Promise<string[]> {
    const page = await queryPage<string>(
      'directory',
      tenantId,
      `SELECT VALUE c.id FROM c WHERE c.tenantId = @tenantId AND c.type = 'group' AND c.search.displayName = @name`,
      [{ name: '@name', value: displayName.toLowerCase() }],
      top,
    );
    return page.items;
  },

  /** Groups that carry licenses (the reconciliation re-runs them). */
  withLicenses(tenantId: string, top: number, token?: string): Promise<Page<GroupDoc>> {
    return queryPage<GroupDoc>(
      'directory',
      tenantId,
      `SELECT * FROM c WHERE c.tenantId = @tenantId AND c.type = 'group' AND ARRAY_LENGTH(c.assignedLicenses) > 0`,
      [],
      top,
      token,
    );
  },
};

export const memberships = {
  /** Adds a member; false if already one. */
  add: (tenantId: string, groupId: string, userId: string): Promise<boolean> =>
    createIfAbsent('directory', {
      id: membershipId(groupId, userId),
      tenantId,
      type: 'groupMember',
      groupId,
      userId,
      joinedDateTime: new Date().toISOString(),
    } satisfies MembershipDoc),

  /** Removes a member; false if not one. */
  remove: (tenantId: string, groupId: string, userId: string): Promise<boolean> => deleteIfPresent('directory', membershipId(groupId, userId), tenantId),

  /** Adds members in bulk requests: the users who were not members before (a 409 is one who was). */
  async addMany(tenantId: string, groupId: string, userIds: string[]): Promise<string[]> {
    const joined = new Date().toISOString();
    const res = await bulk(
      'directory',
      userIds.map((userId) => ({
        operationType: 'Create' as const,
        partitionKey: tenantId,
        resourceBody: bulkBody({
          id: membershipId(groupId, userId),
          tenantId,
          type: 'groupMember',
          groupId,
          userId,
          joinedDateTime: joined,
        } satisfies MembershipDoc),
      })),
    );
    const added: string[] = [];
    for (const [i, r] of res.entries()) {
      if (r.statusCode === 409) continue;
      if (retriable(r.statusCode)) {
        if (await memberships.add(tenantId, groupId, userIds[i])) added.push(userIds[i]);
      } else if (r.statusCode >= 400) throw new Error(`adding member ${userIds[i]} answered ${r.statusCode}`);
      else added.push(userIds[i]);
    }
    return added;
  },

  /** Removes members in bulk requests: the users who were members (a 404 is one who was not). */
  async removeMany(tenantId: string, groupId: string, userIds: string[]): Promise<string[]> {
    const res = await bulk(
      'directory',
      userIds.map((userId) => ({ operationType: 'Delete' as const, id: membershipId(groupId, userId), partitionKey: tenantId })),
    );
    const removed: string[] = [];
    for (const [i, r] of res.entries()) {
      if (r.statusCode === 404) continue;
      if (retriable(r.statusCode)) {
        if (await memberships.remove(tenantId, groupId, userIds[i])) removed.push(userIds[i]);
      } else if (r.statusCode >= 400) throw new Error(`removing member ${userIds[i]} answered ${r.statusCode}`);
      else removed.push(userIds[i]);
    }
    return removed;
  },

  /** The memberships of some users (a page of a user list). */
  ofUsers: (tenantId: string, userIds: string[]): Promise<MembershipDoc[]> =>
    queryAll<MembershipDoc>(
      'directory',
      tenantId,
      `SELECT * FROM c WHERE c.tenantId = @tenantId AND c.type = 'groupMember' AND ARRAY_CONTAINS(@users, c.userId)`,
      [{ name: '@users', value: userIds }],
    ),

  ofGroup(tenantId: string, groupId: string, top: number, token?: string): Promise<Page<MembershipDoc>> {
    return queryPage<MembershipDoc>(
      'directory',
      tenantId,
      `SELECT * FROM c WHERE c.tenantId = @tenantId AND c.type = 'groupMember' AND c.groupId = @g ORDER BY c.joinedDateTime`,
      [{ name: '@g', value: groupId }],
      top,
      token,
    );
  },

  ofUser: (tenantId: string, userId: string): Promise<MembershipDoc[]> =>
    queryAll<MembershipDoc>('directory', tenantId, `SELECT * FROM c WHERE c.tenantId = @tenantId AND c.type = 'groupMember' AND c.userId = @u`, [
      { name: '@u', value: userId },
    ]),

  /** Users carrying paths of a group they are no longer a member of (a convergence message was lost): every user with group paths looked at. */
  async formerMembersWithPaths(tenantId: string): Promise<string[]> {
    const out: string[] = [];
    let token: string | undefined;
    do {
      const page = await queryPage<{ id: string; groupPaths: string[] }>(
        'directory',
        tenantId,
        `SELECT c.id, c.groupPaths FROM c WHERE c.tenantId = @tenantId AND c.type = 'user' AND ARRAY_LENGTH(c.groupPaths) > 0`,
        [],
        500,
        token,
      );
      out.push(...(await memberships.formerMembersAmong(tenantId, page.items)));
      token = page.continuationToken;
    } while (token);
    return out;
  },

  /** Of these users, those with a path of a group they are no longer a member of: the memberships their paths stand for, read in bulk. */
  async formerMembersAmong(tenantId: string, users: { id: string; groupPaths: string[] }[]): Promise<string[]> {
    const pairs = users.flatMap((u) => u.groupPaths.map((g) => ({ userId: u.id, id: membershipId(g, u.id) })));
    if (!pairs.length) return [];
    const res = await bulk(
      'directory',
      pairs.map((p) => ({ operationType: 'Read' as const, id: p.id, partitionKey: tenantId })),
    );
    return [...new Set(pairs.filter((_, i) => res[i].statusCode === 404).map((p) => p.userId))];
  },

  /** Members whose licenses from this group are in error. */
  inError(tenantId: string, groupId: string, top: number, token?: string): Promise<Page<UserDoc>> {
    return queryPage<UserDoc>(
      'directory',
      tenantId,
      `SELECT * FROM c WHERE c.tenantId = @tenantId AND c.type = 'user' AND ARRAY_CONTAINS(c.groupsInError, @g) ORDER BY c.search.displayName`,
      [{ name: '@g', value: groupId }],
      top,
      token,
    );
  },
};

export interface WaitingDoc {
  id: string;
  tenantId: string;
  type: 'waitingSeat';
  skuId: string;
  userId: string;
  /** The group whose product the member waits for (the first one, if several). */
  groupId: string;
  /** When the member joined that group: the default order. */
  since: string;
  /** Set by an admin: higher goes first. */
  priority: number;
  /** The sort key: priority (higher first), then join time, then id — one indexed field to ORDER BY. */
  sortKey: string;
}

const waitingId = (skuId: string, userId: string) => `wait-${skuId}-${userId}`;
const waitingOrder = (priority: number, since: string, userId: string) => `${String(100_000 - priority).padStart(6, '0')}|${since}|${userId}`;

/**
 * The waiting list of a product: members whose group license found no seat, in a deterministic order
 * (priority, then join time, then id). One document per (product, member); the subscription counts them
 * (`seat.waiting`) so that freeing a seat knows, from the write's own answer, whether anyone waits.
 */
export const waitingList = {
  async add(doc: Omit<WaitingDoc, 'id' | 'type' | 'priority' | 'sortKey'>): Promise<boolean> {
    const created = await createIfAbsent('directory', {
      ...doc,
      id: waitingId(doc.skuId, doc.userId),
      type: 'waitingSeat',
      priority: 0,
      sortKey: waitingOrder(0, doc.since, doc.userId),
    } satisfies WaitingDoc);
    if (created) await subscriptionsWaiting(doc.tenantId, doc.skuId, +1);
    return created;
  },

  async remove(tenantId: string, skuId: string, userId: string): Promise<boolean> {
    const removed = await deleteIfPresent('directory', waitingId(skuId, userId), tenantId);
    if (removed) await subscriptionsWaiting(tenantId, skuId, -1);
    return removed;
  },

  async setPriority(tenantId: string, skuId: string, userId: string, priority: number): Promise<WaitingDoc | undefined> {
    const current = await readOf<WaitingDoc>('directory', waitingId(skuId, userId), tenantId, 'waitingSeat');
    if (!current) return undefined;
    // conditional on the entry being there still (it may have left the list meanwhile)
    return patchDoc<WaitingDoc>(
      'directory',
      current.id,
      tenantId,
      setFields({ priority, sortKey: waitingOrder(priority, current.since, userId) }),
      `c.type = 'waitingSeat'`,
    );
  },

  list(tenantId: string, skuId: string, top: number, token?: string): Promise<Page<WaitingDoc>> {
    return queryPage<WaitingDoc>(
      'directory',
      tenantId,
      `SELECT * FROM c WHERE c.tenantId = @tenantId AND c.type = 'waitingSeat' AND c.skuId = @sku ORDER BY c.sortKey`,
      [{ name: '@sku', value: skuId }],
      top,
      token,
    );
  },
};

// the count lives on the subscription document, next to the seats it waits for
const subscriptionsWaiting = (tenantId: string, skuId: string, delta: number) => subscriptions.adjustWaiting(tenantId, skuId, delta);
