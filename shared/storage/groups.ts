/**
 * Groups and their memberships in the `directory` container (partition key the tenant). A membership is
 * its own small document (`member-{groupId}-{userId}`), so groups of any size page and change one member
 * at a time, and a user's groups are one query.
 */
import { container, isCosmosError, tracked } from './cosmos';
import { Page, queryPage, UserDoc } from './repository';

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
  search: { displayName: string };
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
  async replaceIfMatch(doc: GroupDoc, etag: string): Promise<GroupDoc | undefined> {
    try {
      const { _etag, ...body } = doc;
      void _etag;
      return (await tracked(() => c().item(doc.id, doc.tenantId).replace(body, { accessCondition: { type: 'IfMatch', condition: etag } }))).resource as unknown as GroupDoc;
    } catch (e) {
      if (isCosmosError(e, 412)) return undefined;
      throw e;
    }
  },

  async setProcessingState(tenantId: string, id: string, state: GroupDoc['licenseProcessingState']['state']): Promise<void> {
    await tracked(() => c().item(id, tenantId).patch([{ op: 'set', path: '/licenseProcessingState/state', value: state }]));
  },

  async remove(tenantId: string, id: string): Promise<void> {
    try {
      await tracked(() => c().item(id, tenantId).delete());
    } catch (e) {
      if (!isCosmosError(e, 404)) throw e;
    }
  },

  list(tenantId: string, top: number, token?: string, prefix?: string): Promise<Page<GroupDoc>> {
    return queryPage<GroupDoc>(
      'directory',
      tenantId,
      `SELECT * FROM c WHERE c.tenantId = @tenantId AND c.type = 'group'${prefix ? ' AND STARTSWITH(c.search.displayName, @p)' : ''} ORDER BY c.search.displayName`,
      prefix ? [{ name: '@p', value: prefix.toLowerCase() }] : [],
      top,
      token,
    );
  },

  /** Groups that carry licenses (the reconciliation re-runs them). */
  withLicenses(tenantId: string, top: number, token?: string): Promise<Page<GroupDoc>> {
    return queryPage<GroupDoc>('directory', tenantId, `SELECT * FROM c WHERE c.tenantId = @tenantId AND c.type = 'group' AND ARRAY_LENGTH(c.assignedLicenses) > 0`, [], top, token);
  },
};

export const memberships = {
  /** Adds a member; false if already one. */
  async add(tenantId: string, groupId: string, userId: string): Promise<boolean> {
    const doc: MembershipDoc = { id: membershipId(groupId, userId), tenantId, type: 'groupMember', groupId, userId, joinedDateTime: new Date().toISOString() };
    try {
      await tracked(() => c().items.create(doc));
      return true;
    } catch (e) {
      if (isCosmosError(e, 409)) return false;
      throw e;
    }
  },

  /** Removes a member; false if not one. */
  async remove(tenantId: string, groupId: string, userId: string): Promise<boolean> {
    try {
      await tracked(() => c().item(membershipId(groupId, userId), tenantId).delete());
      return true;
    } catch (e) {
      if (isCosmosError(e, 404)) return false;
      throw e;
    }
  },

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

  async ofUser(tenantId: string, userId: string): Promise<MembershipDoc[]> {
    const out: MembershipDoc[] = [];
    let token: string | undefined;
    do {
      const page = await queryPage<MembershipDoc>(
        'directory',
        tenantId,
        `SELECT * FROM c WHERE c.tenantId = @tenantId AND c.type = 'groupMember' AND c.userId = @u`,
        [{ name: '@u', value: userId }],
        100,
        token,
      );
      out.push(...page.items);
      token = page.continuationToken;
    } while (token);
    return out;
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
