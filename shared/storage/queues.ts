/**
 * Sending to the storage queues the bulk-job functions listen on. Messages are base64 JSON, as host.json's
 * `messageEncoding` tells the Functions host to expect. Locally the connection is a connection string
 * (Azurite); in Azure it is identity-based (`AzureWebJobsStorage__queueServiceUri` or `__accountName`)
 * and the client signs in with the app's managed identity.
 */
import { DefaultAzureCredential } from '@azure/identity';
import { QueueClient, QueueServiceClient } from '@azure/storage-queue';

export const QUEUES = {
  /** One message per chunk of a bulk license job. */
  licenseJobs: 'license-jobs',
  /** Group-based licensing: a group's members to converge, or one member. */
  groupLicensing: 'group-licensing',
  /** Alert webhook deliveries. */
  alertDeliveries: 'alert-deliveries',
  /** Catalog versions whose products gained or lost plans: one message per version, then one per organization holding them. */
  catalogChanges: 'catalog-changes',
} as const;

let service: QueueServiceClient | undefined;

function queueService(): QueueServiceClient {
  if (service) return service;
  const conn = process.env.AzureWebJobsStorage;
  if (conn) return (service = QueueServiceClient.fromConnectionString(conn));
  const uri =
    process.env.AzureWebJobsStorage__queueServiceUri ??
    (process.env.AzureWebJobsStorage__accountName ? `https://${process.env.AzureWebJobsStorage__accountName}.queue.core.windows.net` : undefined);
  if (!uri) throw new Error('No queue connection: set AzureWebJobsStorage (connection string) or AzureWebJobsStorage__accountName (managed identity).');
  const clientId = process.env.AzureWebJobsStorage__clientId ?? process.env.AZURE_CLIENT_ID;
  return (service = new QueueServiceClient(uri, new DefaultAzureCredential(clientId ? { managedIdentityClientId: clientId } : {})));
}

const clients = new Map<string, QueueClient>();

export function queue(name: string): QueueClient {
  let c = clients.get(name);
  if (!c) clients.set(name, (c = queueService().getQueueClient(name)));
  return c;
}

/** Sends a message; `delaySeconds` keeps it invisible that long (a retry later). */
export async function sendMessage(name: string, message: unknown, delaySeconds?: number): Promise<void> {
  await queue(name).sendMessage(Buffer.from(JSON.stringify(message)).toString('base64'), delaySeconds ? { visibilityTimeout: delaySeconds } : undefined);
}

/** Creates the queues and their -poison twins (local emulator and tests; in Azure infra/ does this). */
export async function ensureQueues(): Promise<void> {
  for (const name of Object.values(QUEUES)) {
    await queue(name).createIfNotExists();
    await queue(`${name}-poison`).createIfNotExists();
  }
}
