import { AsyncLocalStorage } from 'node:async_hooks';
import {
  Container,
  CosmosClient,
  CosmosDiagnostics,
  ErrorResponse,
  JSONObject,
  OperationInput,
  OperationResponse,
  OperationType,
  PartitionKeyDefinitionVersion,
  PartitionKeyKind,
  PatchOperation,
} from '@azure/cosmos';
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
  /** The product catalog: the operator's, not a tenant's (one partition, `catalog`; shared/storage/catalog.ts). */
  catalog: 'catalog',
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

/**
 * Requests sent to Cosmos DB by this process, counted from the SDK's diagnostics (benchmarks print it).
 * `requests` is the total; `metadata` (query-plan, container, partition-key-range lookups the SDK made on
 * its own) and `retries` (attempts the SDK's retry policy repeated: 429, 449, resets, timeouts…) say how
 * much of it was not the operations themselves. Both are already included in `requests`.
 */
export const cosmosRequestStats = { requests: 0, metadata: 0, retries: 0 };

/**
 * Adds one SDK call's requests to cosmosRequestStats. From the diagnostics (@azure/cosmos 4.x):
 * - gatewayStatistics: every request that got an HTTP answer, error statuses and retried ones included;
 * - metadataDiagnostics.metadataLookups: the SDK's own lookups (e.g. the query plan before a query), not
 *   in gatewayStatistics;
 * - retryDiagnostics.failedAttempts: every retried attempt. Those that got an HTTP answer (429…) are in
 *   gatewayStatistics too, with the same activity id; those that got none (connection reset, timeout)
 *   are only here.
 * `unansweredLastAttempt`: the call failed without an HTTP answer (timeout, reset), so its last attempt
 * was sent but is in no list. Cheap: the failed-attempt scan only runs when there were retries.
 */
export function countRequests(diagnostics: CosmosDiagnostics | undefined, unansweredLastAttempt = false): void {
  const stats = diagnostics?.clientSideRequestStatistics;
  if (!stats) {
    cosmosRequestStats.requests += 1;
    meter(1, 0);
    return;
  }
  const gateway = stats.gatewayStatistics ?? [];
  const metadata = stats.metadataDiagnostics?.metadataLookups?.length ?? 0;
  const failed = stats.retryDiagnostics?.failedAttempts ?? [];
  let failedWithoutAnswer = 0;
  for (const f of failed) if (!f.activityId || !gateway.some((g) => g.activityId === f.activityId)) failedWithoutAnswer++;
  const requests = gateway.length + metadata + failedWithoutAnswer + (unansweredLastAttempt ? 1 : 0);
  cosmosRequestStats.requests += requests;
  cosmosRequestStats.metadata += metadata;
  cosmosRequestStats.retries += failed.length;
  meter(requests, 0);
}

/**
 * What one piece of work cost the store, counted in its own async context (several tenants' runs share
 * the process): requests (as cosmosRequestStats counts them), the request charge the store reported
 * (request units on Cosmos DB; the local emulator answers 1 for every request), and the documents it got
 * back (query results and point or bulk reads that found one). A reconciliation run reports it.
 */
export interface StoreUsage {
  requests: number;
  requestCharge: number;
  documentsRead: number;
}

const usageScope = new AsyncLocalStorage<StoreUsage>();

/** Runs `work` with its store usage counted into `usage` (read it at any time, also while `work` runs). */
export function countStoreUsage<T>(usage: StoreUsage, work: () => Promise<T>): Promise<T> {
  return usageScope.run(usage, work);
}

function meter(requests: number, requestCharge: number, documentsRead = 0): void {
  const usage = usageScope.getStore();
  if (!usage) return;
  usage.requests += requests;
  usage.requestCharge += requestCharge;
  usage.documentsRead += documentsRead;
}

/** The request charge an SDK answer (or error: a refused condition is charged too) reports, from its header. */
function chargeOf(res: unknown): number {
  const r = res as { requestCharge?: unknown; headers?: Record<string, unknown> } | undefined;
  const charge = typeof r?.requestCharge === 'number' ? r.requestCharge : Number(r?.headers?.['x-ms-request-charge'] ?? 0);
  return Number.isFinite(charge) ? charge : 0;
}

/** Documents an SDK answer carries back from a read: a query or change feed page's results, or the one a point read found. */
function documentsIn(res: unknown): number {
  const r = res as { resources?: unknown[]; result?: unknown; resource?: unknown; diagnostics?: CosmosDiagnostics } | undefined;
  const page = r?.resources ?? r?.result;
  if (Array.isArray(page)) return page.filter((x) => typeof x === 'object' && x !== null).length;
  const read = r?.diagnostics?.clientSideRequestStatistics?.gatewayStatistics?.some((g) => g.operationType === OperationType.Read);
  return read && r?.resource ? 1 : 0;
}

export function isCosmosError(e: unknown, code?: number): e is ErrorResponse {
  return typeof e === 'object' && e !== null && 'code' in e && (code === undefined || (e as ErrorResponse).code === code);
}

// the SDK's own timeout, its HTTP client's send failure, and the socket errors Node reports (any other error
// with a string code, a stream's or the app's, is not the store's silence)
const NO_ANSWER_CODES = new Set([
  'TimeoutError',
  'REQUEST_SEND_ERROR',
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/**
 * An SDK error without an answer from the store: the request timed out or its connection failed (reset,
 * refused, closed). Its code is a string (TimeoutError, ECONNRESET, REQUEST_SEND_ERROR), where an answer's
 * is the HTTP status. Whether a write it carried was applied is unknown.
 */
export function noAnswer(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && NO_ANSWER_CODES.has(code);
}

/** The store answered that it is busy (throttled, unavailable, timed out on its side), after the SDK's own retries. */
export const storeBusy = (e: unknown): e is ErrorResponse => isCosmosError(e) && (e.code === 429 || e.code === 503 || e.code === 408);

/** Runs one SDK call and counts the requests it made, also when it fails. */
export async function tracked<T extends { diagnostics?: CosmosDiagnostics }>(call: () => Promise<T>): Promise<T> {
  try {
    const res = await call();
    countRequests(res.diagnostics);
    meter(0, chargeOf(res), documentsIn(res));
    return res;
  } catch (e) {
    // an HTTP error status is in the diagnostics; without an answer the last attempt is not
    countRequests((e as { diagnostics?: CosmosDiagnostics }).diagnostics, noAnswer(e));
    meter(0, chargeOf(e));
    throw e;
  }
}

/** Creates the database and containers (local emulator and tests; in Azure infra/ does this). */
export async function ensureDatabase(): Promise<void> {
  const { database } = await cosmosClient().databases.createIfNotExists({ id: settings().COSMOS_DATABASE });
  for (const id of Object.values(CONTAINERS)) {
    await database.containers.createIfNotExists({
      id,
      // as infra/modules/cosmos.bicep declares them: hash partitioning version 2. Without the version the
      // container is version 1, and the SDK hashes every bulk operation's key the older, ~3x slower way.
      partitionKey: { paths: [PARTITION_KEY_PATH], kind: PartitionKeyKind.Hash, version: PartitionKeyDefinitionVersion.V2 },
      ...(id === CONTAINERS.jobs ? { defaultTtl: -1 } : {}),
    });
  }
}

/**
 * A point read of one document of a given type: undefined when there is none, or when the id belongs to a
 * document of another type (a tenant's or a group's id passed as a user's must read as "no such user",
 * never as a user-shaped tenant).
 */
export async function readOf<T extends object>(which: keyof typeof CONTAINERS, id: string, tenantId: string, type: string): Promise<T | undefined> {
  const res = await tracked(() => container(which).item(id, tenantId).read<T & { type?: string }>());
  return res.resource?.type === type ? res.resource : undefined;
}

/** Creates a document unless one with its id exists: true if created (a claim, a membership, a marker). */
export async function createIfAbsent<T extends { id: string; tenantId: string }>(which: keyof typeof CONTAINERS, doc: T): Promise<boolean> {
  try {
    await tracked(() => container(which).items.create(doc));
    return true;
  } catch (e) {
    if (isCosmosError(e, 409)) return false;
    throw e;
  }
}

/** Deletes a document if it is there: true if it was. */
export async function deleteIfPresent(which: keyof typeof CONTAINERS, id: string, tenantId: string): Promise<boolean> {
  try {
    await tracked(() => container(which).item(id, tenantId).delete());
    return true;
  } catch (e) {
    if (isCosmosError(e, 404)) return false;
    throw e;
  }
}

/** Replaces a document if it still has that etag: the written document, or undefined when it changed meanwhile. */
export async function replaceIfMatch<T extends { id: string; tenantId: string; _etag?: string }>(
  which: keyof typeof CONTAINERS,
  doc: T,
  etag: string,
): Promise<T | undefined> {
  const { _etag, ...body } = doc;
  void _etag;
  try {
    const res = await tracked(() =>
      container(which)
        .item(doc.id, doc.tenantId)
        .replace(body, { accessCondition: { type: 'IfMatch', condition: etag } }),
    );
    return res.resource as unknown as T;
  } catch (e) {
    if (isCosmosError(e, 412)) return undefined;
    throw e;
  }
}

/**
 * Patches one document: all operations applied together, or none. With a `condition` (a Cosmos DB
 * predicate on the one document, `c.seat.consumed + 1 <= c.seat.limit`), only if it holds: undefined when
 * it does not or there is no such document. The document as patched, typed.
 */
export async function patchDoc<T extends object>(
  which: keyof typeof CONTAINERS,
  id: string,
  tenantId: string,
  operations: PatchOperation[],
  condition?: string,
): Promise<T | undefined> {
  try {
    const res = await tracked(() =>
      container(which)
        .item(id, tenantId)
        .patch<T>(condition ? { condition: `from c where ${condition}`, operations } : operations),
    );
    return res.resource;
  } catch (e) {
    if (condition && (isCosmosError(e, 412) || isCosmosError(e, 404))) return undefined;
    throw e;
  }
}

/** Patches one document only if it is still that version (If-Match): undefined when it changed meanwhile. */
export async function patchIfMatch<T extends object>(
  which: keyof typeof CONTAINERS,
  id: string,
  tenantId: string,
  operations: PatchOperation[],
  etag: string,
): Promise<T | undefined> {
  try {
    const res = await tracked(() =>
      container(which)
        .item(id, tenantId)
        .patch<T>(operations, { accessCondition: { type: 'IfMatch', condition: etag } }),
    );
    return res.resource;
  } catch (e) {
    if (isCosmosError(e, 412)) return undefined;
    throw e;
  }
}

/** Creates a document: the document as created, or undefined when one with its id exists. */
export async function createDoc<T extends { id: string; tenantId: string }>(which: keyof typeof CONTAINERS, doc: T): Promise<T | undefined> {
  try {
    return (await tracked(() => container(which).items.create(doc))).resource;
  } catch (e) {
    if (isCosmosError(e, 409)) return undefined;
    throw e;
  }
}

/**
 * Writes a document over the version read: with an etag, replaces it only if it still has that etag
 * (If-Match); without one (nothing was read), creates it only if there is none. The document as written,
 * or undefined when someone else wrote it meanwhile (412 on the replace, 409 on the create).
 */
export async function putIfMatch<T extends { id: string; tenantId: string; _etag?: string }>(
  which: keyof typeof CONTAINERS,
  doc: T,
  etag: string | undefined,
): Promise<T | undefined> {
  if (etag) return replaceIfMatch(which, doc, etag);
  const { _etag, ...body } = doc;
  void _etag;
  return (await createDoc(which, body)) as T | undefined;
}

/** `set` operations for the given fields (top-level properties). */
export const setFields = (fields: object): PatchOperation[] =>
  Object.entries(fields as Record<string, unknown>).map(([k, value]) => ({ op: 'set' as const, path: `/${k}`, value }));

/** A document as a bulk operation's body (the SDK types it as plain JSON). */
export const bulkBody = (doc: object): JSONObject => doc as unknown as JSONObject;

/** A bulk operation's answer as the document it carries, with its etag. */
export const bulkDoc = <T>(r: { resourceBody?: JSONObject; eTag?: string }): T => ({
  ...(r.resourceBody as unknown as T),
  _etag: r.eTag ?? (r.resourceBody as { _etag?: string } | undefined)?._etag,
});

/**
 * Many point operations of one partition in bulk requests (up to 100 operations each), for the bulk-job
 * chunks: one request instead of a hundred. Each operation keeps its own outcome (bulk is not a
 * transaction): the answers come back in order, a status per operation.
 */
export async function bulk(
  which: keyof typeof CONTAINERS,
  operations: OperationInput[],
): Promise<{ statusCode: number; resourceBody?: JSONObject; eTag?: string }[]> {
  const out: { statusCode: number; resourceBody?: JSONObject; eTag?: string }[] = [];
  for (let i = 0; i < operations.length; i += 100) {
    const slice = operations.slice(i, i + 100);
    let res: OperationResponse[] = [];
    try {
      res = await container(which).items.bulk(slice);
    } finally {
      cosmosRequestStats.requests += 1; // one bulk request per partition (all operations share the tenant's)
      meter(
        1,
        res.reduce((sum, r) => sum + (r.requestCharge ?? 0), 0),
        res.filter((r, k) => slice[k].operationType === 'Read' && r.statusCode === 200).length,
      );
    }
    out.push(...res);
  }
  return out;
}

/** A bulk operation's status that says it was not applied and may be tried again on its own. */
export const retriable = (statusCode: number) => statusCode === 429 || statusCode === 503 || statusCode === 408;
