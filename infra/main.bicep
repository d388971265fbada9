// The license-assignment service in Azure: `azd up` provisions this file (subscription scope: it creates the
// resource group) and deploys the project to the Function App tagged azd-service-name=api.
// Layout after Azure-Samples/functions-quickstart-typescript-azd: main.bicep + abbreviations.json + modules/.
// No secrets anywhere: every connection (Storage, Cosmos DB, Application Insights) is Entra ID with the
// app's user-assigned managed identity; Storage shared keys and Cosmos DB keys are disabled.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; used in the resource group name and to derive unique resource names.')
param environmentName string

@minLength(1)
@description('Region for all resources. It must offer the Flex Consumption plan (az functionapp list-flexconsumption-locations).')
@metadata({ azd: { type: 'location' } })
param location string

@description('Token issuer (AUTH_ISSUER) other than Entra ID\'s own in the deployment\'s cloud (AZURE_CLOUD, this deployment\'s environment().name). Empty (the default): the cloud\'s v2 and v1 issuers.')
param authIssuer string = ''

@minLength(1)
@description('Audience of the API app registration (AUTH_AUDIENCE): its client id (v2 tokens), its Application ID URI (api://..., v1 tokens), or both comma-separated.')
param authAudience string

@description('Signing keys of the issuer (AUTH_JWKS_URI). Empty (the default): Entra ID\'s keys in the deployment\'s cloud.')
param authJwksUri string = ''

@description('The custom authentication extension\'s app registration (AUTH_EVENTS_AUDIENCE): its client id, its Application ID URI, or both comma-separated; none of them an authAudience. Empty: the token issuance extension is not set up.')
param authEventsAudience string = ''

@description('NCRONTAB schedule (six fields, seconds first, UTC) of the seat reconciliation; app setting RECONCILIATION_SCHEDULE, for a timer function\'s %RECONCILIATION_SCHEDULE%.')
param reconciliationSchedule string = '0 0 2 * * *'

@minValue(0)
@maxValue(60000)
@description('SUBSCRIPTION_CACHE_TTL_MS: how long an instance reuses a tenant\'s subscription list for rule checks.')
param subscriptionCacheTtlMs int = 2000

@description('The operator\'s Entra ID tenant id (OPERATOR_TENANT_ID): only app-only tokens from there may create organizations. Empty: nobody may.')
param operatorTenantId string = ''

@description('Client ids, comma-separated, of the operator\'s provisioning apps (OPERATOR_CLIENT_IDS).')
param operatorClientIds string = ''

@description('Private networking: Cosmos DB and Storage refuse public traffic and the Function App reaches them through private endpoints in a virtual network (modules/network.bicep). Off: public endpoints, Entra ID auth only.')
param networkIsolation bool = false

@description('With networkIsolation: public addresses (CIDR or single IPs) that may still reach Cosmos DB and Storage, e.g. an admin workstation or a CI runner.')
param allowedIpRanges array = []

@allowed(['22'])
@description('Node.js major version of the Functions runtime: 22, the one the code is tested on (package.json engines; Node.js 20 is out of support).')
param nodeVersion string = '22'

@description('CORS: origins allowed to call the API from a browser, comma-separated (https://<portal>,https://<admin portal>; * for any). Empty: none.')
param corsAllowedOrigins string = ''

@allowed(['westus2', 'centralus', 'eastus2', 'westeurope', 'eastasia'])
@description('Region of the admin console (Azure Static Web Apps is offered in these regions only).')
param consoleLocation string = 'westeurope'

@description('CORS: whether browsers may send credentials (cookies, Authorization by the browser). Not allowed together with *.')
param corsSupportCredentials bool = false

var abbrs = loadJsonContent('./abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }

var functionAppName = '${abbrs.webSitesFunctions}api-${resourceToken}'
// Blob container the Flex Consumption plan deploys the app package from.
var deploymentContainerName = 'app-package-${take(functionAppName, 32)}-${take(toLower(uniqueString(functionAppName, resourceToken)), 7)}'
// The COSMOS_DATABASE setting; shared/config.ts defaults to the same name.
var cosmosDatabaseName = 'licensing'

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: '${abbrs.resourcesResourceGroups}${environmentName}'
  location: location
  tags: tags
}

module identity './modules/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: '${abbrs.managedIdentityUserAssignedIdentities}api-${resourceToken}'
    location: location
    tags: tags
  }
}

module monitoring './modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
    applicationInsightsName: '${abbrs.insightsComponents}${resourceToken}'
    location: location
    tags: tags
    appPrincipalId: identity.outputs.principalId
  }
}

module storage './modules/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: '${abbrs.storageStorageAccounts}${resourceToken}'
    location: location
    tags: tags
    deploymentContainerName: deploymentContainerName
    appPrincipalId: identity.outputs.principalId
    networkIsolation: networkIsolation
    allowedIpRanges: allowedIpRanges
  }
}

module cosmos './modules/cosmos.bicep' = {
  name: 'cosmos'
  scope: rg
  params: {
    name: '${abbrs.documentDBDatabaseAccounts}${resourceToken}'
    location: location
    tags: tags
    databaseName: cosmosDatabaseName
    appPrincipalId: identity.outputs.principalId
    networkIsolation: networkIsolation
    allowedIpRanges: allowedIpRanges
  }
}

module network './modules/network.bicep' = if (networkIsolation) {
  name: 'network'
  scope: rg
  params: {
    vnetName: '${abbrs.networkVirtualNetworks}${resourceToken}'
    location: location
    tags: tags
    cosmosAccountId: cosmos.outputs.id
    cosmosEndpoint: cosmos.outputs.endpoint
    storageAccountId: storage.outputs.id
  }
}

// The admin console (static files). Its origin is allowed by the Function App's CORS below.
module web './modules/static-web-app.bicep' = {
  name: 'web'
  scope: rg
  params: {
    name: '${abbrs.webStaticSites}console-${resourceToken}'
    location: consoleLocation
    tags: tags
  }
}

// Depends on the three modules above through their outputs, so the identity's role assignments exist
// before the app gets its settings and starts.
module api './modules/function-app.bicep' = {
  name: 'api'
  scope: rg
  params: {
    name: functionAppName
    planName: '${abbrs.webServerFarms}${resourceToken}'
    location: location
    tags: tags
    nodeVersion: nodeVersion
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    deploymentContainerUrl: '${storage.outputs.blobEndpoint}${deploymentContainerName}'
    applicationInsightsConnectionString: monitoring.outputs.connectionString
    cosmosEndpoint: cosmos.outputs.endpoint
    cosmosDatabaseName: cosmos.outputs.databaseName
    authIssuer: authIssuer
    authAudience: authAudience
    authJwksUri: authJwksUri
    authEventsAudience: authEventsAudience
    subscriptionCacheTtlMs: subscriptionCacheTtlMs
    reconciliationSchedule: reconciliationSchedule
    operatorTenantId: operatorTenantId
    operatorClientIds: operatorClientIds
    virtualNetworkSubnetId: networkIsolation ? network!.outputs.appSubnetId : ''
    // the console's own origin, and any others the operator names
    corsAllowedOrigins: concat([web.outputs.origin], empty(corsAllowedOrigins) ? [] : map(split(corsAllowedOrigins, ','), origin => trim(origin)))
    corsSupportCredentials: corsSupportCredentials
  }
}

// azd stores these in .azure/<env>/.env (`azd env get-values`).
output AZURE_LOCATION string = location
// the cloud this deployment is in (AzureCloud, AzureUSGovernment, AzureChinaCloud): the Function App's
// AZURE_CLOUD, and the console's Entra ID (infra/console-config.mjs reads it from the azd environment)
output AZURE_CLOUD string = environment().name
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = api.outputs.name
output SERVICE_API_ENDPOINT string = 'https://${api.outputs.defaultHostName}/api'
output AZURE_STATIC_WEB_APP_NAME string = web.outputs.name
output CONSOLE_URL string = web.outputs.origin
output AZURE_COSMOS_ENDPOINT string = cosmos.outputs.endpoint
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output APPLICATIONINSIGHTS_CONNECTION_STRING string = monitoring.outputs.connectionString
