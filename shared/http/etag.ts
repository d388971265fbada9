import { ApiError, ErrorCodes } from '../errors';

/**
 * Entity tags as HTTP has them (RFC 9110): sent quoted (`"abc"`), and `If-Match` accepted in every form a
 * client sends: quoted, weak (`W/"abc"`, as a portal copies it from `@odata.etag`), bare, or `*`. Cosmos
 * DB's `_etag` is quoted in Azure and bare in the emulator; inside the service an etag is always the bare
 * (opaque) value, so both compare alike.
 */
export const opaqueEtag = (etag: string | undefined | null): string | undefined =>
  etag
    ? etag
        .trim()
        .replace(/^W\//, '')
        .replace(/^"(.*)"$/, '$1')
    : undefined;

/** The header and `@odata.etag` form of a document's etag. */
export const quotedEtag = (etag: string | undefined | null): string => (etag ? `"${opaqueEtag(etag)}"` : '');

/**
 * An If-Match header as the etags it names (bare), or `*`; undefined when absent. A list (`"a", "b"`)
 * matches any of its etags.
 */
export function parseIfMatch(header: string | null | undefined): string[] | '*' | undefined {
  if (header === null || header === undefined || !header.trim()) return undefined;
  if (header.trim() === '*') return '*';
  return header
    .split(',')
    .map((e) => opaqueEtag(e))
    .filter((e): e is string => !!e);
}

/** Whether a resource with `etag` satisfies If-Match (absent or `*` always does). */
export const ifMatchSatisfied = (ifMatch: string[] | '*' | undefined, etag: string | undefined): boolean =>
  ifMatch === undefined || ifMatch === '*' || (!!etag && ifMatch.includes(opaqueEtag(etag)!));

/** `If-Match` semantics for a change: absent or `*` always matches; otherwise the resource must still have that etag (412). */
export function checkIfMatch(ifMatch: string[] | '*' | undefined, etag: string | undefined, what: string): void {
  if (ifMatchSatisfied(ifMatch, etag)) return;
  throw new ApiError(
    412,
    ErrorCodes.preconditionFailed,
    `${what} has changed since you read it (its If-Match etag is stale). Read it again and reapply your change.`,
    'If-Match',
  );
}
