/**
 * Publishing a catalog change: the edit is applied to the version the head names now, the two are
 * compared, and only a change that changes something becomes a new version (the same file imported twice
 * makes none). When another publisher moved the head meanwhile, the same edit is applied again to the
 * fresh version (a change is a function of the current catalog, not a patch of a stale one); after a few
 * such races the caller gets 409.
 */
import { Catalog, CatalogContent } from '../domain/catalog';
import { ApiError, ErrorCodes } from '../errors';
import { catalogStore, CatalogHeadDoc, Publisher } from '../storage/catalog';
import { CatalogCache } from './cache';
import { CatalogChanges, ChangeSummary, diffCatalogs, isEmpty, summarize } from './diff';

const ATTEMPTS = 5;

export interface PublishRequest {
  cache: CatalogCache;
  by: Publisher;
  /** What publishes it (import, rules, product...), on the version's record. */
  operation: string;
  /** Answer what would change, write nothing. */
  dryRun?: boolean;
  /** The next content from the current one (may throw an ApiError: nothing is written). */
  edit: (current: Catalog, now: string) => CatalogContent;
}

export interface PublishOutcome {
  /** A new version was written. */
  published: boolean;
  /** The version in force after the call (the new one, or the one that was already there). */
  version: number;
  previousVersion: number;
  publishedDateTime: string | null;
  catalog: Catalog;
  previous: Catalog;
  changes: CatalogChanges;
  summary: ChangeSummary;
}

export async function publishChange(req: PublishRequest): Promise<PublishOutcome> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const head: CatalogHeadDoc | undefined = await catalogStore.head();
    const current = await req.cache.at(head);
    const now = new Date().toISOString();
    const next = req.edit(current, now);
    const changes = diffCatalogs(current.content, next);
    const summary = summarize(changes);
    const unchanged = { version: current.version, previousVersion: current.version, publishedDateTime: null, previous: current, changes, summary };
    if (isEmpty(changes)) return { ...unchanged, published: false, catalog: current };
    if (req.dryRun) return { ...unchanged, published: false, catalog: new Catalog(next, current.version) };
    const written = await catalogStore.publish(head, next, { publishedBy: req.by, operation: req.operation, summary, changes }, now);
    if (!written) continue; // another publisher came first: the same edit, on its version
    const catalog = new Catalog(next, written.version);
    req.cache.install(catalog);
    return {
      published: true,
      version: written.version,
      previousVersion: current.version,
      publishedDateTime: now,
      catalog,
      previous: current,
      changes,
      summary,
    };
  }
  throw new ApiError(
    409,
    ErrorCodes.conflict,
    'The catalog kept changing while this change was being published (other changes came first). Nothing was changed by this one; send it again.',
  );
}
