/**
 * What the reports read and keep: the organization's report settings (directory container, one document:
 * whether names are concealed, and the per-tenant key the concealed names are derived with), and a
 * tenant's users a page at a time, projected to the fields the reports show (never the whole partition in
 * memory).
 */
import { randomBytes } from 'node:crypto';
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

export const reportSettings = {
  /** The tenant's settings, created (names shown, a new key) the first time they are needed. */
  async get(tenantId: string): Promise<ReportSettingsDoc> {
    const existing = await readOf<ReportSettingsDoc>('directory', SETTINGS_ID, tenantId, 'reportSettings');
    if (existing) return existing;
    await createIfAbsent<ReportSettingsDoc>('directory', {
      id: SETTINGS_ID,
      tenantId,
      type: 'reportSettings',
      displayConcealedNames: false,
      secret: randomBytes(32).toString('base64url'),
      lastModifiedDateTime: null,
      lastModifiedBy: null,
    });
    // whoever created it first: everyone uses that key
    return (await readOf<ReportSettingsDoc>('directory', SETTINGS_ID, tenantId, 'reportSettings'))!;
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

/**
 * A tenant's users, a page at a time (one query, one iterator; only what the reports show is read). The
 * next page is fetched while the caller writes out the current one (two pages in memory at most), so the
 * store's latency and the response's writing overlap instead of adding up.
 */
export function reportedUserPages(tenantId: string, pageSize: number): AsyncGenerator<ReportedUser[]> {
  return oneAhead(
    queryPages<ReportedUser>(
      'directory',
      tenantId,
      `SELECT c.id, c.displayName, c.userPrincipalName, c.accountEnabled, c.userType, c.createdDateTime, c.signInActivity, c.licenseAssignments FROM c WHERE c.tenantId = @tenantId AND c.type = 'user'`,
      [],
      pageSize,
    ),
  );
}

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
