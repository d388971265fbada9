// The Function App's user-assigned managed identity. Every data-plane role (Storage, Cosmos DB,
// Application Insights) is granted to it, and the app names it with its client id (AZURE_CLIENT_ID,
// AzureWebJobsStorage__clientId, APPLICATIONINSIGHTS_AUTHENTICATION_STRING).
param name string
param location string
param tags object = {}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output name string = identity.name
output principalId string = identity.properties.principalId
output clientId string = identity.properties.clientId
