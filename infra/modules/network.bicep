// Network isolation (main.bicep's `networkIsolation`): a virtual network whose `app` subnet the Function
// App joins (Flex Consumption VNet integration: a subnet delegated to Microsoft.App/environments), and
// private endpoints in the `endpoints` subnet for Cosmos DB and Storage (blob: deployment package and
// host locks; queue: the triggers), each with its private DNS zone linked to the network. Cosmos DB and
// Storage then refuse public traffic except from `allowedIpRanges` (an admin's or a CI runner's address).
param location string
param tags object = {}
param vnetName string
param cosmosAccountId string
@description('The Cosmos DB account\'s endpoint (https://<account>.documents.<cloud suffix>:443/): its private DNS zone is named after its host, so the zone is right in every cloud.')
param cosmosEndpoint string
param storageAccountId string

resource vnet 'Microsoft.Network/virtualNetworks@2024-05-01' = {
  name: vnetName
  location: location
  tags: tags
  properties: {
    addressSpace: { addressPrefixes: ['10.60.0.0/16'] }
    subnets: [
      {
        name: 'app'
        properties: {
          addressPrefix: '10.60.1.0/24'
          delegations: [{ name: 'flex', properties: { serviceName: 'Microsoft.App/environments' } }]
        }
      }
      {
        name: 'endpoints'
        properties: {
          addressPrefix: '10.60.2.0/24'
          privateEndpointNetworkPolicies: 'Disabled'
        }
      }
    ]
  }
}

// the account's host without the account name: documents.azure.com, documents.azure.us, documents.azure.cn
var cosmosHost = split(split(cosmosEndpoint, '/')[2], ':')[0]
var cosmosSuffix = substring(cosmosHost, indexOf(cosmosHost, '.') + 1)

var endpoints = [
  { name: 'cosmos', resourceId: cosmosAccountId, groupId: 'Sql', zone: 'privatelink.${cosmosSuffix}' }
  { name: 'blob', resourceId: storageAccountId, groupId: 'blob', zone: 'privatelink.blob.${environment().suffixes.storage}' }
  { name: 'queue', resourceId: storageAccountId, groupId: 'queue', zone: 'privatelink.queue.${environment().suffixes.storage}' }
]

resource zones 'Microsoft.Network/privateDnsZones@2024-06-01' = [
  for e in endpoints: {
    name: e.zone
    location: 'global'
    tags: tags
  }
]

resource zoneLinks 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2024-06-01' = [
  for (e, i) in endpoints: {
    parent: zones[i]
    name: '${vnetName}-link'
    location: 'global'
    properties: {
      virtualNetwork: { id: vnet.id }
      registrationEnabled: false
    }
  }
]

resource privateEndpoints 'Microsoft.Network/privateEndpoints@2024-05-01' = [
  for e in endpoints: {
    name: '${vnetName}-${e.name}'
    location: location
    tags: tags
    properties: {
      subnet: { id: '${vnet.id}/subnets/endpoints' }
      privateLinkServiceConnections: [
        {
          name: e.name
          properties: {
            privateLinkServiceId: e.resourceId
            groupIds: [e.groupId]
          }
        }
      ]
    }
  }
]

resource zoneGroups 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2024-05-01' = [
  for (e, i) in endpoints: {
    parent: privateEndpoints[i]
    name: 'default'
    properties: {
      privateDnsZoneConfigs: [{ name: e.name, properties: { privateDnsZoneId: zones[i].id } }]
    }
  }
]

output appSubnetId string = '${vnet.id}/subnets/app'
