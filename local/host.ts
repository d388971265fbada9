/**
 * The project's local Functions host. Core Tools cannot be installed here, so this host plays the part
 * of the Functions runtime for the same code that runs in Azure:
 *
 * - it provides the `@azure/functions-core` module that the Functions worker normally provides (functionsCore.ts). With it,
 *   `@azure/functions` leaves "test mode" and hands every `app.http / app.storageQueue / app.timer`
 *   registration (trigger metadata + handler) to `registerFunction`, exactly as in Azure;
 * - HTTP triggers are served under host.json's `routePrefix` with the runtime's route templates
 *   (`{id}`, `{id:guid}`, `{id?}`, `{*rest}`; literal segments win over parameters), invoked with the
 *   library's own HttpRequest and InvocationContext;
 * - queue triggers poll the storage queue (Azurite locally) with host.json's queue settings: base64
 *   messages, batch size, visibility timeout between retries, and `maxDequeueCount` then `<queue>-poison`;
 * - timer triggers run on their NCRONTAB schedule (six fields, seconds first; `%SETTING%` resolved).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import sirv from 'sirv';
import { pathSegments, RouteTable } from '../shared/http/routes';
import { applyCors, CorsSettings, preflight } from './cors';
import { loadRegistrations, Registration } from './functionsCore';
import { drainRest, readSmall, SMALL_BODY_BYTES, streamedBody } from './requestBodies';

export { loadRegistrations, type Registration };

// ---------------- host ----------------

/** Vite names built assets by content hash: they never change, so the browser may keep them; index.html is always asked again. */
function cacheHeaders(res: ServerResponse, pathname: string) {
  res.setHeader('cache-control', pathname.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
}

export interface HostOptions {
  port: number;
  /** Also serve https on this port (Graph SDKs send their token only to https URLs). */
  https?: { port: number; key: string; cert: string };
  /**
   * The address to listen on: 127.0.0.1 unless told otherwise (LOCAL_HOST_BIND). The host has
   * unauthenticated admin calls (`/admin/functions/{name}`), as Core Tools does; they stay on this machine.
   */
  bind?: string;
  /** The Function App's entry module (package.json main). */
  entry: string;
  hostJson?: string;
  /**
   * Extra routes outside the prefix served by the host itself (the dev JWKS, the console's dev sign-in):
   * a function answers GET with JSON; `{ post }` answers POST with a JSON body, after `guard` (if any) let
   * the request through on its scheme and headers alone.
   */
  extraRoutes?: Record<string, ExtraRoute>;
  /**
   * Files served at `/` over https (the built admin console). The console calls the API on the same
   * origin, so it needs no CORS and the browser accepts the certificate once. Over http, `/` redirects there.
   */
  staticRoot?: string;
  quiet?: boolean;
  /** CORS as the platform does it in Azure: local.settings.json's Host.CORS and Host.CORSCredentials. */
  cors?: CorsSettings;
}

/** What an extra route's guard sees of a request: its scheme and the headers a browser sets itself. */
export interface ExtraRequest {
  secure: boolean;
  host: string | undefined;
  origin: string | undefined;
}

export type ExtraAnswer = { status: number; body: unknown };

export type ExtraRoute =
  | (() => Promise<unknown>)
  | {
      /** A refusal (the answer), or undefined to go on; decided before the body is read. */
      guard?: (request: ExtraRequest) => ExtraAnswer | undefined;
      post: (body: unknown) => Promise<ExtraAnswer>;
    };

/** An extra route's JSON body is small (a role name): anything longer is refused unread. */
const MAX_EXTRA_BODY_BYTES = 16 * 1024;

export interface RunningHost {
  url: string;
  /** The https base URL, when https is served. */
  httpsUrl?: string;
  server: Server;
  registrations: Registration[];
  close(): Promise<void>;
  /** Invokes a registered function directly, as the runtime would (timer "run now", tests). */
  invoke(name: string, input: unknown, triggerMetadata?: Record<string, unknown>): Promise<unknown>;
}

export function readHostJson(path: string) {
  return JSON.parse(readFileSync(path, 'utf8')) as {
    extensions?: {
      http?: { routePrefix?: string };
      queues?: { batchSize?: number; visibilityTimeout?: string; maxDequeueCount?: number; messageEncoding?: string; maxPollingInterval?: string };
    };
  };
}

/**
 * The request's absolute URL. The request target is a path: `//x/y` stays the path `//x/y` (resolved as a
 * relative reference it would name the host `x`, and links built from it would point there); a Host header
 * that is no host (`a b`, `[`) is answered as localhost's rather than with a 500.
 */
export function requestUrl(target: string | undefined, scheme: string, host: string | undefined): URL {
  const path = target?.startsWith('/') ? target : '/';
  try {
    return new URL(`${scheme}://${host ?? 'localhost'}${path}`);
  } catch {
    return new URL(`${scheme}://localhost${path}`);
  }
}

export async function startHost(options: HostOptions): Promise<RunningHost> {
  const registrations = loadRegistrations(options.entry);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const lib = require('@azure/functions') as typeof import('@azure/functions');

  const hostJson = readHostJson(options.hostJson ?? join(process.cwd(), 'host.json'));
  const prefix = (hostJson.extensions?.http?.routePrefix ?? 'api').replace(/^\/|\/$/g, '');
  // looked up by the request's path: a Map answers only the routes put in it
  const extraRoutes = new Map(Object.entries(options.extraRoutes ?? {}));
  // ranked as the Functions host (ASP.NET Core routing) ranks them: a catch-all `{*path}` comes last
  const httpRoutes = new RouteTable<Registration>();
  for (const reg of registrations.filter((r) => r.trigger.type.toLowerCase() === 'httptrigger')) {
    httpRoutes.add(reg.trigger.route ?? reg.name, reg.trigger.methods ?? ['GET', 'POST'], reg);
  }

  const context = (reg: Registration, triggerMetadata?: Record<string, unknown>) =>
    new lib.InvocationContext({
      invocationId: randomUUID(),
      functionName: reg.name,
      triggerMetadata,
      options: { trigger: reg.trigger as never, extraInputs: [], extraOutputs: [] },
      logHandler: (level, ...args) => {
        if (!options.quiet || level === 'error') console.log(`[${reg.name}] ${level}:`, ...args);
      },
    });

  /**
   * The Functions host's admin call for non-HTTP functions, `POST /admin/functions/{name}` with
   * `{"input": ...}`: answers 202 at once and runs the function in the background, as the host does (there
   * with the master key; locally, like Core Tools, without). A timer function gets a timer object (not past
   * due), a queue function the input as its message (JSON parsed when it is JSON). Unknown name: 404; an
   * HTTP function: 400 (call its route).
   */
  async function runNow(name: string, req: IncomingMessage, res: ServerResponse) {
    const reg = registrations.find((r) => r.name.toLowerCase() === name.toLowerCase());
    if (!reg) {
      res.writeHead(404).end();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > 1024 * 1024) {
        res.writeHead(413).end();
        return;
      }
      chunks.push(chunk as Buffer);
    }
    let input: unknown;
    try {
      const text = Buffer.concat(chunks).toString('utf8');
      input = text.trim() ? (JSON.parse(text) as { input?: unknown }).input : undefined;
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'the body must be JSON: {"input": ...}' }));
      return;
    }
    const type = reg.trigger.type.toLowerCase();
    if (type === 'httptrigger') {
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: `${reg.name} is an HTTP function: call its route` }));
      return;
    }
    let trigger: unknown = input;
    if (type === 'timertrigger') {
      const now = new Date().toISOString();
      trigger = { isPastDue: false, schedule: { adjustForDST: false }, scheduleStatus: { last: now, next: now, lastUpdated: now } };
    } else if (typeof input === 'string') {
      try {
        trigger = JSON.parse(input);
      } catch {
        trigger = input;
      }
    }
    res.writeHead(202).end();
    Promise.resolve()
      .then(() => reg.handler(trigger, context(reg)))
      .catch((e) => console.error(`[${reg.name}] admin run failed:`, (e as Error)?.message ?? e));
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    // the scheme the caller used: links the app builds from the request (@odata.nextLink, Location) keep it
    const scheme = (req.socket as import('node:tls').TLSSocket).encrypted ? 'https' : 'http';
    const secure = scheme === 'https';
    const url = requestUrl(req.url, scheme, req.headers.host);
    const cors = options.cors ?? { origins: [], credentials: false };
    const pre = preflight(cors, req);
    if (pre) {
      res.writeHead(pre.status, pre.headers).end();
      return;
    }
    const extra = extraRoutes.get(url.pathname);
    if (extra && (await serveExtra(extra, req, res, secure))) return;
    if (url.pathname === '/admin/host/status') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ state: 'Running', functions: registrations.map((r) => r.name) }));
      return;
    }
    const adminRun = /^\/admin\/functions\/([^/]+)\/?$/i.exec(url.pathname);
    if (adminRun && req.method === 'POST') {
      // The admin call has no key (as with Core Tools), so a web page must not be able to make it: a
      // browser sends Origin with every cross-site POST (a no-cors text/plain one too, which no preflight
      // stops) and with a DNS-rebound same-origin one; curl, scripts and tests send none.
      if (req.headers.origin !== undefined) {
        res
          .writeHead(403, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: 'admin calls are not taken from a browser (the request has an Origin header)' }));
        return;
      }
      await runNow(pathSegments(adminRun[1])[0] ?? '', req, res);
      return;
    }
    const parts = pathSegments(url.pathname);
    if (prefix && parts[0]?.toLowerCase() !== prefix.toLowerCase()) {
      if (options.staticRoot && (req.method === 'GET' || req.method === 'HEAD')) serveSite(req, res, url, secure);
      else res.writeHead(404).end();
      return;
    }
    if (prefix) parts.shift();
    const method = (req.method ?? 'GET').toUpperCase();
    const match = httpRoutes.match(method, parts);
    if (match.kind !== 'found') {
      // as the Functions host: an unknown route or method is a plain 404 (the app's own catch-all, when it
      // registers one, answers these itself)
      res.writeHead(404).end();
      return;
    }
    const found = { route: { reg: match.entry.value }, params: match.params };
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    // The body is handed over as a stream, as the Functions host does with HTTP streams enabled
    // (app.setup({ enableHttpStream: true })): the function reads what it needs and enforces its limits
    // while reading, instead of the whole body being buffered first.
    const hasBody = method !== 'GET' && method !== 'HEAD';
    // A small body of a declared length is read here at once (the declaration bounds it: the function's
    // limit still applies to it); anything else — chunked, or large — reaches the function as a stream.
    const declared = Number(req.headers['content-length'] ?? NaN);
    const small = hasBody && declared <= SMALL_BODY_BYTES ? await readSmall(req, declared) : undefined;
    const nativeRequest = new Request(url.toString(), {
      method,
      headers,
      ...(small ? { body: small } : hasBody ? { body: streamedBody(req) as unknown as ReadableStream, duplex: 'half' } : {}),
    } as RequestInit);
    const request = new lib.HttpRequest({ method, url: url.toString(), headers, params: found.params, nativeRequest } as never);
    let response: InstanceType<typeof lib.HttpResponse>;
    let builtWhole: boolean;
    try {
      const result = await found.route.reg.handler(request, context(found.route.reg));
      response = result instanceof lib.HttpResponse ? result : new lib.HttpResponse(result ?? {});
      builtWhole = !(result instanceof lib.HttpResponse) && (result as { jsonBody?: unknown } | undefined)?.jsonBody !== undefined;
    } catch (e) {
      console.error(`[${found.route.reg.name}] unhandled:`, e);
      res.writeHead(500).end();
      return;
    }
    const outHeaders: Record<string, string> = {};
    response.headers.forEach((v, k) => (outHeaders[k] = v));
    if (hasBody) drainRest(req); // whatever the function left unread
    res.writeHead(response.status ?? 200, applyCors(cors, req, outHeaders));
    if (!response.body) {
      res.end();
      return;
    }
    // JSON built whole by the function (jsonBody): written in one go. Anything else (CSV downloads, reports
    // streamed as JSON) is streamed out as it is produced, never buffered whole.
    if (builtWhole && /^application\/json\b/i.test(outHeaders['content-type'] ?? '')) {
      res.end(Buffer.from(await response.arrayBuffer()));
      return;
    }
    await pipeline(Readable.fromWeb(response.body), res).catch(() => res.destroy());
  }

  async function serveExtra(extra: ExtraRoute, req: IncomingMessage, res: ServerResponse, secure: boolean): Promise<boolean> {
    const json = (status: number, body: unknown) =>
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
    if (typeof extra === 'function') {
      if (req.method !== 'GET') return false;
      json(200, await extra());
      return true;
    }
    if (req.method !== 'POST') return false;
    const refused = extra.guard?.({ secure, host: req.headers.host, origin: req.headers.origin });
    if (refused) {
      json(refused.status, refused.body);
      req.resume();
      return true;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    // read to the end (the answer then reaches the caller), keeping no more than the limit
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size <= MAX_EXTRA_BODY_BYTES) chunks.push(chunk as Buffer);
    }
    if (size > MAX_EXTRA_BODY_BYTES) {
      json(413, { error: { code: 'requestTooLarge', message: `The body is larger than ${MAX_EXTRA_BODY_BYTES} bytes.` } });
      return true;
    }
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
    } catch {
      json(400, { error: { code: 'invalidRequest', message: 'The body must be JSON.' } });
      return true;
    }
    const answer = await extra.post(body);
    json(answer.status, answer.body);
    return true;
  }

  // the console: files from staticRoot over https; over http, the page moves to https. `dev` makes sirv look
  // at the folder on each request, so `npm run build:web` while the host runs shows on the next reload
  const site = options.staticRoot ? sirv(options.staticRoot, { etag: true, dev: true, setHeaders: cacheHeaders }) : undefined;
  function serveSite(req: IncomingMessage, res: ServerResponse, url: URL, secure: boolean) {
    if (!secure && options.https) {
      res.writeHead(302, { location: `https://${url.hostname}:${options.https.port}${url.pathname}${url.search}` }).end();
      return;
    }
    site!(req, res, () => void res.writeHead(404).end());
  }

  const serve = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((e) => {
      console.error('local host error', e);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  };
  const bind = options.bind ?? '127.0.0.1';
  const listen = async (server: Server, port: number) => {
    server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, bind, () => resolve());
    });
    return server;
  };
  const server = await listen(createServer(serve), options.port);
  const tlsServer = options.https ? await listen(createTlsServer({ key: options.https.key, cert: options.https.cert }, serve), options.https.port) : undefined;

  const { startQueueListeners } = await import('./queues');
  const { startTimers } = await import('./timers');
  const stopQueues = await startQueueListeners(registrations, hostJson.extensions?.queues ?? {}, (reg, meta) => context(reg, meta), options.quiet);
  const stopTimers = startTimers(registrations, (reg) => context(reg), options.quiet);

  return {
    url: `http://localhost:${options.port}/${prefix}`,
    ...(options.https ? { httpsUrl: `https://localhost:${options.https.port}/${prefix}` } : {}),
    server,
    registrations,
    async invoke(name, input, triggerMetadata) {
      const reg = registrations.find((r) => r.name === name);
      if (!reg) throw new Error(`no function named ${name}`);
      return reg.handler(input, context(reg, triggerMetadata));
    },
    async close() {
      stopTimers();
      await stopQueues();
      for (const s of [server, tlsServer]) {
        if (!s) continue;
        s.closeAllConnections();
        await new Promise<void>((resolve) => s.close(() => resolve()));
      }
    },
  };
}
