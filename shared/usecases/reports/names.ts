/**
 * The organization's report settings and how reports show people. With displayConcealedNames (Graph's
 * adminReportSettings, as Microsoft 365's "Display concealed user, group, and site names in all reports")
 * a user's id, name and user principal name are replaced by one hash: HMAC-SHA256 of the user's id with a
 * per-tenant key. The same user gets the same hash in every report (rows can still be matched across
 * reports), a renamed user keeps it, and nobody without the key can find whose it is by hashing guesses.
 */
import { createHmac } from 'node:crypto';
import { reportSettings, ReportSettingsDoc } from '../../storage/reports';
import { changeIfMatch } from '../changeIfMatch';

export interface ShownUser {
  userId: string;
  userPrincipalName: string;
  displayName: string;
}

export type Concealer = (u: { id: string; displayName: string; userPrincipalName: string }) => ShownUser;

/**
 * Until an admin first changes them (PATCH), an organization has no settings document: reads answer these
 * defaults (names shown, this service's default) and write nothing. The key for concealed names is made by
 * that first PATCH, in the document it creates, and every later PATCH replaces the document with the key
 * carried over. No key is needed before then, since names are concealed only once a PATCH said so; so no
 * read makes a key, and a concealed name is the same hash from the first report that conceals it on.
 * (A key derived from the tenant id would need no write, but anyone knowing the derivation could then
 * match hashes to guessed names, which the key is there to prevent.)
 */
const DEFAULT_SETTINGS = { displayConcealedNames: false };

const namesShown: Concealer = (u) => ({ userId: u.id, userPrincipalName: u.userPrincipalName, displayName: u.displayName });

export function concealerOf(settings: Pick<ReportSettingsDoc, 'displayConcealedNames' | 'secret'> | undefined): Concealer {
  if (!settings?.displayConcealedNames) return namesShown;
  return (u) => {
    const hash = createHmac('sha256', settings.secret).update(u.id.toLowerCase()).digest('hex').slice(0, 32).toUpperCase();
    return { userId: hash, userPrincipalName: hash, displayName: hash };
  };
}

export async function concealerFor(tenantId: string): Promise<Concealer> {
  return concealerOf(await reportSettings.get(tenantId));
}

export async function getReportSettings(tenantId: string): Promise<{ displayConcealedNames: boolean }> {
  return { displayConcealedNames: ((await reportSettings.get(tenantId)) ?? DEFAULT_SETTINGS).displayConcealedNames };
}

export async function updateReportSettings(
  tenantId: string,
  change: { displayConcealedNames: boolean },
  by: { id: string; displayName: string },
): Promise<{ displayConcealedNames: boolean }> {
  const written = await changeIfMatch({
    read: () => reportSettings.get(tenantId),
    write: (current) => {
      const next = { displayConcealedNames: change.displayConcealedNames, lastModifiedDateTime: new Date().toISOString(), lastModifiedBy: by };
      // the first change creates the settings and their key; when another first change came first, change that one
      return current ? reportSettings.replaceIfMatch({ ...current, ...next }, current._etag!) : reportSettings.create(tenantId, next);
    },
    attempts: 5,
    conflictMessage: 'The report settings kept changing while this request ran. Try again.',
  });
  return { displayConcealedNames: written.displayConcealedNames };
}
