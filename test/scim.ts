/** SCIM test helpers: an organization's SCIM credential made through the API, and calls as a provisioning service makes them. */
import { call, Reply, TestTenant } from './helpers';
import { TEST_API } from './env';

export const SCIM_JSON = 'application/scim+json';
export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
export const LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const LICENSING = 'urn:ietf:params:scim:schemas:extension:licensing:2.0:User';

/** A new SCIM credential of the organization (a Global Administrator creates it): its secret and id. */
export async function scimCredential(t: TestTenant, displayName = 'Entra ID provisioning'): Promise<{ secret: string; id: string }> {
  const r = await call('POST', '/v1.0/admin/provisioning/credentials', { token: t.tokens.global, body: { displayName } });
  if (r.status !== 201) throw new Error(`credential create failed: ${r.status} ${JSON.stringify(r.body)}`);
  return { secret: r.body.secretText, id: r.body.id };
}

/** A SCIM request as a provisioning service sends it: bearer secret, application/scim+json. */
export function scimCall<T = any>(bearer: string, method: string, path: string, body?: unknown, api = TEST_API): Promise<Reply<T>> {
  return call<T>(method, `${api}/scim/v2${path}`, { token: bearer, body, headers: body === undefined ? {} : { 'content-type': SCIM_JSON } });
}

/** `?filter=...` as a provider encodes it. */
export const filter = (f: string, extra = '') => `?filter=${encodeURIComponent(f)}${extra}`;

/**
 * Polls until `ok` (queue work: group licensing). The bound only stops a hang (a minute: on a loaded
 * machine the queue's work can take many seconds); the assertion after it says what was not reached.
 */
export async function until<T>(probe: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  for (let i = 0; i < 600; i++) {
    const v = await probe();
    if (ok(v)) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  return probe();
}
