/**
 * What the reports read and keep: the organization's report settings (directory container, one document:
 * whether names are concealed, and the per-tenant key the concealed names are derived with), and the
 * users a report lists, a page at a time, filtered in the query (a report reads the users it shows, not the
 * whole tenant) and projected to the fields the reports show (never the whole partition in memory).
 */
import { randomBytes } from 'node:crypto';
import { SqlParameter } from '@azure/cosmos';
import { LicenseAssignment } from '../domain/licensing';
import { createIfAbsent, readOf, replaceIfMatch } from './cosmos';
import { queryPages } from './queries';

export interface ReportSettingsDoc {
  id: string;
  tenantId: string;
  type: 'reportSettings';
  /** Graph's adminReportSettings.displayConcealedNames: reports show stable hashes instead of names. */
  displayConcealedNames: boolean;
  /** HMAC key of the concealed names (never shown): without it a hash cannot be matched to a guessed name. */
  secret: string;
  lastModifiedDateTime: string | null;
  lastModifiedBy: { id: string; displayName: string } | null;
  _etag?: string;
}

const SETTINGS_ID = 'report-settings';

/** What an admin's change writes (the rest of the document is the store's). */
export type ReportSettingsChange = Pick<ReportSettingsDoc, 'displayConcealedNames' | 'lastModifiedDateTime' | 'lastModifiedBy'>;

export const reportSettings = {
  /** The tenant's settings; undefined until an admin first changes them (a read never writes). */
  get: (tenantId: string) => readOf<ReportSettingsDoc>('directory', SETTINGS_ID, tenantId, 'reportSettings'),

  /**
   * The tenant's first settings, with a new key for concealed names; undefined when another first write
   * came first (the caller changes that one instead, so there is only ever one key).
   */
  async create(tenantId: string, change: ReportSettingsChange): Promise<ReportSettingsDoc | undefined> {
    const doc: ReportSettingsDoc = { id: SETTINGS_ID, tenantId, type: 'reportSettings', secret: randomBytes(32).toString('base64url'), ...change };
    return (await createIfAbsent('directory', doc)) ? doc : undefined;
  },

  replaceIfMatch: (doc: ReportSettingsDoc, etag: string) => replaceIfMatch('directory', doc, etag),
};

/** The fields of a user the reports show. */
export interface ReportedUser {
  id: string;
  displayName: string;
  userPrincipalName: string;
  accountEnabled: boolean;
  userType: 'Member' | 'Guest';
  createdDateTime?: string;
  signInActivity?: { lastSignInDateTime?: string };
  licenseAssignments: LicenseAssignment[];
}

const projection = 'c.id, c.displayName, c.userPrincipalName, c.accountEnabled, c.userType, c.createdDateTime, c.signInActivity, c.licenseAssignments';

/**
 * A tenant's users that pass `where`, a page at a time (one query, one iterator; only what the reports show
 * is read). The next page is fetched while the caller writes out the current one (two pages in memory at
 * most), so the store's latency and the response's writing overlap instead of adding up.
 */
function reportedUserPages(tenantId: string, pageSize: number, where: string, parameters: SqlParameter[]): AsyncGenerator<ReportedUser[]> {
  return oneAhead(
    queryPages<ReportedUser>(
      'directory',
      tenantId,
      `SELECT ${projection} FROM c WHERE c.tenantId = @tenantId AND c.type = 'user' AND ${where}`,
      parameters,
      pageSize,
    ),
  );
}

/**
 * The query fields a write derives (users.withQueryFields) are absent on a user written before they
 * existed, until the reconciliation's userQueryFields step adds them: such a user is read whatever the
 * filter, and the report's own rule decides, as it did before the filters were in the query.
 */
const OLDER_USER = 'NOT IS_DEFINED(c.assignedLicenseCount)';

/**
 * Users holding any license assignment, active or in error (the licenseAssignments report's rows; a user
 * without one has no row). By the indexed query fields: assignedLicenseCount counts the products held by
 * an active path, hasLicenseErrors flags a path in error, and a user with an assignment has one or the other.
 */
export const usersWithAssignmentPages = (tenantId: string, pageSize: number): AsyncGenerator<ReportedUser[]> =>
  reportedUserPages(tenantId, pageSize, `(c.assignedLicenseCount > 0 OR c.hasLicenseErrors = true OR ${OLDER_USER})`, []);

/**
 * Licensed users (a product held by an active path) who never signed in or last signed in at or before
 * `signedInBy` (reclaim.ts's inactivityCutoff): the candidates of the inactiveLicensedUsers report, which
 * still applies its rule (inactiveLicensed) to what is read. Stored sign-in dates are normalised ISO 8601
 * in UTC (toISOString, on every path that writes one), so they compare as strings as they do as dates.
 */
export const inactiveLicensedUserPages = (tenantId: string, pageSize: number, signedInBy: string): AsyncGenerator<ReportedUser[]> =>
  reportedUserPages(
    tenantId,
    pageSize,
    `(c.assignedLicenseCount > 0 OR ${OLDER_USER})` +
      ` AND (NOT IS_DEFINED(c.signInActivity.lastSignInDateTime) OR IS_NULL(c.signInActivity.lastSignInDateTime) OR c.signInActivity.lastSignInDateTime <= @signedInBy)`,
    [{ name: '@signedInBy', value: signedInBy }],
  );

/** Yields what `source` yields, asking it for the next item as soon as the current one is handed out. */
export async function* oneAhead<T>(source: AsyncIterator<T>): AsyncGenerator<T> {
  let next = source.next();
  for (;;) {
    const current = await next;
    if (current.done) return;
    next = source.next();
    // a failure of the prefetch surfaces when it is awaited; until then it must not count as unhandled
    next.catch(() => undefined);
    yield current.value;
  }
}
