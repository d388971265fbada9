/**
 * One document changed from many instances (a policy, the report settings): read it, make the next one from
 * what was read, write it with If-Match on that (or create it when there was none); when someone else wrote
 * first the write answers undefined and it starts over from a fresh read. After `attempts`, 409 with
 * `conflictMessage`.
 */
import { ApiError, ErrorCodes } from '../errors';

export async function changeIfMatch<D, R>(o: {
  read: () => Promise<D | undefined>;
  /** Builds and writes the next document from the current one; undefined when another write came first. May throw to refuse. */
  write: (current: D | undefined) => Promise<R | undefined>;
  attempts: number;
  conflictMessage: string;
}): Promise<R> {
  for (let attempt = 0; attempt < o.attempts; attempt++) {
    const written = await o.write(await o.read());
    if (written !== undefined) return written;
  }
  throw new ApiError(409, ErrorCodes.conflict, o.conflictMessage);
}
