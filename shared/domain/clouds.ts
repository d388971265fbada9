/**
 * The Azure clouds a deployment can live in, one table (clouds.json, which infra/console-config.mjs reads
 * too): each cloud's Entra ID authority, the token issuers it signs with (v2 and v1 access tokens), its
 * Microsoft Graph endpoint and portal, and the organization clouds (the tenant's `cloud`) it serves. The
 * keys are the names Bicep's environment().name gives (the Bicep sets AZURE_CLOUD from it), so one setting
 * picks all of it. Microsoft Cloud Germany closed in 2021: its organizations moved to the worldwide cloud.
 *
 * Sources: "National clouds" (Microsoft identity platform) for the authority hosts; the v1 and v2 issuer
 * forms as Microsoft's own validators spell them (Azure SDK AuthenticationEvents: sts.windows.net and
 * login.microsoftonline.com/{tid}/v2.0; Bot Framework's AuthenticationConstants: login.microsoftonline.us
 * for both forms in the US Government cloud; sts.chinacloudapi.cn and login.partner.microsoftonline.cn).
 * Pure data and functions.
 */
import table from './clouds.json';

export const AZURE_CLOUDS = ['AzureCloud', 'AzureUSGovernment', 'AzureChinaCloud'] as const;
export type AzureCloudName = (typeof AZURE_CLOUDS)[number];

/** Where an organization lives, as its tenant document says (POST /v1.0/tenants `cloud`). */
export const ORGANIZATION_CLOUDS = ['Worldwide', 'Germany', 'USGovernment', 'China'] as const;
export type OrganizationCloud = (typeof ORGANIZATION_CLOUDS)[number];

export interface CloudDefinition {
  /** In words, for messages: "the US Government cloud (...)". */
  displayName: string;
  /** Entra ID's sign-in host (MSAL's authority without the tenant). */
  authorityHost: string;
  /** Issuer templates of access tokens, `{tenantid}` standing for the token's tid: the v2 form first. */
  issuers: readonly string[];
  graphEndpoint: string;
  portal: string;
  /** The organizations this cloud serves; the first is a new organization's default. */
  organizationClouds: readonly OrganizationCloud[];
}

export const CLOUDS: Readonly<Record<AzureCloudName, CloudDefinition>> = table as Record<AzureCloudName, CloudDefinition>;

const withTenant = (template: string, tenantId: string) => template.replace(/\{tenantid\}/gi, tenantId);

/** The issuers a token of this tenant may carry in this cloud (v2, then v1). */
export const issuersOf = (cloud: AzureCloudName, tenantId: string): string[] => CLOUDS[cloud].issuers.map((i) => withTenant(i, tenantId));

/** The cloud whose issuer this is (with the token's own tid), or undefined for an issuer no cloud uses. */
export function cloudOfIssuer(issuer: string, tenantId: string): AzureCloudName | undefined {
  const iss = issuer.toLowerCase();
  return AZURE_CLOUDS.find((cloud) => issuersOf(cloud, tenantId).some((i) => i.toLowerCase() === iss));
}

/** Entra ID's signing keys in this cloud (the same keys sign every tenant's tokens). */
export const jwksUriOf = (cloud: AzureCloudName) => `${CLOUDS[cloud].authorityHost}/common/discovery/v2.0/keys`;

/** The console's MSAL authority in this cloud: any work or school account there. */
export const organizationsAuthorityOf = (cloud: AzureCloudName) => `${CLOUDS[cloud].authorityHost}/organizations`;

/**
 * Whether an organization in a deployment of `cloud` may buy a product sold in `productClouds` (the
 * catalog's `clouds` of the product; a product without them is the worldwide cloud's).
 */
export function soldIn(productClouds: readonly string[] | undefined, cloud: AzureCloudName): boolean {
  return (productClouds?.length ? productClouds : ['AzureCloud']).includes(cloud);
}

/** The deployment's cloud that serves organizations of this cloud. */
export const cloudServing = (organizationCloud: OrganizationCloud): AzureCloudName =>
  AZURE_CLOUDS.find((c) => CLOUDS[c].organizationClouds.includes(organizationCloud))!;
