/**
 * The organization's report settings and how reports show people. With displayConcealedNames (Graph's
 * adminReportSettings, as Microsoft 365's "Display concealed user, group, and site names in all reports")
 * a user's id, name and user principal name are replaced by one hash: HMAC-SHA256 of the user's id with a
 * per-tenant key. The same user gets the same hash in every report (rows can still be matched across
 * reports), a renamed user keeps it, and nobody without the key can find whose it is by hashing guesses.
 */
import { createHmac } from 'node:crypto';
import { ApiError, ErrorCodes } from '../../errors';
import { reportSettings, ReportSettingsDoc } from '../../storage/reports';

export interface ShownUser {
  userId: string;
  userPrincipalName: string;
  displayName: string;
}

export type Concealer = (u: { id: string; displayName: string; userPrincipalName: string }) => ShownUser;

export function concealerOf(settings: Pick<ReportSettingsDoc, 'displayConcealedNames' | 'secret'>): Concealer {
  if (!settings.displayConcealedNames) return (u) => ({ userId: u.id, userPrincipalName: u.userPrincipalName, displayName: u.displayName });
  return (u) => {
    const hash = createHmac('sha256', settings.secret).update(u.id.toLowerCase()).digest('hex').slice(0, 32).toUpperCase();
    return { userId: hash, userPrincipalName: hash, displayName: hash };
  };
}

export async function concealerFor(tenantId: string): Promise<Concealer> {
  return concealerOf(await reportSettings.get(tenantId));
}

export async function getReportSettings(tenantId: string): Promise<{ displayConcealedNames: boolean }> {
  return { displayConcealedNames: (await reportSettings.get(tenantId)).displayConcealedNames };
}

export async function updateReportSettings(
  tenantId: string,
  change: { displayConcealedNames: boolean },
  by: { id: string; displayName: string },
): Promise<{ displayConcealedNames: boolean }> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const current = await reportSettings.get(tenantId);
    const written = await reportSettings.replaceIfMatch(
      { ...current, displayConcealedNames: change.displayConcealedNames, lastModifiedDateTime: new Date().toISOString(), lastModifiedBy: by },
      current._etag!,
    );
    if (written) return { displayConcealedNames: written.displayConcealedNames };
  }
  throw new ApiError(409, ErrorCodes.conflict, 'The report settings kept changing while this request ran. Try again.');
}
