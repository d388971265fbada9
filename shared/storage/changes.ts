/**
 * What changed in a tenant's directory partition since a checkpoint: the change set an incremental
 * reconciliation works from. Two sources behind one seam, chosen by RECONCILIATION_CHANGES:
 *
 * - `timestamp` (the default, here and in Azure): range queries on indexed paths. Users by the stamp
 *   every write of the app puts on them (`writtenDateTime`, below), every other document by `_ts` (the
 *   server's write time, whole seconds, always set by the store), `>= since - margin`. `since` is taken
 *   from the store's own clock (the `_ts` of the run's lease write, before the run reads anything), and
 *   the margin (RECONCILIATION_CHANGE_MARGIN_SECONDS) covers the skew between that partition's clock, the
 *   directory partition's and the writing instances', and a write stamped just before a checkpoint but
 *   not yet readable: what falls in the margin is read twice, which the steps allow (each is idempotent).
 *   The local emulator (@vercel/cosmosdb-server) has no change feed (asked for one it returns every
 *   document once, then 304 for ever), so this is also the source every test runs for real.
 * - `changeFeed`: Cosmos DB's change feed, pull model, scoped to the tenant's partition key
 *   (`items.getChangeFeedIterator` from the stored continuation, read until it answers 304 Not Modified).
 *   Its continuation is a position in the partition's log, not a time: nothing is missed or read twice
 *   whatever the clocks do. Latest-version mode: a document changed twice shows once, as it is now; a
 *   deletion does not show (the app writes what a deletion must make visible: see removeMember). It is
 *   the idiomatic way on Azure, and it would be the default there but for sign-ins (below): the feed
 *   cannot be filtered, so it returns every user who signed in since the last run (on a normal day most of
 *   a tenant) at about a point read each, where the stamp's query reads only the users the app wrote.
 *   For a deployment that records no sign-ins on its users (no token-issuance hook, no sign-in CSV), it is
 *   the exact and as cheap choice. Tested against a fake of the pull model (the contract test), not a real
 *   account.
 *
 * Either way the caller stores the checkpoint only once a run has dealt with every change it read: a run
 * that dies half-way leaves the old one, and the next run reads those changes again.
 *
 * A sign-in is a patch of the user (its signInActivity), and on a normal day most users sign in: that is
 * no change to reconcile (the reclaim policy finds the inactive by its own indexed query). A user counts as
 * changed when the app wrote it: every write stamps `writtenDateTime` (users.withQueryFields; a group leave
 * stamps it too), a sign-in's patch does not. The `_ts` source asks for users by that stamp (indexed) and
 * for every other document by `_ts`; the change feed returns every change, and its sign-in-only ones are
 * dropped as they are read (their request units paid: the feed cannot filter). The stamp is the writing
 * instance's clock: the same margin covers it. A user written by a version of the app from before the
 * stamp is left to the full run.
 */
import { ChangeFeedStartFrom, StatusCodes } from '@azure/cosmos';
import { settings } from '../config';
import { container, tracked } from './cosmos';
import { queryPages } from './queries';

/** Where the next incremental run starts: the store's time of a position (epoch seconds), and the change feed's continuation there (when the feed was read). */
export interface ChangeCheckpoint {
  since: number;
  continuation?: string;
}

/**
 * A changed document as the reconciliation needs it (a projection: the change feed's whole documents are
 * cut to the same fields). Users: what the audit check, the reclaim policy's dates, group licensing and
 * the query fields need; memberships: who joined which group; groups: their licenses' processing state.
 */
export interface ChangedDoc {
  id: string;
  type: string;
  _ts: number;
  accountEnabled?: boolean;
  disabledDateTime?: string | null;
  /** The user's last license change (its audit record's id and time). */
  lastChangeId?: string;
  lastChangeAt?: string;
  groupPaths?: string[];
  groupsInError?: string[];
  assignedLicenseCount?: number;
  displayNameWords?: string[];
  /** search.userName: absent on a user written before SCIM's query fields existed. */
  searchUserName?: string;
  groupId?: string;
  userId?: string;
  licenseProcessingState?: { state: string };
}

const PLAIN_FIELDS = [
  'id',
  'type',
  '_ts',
  'accountEnabled',
  'disabledDateTime',
  'groupPaths',
  'groupsInError',
  'assignedLicenseCount',
  'displayNameWords',
  'groupId',
  'userId',
  'licenseProcessingState',
] as const;

/** A whole document (the change feed's) cut to a ChangedDoc: the same fields the timestamp query selects. */
export function changedDocOf(doc: Record<string, unknown>): ChangedDoc {
  const out: Record<string, unknown> = {};
  for (const f of PLAIN_FIELDS) if (doc[f] !== undefined) out[f] = doc[f];
  const last = doc.lastLicenseChange as { id?: string; activityDateTime?: string } | undefined;
  if (last?.id !== undefined) out.lastChangeId = last.id;
  if (last?.activityDateTime !== undefined) out.lastChangeAt = last.activityDateTime;
  const search = doc.search as { userName?: string } | undefined;
  if (search?.userName !== undefined) out.searchUserName = search.userName;
  return out as unknown as ChangedDoc;
}

/** Changes read from a checkpoint: the pages, then (once they are read to the end) where the next run starts. */
export interface ChangeReader {
  pages(): AsyncGenerator<ChangedDoc[]>;
  /** After pages() has been read to its end: the checkpoint that follows what was read. */
  next(): ChangeCheckpoint;
}

export interface ChangeSource {
  readonly name: 'timestamp' | 'changeFeed';
  /**
   * The position now, for a run that starts at the store's time `startTs` (epoch seconds) and reads
   * everything itself (a full run): changes after it are the next run's.
   */
  now(tenantId: string, startTs: number): Promise<ChangeCheckpoint>;
  /** The changes since `from` (at least those), for a run that started at the store's time `startTs`. */
  since(tenantId: string, from: ChangeCheckpoint, startTs: number, pageSize: number): ChangeReader;
}

// a projection list apart from its SELECT (the index check reads only what follows WHERE)
const fields = [
  ...PLAIN_FIELDS.map((f) => `c.${f}`),
  'c.lastLicenseChange.id AS lastChangeId',
  'c.lastLicenseChange.activityDateTime AS lastChangeAt',
  'c.search.userName AS searchUserName',
].join(', ');

/** A reader whose next() is only there once its pages were read to the end (a checkpoint must never skip what was not read). */
function readToTheEnd(pages: AsyncGenerator<ChangedDoc[]>, next: () => ChangeCheckpoint): ChangeReader {
  let done = false;
  return {
    async *pages() {
      yield* pages;
      done = true;
    },
    next() {
      if (!done) throw new Error('the changes were not read to their end: a checkpoint after them would skip what was not read');
      return next();
    },
  };
}

/** Where a change set starts, minus the margin: epoch seconds (for `_ts`) and the same as ISO (for `writtenDateTime`). */
function startOf(from: ChangeCheckpoint): { after: number; afterIso: string } {
  const after = Math.floor(from.since) - settings().RECONCILIATION_CHANGE_MARGIN_SECONDS;
  return { after, afterIso: new Date(after * 1000).toISOString() };
}

/** Range queries: users the app wrote since the start (minus the margin), every other document written since then (`_ts`). */
export const timestampChanges = {
  name: 'timestamp' as const,
  now: async (_tenantId: string, startTs: number): Promise<ChangeCheckpoint> => ({ since: startTs }),
  since(tenantId: string, from: ChangeCheckpoint, startTs: number, pageSize: number): ChangeReader {
    const { after, afterIso } = startOf(from);
    return readToTheEnd(
      queryPages<ChangedDoc>(
        'directory',
        tenantId,
        `SELECT ${fields} FROM c WHERE c.tenantId = @tenantId AND ((c.type = 'user' AND c.writtenDateTime >= @afterIso) OR (c.type != 'user' AND c._ts >= @after))`,
        [
          { name: '@after', value: after },
          { name: '@afterIso', value: afterIso },
        ],
        pageSize,
      ),
      () => ({ since: startTs }),
    );
  },
} satisfies ChangeSource;

/** The change feed of the tenant's partition key (pull model, latest version), resumed from its continuation. */
export const changeFeedChanges = {
  name: 'changeFeed' as const,
  async now(tenantId: string, startTs: number): Promise<ChangeCheckpoint> {
    const iterator = container('directory').items.getChangeFeedIterator({ changeFeedStartFrom: ChangeFeedStartFrom.Now(tenantId), maxItemCount: 1 });
    const res = await tracked(() => iterator.readNext());
    return { since: startTs, continuation: res.continuationToken };
  },
  since(tenantId: string, from: ChangeCheckpoint, startTs: number, pageSize: number): ChangeReader {
    const { after, afterIso } = startOf(from);
    // a checkpoint without a continuation (written by the timestamp source): from its time, minus the margin
    const start = from.continuation ? ChangeFeedStartFrom.Continuation(from.continuation) : ChangeFeedStartFrom.Time(new Date(after * 1000), tenantId);
    // a user the app has not written since then was changed by a sign-in's patch only (above); one without the stamp is kept
    const written = (d: Record<string, unknown>) => d.type !== 'user' || typeof d.writtenDateTime !== 'string' || d.writtenDateTime >= afterIso;
    const iterator = container('directory').items.getChangeFeedIterator<Record<string, unknown>>({ changeFeedStartFrom: start, maxItemCount: pageSize });
    let continuation = from.continuation;
    async function* pages(): AsyncGenerator<ChangedDoc[]> {
      for (;;) {
        const res = await tracked(() => iterator.readNext());
        continuation = res.continuationToken ?? continuation;
        if (res.statusCode === StatusCodes.NotModified || !res.result?.length) return;
        const page = res.result.filter(written).map(changedDocOf);
        if (page.length) yield page;
      }
    }
    return readToTheEnd(pages(), () => ({ since: startTs, ...(continuation ? { continuation } : {}) }));
  },
} satisfies ChangeSource;

/** The source this deployment uses (RECONCILIATION_CHANGES). */
export const changeSource = (): ChangeSource => (settings().RECONCILIATION_CHANGES === 'changeFeed' ? changeFeedChanges : timestampChanges);
