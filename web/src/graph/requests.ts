/** License requests (approve, deny, the request policy) and the auto-claim policy with its claims list. */
import { Client, ResponseType } from '@microsoft/microsoft-graph-client';
import type {
  ApproveManyResult,
  AutoClaimEntry,
  AutoClaimPolicy,
  Collection,
  Group,
  LicenseRequest,
  LicenseRequestPolicy,
  LicenseRequestStatus,
} from './types';
import { nextPage } from './directory';

export const requestsRequest = (client: Client, status: LicenseRequestStatus | '') => {
  const r = client.api('/licenseRequests').top(50);
  return status ? r.filter(`status eq '${status}'`) : r;
};

export const approveRequests = (client: Client, ids: string[]) => client.api('/licenseRequests/approve').post({ ids }) as Promise<ApproveManyResult>;

/** Approves one request by adding the user to a group that gives the product (Global and User admins: it adds a member). */
export const approveRequestViaGroup = (client: Client, id: string, groupId: string) =>
  client.api(`/licenseRequests/${id}/approve`).post({ groupId }) as Promise<LicenseRequest>;

/** Every group that gives licenses (name and products only), page after page: the groups a request can be approved through. */
export async function licensedGroups(client: Client): Promise<Pick<Group, 'id' | 'displayName' | 'assignedLicenses'>[]> {
  type G = Pick<Group, 'id' | 'displayName' | 'assignedLicenses'>;
  let page = (await client.api('/groups').top(999).select('id,displayName,assignedLicenses').get()) as Collection<G>;
  const out = page.value.filter((g) => g.assignedLicenses.length);
  while (page['@odata.nextLink']) {
    page = await nextPage<G>(client, page['@odata.nextLink']);
    out.push(...page.value.filter((g) => g.assignedLicenses.length));
  }
  return out;
}

export const denyRequest = (client: Client, id: string, reason: string) =>
  client.api(`/licenseRequests/${id}/deny`).post({ reason }) as Promise<LicenseRequest>;

export const getRequestPolicy = (client: Client) => client.api('/licenseRequests/policy').get() as Promise<LicenseRequestPolicy>;

export const updateRequestPolicy = (client: Client, body: LicenseRequestPolicy) =>
  client.api('/licenseRequests/policy').patch(body) as Promise<LicenseRequestPolicy>;

export const getAutoClaimPolicy = (client: Client) => client.api('/licensePolicies/autoClaim').get() as Promise<AutoClaimPolicy>;

/** The policy as edited; the apps the catalog offers come back with it and are not sent. */
export const updateAutoClaimPolicy = (client: Client, { availableApps, ...body }: AutoClaimPolicy) => {
  void availableApps;
  return client.api('/licensePolicies/autoClaim').patch(body) as Promise<AutoClaimPolicy>;
};

export const listAutoClaims = (client: Client, days: number) =>
  client
    .api('/licensePolicies/autoClaim/claims')
    .query({ days: String(days) })
    .get() as Promise<Collection<AutoClaimEntry>>;

/** The claims list as the service writes it in CSV. */
export const autoClaimsCsv = (client: Client, days: number) =>
  client
    .api('/licensePolicies/autoClaim/claims')
    .query({ days: String(days) })
    .header('Accept', 'text/csv')
    .responseType(ResponseType.TEXT)
    .get() as Promise<string>;
