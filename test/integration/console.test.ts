/**
 * What the local host adds for the admin console, and what the deployed Function App must not have:
 * the console over https at / (http sends the browser there), the dev sign-in route for the demo
 * organization only, and no token-minting route or code in the deployed entry (dist/functions/index.js).
 * (That the API's links stay on https for a Graph client is test/integration/graphSdk.test.ts's PageIterator.)
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { DEMO_TENANT_ID } from '../../local/seed';
import { TEST_PORTS } from '../env';

const ROOT = join(__dirname, '..', '..');
const HTTPS = `https://localhost:${TEST_PORTS.host + 1}`;
const CA = readFileSync(join(ROOT, '.local', 'tls', 'dev-ca.pem'));

/** An https call that trusts the local development CA (as a browser does once the warning is accepted). */
function https(
  path: string,
  o: { method?: string; body?: unknown; token?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${HTTPS}${path}`,
      {
        method: o.method ?? 'GET',
        ca: CA,
        servername: 'localhost', // the certificate's name, whatever Host a test sends
        headers: {
          ...(o.body ? { 'content-type': 'application/json' } : {}),
          ...(o.token ? { authorization: `Bearer ${o.token}` } : {}),
          ...(o.headers ?? {}),
        },
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text }));
      },
    );
    req.on('error', reject);
    req.end(o.body ? JSON.stringify(o.body) : undefined);
  });
}

const claims = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8'));

test('the console is served at / over https with a certificate from the local CA; http sends the browser to it', async () => {
  const page = await https('/');
  expect(page.status).toBe(200);
  expect(page.headers['content-type']).toMatch(/text\/html/);
  expect(page.text).toContain('<div id="root">');
  const script = /src="\.\/(assets\/index-[^"]+\.js)"/.exec(page.text)?.[1];
  expect(script).toBeDefined();
  const js = await https(`/${script}`);
  expect(js.status).toBe(200);
  expect(js.headers['cache-control']).toMatch(/immutable/);
  expect(JSON.parse((await https('/console-config.json')).text)).toEqual({ signIn: 'dev' });

  const plain = await fetch(`http://localhost:${TEST_PORTS.host}/`, { redirect: 'manual' });
  expect(plain.status).toBe(302);
  expect(plain.headers.get('location')).toBe(`${HTTPS}/`);
});

/** The dev sign-in as the console's page asks for it (a browser sends the page's Origin with a POST). */
const CONSOLE_ORIGIN = { origin: HTTPS };
const signIn = (body: unknown, headers: Record<string, string> = CONSOLE_ORIGIN) => https('/.local/dev-token', { method: 'POST', body, headers });

test('the dev sign-in gives a token for an admin role in the demo organization only, and nothing else', async () => {
  const ok = await signIn({ role: 'LicenseAdministrator' });
  expect(ok.status).toBe(200);
  const body = JSON.parse(ok.text);
  expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 28800 });
  expect(claims(body.access_token)).toMatchObject({ tid: DEMO_TENANT_ID, wids: ['4d6ac14f-3453-41d0-bef9-a3e0c569773a'], name: 'Henrik Jansen' });

  for (const role of ['Operator', 'App', 'User', 'root', undefined]) {
    const refused = await signIn({ role });
    expect(refused.status).toBe(400);
    expect(JSON.parse(refused.text).error.message).toMatch(/^Pick one of these roles: GlobalAdministrator, LicenseAdministrator/);
  }
  // a tenant cannot be asked for: the route signs for the demo organization (DEV_SIGNIN_TENANT_ID) only
  const other = await signIn({ role: 'GlobalAdministrator', tenantId: '00000000-0000-4000-8000-000000000001' });
  expect(claims(JSON.parse(other.text).access_token).tid).toBe(DEMO_TENANT_ID);
  expect((await https('/.local/dev-token')).status).toBe(404); // GET: no such route
});

test("the dev sign-in answers the console's own page only: another site's page, a DNS-rebound one, a request without a page or over http get 403 (issue 19, item 6)", async () => {
  const port = TEST_PORTS.host + 1;
  // the console opened at any loopback name of this machine
  expect((await signIn({ role: 'GlobalReader' })).status).toBe(200);
  expect((await signIn({ role: 'GlobalReader' }, { origin: `https://127.0.0.1:${port}`, host: `127.0.0.1:${port}` })).status).toBe(200);
  expect((await signIn({ role: 'GlobalReader' }, { origin: `https://[::1]:${port}`, host: `[::1]:${port}` })).status).toBe(200);
  const refusals: [string, Record<string, string>][] = [
    ['a cross-site page', { origin: 'https://evil.example' }],
    // a page of evil.example whose name now resolves to 127.0.0.1: its own Host and Origin
    ['a DNS-rebound page', { origin: `https://evil.example:${port}`, host: `evil.example:${port}` }],
    ['a rebound page claiming the console origin', { origin: HTTPS, host: `evil.example:${port}` }],
    ['no page at all', {}],
    ['the console over http', { origin: `http://localhost:${TEST_PORTS.host}` }],
    ['another port of localhost', { origin: 'https://localhost:8443' }],
    ['an opaque origin', { origin: 'null' }],
  ];
  for (const [what, headers] of refusals) {
    const r = await signIn({ role: 'GlobalAdministrator' }, headers);
    expect([what, r.status]).toEqual([what, 403]);
    expect(JSON.parse(r.text).error).toMatchObject({ code: 'Authorization_RequestDenied', message: expect.stringMatching(/console's own page/) });
    expect(r.text).not.toContain('access_token');
  }
  // the http port does not sign anyone in, whatever the headers say
  const plain = await fetch(`http://localhost:${TEST_PORTS.host}/.local/dev-token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: HTTPS },
    body: JSON.stringify({ role: 'GlobalAdministrator' }),
  });
  expect(plain.status).toBe(403);
  expect(await plain.text()).toMatch(/came over http/);
});

test('the deployed entry registers no token-minting route and carries no token-minting code', () => {
  // the registrations the Functions host in Azure gets from dist/functions/index.js, loaded as it loads them
  const script = `const { loadRegistrations } = require('./dist/local/host.js');
    const regs = loadRegistrations(require('path').resolve('dist/functions/index.js'));
    console.log(JSON.stringify(regs.map((r) => ({ name: r.name, type: r.trigger.type, route: r.trigger.route ?? null }))));`;
  const run = spawnSync(process.execPath, ['-e', script], { cwd: ROOT, env: process.env, encoding: 'utf8' });
  expect(run.status).toBe(0);
  const regs = JSON.parse(run.stdout.trim().split('\n').pop()!) as { name: string; type: string; route: string | null }[];
  const http = regs.filter((r) => r.type.toLowerCase() === 'httptrigger');
  expect(http.length).toBeGreaterThan(40);
  // POST /v1.0/signInEvents records sign-ins reported by an identity provider's hook (app role
  // SignInEvents.Write), and POST /v1.0/authenticationEvents/tokenIssuanceStart answers claims to Entra ID
  // as Entra ID issues a token (its own token only); they sign nobody in and mint nothing: the two routes
  // named so on purpose
  const namedSo = new Set(['recordSignInEvent v1.0/signInEvents', 'tokenIssuanceStart v1.0/authenticationEvents/tokenIssuanceStart']);
  expect(http.filter((r) => !namedSo.has(`${r.name} ${r.route}`) && /token|jwks|\.local|sign-?in|console/i.test(`${r.name} ${r.route}`))).toEqual([]);

  // and nothing the Function App loads can mint a token: no import of local/, no signing
  const files = (dir: string): string[] =>
    readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? files(join(dir, f)) : f.endsWith('.js') ? [join(dir, f)] : []));
  const deployed = [...files(join(ROOT, 'dist', 'functions')), ...files(join(ROOT, 'dist', 'shared'))];
  expect(deployed.length).toBeGreaterThan(20);
  const offenders = deployed.filter((f) => /require\("\.\.\/(\.\.\/)?local\/|SignJWT|mintDevToken|devSignIn/.test(readFileSync(f, 'utf8')));
  expect(offenders).toEqual([]);
});
