/**
 * Reading request bodies within a size limit: JSON for the API's calls, a bounded stream for CSV uploads.
 * Nothing is buffered whole before the limit applies.
 */
import { Readable } from 'node:stream';
import { HttpRequest } from '@azure/functions';
import { ApiError, ErrorCodes } from '../errors';

export const MAX_BODY_BYTES = 1024 * 1024;

const tooLarge = (limit: number) => new ApiError(413, ErrorCodes.requestTooLarge, `Request body is larger than ${limit} bytes.`, 'body');

/**
 * The request body, chunk by chunk, failing with 413 as soon as more than `limit` bytes have arrived:
 * whatever Content-Length said, and for chunked uploads that have none. Nothing is buffered whole before
 * the limit applies (HTTP streams are enabled in functions/index.ts).
 */
async function* limitedChunks(request: HttpRequest, limit: number): AsyncGenerator<Uint8Array> {
  if (!request.body) return;
  let seen = 0;
  // the library types the body as the DOM's ReadableStream; Node's web streams are async iterable
  for await (const chunk of request.body as unknown as AsyncIterable<Uint8Array>) {
    seen += chunk.byteLength;
    if (seen > limit) throw tooLarge(limit);
    yield chunk;
  }
}

const declaredTooLarge = (request: HttpRequest, limit: number) => Number(request.headers.get('content-length') ?? 0) > limit;

/** The request body as a stream that fails with 413 past `limit` bytes (CSV uploads). Errors reach whoever reads it. */
export function boundedBody(request: HttpRequest, limit: number): Readable {
  if (declaredTooLarge(request, limit)) throw tooLarge(limit);
  return Readable.from(limitedChunks(request, limit), { objectMode: false });
}

/** The request's JSON body. `optional`: a request without one (no bytes at all) reads as undefined instead of a 400. */
export async function readJson(request: HttpRequest, limit: number, optional = false): Promise<unknown> {
  const type = request.headers.get('content-type') ?? '';
  if (declaredTooLarge(request, limit)) throw tooLarge(limit);
  let text: string;
  if (request.headers.get('content-length')) {
    text = await request.text(); // a declared length within the limit: HTTP's framing bounds the read
    // (and should a request not framed by HTTP declare less than it carries, the limit still holds)
    if (Buffer.byteLength(text) > limit) throw tooLarge(limit);
  } else {
    const chunks: Uint8Array[] = [];
    for await (const chunk of limitedChunks(request, limit)) chunks.push(chunk);
    text = Buffer.concat(chunks).toString('utf8');
  }
  if (!text && optional) return undefined;
  if (!text.trim()) throw new ApiError(400, ErrorCodes.invalidRequest, 'Request body is missing: send a JSON object.', 'body');
  // a body is JSON only when it says so: no Content-Type is not taken as JSON
  if (!/^application\/(.+\+)?json\b/i.test(type))
    throw new ApiError(
      415,
      ErrorCodes.unsupportedMediaType,
      `Send the body as JSON with Content-Type: application/json (got ${type || 'no Content-Type'}).`,
      'Content-Type',
    );
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ApiError(400, ErrorCodes.invalidRequest, `Request body is not valid JSON: ${(e as Error).message}`, 'body');
  }
}
