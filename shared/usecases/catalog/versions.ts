/** The catalog's versions: the one in force (and this instance's), the list newest first, one version's changes. */
import { catalogCache } from '../../catalog/cache';
import { settings } from '../../config';
import { Catalog } from '../../domain/catalog';
import { ApiError, ErrorCodes } from '../../errors';
import { catalogStore } from '../../storage/catalog';

export async function catalogState(catalog: Catalog) {
  const s = settings();
  const cache = catalogCache(s);
  const record = catalog.version ? await catalogStore.version(catalog.version) : undefined;
  return {
    version: catalog.version,
    publishedDateTime: record?.publishedDateTime ?? null,
    publishedBy: record?.publishedBy ?? null,
    products: catalog.all().length,
    servicePlans: new Set(catalog.all().flatMap((p) => p.servicePlans.map((x) => x.servicePlanId))).size,
    instance: { version: cache.version, ...cache.stats, refreshSeconds: s.CATALOG_REFRESH_SECONDS },
  };
}

export const listCatalogVersions = (top: number, continuationToken?: string) => catalogStore.versions(top, continuationToken);

export async function getCatalogVersion(n: number) {
  const v = await catalogStore.version(n);
  if (!v) throw new ApiError(404, ErrorCodes.notFound, `Catalog version ${n} does not exist. List the versions with GET /v1.0/catalog/versions.`, String(n));
  const { version, publishedDateTime, publishedBy, operation, summary, changes } = v;
  return { version, publishedDateTime, publishedBy, operation, summary, changes };
}
