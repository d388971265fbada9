/** The organization's license settings, and the catalog changes announced for its products. */
import type { Client } from '@microsoft/microsoft-graph-client';
import type { Collection, LicenseSettings, UpcomingCatalogChange } from './types';

export const getLicenseSettings = (client: Client) => client.api('/admin/licenseSettings').get() as Promise<LicenseSettings>;

/** Only the setting is sent (who changed it last comes back with it). */
export const updateLicenseSettings = (client: Client, { newServicePlans }: LicenseSettings) =>
  client.api('/admin/licenseSettings').patch({ newServicePlans }) as Promise<LicenseSettings>;

export const listUpcomingCatalogChanges = (client: Client) => client.api('/catalog/upcomingChanges').get() as Promise<Collection<UpcomingCatalogChange>>;
