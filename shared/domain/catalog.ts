/**
 * The product catalog: what each product (SKU) contains and the rules between its service plans, as data.
 * The rules are served through the API (subscribedSkus' servicePlans), so a portal can grey out a toggle
 * before the admin clicks it. Ids, part numbers and product names follow Microsoft's table "Product names
 * and service plan identifiers for licensing" (checked against its edition of October 29, 2025).
 */
import type { AzureCloudName } from './clouds';

export interface ServicePlanDefinition {
  servicePlanId: string;
  servicePlanName: string;
  displayName: string;
  appliesTo: 'User' | 'Company';
  /** Plans that cannot be enabled for the same user at the same time as this one. */
  conflictsWith: string[];
  /** This plan needs at least one of these plans enabled for the user (in any product). */
  dependsOn: string[];
  /**
   * Information only: comes with the product on its own, no separate assignment needed. It can still be
   * switched off through disabledPlans like any other plan (Microsoft's own examples disable SWAY that way).
   */
  isAutoAssigned: boolean;
  /** Two-letter usage locations where the plan is not offered. */
  notOfferedIn: string[];
}

export interface ProductDefinition {
  skuId: string;
  skuPartNumber: string;
  displayName: string;
  appliesTo: 'User' | 'Company';
  servicePlans: ServicePlanDefinition[];
  /** The clouds the product is sold in (shared/domain/clouds.ts soldIn); absent: the worldwide cloud. */
  clouds?: readonly AzureCloudName[];
}

const plan = (
  servicePlanId: string,
  servicePlanName: string,
  displayName: string,
  rules: Partial<Pick<ServicePlanDefinition, 'conflictsWith' | 'dependsOn' | 'isAutoAssigned' | 'notOfferedIn'>> = {},
): ServicePlanDefinition => ({
  servicePlanId,
  servicePlanName,
  displayName,
  appliesTo: 'User',
  conflictsWith: rules.conflictsWith ?? [],
  dependsOn: rules.dependsOn ?? [],
  isAutoAssigned: rules.isAutoAssigned ?? false,
  notOfferedIn: rules.notOfferedIn ?? [],
});

export const PLAN = {
  EXCHANGE_S_ENTERPRISE: 'efb87545-963c-4e0d-99df-69c6916d9eb0',
  EXCHANGE_S_STANDARD: '9aaf7827-d63c-4b61-89c3-182f06f82e5c',
  SHAREPOINTENTERPRISE: '5dbe027f-2339-4123-9542-606e4d348a72',
  SHAREPOINTSTANDARD: 'c7699d2e-19aa-44de-8edf-1736da088ca1',
  SHAREPOINTWAC: 'e95bec33-7c88-4a70-8e19-b10bd9d0c014',
  TEAMS1: '57ff2da0-773e-42df-b2af-ffb7a2317929',
  SWAY: 'a23b959c-7ce8-4e57-9140-b90eb88a9e97',
  YAMMER_ENTERPRISE: '7547a3fe-08ee-4ccb-b430-5077c5041653',
  BI_AZURE_P2: '70d33638-9c74-4d01-bfd3-562de28bd4ba',
  PROJECT_CLIENT_SUBSCRIPTION: 'fafd7243-e5c1-4a3a-9e40-495efcb1d3c3',
  SHAREPOINT_PROJECT: 'fe71d6c3-a2ea-4499-9778-da042bf08063',
  MCOEV: '4828c8ec-dc2e-4779-b502-87ac9ce28ab7',
} as const;

export const SKU = {
  ENTERPRISEPACK: '6fd2c87f-b296-42f0-b197-1e91e994b900',
  STANDARDPACK: '18181a46-0d4e-45cd-891e-60aabd171b4e',
  EXCHANGESTANDARD: '4b9405b0-7788-4568-add1-99614e613b69',
  POWER_BI_PRO: 'f8a1db68-be16-40ed-86d5-cb42ce701560',
  PROJECTPROFESSIONAL: '53818b1b-4a27-454b-8896-0dba576410e6',
  MCOEV: 'e43b5b99-8dfb-405f-9987-dc307f34bcbd',
} as const;

// The demo's conflict. Microsoft now lets a user hold Exchange Online (Plan 1) and (Plan 2) together; the
// catalog follows the documented earlier behaviour (a mailbox has one plan, so the two exclude each other)
// on purpose, to show the mutually-exclusive rule with products admins know.
const exchangeP2 = () => plan(PLAN.EXCHANGE_S_ENTERPRISE, 'EXCHANGE_S_ENTERPRISE', 'Exchange Online (Plan 2)', { conflictsWith: [PLAN.EXCHANGE_S_STANDARD] });
const exchangeP1 = () => plan(PLAN.EXCHANGE_S_STANDARD, 'EXCHANGE_S_STANDARD', 'Exchange Online (Plan 1)', { conflictsWith: [PLAN.EXCHANGE_S_ENTERPRISE] });
// Office for the web opens files from SharePoint.
const sharePointP2 = () => plan(PLAN.SHAREPOINTENTERPRISE, 'SHAREPOINTENTERPRISE', 'SharePoint (Plan 2)');
const sharePointP1 = () => plan(PLAN.SHAREPOINTSTANDARD, 'SHAREPOINTSTANDARD', 'SharePoint (Plan 1)');
const officeWeb = () => plan(PLAN.SHAREPOINTWAC, 'SHAREPOINTWAC', 'Office for the web', { dependsOn: [PLAN.SHAREPOINTENTERPRISE, PLAN.SHAREPOINTSTANDARD] });
const teams = () => plan(PLAN.TEAMS1, 'TEAMS1', 'Microsoft Teams');
const sway = () => plan(PLAN.SWAY, 'SWAY', 'Sway', { isAutoAssigned: true });
const yammer = () => plan(PLAN.YAMMER_ENTERPRISE, 'YAMMER_ENTERPRISE', 'Viva Engage (Yammer Enterprise)', { notOfferedIn: ['CN', 'RU'] });

export const CATALOG: readonly ProductDefinition[] = [
  {
    skuId: SKU.ENTERPRISEPACK,
    skuPartNumber: 'ENTERPRISEPACK',
    displayName: 'Office 365 E3',
    appliesTo: 'User',
    servicePlans: [exchangeP2(), sharePointP2(), officeWeb(), teams(), sway(), yammer()],
  },
  {
    skuId: SKU.STANDARDPACK,
    skuPartNumber: 'STANDARDPACK',
    displayName: 'Office 365 E1',
    appliesTo: 'User',
    servicePlans: [exchangeP1(), sharePointP1(), officeWeb(), teams(), sway(), yammer()],
  },
  {
    skuId: SKU.EXCHANGESTANDARD,
    skuPartNumber: 'EXCHANGESTANDARD',
    displayName: 'Exchange Online (Plan 1)',
    appliesTo: 'User',
    servicePlans: [exchangeP1()],
  },
  {
    skuId: SKU.POWER_BI_PRO,
    skuPartNumber: 'POWER_BI_PRO',
    displayName: 'Power BI Pro',
    appliesTo: 'User',
    servicePlans: [plan(PLAN.BI_AZURE_P2, 'BI_AZURE_P2', 'Power BI Pro')],
  },
  {
    skuId: SKU.PROJECTPROFESSIONAL,
    skuPartNumber: 'PROJECTPROFESSIONAL',
    displayName: 'Planner and Project Plan 3',
    appliesTo: 'User',
    servicePlans: [
      plan(PLAN.PROJECT_CLIENT_SUBSCRIPTION, 'PROJECT_CLIENT_SUBSCRIPTION', 'Project Online Desktop Client'),
      // Project Online keeps its sites in SharePoint. The product brings its own SharePoint (Plan 2), so the
      // dependency is met within it; it bites when that SharePoint is switched off and no other product has one.
      plan(PLAN.SHAREPOINT_PROJECT, 'SHAREPOINT_PROJECT', 'Project Online Service', { dependsOn: [PLAN.SHAREPOINTENTERPRISE, PLAN.SHAREPOINTSTANDARD] }),
      sharePointP2(),
      officeWeb(),
    ],
  },
  {
    skuId: SKU.MCOEV,
    skuPartNumber: 'MCOEV',
    displayName: 'Microsoft Teams Phone Standard',
    appliesTo: 'User',
    servicePlans: [
      // the dependency across products: Teams Phone has no Teams of its own, it needs Teams from another product
      plan(PLAN.MCOEV, 'MCOEV', 'Microsoft Teams Phone', { dependsOn: [PLAN.TEAMS1], notOfferedIn: ['CN', 'IN', 'AE'] }),
    ],
  },
];

/**
 * Apps whose sign-in may auto-claim a license (POST /signInEvents, the auto-claim policy): a user "has the
 * app" when one of their products gives one of these service plans, enabled. Data, not code: a new app is
 * a line here.
 */
export const APPS: ReadonlyMap<string, readonly string[]> = new Map([['Teams', [PLAN.TEAMS1]]]);

/**
 * The client applications (Entra ID app ids) a sign-in to an app comes from, as Entra ID's token issuance
 * event names them (`clientServicePrincipal.appId`): Microsoft Teams desktop and mobile, Teams on the web.
 */
export const APP_CLIENTS: ReadonlyMap<string, readonly string[]> = new Map([
  ['Teams', ['1fec8e78-bce4-4aaf-ab1b-5451cc387264', '5e3ce6c0-2b1f-4285-8d4b-75ee78787346']],
]);

const bySkuId = new Map(CATALOG.map((p) => [p.skuId, p]));
const byPartNumber = new Map(CATALOG.map((p) => [p.skuPartNumber.toUpperCase(), p]));
const planById = new Map(CATALOG.flatMap((p) => p.servicePlans.map((s) => [s.servicePlanId, s] as const)));

export const catalog = {
  all: (): readonly ProductDefinition[] => CATALOG,
  product: (skuId: string): ProductDefinition | undefined => bySkuId.get(skuId.toLowerCase()),
  /** A product's name for messages and reports; `fallback` (its id unless given) for one the catalog does not know. */
  productName: (skuId: string, fallback = skuId): string => bySkuId.get(skuId.toLowerCase())?.displayName ?? fallback,
  productByPartNumber: (part: string): ProductDefinition | undefined => byPartNumber.get(part.toUpperCase()),
  plan: (servicePlanId: string): ServicePlanDefinition | undefined => planById.get(servicePlanId.toLowerCase()),
  planName: (servicePlanId: string): string => planById.get(servicePlanId)?.displayName ?? servicePlanId,
  /** The apps an auto-claim policy may name. */
  apps: (): string[] => [...APPS.keys()],
  /** The service plans that give an app (empty for an app the catalog does not know; a Map: `constructor` is no app). */
  appPlans: (app: string): readonly string[] => APPS.get(app) ?? [],
  /** The app a client application (its Entra ID app id) is, or undefined for one the catalog does not map. */
  appOfClient: (clientAppId: string): string | undefined => [...APP_CLIENTS.entries()].find(([, ids]) => ids.includes(clientAppId.toLowerCase()))?.[0],
};
