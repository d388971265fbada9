/** Settings > Provisioning: the organization's SCIM credentials and settings. */
import { Client } from '@microsoft/microsoft-graph-client';
import type { Collection, ProvisioningSettings, ScimCredential, ScimCredentialCreated } from './types';

export const getProvisioningSettings = (client: Client) => client.api('/admin/provisioning').get() as Promise<ProvisioningSettings>;

export const updateProvisioningSettings = (client: Client, userPrincipalNameDomain: string | null) =>
  client.api('/admin/provisioning').patch({ userPrincipalNameDomain }) as Promise<ProvisioningSettings>;

export const listScimCredentials = (client: Client) => client.api('/admin/provisioning/credentials').get() as Promise<Collection<ScimCredential>>;

export const createScimCredential = (client: Client, body: { displayName: string; endDateTime?: string }) =>
  client.api('/admin/provisioning/credentials').post(body) as Promise<ScimCredentialCreated>;

export const revokeScimCredential = (client: Client, id: string) => client.api(`/admin/provisioning/credentials/${id}`).delete() as Promise<void>;
