// Storage for the Functions host (AzureWebJobsStorage: keys, timer locks, queue triggers), the Flex
// Consumption deployment package, and the bulk-job queues. Shared key access is disabled: everything
// signs in with Entra ID (`azd deploy` hands the package to the Function App, which writes it to the
// deployment container with the app identity).
param name string
param location string
param tags object = {}
@description('Blob container the Flex Consumption plan deploys the app package from.')
param deploymentContainerName string
@description('Principal (object) id of the app\'s managed identity.')
param appPrincipalId string
@description('Refuse public network traffic (the app reaches the account through private endpoints, see network.bicep), except from allowedIpRanges.')
param networkIsolation bool = false
@description('Public addresses (CIDR or single IPs) that may still reach the account when networkIsolation is on.')
param allowedIpRanges array = []

// Built-in roles. Queue Data Contributor covers what queue triggers (read, update, delete messages),
// queue output bindings (send) and the host's poison handling (create `<queue>-poison`, send) need, so
// the narrower Queue Data Message Processor / Sender roles are not assigned in addition.
var storageBlobDataOwner = 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
var storageQueueDataContributor = '974c5e8b-45b9-4653-ba55-5f855dd0fb88'

resource storage 'Microsoft.Storage/storageAccounts@2025-01-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    allowBlobPublicAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    dnsEndpointType: 'Standard'
    publicNetworkAccess: networkIsolation && empty(allowedIpRanges) ? 'Disabled' : 'Enabled'
    networkAcls: {
      defaultAction: networkIsolation ? 'Deny' : 'Allow'
      ipRules: networkIsolation ? [for ip in allowedIpRanges: { value: ip, action: 'Allow' }] : []
      bypass: 'AzureServices'
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2025-01-01' = {
  parent: storage
  name: 'default'
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-01-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2025-01-01' = {
  parent: storage
  name: 'default'
}

// Bulk license jobs, group-based licensing and alert deliveries. A message that fails host.json's maxDequeueCount times moves to
// `<queue>-poison`; the host would create that queue on demand, it is declared here so it exists
// (and can be monitored) from the start. test/unit/infra.test.ts checks that every queue has its twin.
resource licenseJobsQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2025-01-01' = {
  parent: queueService
  name: 'license-jobs'
}

resource licenseJobsPoisonQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2025-01-01' = {
  parent: queueService
  name: 'license-jobs-poison'
}

resource groupLicensingQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2025-01-01' = {
  parent: queueService
  name: 'group-licensing'
}

resource groupLicensingPoisonQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2025-01-01' = {
  parent: queueService
  name: 'group-licensing-poison'
}

resource alertDeliveriesQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2025-01-01' = {
  parent: queueService
  name: 'alert-deliveries'
}

resource alertDeliveriesPoisonQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2025-01-01' = {
  parent: queueService
  name: 'alert-deliveries-poison'
}

resource catalogChangesQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2025-01-01' = {
  parent: queueService
  name: 'catalog-changes'
}

resource catalogChangesPoisonQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2025-01-01' = {
  parent: queueService
  name: 'catalog-changes-poison'
}

resource appBlobDataOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, appPrincipalId, storageBlobDataOwner)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataOwner)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource appQueueDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, appPrincipalId, storageQueueDataContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageQueueDataContributor)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

output id string = storage.id
output name string = storage.name
output blobEndpoint string = storage.properties.primaryEndpoints.blob
output queueEndpoint string = storage.properties.primaryEndpoints.queue
