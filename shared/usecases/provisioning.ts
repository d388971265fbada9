/**
 * The organization's SCIM provisioning: its credentials (long-lived bearer secrets for an identity
 * provider's "Secret Token" field, shown once, stored as a hash, listable without the secret, revocable,
 * expiring) and its settings (the domain a plain userName gets). Creating and revoking a credential are
 * audited (directory audit, category ApplicationManagement).
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { forgetCredential, newSecret, secretHash } from '../auth/scim';
import { ApiError, ErrorCodes, notFound } from '../errors';
import * as c from '../schemas/contracts';
import { credentialDocId, ScimCredentialDoc, scimCredentials, ScimSettingsDoc, scimSettings } from '../storage/scim';
import { users } from '../storage/users';
import { changeIfMatch } from './changeIfMatch';
import { auditDirectoryChange, Initiator } from './directoryAudit';

export const MAX_CREDENTIALS = 10;
/** Two years: the longest a client secret lives in Entra ID's portal, and the default here. */
export const MAX_LIFETIME_MS = 730 * 24 * 3600_000;
const MIN_LIFETIME_MS = 3600_000;

export function credentialView(doc: ScimCredentialDoc): z.infer<typeof c.scimCredential> {
  return {
    id: doc.credentialId,
    keyId: doc.credentialId,
    displayName: doc.displayName,
    hint: doc.hint,
    startDateTime: doc.startDateTime,
    endDateTime: doc.endDateTime,
    createdBy: doc.createdBy,
    lastRequest: doc.lastRequest ?? null,
  };
}

/** The credential as a directory audit's target: added (`after`) or removed (before). */
const credentialTarget = (doc: ScimCredentialDoc, added: boolean) => {
  const key = JSON.stringify({ keyId: doc.credentialId, displayName: doc.displayName, hint: doc.hint, endDateTime: doc.endDateTime });
  return {
    id: doc.credentialId,
    displayName: doc.displayName,
    type: 'ServicePrincipal' as const,
    modifiedProperties: [{ displayName: 'KeyDescription', oldValue: added ? null : key, newValue: added ? key : null }],
  };
};

export async function createCredential(
  tenantId: string,
  body: z.infer<typeof c.createScimCredentialBody>,
  by: Initiator,
  now = Date.now(),
): Promise<{ doc: ScimCredentialDoc; secretText: string }> {
  const end = body.endDateTime ? Date.parse(body.endDateTime) : now + MAX_LIFETIME_MS;
  if (end < now + MIN_LIFETIME_MS || end > now + MAX_LIFETIME_MS)
    throw new ApiError(
      400,
      ErrorCodes.invalidRequest,
      'endDateTime must be at least an hour and at most 2 years ahead. Leave it out for 2 years.',
      'endDateTime',
    );
  const existing = await scimCredentials.list(tenantId);
  if (existing.length >= MAX_CREDENTIALS)
    throw new ApiError(
      409,
      'credentialLimitReached',
      `The organization already has ${MAX_CREDENTIALS} SCIM credentials. Revoke one you no longer use (DELETE /v1.0/admin/provisioning/credentials/{id}) first.`,
    );
  const secretText = newSecret(tenantId);
  const hash = secretHash(secretText);
  const doc: ScimCredentialDoc = {
    id: credentialDocId(hash),
    tenantId,
    type: 'scimCredential',
    credentialId: randomUUID(),
    displayName: body.displayName,
    secretHash: hash,
    hint: secretText.slice(-4),
    startDateTime: new Date(now).toISOString(),
    endDateTime: new Date(end).toISOString(),
    createdBy: { id: by.principal.objectId, displayName: by.principal.displayName },
    lastRequest: null,
  };
  const created = await scimCredentials.create(doc);
  if (!created) throw new ApiError(409, ErrorCodes.conflict, 'The credential could not be created. Try again.');
  await auditDirectoryChange(tenantId, by, {
    activityDisplayName: 'Add SCIM provisioning credential',
    category: 'ApplicationManagement',
    operationType: 'Add',
    loggedByService: 'Core Directory',
    targetResources: [credentialTarget(doc, true)],
  });
  return { doc: created, secretText };
}

export const listCredentials = (tenantId: string) => scimCredentials.list(tenantId);

/** Revokes a credential: it stops working at once on this instance, within 15 seconds on others (shared/auth/scim.ts). */
export async function revokeCredential(tenantId: string, credentialId: string, by: Initiator): Promise<void> {
  const doc = (await scimCredentials.list(tenantId)).find((d) => d.credentialId === credentialId.toLowerCase());
  if (!doc) throw notFound('SCIM credential', credentialId);
  await scimCredentials.remove(tenantId, doc.id);
  forgetCredential(doc.secretHash);
  await auditDirectoryChange(tenantId, by, {
    activityDisplayName: 'Remove SCIM provisioning credential',
    category: 'ApplicationManagement',
    operationType: 'Delete',
    loggedByService: 'Core Directory',
    targetResources: [credentialTarget(doc, false)],
  });
}

/** The domain of the organization's first member user (by creation), lower-cased; undefined when there is none. */
async function firstMemberDomain(tenantId: string): Promise<string | undefined> {
  const upn = await users.firstMemberUpn(tenantId);
  return upn?.split('@')[1]?.toLowerCase();
}

/** The domain a SCIM userName without one gets: the setting, else the domain of the first member user. */
export async function userPrincipalNameDomain(tenantId: string): Promise<string | undefined> {
  return (await scimSettings.get(tenantId))?.userPrincipalNameDomain ?? (await firstMemberDomain(tenantId));
}

export async function provisioningSettingsView(tenantId: string, scimBaseUrl: string, doc?: ScimSettingsDoc): Promise<z.infer<typeof c.provisioningSettings>> {
  const settings = doc ?? (await scimSettings.get(tenantId));
  const set = settings?.userPrincipalNameDomain ?? null;
  return { scimBaseUrl, userPrincipalNameDomain: set, effectiveUserPrincipalNameDomain: set ?? (await firstMemberDomain(tenantId)) ?? null };
}

export async function updateProvisioningSettings(tenantId: string, body: z.infer<typeof c.updateProvisioningSettingsBody>): Promise<ScimSettingsDoc> {
  return changeIfMatch({
    read: () => scimSettings.get(tenantId),
    write: (current) => scimSettings.put(tenantId, { userPrincipalNameDomain: body.userPrincipalNameDomain }, current),
    attempts: 5,
    conflictMessage: 'The provisioning settings kept changing while this request ran. Try again.',
  });
}
