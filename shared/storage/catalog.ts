/**
 * The catalog's store: the operator's data, in a container of its own (`catalog`, one partition
 * `catalog`), never a tenant's. Publishing is atomic for readers without multi-document transactions (the
 * local emulator's batch is not atomic):
 *
 *   - a version's whole catalog is written first, as immutable *chunk* documents (up to 200 products or
 *     about 1.5 MB each, and the plans' rules) named by the version and a publish id of its own, with the
 *     version's *record* (who, when, what changed);
 *   - then the small *head* document `{ version, publishId, chunkCount }` is moved with If-Match: the
 *     commit point. Two publishers of the same next version both prepare; one moves the head, the other's
 *     If-Match fails and it starts again from the fresh version (shared/catalog/publish.ts);
 *   - readers (the cache) poll the head with one point read and load a new version's chunks by a point
 *     read each; a version they see is complete, since its chunks were written before the head named it.
 *
 * Alternatives weighed: one document per product (a version would be many writes readers could see half
 * done, and a reader would need a query to load it), or the whole catalog in one document (Microsoft's
 * table is several MB, over Cosmos DB's 2 MB per document). After a commit, `version-{n}` keeps the
 * record for GET /catalog/versions (the next publisher writes it if a crash left it out), and chunks of
 * versions older than KEPT_VERSIONS are deleted (best effort; a cache that finds a chunk gone reloads
 * from the head).
 */
import { randomUUID } from 'node:crypto';
import { CatalogContent, PlanRules, StoredProduct } from '../domain/catalog';
import type { CatalogChanges, ChangeSummary } from '../catalog/diff';
import { createDoc, createIfAbsent, deleteIfPresent, putIfMatch, readOf, replaceIfMatch } from './cosmos';
import { queryPage } from './queries';

/** The catalog's one partition (the partition key path is /tenantId, as in every container). */
export const CATALOG_PARTITION = 'catalog';

const PRODUCTS_PER_CHUNK = 200;
const CHUNK_BYTES = 1_500_000;
const RULES_PER_CHUNK = 2000;
/** Versions whose chunks are kept (a cache still loading one finds it there). */
const KEPT_VERSIONS = 3;

export interface Publisher {
  id: string;
  displayName: string;
}

export interface CatalogHeadDoc {
  id: 'head';
  tenantId: typeof CATALOG_PARTITION;
  type: 'catalogHead';
  version: number;
  publishId: string;
  chunkCount: number;
  publishedDateTime: string;
  publishedBy: Publisher;
  _etag?: string;
}

interface CatalogChunkDoc {
  id: string;
  tenantId: typeof CATALOG_PARTITION;
  type: 'catalogChunk';
  version: number;
  publishId: string;
  index: number;
  products: StoredProduct[];
  planRules: Record<string, PlanRules>;
}

export interface CatalogVersionDoc {
  id: string;
  tenantId: typeof CATALOG_PARTITION;
  /** `catalogVersionRecord` while written before the commit (`record-{n}-{publishId}`), `catalogVersion` once kept as `version-{n}`. */
  type: 'catalogVersion' | 'catalogVersionRecord';
  version: number;
  publishId: string;
  chunkCount: number;
  publishedDateTime: string;
  publishedBy: Publisher;
  /** What published it: import, rules, product... */
  operation: string;
  summary: ChangeSummary;
  changes: CatalogChanges;
}

/** A version as the list shows it (its changes are read one version at a time). */
export type CatalogVersionRow = Pick<CatalogVersionDoc, 'version' | 'publishedDateTime' | 'publishedBy' | 'operation' | 'summary'>;

const chunkId = (version: number, publishId: string, index: number) => `chunk-${version}-${publishId}-${index}`;
const recordId = (version: number, publishId: string) => `record-${version}-${publishId}`;
const versionId = (version: number) => `version-${version}`;

/** The content in chunks: products by count and size, then the rules, spread over as many chunks as needed. */
export function toChunks(content: CatalogContent): { products: StoredProduct[]; planRules: Record<string, PlanRules> }[] {
  const chunks: { products: StoredProduct[]; planRules: Record<string, PlanRules> }[] = [];
  let current: StoredProduct[] = [];
  let bytes = 0;
  for (const p of content.products) {
    const size = JSON.stringify(p).length;
    if (current.length && (current.length >= PRODUCTS_PER_CHUNK || bytes + size > CHUNK_BYTES)) {
      chunks.push({ products: current, planRules: {} });
      current = [];
      bytes = 0;
    }
    current.push(p);
    bytes += size;
  }
  if (current.length || !chunks.length) chunks.push({ products: current, planRules: {} });
  const rules = Object.entries(content.planRules);
  for (let i = 0; i < rules.length; i += RULES_PER_CHUNK) {
    const slot = i / RULES_PER_CHUNK;
    if (slot >= chunks.length) chunks.push({ products: [], planRules: {} });
    chunks[slot].planRules = Object.fromEntries(rules.slice(i, i + RULES_PER_CHUNK));
  }
  return chunks;
}

/** A chunk a reader expected is gone (a version superseded long ago): read the head again. */
export class CatalogChunkMissing extends Error {}

export const catalogStore = {
  head: () => readOf<CatalogHeadDoc>('catalog', 'head', CATALOG_PARTITION, 'catalogHead'),

  /** A published version's content, from its chunks (a point read each, in parallel). */
  async content(head: Pick<CatalogHeadDoc, 'version' | 'publishId' | 'chunkCount'>): Promise<CatalogContent> {
    const chunks = await Promise.all(
      Array.from({ length: head.chunkCount }, (_, i) =>
        readOf<CatalogChunkDoc>('catalog', chunkId(head.version, head.publishId, i), CATALOG_PARTITION, 'catalogChunk'),
      ),
    );
    if (chunks.some((c) => !c)) throw new CatalogChunkMissing(`catalog version ${head.version} is no longer stored`);
    return {
      products: chunks.flatMap((c) => c!.products),
      planRules: Object.assign({}, ...chunks.map((c) => c!.planRules)) as Record<string, PlanRules>,
    };
  },

  /**
   * Writes version `version`'s chunks and record under a new publish id, then moves the head to it with
   * If-Match on the head read (created when there was none). The new head, or undefined when another
   * publisher moved the head first (what was written is deleted again).
   */
  async publish(
    previous: CatalogHeadDoc | undefined,
    content: CatalogContent,
    record: Pick<CatalogVersionDoc, 'publishedBy' | 'operation' | 'summary' | 'changes'>,
    now: string,
  ): Promise<CatalogHeadDoc | undefined> {
    const version = (previous?.version ?? 0) + 1;
    const publishId = randomUUID();
    if (previous) await catalogStore.keepRecord(previous);
    const chunks = toChunks(content);
    const base = { tenantId: CATALOG_PARTITION, version, publishId } as const;
    await Promise.all(
      chunks.map((c, index) => createDoc<CatalogChunkDoc>('catalog', { ...base, id: chunkId(version, publishId, index), type: 'catalogChunk', index, ...c })),
    );
    const meta = { version, publishId, chunkCount: chunks.length, publishedDateTime: now, publishedBy: record.publishedBy };
    await createDoc<CatalogVersionDoc>('catalog', { ...base, ...meta, ...record, id: recordId(version, publishId), type: 'catalogVersionRecord' });
    const head = await putIfMatch<CatalogHeadDoc>('catalog', { id: 'head', tenantId: CATALOG_PARTITION, type: 'catalogHead', ...meta }, previous?._etag);
    if (!head) {
      await discard(version, publishId, chunks.length);
      return undefined;
    }
    await catalogStore.keepRecord(head).catch(() => undefined); // else the next publisher writes it
    if (version > KEPT_VERSIONS) await forgetChunks(version - KEPT_VERSIONS).catch(() => undefined);
    return head;
  },

  /** The published version's record under `version-{n}`, if a crash left it out (once per version; a create that finds it is a no-op). */
  async keepRecord(head: Pick<CatalogHeadDoc, 'version' | 'publishId'>): Promise<void> {
    const existing = await readOf<CatalogVersionDoc>('catalog', versionId(head.version), CATALOG_PARTITION, 'catalogVersion');
    if (existing) return;
    const record = await readOf<CatalogVersionDoc>('catalog', recordId(head.version, head.publishId), CATALOG_PARTITION, 'catalogVersionRecord');
    if (record) await createIfAbsent('catalog', { ...withoutSystemFields(record), id: versionId(head.version), type: 'catalogVersion' });
  },

  /** One version's record: who published it, when, and what changed. */
  async version(n: number): Promise<CatalogVersionDoc | undefined> {
    const kept = await readOf<CatalogVersionDoc>('catalog', versionId(n), CATALOG_PARTITION, 'catalogVersion');
    if (kept) return kept;
    const head = await catalogStore.head();
    return head?.version === n ? readOf<CatalogVersionDoc>('catalog', recordId(n, head.publishId), CATALOG_PARTITION, 'catalogVersionRecord') : undefined;
  },

  /** A version whose organizations were told (a marker created once). */
  markAnnounced: (version: number) => createIfAbsent('catalog', { id: `announced-${version}`, tenantId: CATALOG_PARTITION, type: 'catalogAnnounced', version }),
  announced: async (version: number) => !!(await readOf('catalog', `announced-${version}`, CATALOG_PARTITION, 'catalogAnnounced')),

  /** Versions' records, newest first, a page at a time (without their lists of changes). */
  versions: (top: number, continuationToken?: string) =>
    queryPage<CatalogVersionRow>(
      'catalog',
      CATALOG_PARTITION,
      `SELECT c.version, c.publishedDateTime, c.publishedBy, c.operation, c.summary FROM c WHERE c.tenantId = @tenantId AND c.type = 'catalogVersion' ORDER BY c.version DESC`,
      [],
      top,
      continuationToken,
    ),
};

/** A document without the store's own fields (_rid, _self, _etag, _ts...), to be written under another id. */
const withoutSystemFields = <T extends object>(doc: T): T => Object.fromEntries(Object.entries(doc).filter(([k]) => !k.startsWith('_'))) as T;

async function discard(version: number, publishId: string, chunkCount: number): Promise<void> {
  await Promise.all([
    ...Array.from({ length: chunkCount }, (_, i) => deleteIfPresent('catalog', chunkId(version, publishId, i), CATALOG_PARTITION)),
    deleteIfPresent('catalog', recordId(version, publishId), CATALOG_PARTITION),
  ]).catch(() => undefined);
}

/** Deletes an old version's chunks (its record stays: GET /catalog/versions/{n}). */
async function forgetChunks(version: number): Promise<void> {
  const record = await readOf<CatalogVersionDoc>('catalog', versionId(version), CATALOG_PARTITION, 'catalogVersion');
  if (record)
    await Promise.all(
      Array.from({ length: record.chunkCount }, (_, i) => deleteIfPresent('catalog', chunkId(version, record.publishId, i), CATALOG_PARTITION)),
    );
}

// ---------------- changes scheduled for later (effectiveDateTime) ----------------

export interface CatalogScheduledChangeDoc {
  id: string;
  tenantId: typeof CATALOG_PARTITION;
  type: 'catalogScheduledChange';
  /** scheduled -> applying (one timer took it) -> applied | failed; or cancelled by the operator. */
  status: 'scheduled' | 'applying' | 'applied' | 'failed' | 'cancelled';
  effectiveDateTime: string;
  operation: string;
  /** What the operator asked for (the route's input), applied as it is when due. */
  input: unknown;
  scheduledBy: Publisher;
  scheduledDateTime: string;
  /** What it would change, as of when it was scheduled (version `basedOnVersion`): what organizations were told. */
  basedOnVersion: number;
  summary: ChangeSummary;
  changes: CatalogChanges;
  appliedVersion: number | null;
  appliedDateTime: string | null;
  error: string | null;
  _etag?: string;
}

export const catalogSchedule = {
  create: (doc: CatalogScheduledChangeDoc) => createDoc('catalog', doc),
  get: (id: string) => readOf<CatalogScheduledChangeDoc>('catalog', id, CATALOG_PARTITION, 'catalogScheduledChange'),
  replaceIfMatch: (doc: CatalogScheduledChangeDoc, etag: string) => replaceIfMatch('catalog', doc, etag),

  /** The changes not yet in force (scheduled, or being applied), a page at a time. */
  pending: (top: number, continuationToken?: string) =>
    queryPage<CatalogScheduledChangeDoc>(
      'catalog',
      CATALOG_PARTITION,
      `SELECT * FROM c WHERE c.tenantId = @tenantId AND c.type = 'catalogScheduledChange' AND (c.status = 'scheduled' OR c.status = 'applying')`,
      [],
      top,
      continuationToken,
    ),
};
