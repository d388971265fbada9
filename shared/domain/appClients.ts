/**
 * The client applications (Entra ID app ids) a sign-in to an app comes from, as Entra ID's token issuance
 * event names them (`clientServicePrincipal.appId`): Microsoft Teams desktop and mobile, Teams on the web.
 * These are Microsoft's own app registrations, the same in every tenant: not catalog data (the catalog
 * says which service plans give an app, by the app's name: a plan's rule `apps`).
 */
export const APP_CLIENTS: Readonly<Record<string, readonly string[]>> = {
  Teams: ['1fec8e78-bce4-4aaf-ab1b-5451cc387264', '5e3ce6c0-2b1f-4285-8d4b-75ee78787346'],
};

/** The app a client application (its Entra ID app id) is, or undefined for one not mapped. */
export const appOfClient = (clientAppId: string): string | undefined =>
  Object.keys(APP_CLIENTS).find((app) => APP_CLIENTS[app].includes(clientAppId.toLowerCase()));
