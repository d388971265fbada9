/** Graph's paging of collections: `$top`, `$skiptoken` and `@odata.nextLink`. */
import { ApiError, ErrorCodes } from '../errors';
import type { Result } from './pipeline';

/** `@odata.nextLink` for a page: this request's URL with the continuation as $skiptoken. */
export function nextLink(url: URL, continuationToken: string | undefined): string | undefined {
  if (!continuationToken) return undefined;
  const next = new URL(url.toString());
  next.searchParams.set('$skiptoken', Buffer.from(continuationToken).toString('base64url'));
  return next.toString();
}

export function decodeSkipToken(token: string | undefined): string | undefined {
  if (!token) return undefined;
  const raw = Buffer.from(token, 'base64url').toString('utf8');
  if (!raw.startsWith('{') && !raw.startsWith('[') && !raw.startsWith('+')) {
    throw new ApiError(400, ErrorCodes.invalidRequest, 'The $skiptoken is not valid. Use the @odata.nextLink of the previous page as it is.', '$skiptoken');
  }
  return raw;
}

export const DEFAULT_PAGE_SIZE = 100;

/** A list call's page: its size ($top, default 100) and where to continue ($skiptoken). */
export const paging = (q: { $top?: number; $skiptoken?: string }) => [q.$top ?? DEFAULT_PAGE_SIZE, decodeSkipToken(q.$skiptoken)] as const;

/** A page of a collection, Graph's shape: `@odata.count` (with $count=true), `value`, `@odata.nextLink`. */
export function collectionResult<T>(url: URL, items: T[], continuationToken?: string, count?: number): Result {
  const link = nextLink(url, continuationToken);
  return { body: { ...(count !== undefined ? { '@odata.count': count } : {}), value: items, ...(link ? { '@odata.nextLink': link } : {}) } };
}
