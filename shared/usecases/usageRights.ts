/**
 * Usage rights: the call an app makes at sign-in (GET /me/cloudLicensing/usageRights), so it costs one
 * point read, the user's document, which holds every license path (direct and through groups). The
 * subscriptions' states come from the instance's subscription list (subscriptions.forRules), reused for
 * SUBSCRIPTION_CACHE_TTL_MS: a state changed on another instance shows here within that time, one changed
 * on this instance at once (its write drops the list).
 */
import { FilterExpr, formatFilter, Literal, parseFilter } from '../odata/filter';
import { ApiError, notFound } from '../errors';
import { Catalog } from '../domain/catalog';
import { UsageRight, usageRightsOf } from '../domain/usageRights';
import { UserDoc } from '../storage/documents';
import { subscriptions } from '../storage/subscriptions';
import { resolveUser } from './licenses';

const FILTER_HINT =
  'Filter on skuId (skuId eq {guid}, skuId in ({guid}, ...)) or on a service plan (services/any(s:s/planId eq {guid})), joined with and, or, not.';

const unsupported = (clause: string) =>
  new ApiError(400, 'Request_UnsupportedQuery', `Unsupported or invalid query filter clause '${clause.slice(0, 100)}'. ${FILTER_HINT}`, '$filter');

const guidOf = (l: Literal, clause: FilterExpr) => {
  if (l.kind !== 'guid') throw unsupported(formatFilter(clause));
  return l.value.toLowerCase();
};

/** A predicate on usage rights from Graph's $filter on them (GUIDs unquoted); refused before anything is read. */
export function usageRightFilter(text: string | undefined): (r: UsageRight) => boolean {
  if (!text?.trim()) return () => true;
  const compile = (e: FilterExpr): ((r: UsageRight) => boolean) => {
    switch (e.kind) {
      case 'and': {
        const [l, r] = [compile(e.left), compile(e.right)];
        return (u) => l(u) && r(u);
      }
      case 'or': {
        const [l, r] = [compile(e.left), compile(e.right)];
        return (u) => l(u) || r(u);
      }
      case 'not': {
        const inner = compile(e.expr);
        return (u) => !inner(u);
      }
      case 'compare':
        if (e.property.toLowerCase() === 'skuid' && (e.op === 'eq' || e.op === 'ne')) {
          const id = guidOf(e.value, e);
          return e.op === 'eq' ? (u) => u.skuId === id : (u) => u.skuId !== id;
        }
        break;
      case 'in':
        if (e.property.toLowerCase() === 'skuid') {
          const ids = e.values.map((v) => guidOf(v, e));
          return (u) => ids.includes(u.skuId);
        }
        break;
      case 'any':
        if (e.collection.toLowerCase() === 'services' && e.property.toLowerCase() === 'planid' && e.op === 'eq') {
          const id = guidOf(e.value, e);
          return (u) => u.services.some((s) => s.planId === id);
        }
        break;
    }
    throw unsupported(formatFilter(e));
  };
  try {
    return compile(parseFilter(text));
  } catch (e) {
    // malformed text: the grammar's own account of what is wrong, and what this list takes
    if (e instanceof ApiError && e.code === 'BadRequest') throw new ApiError(e.status, e.code, `${e.message} ${FILTER_HINT}`, '$filter');
    throw e;
  }
}

async function rightsOf(catalog: Catalog, tenantId: string, userRef: string): Promise<{ user: UserDoc; rights: UsageRight[] }> {
  // the user (one point read by id) and the subscriptions' states (the instance's list) together
  const [user, subs] = await Promise.all([resolveUser(tenantId, userRef), subscriptions.forRules(tenantId)]);
  const status = new Map(subs.map((s) => [s.skuId, s.capabilityStatus]));
  return { user, rights: usageRightsOf(catalog, user.licenseAssignments, (skuId) => status.get(skuId)) };
}

/** The usage rights of a user (by id or user principal name), filtered. */
export async function listUsageRights(catalog: Catalog, tenantId: string, userRef: string, filter?: string): Promise<UsageRight[]> {
  const matches = usageRightFilter(filter);
  return (await rightsOf(catalog, tenantId, userRef)).rights.filter(matches);
}

/** One usage right of a user (its id is the product's skuId): 404 when the user may not use that product now. */
export async function getUsageRight(catalog: Catalog, tenantId: string, userRef: string, id: string): Promise<UsageRight> {
  const right = (await rightsOf(catalog, tenantId, userRef)).rights.find((r) => r.id === id.toLowerCase());
  if (!right) throw notFound('Usage right', id);
  return right;
}
