/**
 * The HTTP middleware every function goes through, composed in one order:
 *   errors -> request id -> authenticate (+ per-tenant throttle) -> tenant -> role -> validate -> handler
 * A function module only declares its route (method, path, schemas, the action it needs) and a handler
 * that calls one use-case. Registration goes to `app.http` (the Functions host, or the local host) and to
 * the OpenAPI registry, from the same declaration.
 */
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { app, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { z, ZodError, ZodType } from 'zod';
import { authenticate, authenticateEventsCaller } from '../auth/tokens';
import { isOperator, requireOperator } from '../auth/operator';
import { catalogCache } from '../catalog/cache';
import { settings } from '../config';
import { Catalog } from '../domain/catalog';
import { authenticateScim, noteCredentialUse } from '../auth/scim';
import { SCIM_MEDIA_TYPE, scimErrorBody } from '../provisioning/errors';
import { Action, can, missingRoleMessage, Principal } from '../domain/roles';
import { ApiError, ErrorCodes, errorBody, ErrorDetail } from '../errors';
import { noAnswer, storeBusy } from '../storage/cosmos';
import { tenants } from '../storage/tenants';
import { TenantDoc } from '../storage/documents';
import { log } from '../log';
import { registeredOperations, registerOperation } from './openapi';
import { pathSegments, RouteTable } from './routes';
import { admit } from './throttle';
import { parseIfMatch } from './etag';
import { MAX_BODY_BYTES, readJson } from './body';

export interface RequestContext<P, Q, B> {
  request: HttpRequest;
  invocation: InvocationContext;
  requestId: string;
  principal: Principal;
  tenant: TenantDoc;
  /**
   * The catalog version this request works with, taken once from the instance's cache (a memory read, or
   * one point read of the head when its interval has passed): every rule, view and use-case of the
   * request reads this snapshot, never another.
   */
  catalog: Catalog;
  params: P;
  query: Q;
  body: B;
  /** The If-Match header's etags (bare), `*`, or undefined when absent (shared/http/etag.ts). */
  ifMatch: ReturnType<typeof parseIfMatch>;
  /** Absolute URL of this request, for @odata.nextLink. */
  url: URL;
}

export interface Result {
  status?: number;
  /** A JSON body. */
  body?: unknown;
  /** A streamed body of another type (text/csv downloads); set content-type in headers. */
  stream?: AsyncIterable<string>;
  headers?: Record<string, string>;
}

/**
 * `tenant`: a token of a provisioned tenant; `operator`: the operator's own application
 * (shared/auth/operator.ts); `tenantOrOperator`: either (the catalog, which the operator writes and
 * organizations read; the permission applies to tenants' callers); `token`: any valid token, whatever its
 * roles (`$batch`: each request inside is checked on its own); `scim`: a provisioned tenant's SCIM credential or a token (shared/auth/scim.ts);
 * `authenticationEvents`: Entra ID calling a custom authentication extension (its token for
 * AUTH_EVENTS_AUDIENCE, client Entra's authentication events app; the handler reads the tenant, and the
 * call does not count against the tenant's request budget: a 429 would fail the user's sign-in);
 * `anonymous`: none.
 */
export type Auth = 'tenant' | 'operator' | 'tenantOrOperator' | 'token' | 'scim' | 'authenticationEvents' | 'anonymous';

/**
 * The protocol a route speaks, which decides the shape of its errors and its media type: Microsoft
 * Graph's (`{ error: { code, message } }`, application/json) or SCIM's (RFC 7644, application/scim+json).
 */
export type Protocol = 'graph' | 'scim';

export interface RouteSpec<P, Q, B> {
  name: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Route under the host's prefix, e.g. `v1.0/users/{id}`. */
  route: string;
  summary: string;
  tag: string;
  auth?: Auth;
  /** Default `graph`. */
  protocol?: Protocol;
  permission?: Action;
  /**
   * A further action the request needs, depending on what it asks (which user properties change, whether
   * an import creates users): checked right after validation, in the same role middleware terms.
   */
  permissionFor?: (input: { body: B; query: Q }) => Action | undefined;
  params?: ZodType<P>;
  query?: ZodType<Q>;
  body?: ZodType<B>;
  /** The body may be left out (no bytes at all): `body` then validates undefined. */
  bodyOptional?: boolean;
  /** A body that is not JSON (a CSV upload), read by the handler itself: documented in the OpenAPI. */
  rawBody?: { contentType: string; description: string };
  /** Largest request body this route takes (default MAX_BODY_BYTES). */
  maxBodyBytes?: number;
  response?: ZodType;
  status?: number;
  handler: (ctx: RequestContext<P, Q, B>) => Promise<Result>;
}

type Ctx = RequestContext<unknown, unknown, unknown>;
type Next = (ctx: Ctx) => Promise<Result>;
type Middleware = (next: Next) => Next;

/** Turns zod issues into the error shape: the first offending field as target, every issue as a detail. */
export function validationError(error: ZodError, where: 'body' | 'query' | 'path'): ApiError {
  const details: ErrorDetail[] = error.issues.map((i) => {
    const keys = i.code === 'unrecognized_keys' ? i.keys : [];
    const path = [...i.path, ...(keys.length ? [keys[0]] : [])];
    const target = path.length ? path.map((p, n) => (typeof p === 'number' ? `[${p}]` : `${n ? '.' : ''}${String(p)}`)).join('') : where;
    const message =
      i.code === 'unrecognized_keys' ? `Unknown field '${keys.join("', '")}'. Remove it; see the OpenAPI document for the fields this call takes.` : i.message;
    return { code: ErrorCodes.invalidRequest, message: `${target}: ${message}`, target };
  });
  const first = details[0];
  return new ApiError(400, ErrorCodes.invalidRequest, `Invalid ${where === 'path' ? 'path' : where}: ${first.message}`, first.target, details);
}

function parse<T>(schema: ZodType<T> | undefined, value: unknown, where: 'body' | 'query' | 'path'): T {
  if (!schema) return undefined as T;
  const r = schema.safeParse(value);
  if (!r.success) throw validationError(r.error, where);
  return r.data;
}

/** When to come back after the store did not answer (a lost connection, a timeout): no hint from it. */
const STORE_UNREACHABLE_RETRY_SECONDS = 5;

const mediaType = (protocol: Protocol) => (protocol === 'scim' ? `${SCIM_MEDIA_TYPE}; charset=utf-8` : 'application/json; charset=utf-8');

/** An error's body in the route's protocol. */
const errorBodyIn = (protocol: Protocol, err: ApiError, requestId: string) => (protocol === 'scim' ? scimErrorBody(err) : errorBody(err, requestId));

const errors =
  (protocol: Protocol): Middleware =>
  (next) =>
  async (ctx) => {
    try {
      return await next(ctx);
    } catch (e) {
      let err: ApiError;
      if (e instanceof ApiError) err = e;
      else if (e instanceof ZodError) err = validationError(e, 'body');
      else if (storeBusy(e)) {
        // the SDK already retried with its own policy; tell the caller when to come back
        const seconds = Math.max(1, Math.ceil(Number(e.retryAfterInMs ?? 1000) / 1000));
        err = new ApiError(503, ErrorCodes.serviceUnavailable, 'The license store is busy. Nothing was changed; try again shortly.', undefined, undefined, {
          'Retry-After': String(seconds),
        });
      } else if (noAnswer(e)) {
        // the SDK already retried what it may. A license change whose answer was lost is sorted out by the
        // write engine (landed, or put back) before it gets here; the other writes are safe to repeat (a
        // create that did land answers 409 the second time)
        log.warn('license store did not answer', { requestId: ctx.requestId, tenantId: ctx.principal?.tenantId, error: String((e as Error)?.message ?? e) });
        err = new ApiError(503, ErrorCodes.serviceUnavailable, 'The license store did not answer in time. Try again in a few seconds.', undefined, undefined, {
          'Retry-After': String(STORE_UNREACHABLE_RETRY_SECONDS),
        });
      } else {
        log.error('unhandled error', { requestId: ctx.requestId, tenantId: ctx.principal?.tenantId, error: (e as Error)?.stack ?? String(e) });
        err = new ApiError(500, ErrorCodes.internal, `Something went wrong on our side. Quote request id ${ctx.requestId} to support.`);
      }
      if (err.status >= 500 || err.status === 401 || err.status === 403) {
        log.warn('request refused', { requestId: ctx.requestId, tenantId: ctx.principal?.tenantId, status: err.status, code: err.code });
      }
      return { status: err.status, body: errorBodyIn(protocol, err, ctx.requestId), headers: err.headers };
    }
  };

const authenticated =
  (auth: Auth): Middleware =>
  (next) =>
  async (ctx) => {
    if (auth === 'anonymous') return next(ctx);
    const authorization = ctx.request.headers.get('authorization');
    if (auth === 'authenticationEvents') {
      ctx.principal = await authenticateEventsCaller(authorization);
      return next(ctx);
    }
    ctx.principal = auth === 'scim' ? await authenticateScim(authorization) : await authenticate(authorization);
    admit(ctx.principal.tenantId); // per-tenant budget, before any work for the request
    if (auth === 'operator') requireOperator(ctx.principal);
    return next(ctx);
  };

/** The operator's own app on a route that organizations' callers may call too. */
const asOperator = (auth: Auth, ctx: Ctx) => auth === 'tenantOrOperator' && isOperator(ctx.principal);

const tenantScope =
  (auth: Auth): Middleware =>
  (next) =>
  async (ctx) => {
    if (auth !== 'tenant' && auth !== 'scim' && (auth !== 'tenantOrOperator' || asOperator(auth, ctx))) return next(ctx);
    const tenant = await tenants.get(ctx.principal.tenantId);
    if (!tenant) {
      throw new ApiError(
        403,
        ErrorCodes.tenantNotProvisioned,
        'Your organization is not set up in this service. Ask your provider to create it (POST /v1.0/tenants).',
      );
    }
    ctx.tenant = tenant;
    return next(ctx);
  };

const role =
  (auth: Auth, action: Action | undefined): Middleware =>
  (next) =>
  async (ctx) => {
    if (action && !asOperator(auth, ctx) && !can(ctx.principal, action)) throw new ApiError(403, ErrorCodes.insufficientRole, missingRoleMessage(action));
    return next(ctx);
  };

/** One await of the catalog cache per request (a memory read unless its interval has passed), for every authenticated route's work. */
const catalogScope =
  (auth: Auth): Middleware =>
  (next) =>
  async (ctx) => {
    // (authenticationEvents: its handler takes the catalog within the sign-in's deadline)
    if (auth === 'tenant' || auth === 'operator' || auth === 'tenantOrOperator' || auth === 'scim') ctx.catalog = await catalogCache(settings()).current();
    return next(ctx);
  };

/** A route without query options takes none: an unknown option is refused, never ignored (as Graph does). */
const NO_QUERY = z.strictObject({});

function parseQuery(schema: ZodType | undefined, request: HttpRequest): unknown {
  const raw = Object.fromEntries(request.query.entries());
  const s = schema ?? NO_QUERY;
  const known = s instanceof z.ZodObject ? Object.keys(s.shape) : undefined;
  const unknown = known ? Object.keys(raw).filter((k) => !known.includes(k)) : [];
  if (unknown.length) {
    const takes = known!.length ? `; it takes ${known!.join(', ')}` : '; it takes none';
    throw new ApiError(400, 'Request_UnsupportedQuery', `Query option '${unknown[0]}' is not supported on this call${takes}.`, unknown[0]);
  }
  return parse(s, raw, 'query');
}

const validate =
  (spec: RouteSpec<unknown, unknown, unknown>): Middleware =>
  (next) =>
  async (ctx) => {
    ctx.params = parse(spec.params, ctx.request.params, 'path');
    ctx.query = parseQuery(spec.query, ctx.request);
    if (spec.body) ctx.body = parse(spec.body, await readJson(ctx.request, spec.maxBodyBytes ?? MAX_BODY_BYTES, spec.bodyOptional), 'body');
    const action = spec.permissionFor?.({ body: ctx.body, query: ctx.query });
    if (action && !can(ctx.principal, action)) throw new ApiError(403, ErrorCodes.insufficientRole, missingRoleMessage(action));
    return next(ctx);
  };

const compose =
  (...mws: Middleware[]) =>
  (handler: Next) =>
    mws.reduceRight((next, mw) => mw(next), handler);

function toResponse(result: Result, requestId: string, clientRequestId: string | null, protocol: Protocol): HttpResponseInit {
  const headers: Record<string, string> = { 'request-id': requestId, ...(clientRequestId ? { 'client-request-id': clientRequestId } : {}), ...result.headers };
  if (result.stream) return { status: result.status ?? 200, body: Readable.from(result.stream), headers };
  if (result.body === undefined) return { status: result.status ?? 204, headers };
  return { status: result.status ?? 200, jsonBody: result.body, headers: { 'content-type': mediaType(protocol), ...headers } };
}

type HttpHandler = (request: HttpRequest, invocation: InvocationContext) => Promise<HttpResponseInit>;

/** The response headers a browser client reads (request-id to quote, Location, ETag for If-Match, Retry-After). */
export const EXPOSED_HEADERS = 'request-id, client-request-id, retry-after, location, etag';

/**
 * CORS is the platform's (App Service CORS in Azure, the local host locally): it decides the origin and
 * answers preflights. App Service CORS cannot expose response headers, though, so a cross-origin request
 * gets Access-Control-Expose-Headers from here; alone, without the platform's Allow-Origin for an allowed
 * origin, it grants nothing (and the local host removes it for a disallowed one).
 */
function exposeToBrowsers(request: HttpRequest, res: HttpResponseInit): HttpResponseInit {
  if (!request.headers.get('origin')) return res;
  return { ...res, headers: { ...(res.headers as Record<string, string>), 'Access-Control-Expose-Headers': EXPOSED_HEADERS } };
}

/**
 * The routes declared through route(), with their handlers: `$batch` dispatches to them in-process and the
 * catch-all answers 404/405 from them (routes registered directly with app.http are added from the OpenAPI
 * registry, without a handler, so their methods still count for 405).
 */
const routeTable = new RouteTable<{ name: string; handler?: HttpHandler }>();
const inTable = new Set<string>();

function tableOfAllRoutes() {
  for (const op of registeredOperations()) {
    if (inTable.has(op.name)) continue;
    inTable.add(op.name);
    routeTable.add(op.route, [op.method], { name: op.name });
  }
  return routeTable;
}

/** Declares one HTTP function: registers it with the Functions runtime and documents it. */
export function route<P = undefined, Q = undefined, B = undefined>(spec: RouteSpec<P, Q, B>): void {
  const s = spec as unknown as RouteSpec<unknown, unknown, unknown>;
  const auth = s.auth ?? 'tenant';
  const protocol = s.protocol ?? 'graph';
  if ((auth === 'tenant' || auth === 'operator' || auth === 'tenantOrOperator' || auth === 'scim') && !s.permission)
    throw new Error(`route ${s.name}: an authenticated route must name its permission`);
  const pipeline = compose(
    errors(protocol),
    authenticated(auth),
    tenantScope(auth),
    role(auth, auth === 'operator' ? 'manageTenants' : s.permission),
    catalogScope(auth),
    validate(s),
  )((ctx) => s.handler(ctx));
  registerOperation({ ...s, auth });
  const handler: HttpHandler = async (request, invocation) => {
    const requestId = invocation.invocationId && invocation.invocationId !== 'unknown' ? invocation.invocationId : randomUUID();
    const started = Date.now();
    const ctx = { request, invocation, requestId, url: new URL(request.url), ifMatch: parseIfMatch(request.headers.get('if-match')) } as Ctx;
    const result = await pipeline(ctx);
    const status = result.status ?? (result.body === undefined && !result.stream ? 204 : 200);
    log.info('request', { requestId, tenantId: ctx.principal?.tenantId, function: s.name, status, ms: Date.now() - started });
    // a SCIM credential's last request, for the console (at most once a minute per credential and instance)
    if (ctx.principal?.credentialId) await noteCredentialUse(ctx.principal, { method: s.method, path: ctx.url.pathname, status });
    return exposeToBrowsers(request, toResponse(result, requestId, request.headers.get('client-request-id'), protocol));
  };
  routeTable.add(s.route, [s.method], { name: s.name, handler });
  inTable.add(s.name);
  app.http(s.name, {
    methods: [s.method],
    route: s.route,
    authLevel: 'anonymous', // authentication is the bearer token, checked above
    handler,
  });
}

const unmatched = (status: 404 | 405, method: string, path: string, allow: string[], requestId: string): HttpResponseInit => {
  // a path under scim/ is a provisioning service's: it gets SCIM's error shape
  const protocol: Protocol = /^\/?scim(\/|$)/i.test(path) ? 'scim' : 'graph';
  const err =
    status === 404
      ? new ApiError(
          404,
          ErrorCodes.notFound,
          `Resource not found for the segment '${path.split('/').filter(Boolean).pop() ?? path}': no call answers ${method} /${path}.`,
        )
      : new ApiError(405, 'Request_BadRequest', `Specified HTTP method is not allowed for the request target: ${path} takes ${allow.join(', ')}.`);
  return {
    status,
    jsonBody: errorBodyIn(protocol, err, requestId),
    headers: { 'content-type': mediaType(protocol), 'request-id': requestId, ...(status === 405 ? { Allow: allow.join(', ') } : {}) },
  };
};

/**
 * Answers a request in-process as its route would (`$batch`): the same handler, so the same middleware
 * (token, tenant, role, validation, throttling). `path` is the part after the route prefix, as sent
 * (percent-encoded: each segment is decoded once, as for a direct call). `refuse` names routes the caller
 * does not dispatch to (a batch, another batch): decided on the route the path matched, whatever its
 * spelling (`%24batch`, `./$batch`, `//$batch`), and answered 400.
 */
export async function dispatch(
  request: HttpRequest,
  path: string,
  invocation: InvocationContext,
  refuse: Record<string, string> = {},
): Promise<HttpResponseInit> {
  const match = tableOfAllRoutes().match(request.method, pathSegments(path));
  const requestId = randomUUID();
  if (match.kind === 'notFound' || (match.kind === 'found' && !match.entry.value.handler)) return unmatched(404, request.method, path, [], requestId);
  if (match.kind === 'methodNotAllowed') return unmatched(405, request.method, path, match.allow, requestId);
  const refused = refuse[match.entry.value.name];
  if (refused) throw new ApiError(400, 'BadRequest', refused, 'url');
  const headers: Record<string, string> = {};
  request.headers.forEach((v, k) => (headers[k] = v));
  const routed = new HttpRequest({
    method: request.method,
    url: request.url,
    headers,
    params: match.params,
    body: request.body ? { bytes: new Uint8Array(await request.arrayBuffer()) } : undefined,
  });
  return match.entry.value.handler!(routed, invocation);
}

/**
 * The lowest-precedence function (`{*path}`, every method): what no route takes answers Graph's error
 * shape, 404 Request_ResourceNotFound or 405 with Allow, instead of the Functions host's empty 404. The
 * host ranks a catch-all after every other route (locally too: shared/http/routes.ts).
 */
export function registerUnmatchedRoute(): void {
  app.http('unmatchedRoute', {
    methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'],
    route: '{*path}',
    authLevel: 'anonymous',
    handler: async (request, invocation) => {
      const path = request.params.path ?? '';
      const requestId = invocation.invocationId && invocation.invocationId !== 'unknown' ? invocation.invocationId : randomUUID();
      const match = tableOfAllRoutes().match(request.method, pathSegments(path));
      // found can only be a route whose own function did not take the request (none, in practice): 404
      return match.kind === 'methodNotAllowed'
        ? unmatched(405, request.method, path, match.allow, requestId)
        : unmatched(404, request.method, path, [], requestId);
    },
  });
}

export { z };
