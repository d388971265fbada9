/**
 * The catalog as every request and message reads it: an in-process snapshot that notices a new version
 * cheaply. A read within CATALOG_REFRESH_SECONDS of the last check is a memory read; the first one after
 * it checks the head (one small point read, shared by every request waiting at that moment) and, only
 * when the head names another version, loads that version's chunks once. So the steady state costs no
 * Cosmos DB request per call, at most one every CATALOG_REFRESH_SECONDS per instance.
 *
 * The bound: a version published at time T is what every instance uses for every request or message that
 * starts after T + CATALOG_REFRESH_SECONDS (plus the moment it takes to load it); the instance that
 * published it uses it at once. If the head cannot be read, the instance goes on with the version it has
 * (logged) and checks again at the next interval; with none loaded yet, the request fails (503).
 */
import { Catalog, EMPTY_CATALOG } from '../domain/catalog';
import { log } from '../log';
import { CatalogChunkMissing, CatalogHeadDoc, catalogStore } from '../storage/catalog';

export interface CatalogSource {
  head(): Promise<Pick<CatalogHeadDoc, 'version' | 'publishId' | 'chunkCount'> | undefined>;
  content: typeof catalogStore.content;
}

export class CatalogCache {
  private snapshot: Catalog = EMPTY_CATALOG;
  private loaded = false;
  private checkedAt = Number.NEGATIVE_INFINITY;
  private checking?: Promise<Catalog>;
  /** What this instance did: head reads, versions loaded (GET /v1.0/catalog says it; the two-host test counts them). */
  readonly stats = { checks: 0, loads: 0, lastCheckedDateTime: null as string | null };

  constructor(
    private readonly refreshMs: number,
    private readonly source: CatalogSource = catalogStore,
    private readonly clock: () => number = Date.now,
  ) {}

  /** The current snapshot: from memory, or after a check of the head when the interval has passed. */
  current(): Promise<Catalog> {
    if (this.loaded && this.clock() - this.checkedAt < this.refreshMs) return Promise.resolve(this.snapshot);
    return (this.checking ??= this.check().finally(() => (this.checking = undefined)));
  }

  /** The version this instance uses now, without checking (what it says about itself). */
  get version(): number {
    return this.snapshot.version;
  }

  /**
   * The snapshot of exactly this head (a publisher edits the version it read): the one in memory when it
   * is that version, else loaded (and kept, when newer).
   */
  async at(head: Pick<CatalogHeadDoc, 'version' | 'publishId' | 'chunkCount'> | undefined): Promise<Catalog> {
    if (!head) return EMPTY_CATALOG;
    if (this.loaded && this.snapshot.version === head.version) return this.snapshot;
    const loaded = new Catalog(await this.source.content(head), head.version);
    this.install(loaded);
    return loaded;
  }

  /** A version this instance published or loaded: used from now on if newer than the one in memory. */
  install(catalog: Catalog): void {
    if (this.loaded && catalog.version <= this.snapshot.version) return;
    this.snapshot = catalog;
    this.loaded = true;
    this.stats.loads++;
  }

  private async check(): Promise<Catalog> {
    const started = this.clock();
    for (let attempt = 0; ; attempt++) {
      try {
        this.stats.checks++;
        this.stats.lastCheckedDateTime = new Date(started).toISOString();
        const head = await this.source.head();
        if (!head) this.install(EMPTY_CATALOG);
        else if (!this.loaded || head.version !== this.snapshot.version) await this.at(head);
        this.checkedAt = started;
        return this.snapshot;
      } catch (e) {
        // the version named was superseded and its chunks deleted while being read: read the head again
        if (e instanceof CatalogChunkMissing && attempt < 3) continue;
        if (!this.loaded) throw e;
        log.warn('catalog head not read; going on with the version loaded', { version: this.snapshot.version, error: String((e as Error)?.message ?? e) });
        this.checkedAt = started;
        return this.snapshot;
      }
    }
  }
}

let shared: CatalogCache | undefined;

/**
 * This instance's cache, made on first use with the app's settings (no wiring at import time). Routes get
 * the snapshot in their request context; queue and timer handlers ask here once per message.
 */
export function catalogCache(settings: { CATALOG_REFRESH_SECONDS: number }): CatalogCache {
  return (shared ??= new CatalogCache(settings.CATALOG_REFRESH_SECONDS * 1000));
}
