// The admin console on Azure Static Web Apps: azd deploys dist/web to it (azure.yaml, service `web`).
// Static files only: the console calls the Function App's API from the browser with the admin's Entra ID
// token, so the Function App's CORS allows this site's origin (main.bicep) and no API is linked here.
param name string
@description('Static Web Apps is offered in a few regions only.')
param location string
param tags object = {}

resource site 'Microsoft.Web/staticSites@2024-11-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': 'web' })
  sku: {
    name: 'Free'
    tier: 'Free'
  }
  properties: {
    // azd deploys the built files; no repository, no GitHub workflow
    buildProperties: {
      skipGithubActionWorkflowGeneration: true
    }
  }
}

output name string = site.name
output origin string = 'https://${site.properties.defaultHostname}'
