import { Container, CosmosClient, CosmosDiagnostics, ErrorResponse } from '@azure/cosmos';
import { DefaultAzureCredential } from '@azure/identity';
import { settings } from '../config';

/** Container names; infra/ creates the same ones (partition key /tenantId for all). */
export const CONTAINERS = {
  /** The tenant, its users, subscriptions and the small documents that keep them unique. */
  directory: 'directory',
  /** The audit trail of license changes, newest first per tenant. */
  audit: 'audit',
  /** Bulk license jobs: the job, its chunks with per-user results, idempotency keys (TTL). */
  jobs: 'jobs',
} as const;

export const PARTITION_KEY_PATH = '/tenantId';

let client: CosmosClient | undefined;

export function cosmosClient(): CosmosClient {
  if (client) return client;
  const s = settings();
  client = new CosmosClient({
    endpoint: s.COSMOS_ENDPOINT,
    // Locally the emulator takes a key; in Azure key auth is disabled and the app uses its managed identity.
    ...(s.COSMOS_KEY ? { key: s.COSMOS_KEY } : { aadCredentials: new DefaultAzureCredential() }),
    connectionPolicy: {
      // A plain-http endpoint is only ever an emulator, whose account metadata advertises https regional
      // endpoints that do not exist: stay on the given endpoint. Azure (https) keeps region discovery.
      enableEndpointDiscovery: !s.COSMOS_ENDPOINT.startsWith('http:'),
      // The SDK's own retry policy for 429s and transient faults (no hand-rolled retries on top).
      retryOptions: { maxRetryAttemptCount: 9, fixedRetryIntervalInMilliseconds: 0, maxWaitTimeInSeconds: 20 },
      requestTimeout: 10_000,
    },
  });
  return client;
}

export function container(name: keyof typeof CONTAINERS): Container {
  return cosmosClient().database(settings().COSMOS_DATABASE).container(CONTAINERS[name]);
}

/** Requests sent to Cosmos DB by this process, counted from the SDK's diagnostics (benchmarks print it). */
export const cosmosRequestStats = { requests: 0 };

export function countRequests(diagnostics: CosmosDiagnostics | undefined): void {
  const stats = diagnostics?.clientSideRequestStatistics;
  cosmosRequestStats.requests += stats?.gatewayStatistics?.length ?? 1;
}

export function isCosmosError(e: unknown, code?: number): e is ErrorResponse {
  return typeof e === 'object' && e !== null && 'code' in e && (code === undefined || (e as ErrorResponse).code === code);
}

/** Runs one SDK call and counts the requests it made, also when it fails. */
export async function tracked<T extends { diagnostics?: CosmosDiagnostics }>(call: () => Promise<T>): Promise<T> {
  try {
    const res = await call();
    countRequests(res.diagnostics);
    return res;
  } catch (e) {
    countRequests((e as { diagnostics?: CosmosDiagnostics }).diagnostics);
    throw e;
  }
}

/** Creates the database and containers (local emulator and tests; in Azure infra/ does this). */
export async function ensureDatabase(): Promise<void> {
  const { database } = await cosmosClient().databases.createIfNotExists({ id: settings().COSMOS_DATABASE });
  for (const id of Object.values(CONTAINERS)) {
    await database.containers.createIfNotExists({ id, partitionKey: { paths: [PARTITION_KEY_PATH] }, ...(id === CONTAINERS.jobs ? { defaultTtl: -1 } : {}) });
  }
}
