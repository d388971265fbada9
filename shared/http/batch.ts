/**
 * Graph's JSON batching (`POST /v1.0/$batch`): up to 20 requests in one, each answered as if it had been
 * sent on its own. Each request is dispatched in-process to its route's own handler (pipeline.ts
 * `dispatch`, matching with the one route table), so it goes through the same middleware as a direct call:
 * the batch's Authorization header is authenticated for it, it counts against the tenant's request budget,
 * its tenant, role and input are checked, and its errors have the usual shape.
 *
 * Order: requests without `dependsOn` run together; a request runs once those it depends on have
 * answered, and when one of them failed (status >= 400) it is not run and answers 424 Failed Dependency,
 * as Graph does. A cycle in `dependsOn` makes the whole batch a 400 before anything runs.
 */
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { ApiError, errorBody } from '../errors';
import { BatchBody } from '../schemas/contracts';
import { log } from '../log';
import { dispatch, RequestContext, Result } from './pipeline';

/** The route name of `$batch` itself (functions/routing.ts): a batch does not dispatch to it. */
const BATCH_ROUTE = 'batch';

type Item = BatchBody['requests'][number];
interface Answer {
  id: string;
  status: number;
  headers: Record<string, string>;
  body?: unknown;
}

/**
 * Response headers a client of a batch needs (the rest are transport), named as Graph names them in a
 * batch answer: the JS SDK's BatchResponseContent looks for `Content-Type` exactly to parse a JSON body.
 */
const KEPT_HEADERS: Record<string, string> = {
  'content-type': 'Content-Type',
  location: 'Location',
  etag: 'ETag',
  'retry-after': 'Retry-After',
  'request-id': 'request-id',
  'client-request-id': 'client-request-id',
  allow: 'Allow',
  'content-disposition': 'Content-Disposition',
};

/** The order the requests can run in, wave by wave; a 400 when dependsOn has a cycle. */
export function batchWaves(requests: Pick<Item, 'id' | 'dependsOn'>[]): string[][] {
  const done = new Set<string>();
  const waves: string[][] = [];
  let pending = requests.map((r) => ({ id: r.id.toLowerCase(), deps: (r.dependsOn ?? []).map((d) => d.toLowerCase()) }));
  while (pending.length) {
    const ready = pending.filter((r) => r.deps.every((d) => done.has(d)));
    if (!ready.length) {
      throw new ApiError(
        400,
        'BadRequest',
        `The dependsOn of requests ${pending.map((r) => `'${r.id}'`).join(', ')} form a cycle: no order can satisfy them.`,
        'requests',
      );
    }
    waves.push(ready.map((r) => r.id));
    for (const r of ready) done.add(r.id);
    pending = pending.filter((r) => !ready.includes(r));
  }
  return waves;
}

/**
 * A batch item's URL as a path under the route prefix: `/users?$top=5`, `/v1.0/users` and, as a Graph SDK
 * writes it for a base URL with a path (it keeps everything after the host), `/api/v1.0/users` all name
 * v1.0/users. `root` is the route prefix as this batch request reached it (`/api/`).
 */
function relativeUrl(url: string, root: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(url))
    throw new ApiError(400, 'BadRequest', `'${url}' is not a relative URL: give it relative to the version, like /users?$top=5.`, 'url');
  let rel = url.replace(/^\/+/, '');
  const prefix = root.replace(/^\/+/, '');
  if (prefix && rel.toLowerCase().startsWith(`${prefix.toLowerCase()}v1.0/`)) rel = rel.slice(prefix.length);
  return /^v1\.0\//i.test(rel) ? rel : `v1.0/${rel}`;
}

/**
 * The most of a streamed answer (a CSV download) a batch holds for one request: a direct call streams it,
 * a batch answer is one JSON document built in memory, so 20 large downloads in one batch must not be.
 */
export const MAX_BATCH_STREAMED_BYTES = 1024 * 1024;

async function bodyOf(res: HttpResponseInit): Promise<unknown> {
  if (res.jsonBody !== undefined) return res.jsonBody;
  const b = res.body as unknown;
  if (b === undefined || b === null) return undefined;
  let text: string;
  if (typeof b === 'string') text = b;
  else if (b instanceof Readable || (typeof b === 'object' && Symbol.asyncIterator in b)) {
    const chunks: Buffer[] = [];
    let size = 0;
    // leaving the loop early ends the stream (and the generator that produces it): nothing more is read
    for await (const chunk of b as AsyncIterable<string | Buffer>) {
      const buffer = Buffer.from(chunk);
      size += buffer.byteLength;
      if (size > MAX_BATCH_STREAMED_BYTES) {
        throw new ApiError(
          400,
          'BadRequest',
          `The answer to this request is larger than ${MAX_BATCH_STREAMED_BYTES} bytes, more than a batch carries: call it on its own (it streams).`,
          'url',
        );
      }
      chunks.push(buffer);
    }
    text = Buffer.concat(chunks).toString('utf8');
  } else text = await new Response(b as BodyInit).text(); // a Blob, ArrayBuffer, form or URL parameters
  return text;
}

function headersOf(res: HttpResponseInit): Record<string, string> {
  const out: Record<string, string> = {};
  const h = res.headers as Record<string, string> | Headers | undefined;
  const put = (k: string, v: string) => {
    const name = KEPT_HEADERS[k.toLowerCase()];
    if (name) out[name] = v;
  };
  // the pipeline answers headers as a plain object; a Headers instance is read too
  if (h && typeof (h as Headers).forEach === 'function') (h as Headers).forEach((v, k) => put(k, v));
  else for (const [k, v] of Object.entries((h as Record<string, string>) ?? {})) put(k, String(v));
  return out;
}

async function runOne(ctx: RequestContext<unknown, unknown, BatchBody>, item: Item, root: string): Promise<Answer> {
  const requestId = randomUUID();
  try {
    const rel = relativeUrl(item.url, root);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(item.headers ?? {})) headers[k.toLowerCase()] = v;
    // the body's framing is the batch's, not the item's: a declared length is not taken from it (the
    // route's own body limit then applies to what the item really carries)
    delete headers['content-length'];
    delete headers['transfer-encoding'];
    // the batch's own token authenticates every request in it, as in Graph
    const auth = ctx.request.headers.get('authorization');
    if (auth) headers.authorization = auth;
    else delete headers.authorization;
    let body: string | undefined;
    if (item.body !== undefined && item.body !== null) {
      body = typeof item.body === 'string' ? item.body : JSON.stringify(item.body);
      headers['content-type'] ??= 'application/json';
    }
    const target = new URL(`${ctx.url.origin}${root}${rel}`);
    // `..` segments are resolved by the URL: what is left must still be under the API's root
    if (!target.pathname.startsWith(root))
      throw new ApiError(400, 'BadRequest', `'${item.url}' leaves the API: give it relative to the version, like /users?$top=5.`, 'url');
    const request = new HttpRequest({ method: item.method, url: target.toString(), headers, body: body === undefined ? undefined : { string: body } });
    const invocation = new InvocationContext({ invocationId: requestId, functionName: 'batch', logHandler: () => undefined });
    // the path as sent: dispatch decodes each segment once, as the host does for a direct call
    const res = await dispatch(request, target.pathname.slice(root.length), invocation, { [BATCH_ROUTE]: 'A batch cannot contain another $batch.' });
    return { id: item.id, status: res.status ?? 200, headers: headersOf(res), body: await bodyOf(res) };
  } catch (e) {
    if (!(e instanceof ApiError))
      log.error('unhandled error in a batch request', {
        requestId,
        batchRequestId: ctx.requestId,
        tenantId: ctx.principal?.tenantId,
        error: (e as Error)?.stack ?? String(e),
      });
    const err =
      e instanceof ApiError ? e : new ApiError(500, 'internalServerError', `Something went wrong on our side. Quote request id ${requestId} to support.`);
    return {
      id: item.id,
      status: err.status,
      headers: { 'Content-Type': 'application/json; charset=utf-8', 'request-id': requestId },
      body: errorBody(err, requestId),
    };
  }
}

export async function runBatch(ctx: RequestContext<unknown, unknown, BatchBody>): Promise<Result> {
  const requests = ctx.body.requests;
  const waves = batchWaves(requests);
  // the route prefix as this request reached it: /api/v1.0/$batch -> /api/
  const root = ctx.url.pathname.replace(/v1\.0\/\$batch\/?$/i, '');
  const byId = new Map(requests.map((r) => [r.id.toLowerCase(), r]));
  const answers = new Map<string, Answer>();
  for (const wave of waves) {
    await Promise.all(
      wave.map(async (id) => {
        const item = byId.get(id)!;
        const failed = (item.dependsOn ?? []).map((d) => answers.get(d.toLowerCase())!).find((a) => a.status >= 400);
        if (failed) {
          const requestId = randomUUID();
          const err = new ApiError(
            424,
            'FailedDependency',
            `Not run: request '${failed.id}', which this request depends on, failed with ${failed.status}.`,
            failed.id,
          );
          answers.set(id, {
            id: item.id,
            status: 424,
            headers: { 'Content-Type': 'application/json; charset=utf-8', 'request-id': requestId },
            body: errorBody(err, requestId),
          });
          return;
        }
        answers.set(id, await runOne(ctx, item, root));
      }),
    );
  }
  return { body: { responses: requests.map((r) => answers.get(r.id.toLowerCase())!) } };
}
