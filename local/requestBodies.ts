/** How the local host hands request bodies to functions: small declared ones at once, others streamed, leftovers drained. */
import { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';

/** What the host reads of a body a function stopped reading early (a refusal at its size limit) before it hangs up. */
const MAX_DRAIN_BYTES = 64 * 1024 * 1024;

/** Bodies up to this size, with a Content-Length, are read at once (an assignLicense body is a few hundred bytes). */
export const SMALL_BODY_BYTES = 64 * 1024;

/** Reads a body of a declared (small) length. */
export async function readSmall(req: IncomingMessage, declared: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > declared) break; // Node's parser stops at Content-Length; never more
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * A request's body as a stream for the function. When the function stops reading early (a 413 at its
 * limit, a 400 on a bad row) or never reads it, the rest is read and dropped (drainRest) rather than the
 * socket destroyed or left stuck, so the client gets the answer, and a kept-alive connection its next
 * one; past MAX_DRAIN_BYTES the host hangs up.
 */
export function streamedBody(req: IncomingMessage): PassThrough {
  const body = new PassThrough();
  req.pipe(body);
  body.on('close', () => drainRest(req));
  return body;
}

export function drainRest(req: IncomingMessage): void {
  if (req.complete || (req as IncomingMessage & { draining?: boolean }).draining) return;
  (req as IncomingMessage & { draining?: boolean }).draining = true;
  req.unpipe();
  let drained = 0;
  req.on('data', (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > MAX_DRAIN_BYTES) req.destroy();
  });
  req.resume();
}
