/**
 * What every SCIM resource answer shares: the request's context (organization, base URL, who calls),
 * `attributes` / `excludedAttributes` (RFC 7644 section 3.4.2.5), paging parameters (section 3.4.2.4) and
 * the ListResponse.
 */
import { Catalog } from '../domain/catalog';
import { Principal } from '../domain/roles';
import { ApiError } from '../errors';
import { scimError, SCIM_SCHEMA } from './errors';
import { attrPath } from './filter';

export interface ScimContext {
  tenantId: string;
  /** The catalog this request judges by (the request's snapshot). */
  catalog: Catalog;
  /** `https://host/api/scim/v2`: where resources' locations point. */
  base: string;
  by: { principal: Principal; requestId: string };
}

/** The base URL of the SCIM service from a request's URL (everything up to and including /scim/v2). */
export function scimBase(url: URL): string {
  const at = url.pathname.toLowerCase().indexOf('/scim/v2');
  return `${url.origin}${url.pathname.slice(0, at + '/scim/v2'.length)}`;
}

/** Who changed a membership, as the group-licensing queue carries it (the audit actor of the licenses that follow). */
export const actorOf = (ctx: ScimContext) => ({ id: ctx.by.principal.objectId, displayName: ctx.by.principal.displayName });

export interface Projection {
  attributes?: string;
  excludedAttributes?: string;
}

const listOf = (text: string | undefined, which: string) =>
  text
    ? text
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
        .map((s) => {
          const p = attrPath(s);
          if (!p) throw scimError('invalidValue', `${which}: "${s}" is not an attribute name.`, which);
          return p;
        })
    : undefined;

/** Whether an attribute is asked for (so a costly one, like a group's members, is read only then). */
export function wants(q: Projection, attribute: string): boolean {
  const a = attribute.toLowerCase();
  const named = (list: ReturnType<typeof listOf>) => list?.some((p) => !p.uri && p.attr === a);
  const attributes = listOf(q.attributes, 'attributes');
  if (attributes) return !!named(attributes);
  return !named(listOf(q.excludedAttributes, 'excludedAttributes'));
}

/**
 * A resource with only the attributes asked for, or without the excluded ones; `id` and `schemas` always
 * stay (their `returned` is `always`). Names are compared case-insensitively; `urn:...:attr` and
 * `name.givenName` reach into an extension or a complex attribute.
 */
export function project<T extends Record<string, unknown>>(resource: T, q: Projection): Record<string, unknown> {
  const attributes = listOf(q.attributes, 'attributes');
  const excluded = listOf(q.excludedAttributes, 'excludedAttributes');
  if (!attributes && !excluded) return resource;
  const keyIn = (obj: Record<string, unknown>, name: string) => Object.keys(obj).find((k) => k.toLowerCase() === name);
  const out: Record<string, unknown> = {};
  if (attributes) {
    out.schemas = resource.schemas;
    out.id = resource.id;
    for (const p of attributes) {
      const holder = p.uri && p.uri !== SCIM_SCHEMA.user.toLowerCase() && p.uri !== SCIM_SCHEMA.group.toLowerCase() ? keyIn(resource, p.uri) : undefined;
      const from = holder ? (resource[holder] as Record<string, unknown>) : resource;
      if (p.uri && !holder && p.uri !== SCIM_SCHEMA.user.toLowerCase() && p.uri !== SCIM_SCHEMA.group.toLowerCase()) {
        // the whole extension by its URN (`urn:...:enterprise:2.0:User` parses as uri + attr `user`)
        const whole = keyIn(resource, `${p.uri}:${p.attr}`);
        if (whole) out[whole] = resource[whole];
        continue;
      }
      const key = keyIn(from, p.attr);
      if (!key) continue;
      let value = from[key];
      if (p.sub && value && typeof value === 'object' && !Array.isArray(value)) {
        const subKey = keyIn(value as Record<string, unknown>, p.sub);
        value = subKey ? { [subKey]: (value as Record<string, unknown>)[subKey] } : undefined;
      }
      if (value === undefined) continue;
      if (holder) out[holder] = { ...(out[holder] ?? {}), [key]: value };
      else out[key] = p.sub && out[key] && typeof out[key] === 'object' ? { ...out[key], ...(value as object) } : value;
    }
    return out;
  }
  Object.assign(out, resource);
  for (const p of excluded!) {
    if (p.attr === 'id' || p.attr === 'schemas') continue;
    const key = keyIn(out, p.uri && p.uri !== SCIM_SCHEMA.user.toLowerCase() && p.uri !== SCIM_SCHEMA.group.toLowerCase() ? p.uri : p.attr);
    if (!key) continue;
    if (p.uri && key.toLowerCase() === p.uri) {
      const ext = { ...(out[key] as Record<string, unknown>) };
      const inner = keyIn(ext, p.attr);
      if (inner) delete ext[inner];
      out[key] = ext;
    } else if (p.sub && out[key] && typeof out[key] === 'object' && !Array.isArray(out[key])) {
      const obj = { ...(out[key] as Record<string, unknown>) };
      const inner = keyIn(obj, p.sub);
      if (inner) delete obj[inner];
      out[key] = obj;
    } else delete out[key];
  }
  return out;
}

export const MAX_COUNT = 1000;
export const DEFAULT_COUNT = 100;

/** RFC 7644 section 3.4.2.4: startIndex below 1 is 1; count below 0 is 0; above the maximum, the maximum. */
export const paging = (q: { startIndex?: number; count?: number }) => ({
  startIndex: Math.max(1, q.startIndex ?? 1),
  count: Math.min(MAX_COUNT, Math.max(0, q.count ?? DEFAULT_COUNT)),
});

export const listResponse = (resources: unknown[], total: number, startIndex: number) => ({
  schemas: [SCIM_SCHEMA.listResponse],
  totalResults: total,
  startIndex,
  itemsPerPage: resources.length,
  Resources: resources,
});

/** A use-case's refusal in SCIM's terms where SCIM has one (another user has the name: uniqueness). */
export function asScim(e: unknown): unknown {
  if (e instanceof ApiError && e.status === 409 && e.target === 'userPrincipalName') return scimError('uniqueness', e.message, 'userName');
  return e;
}
