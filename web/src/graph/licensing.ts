/**
 * Products, seats and a user's licenses: Graph's subscribedSkus, assignLicense and licenseDetails, and
 * the service's Licenses-page call that assigns one product to up to 20 users at once.
 */
import type { Client } from '@microsoft/microsoft-graph-client';
import type { AssignLicenseBody, AssignSkuResult, Collection, CompanySubscription, LicenseDetails, SubscribedSku, User } from './types';

export const listSubscribedSkus = async (client: Client) => ((await client.api('/subscribedSkus').get()) as Collection<SubscribedSku>).value;

export const getSubscribedSku = (client: Client, skuId: string) => client.api(`/subscribedSkus/${skuId}`).get() as Promise<SubscribedSku>;

/** The users holding a product, a page at a time. */
export const skuAssignments = (client: Client, skuId: string, top = 50) => client.api(`/subscribedSkus/${skuId}/assignments`).top(top);

/** Licenses page > a product > Assign licenses: all users checked first, all or nothing. */
export const assignSkuToUsers = (client: Client, skuId: string, userIds: string[], disabledPlans: string[]) =>
  client.api(`/subscribedSkus/${skuId}/assign`).post({ userIds, disabledPlans }) as Promise<AssignSkuResult>;

export const assignLicense = (client: Client, userId: string, body: AssignLicenseBody) =>
  client.api(`/users/${userId}/assignLicense`).post({ addLicenses: body.addLicenses, removeLicenses: body.removeLicenses }) as Promise<User>;

export const licenseDetails = async (client: Client, userId: string) =>
  ((await client.api(`/users/${userId}/licenseDetails`).get()) as Collection<LicenseDetails>).value;

/** Take over a self-service purchase (Global or Billing admin): afterwards admins assign it like any other. */
export const takeOverSubscription = (client: Client, subscriptionId: string) =>
  client.api(`/directory/subscriptions/${subscriptionId}/takeOver`).post({}) as Promise<CompanySubscription>;
