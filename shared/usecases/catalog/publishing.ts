/** How an operator's change reaches the catalog: published as a new version (publish.ts), then the organizations that hold a changed product are told. */
import { catalogCache } from '../../catalog/cache';
import { publishChange, PublishOutcome } from '../../catalog/publish';
import { settings } from '../../config';
import { Catalog, CatalogContent } from '../../domain/catalog';
import { Principal } from '../../domain/roles';
import { Publisher } from '../../storage/catalog';
import { log } from '../../log';
import { announceVersion } from './planChanges';

/** Who changes the catalog: the operator's app (a request's context has all of it). */
export interface CatalogWriter {
  principal: Principal;
  requestId: string;
  /** The snapshot the request read (the publisher edits the version the head names, which may be newer). */
  catalog: Catalog;
}

export const publisherOf = (p: Pick<Principal, 'objectId' | 'displayName' | 'clientId'>): Publisher => ({
  id: p.clientId ?? p.objectId,
  displayName: p.displayName,
});

export async function publishAndAnnounce(
  w: CatalogWriter,
  operation: string,
  edit: (current: Catalog, now: string) => CatalogContent,
  o: { dryRun?: boolean } = {},
): Promise<PublishOutcome> {
  const outcome = await publishChange({ cache: catalogCache(settings()), by: publisherOf(w.principal), operation, dryRun: o.dryRun, edit });
  if (outcome.published)
    await announceVersion({ version: outcome.version, changes: outcome.changes }).catch((e) =>
      // published all the same: the catalog timer announces the version in force when no mark says it was
      log.warn('catalog version not announced yet', { version: outcome.version, error: String((e as Error)?.message ?? e) }),
    );
  return outcome;
}
