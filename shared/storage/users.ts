/**
 * Users: one document each, changed only by replaces with If-Match (a user's licenses change in one atomic
 * write), plus a claim document per user principal name that keeps it unique in the tenant.
 */
import { ApiError, ErrorCodes } from '../errors';
import { effectiveLicenses } from '../domain/licensing';
import { bulk, bulkBody, bulkDoc, container, isCosmosError, patchDoc, readOf, replaceIfMatch, retriable, tracked } from './cosmos';
import { Page, UserDoc } from './documents';
import { bulkRead, queryAll, queryPage } from './queries';
import { searchWords } from '../domain/searchWords';

/**
 * The user with its query fields recomputed from what it holds: every write of a user goes through here,
 * so a filter on assignedLicenses, their count, license errors or a case-insensitive department sees the
 * document as Graph's view shows it, whichever use-case wrote it. It is stamped as written now
 * (writtenDateTime): the incremental reconciliation's change set is the users written since its last run.
 */
export function withQueryFields(doc: UserDoc): UserDoc {
  const assignments = doc.licenseAssignments ?? [];
  const assigned = effectiveLicenses(assignments).map((l) => l.skuId.toLowerCase());
  return {
    ...doc,
    search: {
      displayName: doc.displayName.toLowerCase(),
      userPrincipalName: doc.userPrincipalName.toLowerCase(),
      department: doc.department?.toLowerCase() ?? null,
      userName: (doc.userName ?? doc.userPrincipalName).toLowerCase(),
      mail: doc.mail?.toLowerCase() ?? null,
    },
    displayNameWords: searchWords(doc.displayName),
    assignedSkuIds: assigned,
    assignedLicenseCount: assigned.length,
    hasLicenseErrors: assignments.some((a) => a.state === 'Error'),
    writtenDateTime: new Date().toISOString(),
  };
}

// base64url: a UPN may hold characters a Cosmos DB id may not (guests' `#EXT#`)
const upnClaimId = (upn: string) => `upn-${Buffer.from(upn.toLowerCase()).toString('base64url')}`;

/**
 * Claims a user principal name for a user (the claim document names the user): 409 when another user holds
 * it. A claim whose user is gone, or no longer has that name (an interrupted rename), is taken over.
 */
async function claimUpn(tenantId: string, upn: string, userId: string): Promise<void> {
  const c = container('directory');
  const claim = { id: upnClaimId(upn), tenantId, type: 'upnClaim', userId };
  try {
    await tracked(() => c.items.create(claim));
    return;
  } catch (e) {
    if (!isCosmosError(e, 409)) throw e;
  }
  const existing = await tracked(() => c.item(claim.id, tenantId).read<typeof claim>());
  if (existing.resource?.userId === userId) return;
  const holder = existing.resource && (await users.get(tenantId, existing.resource.userId));
  if (!existing.resource || (holder && holder.userPrincipalName.toLowerCase() === upn.toLowerCase()))
    throw new ApiError(409, ErrorCodes.conflict, `Another user already has the user principal name ${upn}. Pick another one.`, 'userPrincipalName');
  try {
    await tracked(() => c.item(claim.id, tenantId).replace(claim, { accessCondition: { type: 'IfMatch', condition: existing.etag } }));
  } catch (e) {
    // someone took the stale claim first
    if (isCosmosError(e, 412))
      throw new ApiError(409, ErrorCodes.conflict, `Another user already has the user principal name ${upn}. Pick another one.`, 'userPrincipalName');
    throw e;
  }
}

/** Releases a user principal name's claim if it is still this user's. */
async function releaseUpn(tenantId: string, upn: string, userId: string): Promise<void> {
  const claim = await readOf<{ userId: string; _etag?: string }>('directory', upnClaimId(upn), tenantId, 'upnClaim');
  if (claim?.userId !== userId) return;
  try {
    await tracked(() =>
      container('directory')
        .item(upnClaimId(upn), tenantId)
        .delete({ accessCondition: { type: 'IfMatch', condition: claim._etag! } }),
    );
  } catch (e) {
    if (!isCosmosError(e, 404) && !isCosmosError(e, 412)) throw e;
  }
}

/** One user's outcome of a conditional write; `unknown`: the write may or may not have been applied. */
export type UserWrite = { written: UserDoc } | { stale: true } | { error: unknown; unknown: boolean };

export const users = {
  get: (tenantId: string, id: string) => readOf<UserDoc>('directory', id.toLowerCase(), tenantId, 'user'),

  /** Many users by id: point reads, in bulk requests when there are several. */
  async getMany(tenantId: string, ids: string[]): Promise<Map<string, UserDoc>> {
    const docs =
      ids.length <= 1
        ? await Promise.all(ids.map((id) => users.get(tenantId, id)))
        : await bulkRead<UserDoc>(
            tenantId,
            ids.map((id) => id.toLowerCase()),
          );
    return new Map(docs.filter((d): d is UserDoc => !!d && d.type === 'user').map((d) => [d.id, d]));
  },

  async findByUpn(tenantId: string, upn: string): Promise<UserDoc | undefined> {
    const claim = await readOf<{ userId: string }>('directory', upnClaimId(upn), tenantId, 'upnClaim');
    return claim ? users.get(tenantId, claim.userId) : undefined;
  },

  /** Many users by userPrincipalName (lower case keys): the claims, then the users, each in bulk. */
  async getManyByUpn(tenantId: string, upns: string[]): Promise<Map<string, UserDoc>> {
    const claims = (await bulkRead<{ userId: string }>(tenantId, upns.map(upnClaimId))).filter((c): c is { userId: string } => !!c);
    const found = await users.getMany(
      tenantId,
      claims.map((c) => c.userId),
    );
    return new Map([...found.values()].map((u) => [u.userPrincipalName.toLowerCase(), u]));
  },

  /** Replaces many users, each only if it still has its etag: the written user, or undefined where it changed. */
  async replaceManyIfMatch(items: { doc: UserDoc; etag: string }[]): Promise<(UserDoc | undefined)[]> {
    return (await users.writeMany(items)).map((r) => {
      if ('error' in r) throw r.error;
      return 'written' in r ? r.written : undefined;
    });
  },

  /**
   * Replaces many users, each only if it still has its etag, each with its own outcome: written, stale
   * (changed meanwhile), or an error (throttled past the SDK's retries, unreachable). One user: a point
   * write; more: bulk requests, an operation refused as retriable tried again on its own with the SDK's
   * retries. When a bulk request itself fails, what it did is unknown: every item of it is `unknown`.
   */
  async writeMany(items: { doc: UserDoc; etag: string }[]): Promise<UserWrite[]> {
    if (!items.length) return [];
    const alone = async ({ doc, etag }: { doc: UserDoc; etag: string }): Promise<UserWrite> => {
      try {
        const written = await users.replaceIfMatch(doc, etag);
        return written ? { written } : { stale: true };
      } catch (error) {
        return { error, unknown: !isCosmosError(error) || typeof (error as { code?: unknown }).code !== 'number' };
      }
    };
    if (items.length === 1) return [await alone(items[0])];
    const ops = items.map(({ doc, etag }) => {
      const { _etag, ...body } = withQueryFields(doc);
      void _etag;
      return { operationType: 'Replace' as const, id: doc.id, partitionKey: doc.tenantId, resourceBody: bulkBody(body), ifMatch: etag };
    });
    let res: Awaited<ReturnType<typeof bulk>>;
    try {
      res = await bulk('directory', ops);
    } catch (error) {
      return items.map(() => ({ error, unknown: true }));
    }
    return Promise.all(
      res.map(async (r, i): Promise<UserWrite> => {
        if (r.statusCode === 412) return { stale: true };
        if (retriable(r.statusCode)) return alone(items[i]);
        if (r.statusCode >= 400) return { error: new Error(`replacing user ${items[i].doc.id} answered ${r.statusCode}`), unknown: false };
        return { written: bulkDoc<UserDoc>(r) };
      }),
    );
  },

  /**
   * Creates a user. The user principal name is kept unique per tenant by a claim document created first;
   * a claim left behind by an interrupted create (its user never written) is taken over.
   */
  async create(doc: UserDoc): Promise<UserDoc> {
    await claimUpn(doc.tenantId, doc.userPrincipalName, doc.id);
    const res = await tracked(() => container('directory').items.create(withQueryFields(doc)));
    return res.resource as UserDoc;
  },

  /**
   * Gives a user another user principal name: the new name's claim first (409 when another user has it),
   * then the user (If-Match; undefined when it changed meanwhile: the new claim stays the user's, a retry
   * finds it), then the old name's claim is released. Interrupted, a claim may be left for a name its user
   * no longer has: the next create or rename of that name takes it over.
   */
  async rename(doc: UserDoc, etag: string, previousUpn: string): Promise<UserDoc | undefined> {
    await claimUpn(doc.tenantId, doc.userPrincipalName, doc.id);
    const written = await users.replaceIfMatch(doc, etag);
    if (written && previousUpn.toLowerCase() !== doc.userPrincipalName.toLowerCase()) await releaseUpn(doc.tenantId, previousUpn, doc.id);
    return written;
  },

  /** Deletes a user if it is still that version (If-Match), then its name's claim: false when it changed meanwhile. */
  async remove(doc: UserDoc, etag: string): Promise<boolean> {
    try {
      await tracked(() =>
        container('directory')
          .item(doc.id, doc.tenantId)
          .delete({ accessCondition: { type: 'IfMatch', condition: etag } }),
      );
    } catch (e) {
      if (isCosmosError(e, 412)) return false;
      if (!isCosmosError(e, 404)) throw e;
    }
    await releaseUpn(doc.tenantId, doc.userPrincipalName, doc.id);
    return true;
  },

  /** Replaces a user if it still has the given etag; undefined when someone changed it meanwhile. */
  replaceIfMatch: (doc: UserDoc, etag: string) => replaceIfMatch('directory', withQueryFields(doc), etag),

  /**
   * Records a sign-in (Graph's signInActivity.lastSignInDateTime): one conditional patch that only moves the
   * date forward, so events arriving out of order or on several instances at once never move it back. It
   * touches no license field, and the engine's If-Match writes simply re-read a user it changed meanwhile.
   * `at` must be normalised (toISOString): stored dates compare as strings. Undefined: nothing to record.
   */
  async recordSignIn(tenantId: string, userId: string, at: string): Promise<UserDoc | undefined> {
    return patchDoc<UserDoc>(
      'directory',
      userId,
      tenantId,
      [{ op: 'set', path: '/signInActivity', value: { lastSignInDateTime: at } }],
      `c.type = 'user' and (not is_defined(c.signInActivity.lastSignInDateTime) or c.signInActivity.lastSignInDateTime < '${at}')`,
    );
  },

  /** Users written before the query fields existed, or some of them (the reconciliation's userQueryFields step adds them). */
  withoutQueryFields(tenantId: string, top: number, token?: string): Promise<Page<UserDoc>> {
    return queryPage<UserDoc>(
      'directory',
      tenantId,
      `SELECT * FROM c WHERE c.tenantId = @tenantId AND c.type = 'user' AND (NOT IS_DEFINED(c.assignedLicenseCount) OR NOT IS_DEFINED(c.displayNameWords) OR NOT IS_DEFINED(c.search.userName))`,
      [],
      top,
      token,
    );
  },

  /** Ids of the users with a license path in error (the reconciliation converges them when the organization's defaults changed). */
  withLicenseErrors: (tenantId: string): Promise<string[]> =>
    queryAll<string>('directory', tenantId, `SELECT VALUE c.id FROM c WHERE c.tenantId = @tenantId AND c.type = 'user' AND c.hasLicenseErrors = true`),

  /**
   * Stamps a user as written now without changing anything else (removeMember, before the membership
   * goes): a leave shows in the change set of the next incremental reconciliation, which a deletion does not.
   */
  async touch(tenantId: string, userId: string): Promise<void> {
    await patchDoc('directory', userId, tenantId, [{ op: 'set', path: '/writtenDateTime', value: new Date().toISOString() }], `c.type = 'user'`);
  },

  /** touch for many users (a bulk removal of members): point patches, 20 at a time (the emulator's bulk has no Patch). A user who is gone is passed over. */
  async touchMany(tenantId: string, userIds: string[]): Promise<void> {
    for (let i = 0; i < userIds.length; i += 20) await Promise.all(userIds.slice(i, i + 20).map((id) => users.touch(tenantId, id)));
  },

  /** The user principal name of the organization's first member user (by creation): where its own domain shows. */
  async firstMemberUpn(tenantId: string): Promise<string | undefined> {
    const page = await queryPage<string>(
      'directory',
      tenantId,
      `SELECT VALUE c.userPrincipalName FROM c WHERE c.tenantId = @tenantId AND c.type = 'user' AND c.userType = 'Member' ORDER BY c.createdDateTime`,
      [],
      1,
    );
    return page.items[0];
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
