/**
 * The organization's report settings and how reports show people. With displayConcealedNames (Graph's
 * adminReportSettings, as Microsoft 365's "Display concealed user, group, and site names in all reports")
 * a user's id, name and user principal name are replaced by one hash: HMAC-SHA256 of the user's id with a
 * per-tenant key. The same user gets the same hash in every report (rows can still be matched across
 * reports), a renamed user keeps it, and nobody without the key can find whose it is by hashing guesses.
 *
 * What concealment covers (docs/reports.md, "Concealed names"): it is for reports handed around, to people who
 * cannot read the directory; a reader of the API reads /users anyway. So a concealed list carries nothing
 * that picks its person out with one look-up: every person (user, the admin who ran or decided something)
 * is their hash; an id that leads to a person through the API (an audit record, a license request, a
 * claim failure, a group and so its members) is a hash of its own; a date about a person is the day alone (a time to the millisecond
 * is as good as an id: `signInActivity/lastSignInDateTime eq ...` finds its user), and a count of days is
 * counted between days, so it says no more than the day; free text that may name a person (a refusal's
 * message, a reason) is withheld. What a row is about (products, groups, states, the day) stays: two users
 * alike in those are one to a reader of the report.
 */
import { createHmac } from 'node:crypto';
import { daysSince } from '../../domain/reclaim';
import { reportSettings, ReportSettingsDoc } from '../../storage/reports';
import { changeIfMatch } from '../changeIfMatch';

export interface ShownUser {
  userId: string;
  userPrincipalName: string;
  displayName: string;
}

/** How a list shows people and what is about them: as they are, or concealed. */
export interface Concealment {
  /** Whether names are concealed (the organization's displayConcealedNames). */
  readonly on: boolean;
  /** A person: their id, name and user principal name, or one hash (of the id) for all three. */
  person(u: { id: string; displayName?: string | null; userPrincipalName?: string | null }): ShownUser;
  /** An id that leads to a person through the API (an audit record, a license request, a group): a hash of its own when concealed. */
  ref(id: string): string;
  /** A date about a person: the day alone (`2026-05-14`) when concealed. */
  day<T extends string | null | undefined>(at: T): T;
  /** Whole days from `at` to `now` (null without `at`); between the two days when concealed, so it tells no more than day(). */
  daysSince(at: string | null | undefined, now: string): number | null;
  /** Free text that may name a person (a refusal's message, a reason): withheld when concealed. */
  text<T extends string | null | undefined>(message: T): T | string;
}

/** What a concealed list says in place of free text that may name someone. */
export const WITHHELD = 'Withheld: names are concealed in reports (GET /v1.0/admin/reportSettings), and this text may name the user.';

const dayOf = (at: string) => (Number.isFinite(Date.parse(at)) ? new Date(Date.parse(at)).toISOString().slice(0, 10) : at);

const shown: Concealment = {
  on: false,
  person: (u) => ({ userId: u.id, userPrincipalName: u.userPrincipalName ?? '', displayName: u.displayName ?? '' }),
  ref: (id) => id,
  day: (at) => at,
  daysSince: (at, now) => daysSince(at, now),
  text: (message) => message,
};

export function concealmentOf(settings: Pick<ReportSettingsDoc, 'displayConcealedNames' | 'secret'> | undefined): Concealment {
  if (!settings?.displayConcealedNames) return shown;
  const hmac = (text: string) => createHmac('sha256', settings.secret).update(text).digest('hex').slice(0, 32).toUpperCase();
  return {
    on: true,
    person: (u) => {
      const hash = hmac(u.id.toLowerCase());
      return { userId: hash, userPrincipalName: hash, displayName: hash };
    },
    // another space than people's: an id of a record is never mistaken for a person's hash
    ref: (id) => hmac(`ref:${id.toLowerCase()}`),
    day: <T extends string | null | undefined>(at: T): T => (at ? (dayOf(at) as T) : at),
    daysSince: (at, now) => (at ? daysSince(`${dayOf(at)}T00:00:00.000Z`, `${dayOf(now)}T00:00:00.000Z`) : null),
    text: <T extends string | null | undefined>(message: T): T | string => (message ? WITHHELD : message),
  };
}

export async function concealmentFor(tenantId: string): Promise<Concealment> {
  return concealmentOf(await reportSettings.get(tenantId));
}

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
