/**
 * CORS on the local host, playing the part App Service's platform CORS plays in Azure (siteConfig.cors,
 * infra/modules/function-app.bicep): local.settings.json's `Host.CORS` (comma-separated origins, `*` for
 * any) and `Host.CORSCredentials`, as Azure Functions Core Tools reads them.
 *
 * - A preflight (OPTIONS with Origin and Access-Control-Request-Method) is answered here, 204, with the
 *   methods and request headers a Graph client sends; it never reaches the app.
 * - An actual request from an allowed origin gets Access-Control-Allow-Origin (the origin itself when
 *   credentials are allowed, as the spec requires), and the response headers a client reads are exposed.
 * - A disallowed origin gets no CORS header at all (any the app set are removed), so the browser refuses.
 */
import type { IncomingMessage } from 'node:http';

export interface CorsSettings {
  origins: string[];
  credentials: boolean;
}

export const CORS_ALLOWED_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
export const CORS_ALLOWED_HEADERS = ['authorization', 'content-type', 'if-match', 'consistencylevel', 'prefer', 'idempotency-key', 'client-request-id'];
export const CORS_EXPOSED_HEADERS = ['request-id', 'client-request-id', 'retry-after', 'location', 'etag'];

/** `Host.CORS` / `Host.CORSCredentials` values as Core Tools takes them. */
export function corsSettings(origins: string | undefined, credentials: string | boolean | undefined): CorsSettings {
  return {
    origins: (origins ?? '')
      .split(',')
      .map((o) => o.trim().replace(/\/+$/, ''))
      .filter(Boolean),
    credentials: credentials === true || String(credentials).toLowerCase() === 'true',
  };
}

function allowedOrigin(settings: CorsSettings, origin: string | undefined): string | undefined {
  if (!origin) return undefined;
  const any = settings.origins.includes('*');
  if (!any && !settings.origins.some((o) => o.toLowerCase() === origin.toLowerCase())) return undefined;
  return any && !settings.credentials ? '*' : origin;
}

const originOf = (req: IncomingMessage) => (typeof req.headers.origin === 'string' ? req.headers.origin : undefined);

/** The answer to a preflight, or undefined when the request is not one. */
export function preflight(settings: CorsSettings, req: IncomingMessage): { status: number; headers: Record<string, string> } | undefined {
  if (req.method !== 'OPTIONS' || !originOf(req) || !req.headers['access-control-request-method']) return undefined;
  const allow = allowedOrigin(settings, originOf(req));
  if (!allow) return { status: 204, headers: {} };
  return {
    status: 204,
    headers: {
      'Access-Control-Allow-Origin': allow,
      'Access-Control-Allow-Methods': CORS_ALLOWED_METHODS.join(', '),
      'Access-Control-Allow-Headers': CORS_ALLOWED_HEADERS.join(', '),
      'Access-Control-Max-Age': '600',
      ...(settings.credentials ? { 'Access-Control-Allow-Credentials': 'true' } : {}),
      Vary: 'Origin',
    },
  };
}

/** The CORS headers of an actual response: set for an allowed origin, every one removed otherwise. */
export function applyCors(settings: CorsSettings, req: IncomingMessage, headers: Record<string, string>): Record<string, string> {
  const origin = originOf(req);
  if (!origin) return headers;
  const out = Object.fromEntries(Object.entries(headers).filter(([k]) => !k.toLowerCase().startsWith('access-control-')));
  const allow = allowedOrigin(settings, origin);
  if (!allow) return out;
  return {
    ...out,
    'Access-Control-Allow-Origin': allow,
    'Access-Control-Expose-Headers': CORS_EXPOSED_HEADERS.join(', '),
    ...(settings.credentials ? { 'Access-Control-Allow-Credentials': 'true' } : {}),
    Vary: 'Origin',
  };
}
