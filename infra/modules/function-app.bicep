// The Function App on the Flex Consumption plan (FC1, Linux), running the project's package
// (package.json "main": dist/functions/index.js) on Node.js, with the user-assigned identity.
// Flex Consumption sets the runtime (FUNCTIONS_WORKER_RUNTIME) and host version (FUNCTIONS_EXTENSION_VERSION)
// itself from functionAppConfig: they must not be app settings.
param name string
param planName string
param location string
param tags object = {}
param nodeVersion string
@description('Resource id of the user-assigned identity.')
param identityId string
@description('Client id of the user-assigned identity.')
param identityClientId string
param storageAccountName string
@description('URL of the blob container holding the deployment package.')
param deploymentContainerUrl string
param applicationInsightsConnectionString string
param cosmosEndpoint string
param cosmosDatabaseName string
param authIssuer string
param authAudience string
param authJwksUri string
param authEventsAudience string
param subscriptionCacheTtlMs int
param reconciliationSchedule string
@description('Operator tenant and allow-listed client ids (OPERATOR_TENANT_ID, OPERATOR_CLIENT_IDS): who may create organizations.')
param operatorTenantId string
param operatorClientIds string
@description('Subnet the app joins (VNet integration) when the network is isolated; empty otherwise.')
param virtualNetworkSubnetId string = ''
@description('Origins the platform answers CORS for (preflights and response headers): empty for none, [\'*\'] for any.')
param corsAllowedOrigins array = []
param corsSupportCredentials bool = false
param maximumInstanceCount int = 100
@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

resource plan 'Microsoft.Web/serverfarms@2024-11-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true // Linux
  }
}

resource app 'Microsoft.Web/sites@2024-11-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    virtualNetworkSubnetId: empty(virtualNetworkSubnetId) ? null : virtualNetworkSubnetId
    // CORS is the platform's: it answers preflights and adds the headers before the app runs; the app adds
    // only Access-Control-Expose-Headers, which App Service CORS cannot set (the local host plays this part
    // from local.settings.json's Host.CORS)
    siteConfig: {
      cors: {
        allowedOrigins: corsAllowedOrigins
        supportCredentials: corsSupportCredentials
      }
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: deploymentContainerUrl
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'node'
        version: nodeVersion
      }
    }
  }
}

// Every setting the code reads (shared/config.ts settingsSchema) plus the host's identity-based
// connections. No secrets: COSMOS_KEY is deliberately absent (key auth is off on the account; the app
// uses DefaultAzureCredential, which picks the user-assigned identity named by AZURE_CLIENT_ID).
// test/unit/infra.test.ts keeps this list in step with the code and local.settings.sample.json.
resource appSettings 'Microsoft.Web/sites/config@2024-11-01' = {
  parent: app
  name: 'appsettings'
  properties: {
    // Functions host storage, also the default connection of queue triggers and outputs: identity-based.
    // A separate queue connection X would be X__queueServiceUri, X__credential and X__clientId.
    AzureWebJobsStorage__accountName: storageAccountName
    AzureWebJobsStorage__credential: 'managedidentity'
    AzureWebJobsStorage__clientId: identityClientId

    // Telemetry with Entra ID auth (the component has local auth disabled).
    APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsightsConnectionString
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'

    // DefaultAzureCredential (@azure/identity) -> this user-assigned managed identity.
    AZURE_CLIENT_ID: identityClientId

    // shared/config.ts
    COSMOS_ENDPOINT: cosmosEndpoint
    COSMOS_DATABASE: cosmosDatabaseName
    // the cloud this app runs in picks Entra ID's issuers and keys (empty AUTH_ISSUER / AUTH_JWKS_URI: the
    // cloud's own) and the products organizations can buy here: shared/domain/clouds.ts
    AZURE_CLOUD: environment().name
    AUTH_ISSUER: authIssuer
    AUTH_AUDIENCE: authAudience
    AUTH_JWKS_URI: authJwksUri
    // Entra ID's custom authentication extension (POST /v1.0/authenticationEvents/tokenIssuanceStart)
    AUTH_EVENTS_AUDIENCE: authEventsAudience
    AUTH_EVENTS_DEADLINE_MS: '1500'
    // who the operator is (shared/auth/operator.ts): empty means nobody may create organizations
    OPERATOR_TENANT_ID: operatorTenantId
    OPERATOR_CLIENT_IDS: operatorClientIds
    // one health result answers every anonymous /health caller for this long
    HEALTH_CACHE_SECONDS: '5'
    SUBSCRIPTION_CACHE_TTL_MS: string(subscriptionCacheTtlMs)
    // how often an instance checks for a new catalog version (one point read): the bound on seeing one
    CATALOG_REFRESH_SECONDS: '5'
    // the catalog timer ('%CATALOG_SCHEDULE%'): catalog changes whose effectiveDateTime has come, every minute
    CATALOG_SCHEDULE: '0 * * * * *'
    // per-tenant budgets, per instance (shared/http/throttle.ts): over them the API answers 429 + Retry-After
    THROTTLE_TENANT_REQUESTS_PER_SECOND: '50'
    THROTTLE_TENANT_BURST: '500'
    MAX_ACTIVE_JOBS_PER_TENANT: '5'
    // concurrent license changes of a tenant written together (shared/licensing/groupCommit.ts)
    LICENSE_GROUP_COMMIT: 'true'
    ALERTS_ALLOW_HTTP_LOCALHOST: 'false' // webhooks must be https:// in Azure

    // For the scheduled seat reconciliation (a later timer function: schedule '%RECONCILIATION_SCHEDULE%').
    RECONCILIATION_SCHEDULE: reconciliationSchedule
    // the reconciliation lowers a seat counter only after it has been still this long (seconds)
    RECONCILIATION_SEAT_GRACE_SECONDS: '900'
    // incremental runs find what changed by range queries on the users' write stamp and _ts (shared/storage/changes.ts
    // says why not the change feed: it would also return every user who signed in); 'changeFeed' switches
    RECONCILIATION_CHANGES: 'timestamp'
    // what those queries read again before the last run's start: more than the clocks of partitions and instances differ
    RECONCILIATION_CHANGE_MARGIN_SECONDS: '300'
    // every tenant's full run (every user read, every counter recounted): once a week, at a time of its own
    RECONCILIATION_FULL_EVERY_DAYS: '7'
    // a test stack's clock for reconciliation runs (?asOf=): never in Azure
    RECONCILIATION_ALLOW_AS_OF: 'false'
  }
}

output name string = app.name
output defaultHostName string = app.properties.defaultHostName
