// Cosmos DB for NoSQL: database `licensing`, containers `directory`, `audit`, `jobs` and `catalog` (partition key /tenantId,
// as shared/storage/cosmos.ts creates them locally). Key auth is disabled; the app signs in with its
// managed identity (DefaultAzureCredential + AZURE_CLIENT_ID) and holds the built-in Data Contributor role.
//
// Capacity: serverless. An admin portal's traffic is bursty and mostly idle (nights, weekends, small
// tenants), and serverless bills only the RUs and storage used, with no minimum and nothing to size.
// The seat mechanism makes small single-partition writes that fit serverless well, and the SDK already
// retries 429s (shared/storage/cosmos.ts). Limits to know: one region only, and a per-container
// throughput ceiling. Move to provisioned autoscale (a capacity-mode change, see "change from serverless
// to provisioned" in the Cosmos DB docs) when sustained load makes per-request billing the dearer option
// or when you need more regions or guaranteed throughput.
param name string
param location string
param tags object = {}
param databaseName string
@description('Principal (object) id of the app\'s managed identity.')
param appPrincipalId string
@description('Refuse public network traffic (the app reaches the account through a private endpoint, see network.bicep), except from allowedIpRanges.')
param networkIsolation bool = false
@description('Public addresses (CIDR or single IPs) that may still reach the account when networkIsolation is on.')
param allowedIpRanges array = []

resource account 'Microsoft.DocumentDB/databaseAccounts@2025-04-15' = {
  name: name
  location: location
  tags: tags
  kind: 'GlobalDocumentDB'
  properties: {
    databaseAccountOfferType: 'Standard'
    consistencyPolicy: {
      // Session: a caller reads its own writes (its etags, its seat changes); seats never rely on reads,
      // they are decided by conditional writes.
      defaultConsistencyLevel: 'Session'
    }
    locations: [
      {
        locationName: location
        failoverPriority: 0
        isZoneRedundant: false
      }
    ]
    capabilities: [
      {
        name: 'EnableServerless'
      }
    ]
    // Entra ID only: no account keys (the app never gets COSMOS_KEY in Azure).
    disableLocalAuth: true
    // isolated: private endpoint only, plus the listed addresses; otherwise public (Entra ID auth only)
    publicNetworkAccess: networkIsolation && empty(allowedIpRanges) ? 'Disabled' : 'Enabled'
    ipRules: networkIsolation ? [for ip in allowedIpRanges: { ipAddressOrRange: ip }] : []
    isVirtualNetworkFilterEnabled: false
  }
}

resource database 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases@2025-04-15' = {
  parent: account
  name: databaseName
  properties: {
    resource: {
      id: databaseName
    }
  }
}

// Indexing fitted to the queries in shared/storage/repository.ts; everything else is not indexed
// (cheaper writes). Every query names the partition (tenantId). Point reads and conditional patches need
// no index. test/unit/infra.test.ts checks these paths against the repository's queries.
//   users:         type = 'user' [STARTSWITH(search.displayName | search.userPrincipalName),
//                  a word of displayNameWords[] by STARTSWITH]
//                  [ARRAY_CONTAINS(skuIds)] ORDER BY search.displayName
//   users' OData $filter (shared/odata/resources.ts): accountEnabled, userType, usageLocation,
//                  search.department, assignedSkuIds[], assignedLicenseCount, hasLicenseErrors;
//                  $orderby search.displayName | search.userPrincipalName, asc or desc
//   subscriptions: type = 'subscription'
resource directoryContainer 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2025-04-15' = {
  parent: database
  name: 'directory'
  properties: {
    resource: {
      id: 'directory'
      partitionKey: {
        paths: [
          '/tenantId'
        ]
        kind: 'Hash'
        version: 2
      }
      indexingPolicy: {
        indexingMode: 'consistent'
        automatic: true
        includedPaths: [
          { path: '/tenantId/?' }
          { path: '/type/?' }
          { path: '/search/displayName/?' }
          { path: '/search/userPrincipalName/?' }
          { path: '/displayNameWords/[]/?' }
          { path: '/skuIds/[]/?' }
          { path: '/id/?' }
          // users' $filter
          { path: '/accountEnabled/?' }
          // the reclaim policy's candidates (shared/storage/reconciliation.ts reclaimCandidatePages)
          { path: '/disabledDateTime/?' }
          { path: '/userType/?' }
          { path: '/usageLocation/?' }
          { path: '/search/department/?' }
          { path: '/assignedSkuIds/[]/?' }
          { path: '/assignedLicenseCount/?' }
          { path: '/hasLicenseErrors/?' }
          { path: '/signInActivity/lastSignInDateTime/?' }
          { path: '/_ts/?' }
          // the incremental reconciliation's change set: users the app wrote since its last run (shared/storage/changes.ts)
          { path: '/writtenDateTime/?' }
          // SCIM provisioning's filters (shared/provisioning/query.ts)
          { path: '/search/userName/?' }
          { path: '/search/mail/?' }
          { path: '/externalId/?' }
          { path: '/employeeId/?' }
          { path: '/managerId/?' }
          // groups, memberships, the waiting list
          { path: '/assignedLicenses/?' }
          { path: '/groupId/?' }
          { path: '/userId/?' }
          { path: '/joinedDateTime/?' }
          { path: '/groupPaths/?' }
          { path: '/groupsInError/[]/?' }
          { path: '/skuId/?' }
          { path: '/sortKey/?' }
          // license requests
          { path: '/status/?' }
          { path: '/createdDateTime/?' }
          { path: '/expirationDateTime/?' }
        ]
        excludedPaths: [
          { path: '/*' }
          { path: '/"_etag"/?' }
        ]
      }
    }
  }
}

//   audit: type = 'licenseChange' [userId =] [jobId =] [ARRAY_CONTAINS(skuIds)] ORDER BY activityDateTime DESC
resource auditContainer 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2025-04-15' = {
  parent: database
  name: 'audit'
  properties: {
    resource: {
      id: 'audit'
      partitionKey: {
        paths: [
          '/tenantId'
        ]
        kind: 'Hash'
        version: 2
      }
      // TTL on, but nothing expires by default (-1): a record lives until it carries its own `ttl`
      // (seconds). A retention period can be set later, per record or here, without a migration.
      defaultTtl: -1
      indexingPolicy: {
        indexingMode: 'consistent'
        automatic: true
        includedPaths: [
          { path: '/tenantId/?' }
          { path: '/type/?' }
          { path: '/id/?' }
          { path: '/_ts/?' }
          { path: '/userId/?' }
          { path: '/jobId/?' }
          { path: '/skuIds/[]/?' }
          { path: '/activityDateTime/?' }
          // the auto-claims (operation autoClaim)
          { path: '/operation/?' }
        ]
        excludedPaths: [
          { path: '/*' }
          { path: '/"_etag"/?' }
        ]
      }
    }
  }
}

//   jobs: type = 'licenseJob' [status = queued|running, COUNT] ORDER BY createdDateTime DESC; chunks and idempotency keys are point reads
resource jobsContainer 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2025-04-15' = {
  parent: database
  name: 'jobs'
  properties: {
    resource: {
      id: 'jobs'
      partitionKey: {
        paths: [
          '/tenantId'
        ]
        kind: 'Hash'
        version: 2
      }
      // TTL on, nothing expires by default: idempotency keys carry their own `ttl` (7 days)
      defaultTtl: -1
      indexingPolicy: {
        indexingMode: 'consistent'
        automatic: true
        includedPaths: [
          { path: '/tenantId/?' }
          { path: '/type/?' }
          { path: '/createdDateTime/?' }
          { path: '/status/?' }
          // auto-claims that found no seat
          { path: '/dateTime/?' }
        ]
        excludedPaths: [
          { path: '/*' }
          { path: '/"_etag"/?' }
        ]
      }
    }
  }
}

//   catalog: the operator's product catalog (shared/storage/catalog.ts), one partition 'catalog': the head,
//   each version's chunks and records are point reads; type = 'catalogVersion' ORDER BY version DESC lists
//   the versions, type = 'catalogScheduledChange' [status =] the changes not yet in force
resource catalogContainer 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2025-04-15' = {
  parent: database
  name: 'catalog'
  properties: {
    resource: {
      id: 'catalog'
      partitionKey: {
        paths: [
          '/tenantId'
        ]
        kind: 'Hash'
        version: 2
      }
      indexingPolicy: {
        indexingMode: 'consistent'
        automatic: true
        includedPaths: [
          { path: '/tenantId/?' }
          { path: '/type/?' }
          { path: '/version/?' }
          { path: '/status/?' }
        ]
        excludedPaths: [
          { path: '/*' }
          { path: '/"_etag"/?' }
        ]
      }
    }
  }
}

// Cosmos DB's own data-plane RBAC (not Azure RBAC): built-in "Cosmos DB Built-in Data Contributor".
resource dataContributor 'Microsoft.DocumentDB/databaseAccounts/sqlRoleDefinitions@2025-04-15' existing = {
  parent: account
  name: '00000000-0000-0000-0000-000000000002'
}

// Scoped to the service's database, not the whole account: the identity reaches nothing else the
// account may hold.
resource appDataContributor 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2025-04-15' = {
  parent: account
  name: guid(account.id, appPrincipalId, dataContributor.id, databaseName)
  properties: {
    roleDefinitionId: dataContributor.id
    principalId: appPrincipalId
    scope: '${account.id}/dbs/${database.name}'
  }
}

output id string = account.id
output name string = account.name
output endpoint string = account.properties.documentEndpoint
output databaseName string = database.name
