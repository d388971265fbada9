/** Test helpers: calls through HTTP to the test stack, dev tokens, and a fresh organization per test file. */
import { randomUUID } from 'node:crypto';
import { CosmosClient } from '@azure/cosmos';
import { mintDevToken, DevRole } from '../local/devTokens';
import { TEST_API, testStackEnv } from './env';

export interface Reply<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export async function call<T = any>(
  method: string,
  path: string,
  o: { token?: string; body?: unknown; headers?: Record<string, string>; rawBody?: string } = {},
): Promise<Reply<T>> {
  const headers: Record<string, string> = { ...(o.headers ?? {}) };
  if (o.token) headers.authorization = `Bearer ${o.token}`;
  let body: string | undefined = o.rawBody;
  if (o.body !== undefined) {
    body = JSON.stringify(o.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(path.startsWith('http') ? path : `${TEST_API}${path}`, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON */
  }
  return { status: res.status, body: parsed as T, headers: res.headers };
}

/**
 * A call to one host of a stack of its own (a test that kills hosts): the status and parsed body, or
 * status 0 when the connection failed (the host died before answering, or is gone).
 */
export async function callHost(base: string, method: string, path: string, token: string, body?: unknown): Promise<{ status: number; body: any }> {
  try {
    const r = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    return { status: r.status, body: text ? JSON.parse(text) : undefined };
  } catch {
    return { status: 0, body: undefined };
  }
}

export const tokenFor = (role: DevRole, tenantId: string, extra: { expiresIn?: number; objectId?: string } = {}) =>
  mintDevToken({ role, tenantId, issuer: testStackEnv.AUTH_ISSUER, audience: testStackEnv.AUTH_AUDIENCE, ...extra });

/** The operator's provisioning app: an app-only token from the operator tenant, allow-listed client. */
export const operatorToken = () => tokenFor('Operator', testStackEnv.OPERATOR_TENANT_ID);

export const SKU = {
  E3: '6fd2c87f-b296-42f0-b197-1e91e994b900',
  E1: '18181a46-0d4e-45cd-891e-60aabd171b4e',
  EXO1: '4b9405b0-7788-4568-add1-99614e613b69',
  PBI: 'f8a1db68-be16-40ed-86d5-cb42ce701560',
  PROJECT: '53818b1b-4a27-454b-8896-0dba576410e6',
  PHONE: 'e43b5b99-8dfb-405f-9987-dc307f34bcbd',
};
export const PLAN = {
  EXO2: 'efb87545-963c-4e0d-99df-69c6916d9eb0',
  EXO1: '9aaf7827-d63c-4b61-89c3-182f06f82e5c',
  SPO2: '5dbe027f-2339-4123-9542-606e4d348a72',
  SPO1: 'c7699d2e-19aa-44de-8edf-1736da088ca1',
  WAC: 'e95bec33-7c88-4a70-8e19-b10bd9d0c014',
  TEAMS: '57ff2da0-773e-42df-b2af-ffb7a2317929',
  SWAY: 'a23b959c-7ce8-4e57-9140-b90eb88a9e97',
  YAMMER: '7547a3fe-08ee-4ccb-b430-5077c5041653',
  PROJECT_SERVICE: 'fe71d6c3-a2ea-4499-9778-da042bf08063',
  PROJECT_CLIENT: 'fafd7243-e5c1-4a3a-9e40-495efcb1d3c3',
  PHONE: '4828c8ec-dc2e-4779-b502-87ac9ce28ab7',
};

export const addBody = (skuId: string, disabledPlans: string[] = []) => ({ addLicenses: [{ skuId, disabledPlans }], removeLicenses: [] });

export interface TestTenant {
  id: string;
  tokens: Record<'global' | 'license' | 'userAdmin' | 'billing' | 'reader' | 'plain', string>;
  createUser(props?: Partial<{ displayName: string; userPrincipalName: string; usageLocation: string | null; userType: 'Member' | 'Guest' }>): Promise<any>;
  buy(skuId: string, totalLicenses: number, extra?: Record<string, unknown>): Promise<any>;
  assign(userId: string, body: unknown, token?: string): Promise<Reply>;
  sku(skuId: string): Promise<any>;
}

/**
 * A new organization with its own admins, created through the operator API; `api` is the test stack's
 * unless a test runs a stack of its own (the tenant's helpers then call that one).
 */
export async function newTenant(name = 'Test org', api = TEST_API): Promise<TestTenant> {
  const operator = await operatorToken();
  const created = await call('POST', `${api}/v1.0/tenants`, { token: operator, body: { displayName: name, defaultUsageLocation: 'NL' } });
  if (created.status !== 201) throw new Error(`tenant create failed: ${created.status} ${JSON.stringify(created.body)}`);
  const id: string = created.body.id;
  const tokens = {
    global: await tokenFor('GlobalAdministrator', id),
    license: await tokenFor('LicenseAdministrator', id),
    userAdmin: await tokenFor('UserAdministrator', id),
    billing: await tokenFor('BillingAdministrator', id),
    reader: await tokenFor('GlobalReader', id),
    plain: await tokenFor('User', id),
  };
  let n = 0;
  return {
    id,
    tokens,
    async createUser(props = {}) {
      n++;
      const r = await call('POST', `${api}/v1.0/users`, {
        token: tokens.global,
        body: { displayName: `User ${n}`, userPrincipalName: `user${n}-${randomUUID().slice(0, 6)}@test.dev`, usageLocation: 'NL', ...props },
      });
      if (r.status !== 201) throw new Error(`user create failed: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    },
    async buy(skuId, totalLicenses, extra = {}) {
      const r = await call('POST', `${api}/v1.0/directory/subscriptions`, { token: tokens.billing, body: { skuId, totalLicenses, ...extra } });
      if (r.status !== 201) throw new Error(`buy failed: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    },
    assign: (userId, body, token = tokens.license) => call('POST', `${api}/v1.0/users/${userId}/assignLicense`, { token, body }),
    async sku(skuId) {
      const r = await call('GET', `${api}/v1.0/subscribedSkus/${id}_${skuId}`, { token: tokens.reader });
      return r.body;
    },
  };
}

/**
 * A token signed with the test stack's dev key, with exactly the claims given (plus iss for its tid, aud,
 * iat, exp; another audience or issuer template when given): for tests of what the service makes of
 * claims a real token may carry.
 */
export async function signedToken(
  claims: Record<string, unknown> & { tid: string },
  header: { alg?: string } = {},
  o: { audience?: string; issuer?: string } = {},
): Promise<string> {
  const { devKey } = await import('../local/devTokens');
  const { importJWK, SignJWT } = await import('jose');
  const k = await devKey();
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ oid: randomUUID(), ...claims })
    .setProtectedHeader({ alg: header.alg ?? 'RS256', kid: k.kid, typ: 'JWT' })
    .setIssuer((o.issuer ?? testStackEnv.AUTH_ISSUER).replace('{tenantid}', claims.tid))
    .setAudience(o.audience ?? testStackEnv.AUTH_AUDIENCE)
    .setIssuedAt(now)
    .setExpirationTime(now + 600)
    .sign(await importJWK(k.privateJwk, 'RS256'));
}

/** Runs `work` over the items with at most `concurrency` at a time (a load of many calls, bounded). */
export async function pool<T>(items: T[], concurrency: number, work: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const i = next++;
        await work(items[i], i);
      }
    }),
  );
}

/**
 * The store behind a stack, for what the API cannot do: plant an old or broken document, look at what was
 * written. The shared test stack's, or an own stack's (its `env`). dispose() when done: the client's
 * keep-alive sockets would hold the test worker open.
 */
export function storeOf(env: Record<string, string | undefined> = testStackEnv) {
  const client = new CosmosClient({ endpoint: env.COSMOS_ENDPOINT!, key: env.COSMOS_KEY!, connectionPolicy: { enableEndpointDiscovery: false } });
  const db = client.database(env.COSMOS_DATABASE!);
  return { container: (name: 'directory' | 'audit' | 'jobs') => db.container(name), dispose: () => client.dispose() };
}
