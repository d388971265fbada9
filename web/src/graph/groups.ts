/**
 * Group-based licensing: a group's licenses (Graph's assignLicense on the group, processed by the
 * service in the background), its members, those in error with the reason, and reprocessing.
 */
import type { Client } from '@microsoft/microsoft-graph-client';
import type { AssignLicenseBody, Group, User } from './types';

export const assignGroupLicense = (client: Client, groupId: string, body: AssignLicenseBody) =>
  client.api(`/groups/${groupId}/assignLicense`).post({ addLicenses: body.addLicenses, removeLicenses: body.removeLicenses }) as Promise<Group>;

export const reprocessGroup = (client: Client, groupId: string) => client.api(`/groups/${groupId}/reprocessLicenseAssignment`).post({}) as Promise<unknown>;

export const reprocessUser = (client: Client, userId: string) => client.api(`/users/${userId}/reprocessLicenseAssignment`).post({}) as Promise<User>;
