/**
 * Benchmark: the two calls of a sign-in. Entra ID's token issuance extension (POST
 * /v1.0/authenticationEvents/tokenIssuanceStart: Entra ID waits about 2 s for it, so its p99 at
 * concurrency is the figure) and the usage rights an app reads next (GET /v1.0/me/cloudLicensing/usageRights:
 * one point read, so it is set against the emulator's raw point-read rate in the same run).
 *
 *   npm run bench:signin [-- --users N (default 2000) --concurrency C (default 32)] [-- --smoke]
 *   (= npx tsc -p tsconfig.build.json && node dist/bench/token-issuance.js [flags])
 *
 * 1. Starts the stack in this process (emulators as children, the local host here, so cosmosRequestStats
 *    counts every Cosmos DB request the app makes) on ports and a database of its own. The load comes
 *    from a child process (this file with --load-generator), so making it costs the host nothing.
 * 2. Set-up, not timed: one organization with Office 365 E1 (Teams) and Office 365 E3 subscriptions, N
 *    users holding E1 written to the store in bulk (as the write engine leaves them), N/4 more without a
 *    license, the auto-claim policy on for Teams with E3 (N/4 seats); one delegated token per user.
 * 3. A warm-up pass of each call (sockets, tokens verified once, the instance's caches: the tenant, the
 *    subscription list, the object id -> user match), then, each at --concurrency, from the generator:
 *    a. tokenIssuanceStart, the usual sign-in (the user known, an app the catalog does not map): the
 *       sign-in recorded, the claims answered;
 *    b. tokenIssuanceStart from Teams' client for users who have Teams: the policy read too;
 *    c. tokenIssuanceStart from Teams' client for the unlicensed users: each claims E3 through the engine;
 *    d. GET /me/cloudLicensing/usageRights, each user with their own token;
 *    e. the raw rate: plain point reads of the same user documents from the generator's own SDK client.
 * 4. Prints per phase calls/s, p50/p99 latency and Cosmos DB requests per call, and the usage rights'
 *    rate against the raw point-read rate. Every call must answer 200 with the claims or rights expected
 *    (answers at the extension's deadline, no claims, are counted apart); otherwise FAIL, exit 1.
 * Figures only; nothing is asserted about speed.
 */
import { randomUUID } from 'node:crypto';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { performance } from 'node:perf_hooks';
import { parseArgs } from './lib/args';
import { runScript, serveChild, startChild, stopChildren } from './lib/child';
import { applyBenchEnv, benchEnv, benchPorts } from './lib/env';
import { childProc, EMULATORS, machineLoad, otherBenchmarks } from './lib/proc';
import { startBenchStack } from './lib/stack';
import { cpuMs, fmt, percentile, pool } from './lib/stats';
import { runtime } from './lib/runtime';
import { printTable } from './lib/table';

const PORTS = benchPorts({ host: 27771, cosmos: 28781, queue: 30701 });
const ENV = benchEnv({
  ports: PORTS,
  database: 'licensing-bench-signin',
  keyFile: 'bench-signin-dev-signing-key.json',
  extra: { RECONCILIATION_SCHEDULE: '0 0 3 1 1 *' },
});
const TEAMS_DESKTOP = '1fec8e78-bce4-4aaf-ab1b-5451cc387264';
const OTHER_APP = '00001111-aaaa-2222-bbbb-3333cccc4444';

interface Options {
  users: number;
  concurrency: number;
}
const USAGE = 'usage: node dist/bench/token-issuance.js [--users N (default 2000)] [--concurrency C (default 32)]';

// ---------------- the load generator (child process) ----------------

interface Call {
  method: 'GET' | 'POST';
  path: string;
  token: string;
  body?: string;
}
interface CallResult {
  status: number;
  ms: number;
  text: string;
}
interface CallsTask {
  type: 'calls';
  url: string;
  calls: Call[];
  concurrency: number;
}
interface CallsResult {
  type: 'calls';
  results: CallResult[];
  seconds: number;
  cpuMs: number;
}
interface ReadsTask {
  type: 'reads';
  tenantId: string;
  ids: string[];
  concurrency: number;
}
interface ReadsResult {
  type: 'reads';
  latencies: number[];
  seconds: number;
  failures: number;
}
type ToGenerator = CallsTask | ReadsTask;
type FromGenerator = CallsResult | ReadsResult;

// node:http with kept-alive connections: the generator is not what is measured (see assign-license.ts)
const agent = new HttpAgent({ keepAlive: true, maxSockets: 256 });

function send(url: string, c: Call): Promise<CallResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    const headers: Record<string, string> = { authorization: `Bearer ${c.token}` };
    if (c.body !== undefined) Object.assign(headers, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(c.body)) });
    const req = httpRequest(`${url}${c.path}`, { method: c.method, agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (e) => resolve({ status: 0, ms: performance.now() - started, text: String(e) }));
    });
    req.on('error', (e) => resolve({ status: 0, ms: performance.now() - started, text: String(e) }));
    req.end(c.body);
  });
}

function loadGenerator(): Promise<void> {
  return serveChild<ToGenerator, FromGenerator>({
    async calls(m) {
      const cpu = process.cpuUsage();
      const started = performance.now();
      const results = await pool(m.calls.length, m.concurrency, (i) => send(m.url, m.calls[i]));
      return { type: 'calls', results, seconds: (performance.now() - started) / 1000, cpuMs: cpuMs(process.cpuUsage(cpu)) };
    },
    // the yardstick: one plain point read of a user document per call, the generator's own SDK client
    async reads(m) {
      const { container, tracked } = await import('../shared/storage/cosmos');
      const latencies: number[] = [];
      let failures = 0;
      const started = performance.now();
      await pool(m.ids.length, m.concurrency, async (i) => {
        const t = performance.now();
        try {
          const res = await tracked(() => container('directory').item(m.ids[i], m.tenantId).read());
          if (res.statusCode !== 200) failures++;
          else latencies.push(performance.now() - t);
        } catch {
          failures++;
        }
      });
      return { type: 'reads', latencies, seconds: (performance.now() - started) / 1000, failures };
    },
  });
}

// ---------------- the measuring process ----------------

interface PhaseFigures {
  name: string;
  calls: number;
  seconds: number;
  p50: number;
  p99: number;
  requests: number;
  hostCpuMs: number;
  /** Answered 200 with no claims: the extension's deadline came first (or an error of ours). */
  empty: number;
}

async function main(opt: Options): Promise<number> {
  const load = machineLoad();
  const { cosmosRequestStats, bulk, bulkBody } = await import('../shared/storage/cosmos');
  const { createTenant, createSubscription } = await import('../shared/usecases/directory');
  const { updateAutoClaimPolicy } = await import('../shared/usecases/autoClaim');
  const { withQueryFields } = await import('../shared/storage/users');
  const { mintDevToken } = await import('../local/devTokens');
  const { settings, tokenIssuer } = await import('../shared/config');

  const N = opt.users;
  const C = opt.concurrency;
  const CLAIMERS = Math.max(C, Math.floor(N / 4));
  const problems: string[] = [];
  const stack = await startBenchStack(PORTS);
  // the stack loaded the demo's catalog: its products by part number
  const { catalog, SKU } = await (await import('./lib/demoCatalog')).demoCatalog();
  const generator = await startChild<ToGenerator, FromGenerator>(__filename, 'load-generator');
  try {
    // -------- set-up (not timed) --------
    const setupStarted = performance.now();
    const tenant = await createTenant({ displayName: 'Sign-in bench', defaultUsageLocation: 'NL' });
    const tenantId = tenant.id;
    await createSubscription(catalog, tenantId, { skuId: SKU.STANDARDPACK, totalLicenses: N, purchaseChannel: 'admin' });
    await createSubscription(catalog, tenantId, { skuId: SKU.ENTERPRISEPACK, totalLicenses: CLAIMERS, purchaseChannel: 'admin' });
    await updateAutoClaimPolicy(catalog, tenantId, { enabled: true, app: 'Teams', products: [{ skuId: SKU.ENTERPRISEPACK, disabledPlans: [] }] });
    const now = new Date().toISOString();
    const userDoc = (i: number, licensed: boolean) => {
      const upn = `signin${i}@bench.dev`;
      return withQueryFields({
        id: randomUUID(),
        tenantId,
        type: 'user',
        displayName: `Sign-in user ${i}`,
        userPrincipalName: upn,
        mail: null,
        usageLocation: 'NL',
        accountEnabled: true,
        userType: 'Member',
        department: null,
        jobTitle: null,
        createdDateTime: now,
        licenseAssignments: licensed
          ? [{ skuId: SKU.STANDARDPACK, disabledPlans: [], assignedByGroup: null, assignedDateTime: now, lastUpdatedDateTime: now }]
          : [],
        skuIds: licensed ? [SKU.STANDARDPACK] : [],
        search: { displayName: `sign-in user ${i}`, userPrincipalName: upn },
      });
    };
    const docs = [...Array.from({ length: N }, (_, i) => userDoc(i, true)), ...Array.from({ length: CLAIMERS }, (_, i) => userDoc(N + i, false))];
    await pool(Math.ceil(docs.length / 100), 4, async (b) => {
      const batch = docs.slice(b * 100, b * 100 + 100);
      const res = await bulk(
        'directory',
        batch.map((d) => ({ operationType: 'Upsert' as const, resourceBody: bulkBody(d) })),
      );
      const bad = res.find((r) => r.statusCode >= 300);
      if (bad) throw new Error(`writing users answered ${bad.statusCode}`);
    });
    const licensed = docs.slice(0, N);
    const claimers = docs.slice(N);
    const s = settings();
    const entraToken = await mintDevToken({ role: 'AuthenticationEvents', tenantId, issuer: tokenIssuer(s), audience: s.AUTH_EVENTS_AUDIENCE[0] });
    const userTokens = await Promise.all(
      licensed.map((u) =>
        mintDevToken({ role: 'User', tenantId, issuer: tokenIssuer(s), audience: s.AUTH_AUDIENCE[0], objectId: u.id, username: u.userPrincipalName }),
      ),
    );
    const event = (u: { id: string; userPrincipalName: string }, clientAppId: string) => ({
      method: 'POST' as const,
      path: '/v1.0/authenticationEvents/tokenIssuanceStart',
      token: entraToken,
      body: JSON.stringify({
        type: 'microsoft.graph.authenticationEvent.tokenIssuanceStart',
        source: `/tenants/${tenantId}/applications/${clientAppId}`,
        data: {
          '@odata.type': 'microsoft.graph.onTokenIssuanceStartCalloutData',
          tenantId,
          authenticationEventListenerId: '11112222-bbbb-3333-cccc-4444dddd5555',
          customAuthenticationExtensionId: '22223333-cccc-4444-dddd-5555eeee6666',
          authenticationContext: {
            correlationId: randomUUID(),
            client: { ip: '30.51.176.110', locale: 'en-us', market: 'en-us' },
            protocol: 'OAUTH2.0',
            clientServicePrincipal: { id: randomUUID(), appId: clientAppId, appDisplayName: 'App', displayName: 'App' },
            resourceServicePrincipal: { id: randomUUID(), appId: clientAppId, appDisplayName: 'App', displayName: 'App' },
            user: { id: u.id, userPrincipalName: u.userPrincipalName, displayName: 'Bench user', userType: 'Member' },
          },
        },
      }),
    });
    console.log(
      `set-up: tenant ${tenantId}, ${N} users with Office 365 E1 and ${CLAIMERS} without a license, in ${fmt((performance.now() - setupStarted) / 1000)} s`,
    );

    const servicePlansOf = (r: CallResult): string[] | undefined => {
      try {
        return (JSON.parse(r.text) as { data: { actions: { claims: { servicePlans?: string[] } }[] } }).data.actions[0].claims.servicePlans;
      } catch {
        return undefined;
      }
    };
    const phase = async (name: string, calls: Call[], ok: (r: CallResult) => 'ok' | 'empty' | 'bad'): Promise<PhaseFigures> => {
      const before = cosmosRequestStats.requests;
      const cpu = process.cpuUsage();
      const run = await generator.run({ type: 'calls', url: stack.url, calls, concurrency: C });
      const hostCpuMs = cpuMs(process.cpuUsage(cpu));
      const verdicts = run.results.map(ok);
      const bad = run.results.filter((_, i) => verdicts[i] === 'bad');
      if (bad.length)
        problems.push(`${name}: ${bad.length}/${calls.length} calls did not answer as expected; first: ${bad[0].status} ${bad[0].text.slice(0, 300)}`);
      const lat = run.results.map((r) => r.ms).sort((a, b) => a - b);
      return {
        name,
        calls: calls.length,
        seconds: run.seconds,
        p50: percentile(lat, 50),
        p99: percentile(lat, 99),
        requests: cosmosRequestStats.requests - before,
        hostCpuMs,
        empty: verdicts.filter((v) => v === 'empty').length,
      };
    };
    const hasTeams = (r: CallResult) => (r.status !== 200 ? 'bad' : (servicePlansOf(r) ?? []).includes('TEAMS1') ? 'ok' : servicePlansOf(r) ? 'bad' : 'empty');
    const rightsOk = (r: CallResult) => (r.status === 200 && r.text.includes(SKU.STANDARDPACK) ? 'ok' : 'bad');

    // -------- warm-up: sockets, tokens verified once, the instance's caches --------
    await phase(
      'warm-up (sign-ins)',
      licensed.map((u) => event(u, OTHER_APP)),
      hasTeams,
    );
    await phase(
      'warm-up (usage rights)',
      licensed.map((u, i) => ({ method: 'GET' as const, path: '/v1.0/me/cloudLicensing/usageRights', token: userTokens[i] })),
      rightsOk,
    );
    problems.length = 0; // a warm-up's stragglers are no verdict

    // -------- measured --------
    const figures: PhaseFigures[] = [];
    figures.push(
      await phase(
        'tokenIssuanceStart, usual sign-in',
        licensed.map((u) => event(u, OTHER_APP)),
        hasTeams,
      ),
    );
    figures.push(
      await phase(
        'tokenIssuanceStart, Teams (has it)',
        licensed.map((u) => event(u, TEAMS_DESKTOP)),
        hasTeams,
      ),
    );
    figures.push(
      await phase(
        'tokenIssuanceStart, Teams (claims E3)',
        claimers.map((u) => event(u, TEAMS_DESKTOP)),
        hasTeams,
      ),
    );
    const rights = await phase(
      'GET /me/cloudLicensing/usageRights',
      licensed.map((u, i) => ({ method: 'GET' as const, path: '/v1.0/me/cloudLicensing/usageRights', token: userTokens[i] })),
      rightsOk,
    );
    figures.push(rights);
    // the yardstick, the same documents read plainly (a warm-up pass first)
    await generator.run({ type: 'reads', tenantId, ids: licensed.slice(0, Math.min(N, 4 * C)).map((u) => u.id), concurrency: C });
    const emuBefore = childProc(EMULATORS.cosmos)?.cpuMs;
    const raw = await generator.run({ type: 'reads', tenantId, ids: licensed.map((u) => u.id), concurrency: C });
    const emuMs = emuBefore !== undefined ? (childProc(EMULATORS.cosmos)?.cpuMs ?? emuBefore) - emuBefore : undefined;
    if (raw.failures) problems.push(`${raw.failures}/${N} raw point reads failed`);
    const rawLat = raw.latencies.sort((a, b) => a - b);
    const rawRate = (N - raw.failures) / raw.seconds;

    // -------- report --------
    const others = otherBenchmarks();
    console.log(`\nsign-in calls at concurrency ${C}, ${N} users (${load}${others.length ? `; other benchmarks running: ${others.join(', ')}` : ''}):`);
    printTable(
      '  ',
      [
        { title: 'phase' },
        { title: 'calls', align: 'right' },
        { title: 'calls/s', align: 'right' },
        { title: 'p50 ms', align: 'right' },
        { title: 'p99 ms', align: 'right' },
        { title: 'Cosmos DB requests/call', align: 'right' },
        { title: 'host CPU ms/call', align: 'right' },
        { title: 'no claims (deadline)', align: 'right' },
      ],
      [
        ...figures.map((f) => [
          f.name,
          String(f.calls),
          fmt(f.calls / f.seconds, 0),
          fmt(f.p50),
          fmt(f.p99),
          fmt(f.requests / f.calls, 2),
          fmt(f.hostCpuMs / f.calls, 2),
          f.name.startsWith('token') ? String(f.empty) : '-',
        ]),
        ['raw point read (the generator)', String(N), fmt(rawRate, 0), fmt(percentile(rawLat, 50)), fmt(percentile(rawLat, 99)), '1.00', '-', '-'],
      ],
    );
    const rightsRate = rights.calls / rights.seconds;
    console.log(`\n  usage rights / raw point reads: ${fmt(rightsRate / rawRate, 2)} (${fmt(rightsRate, 0)} against ${fmt(rawRate, 0)}/s)`);
    if (emuMs !== undefined) console.log(`  the emulator's CPU per raw read: ${fmt(emuMs / N, 2)} ms`);
    console.log(
      `  Entra ID waits about 2000 ms: sign-in p99 ${figures
        .slice(0, 3)
        .map((f) => `${fmt(f.p99, 0)} ms`)
        .join(', ')}`,
    );
    if (problems.length) {
      console.log(`\nFAIL:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
      return 1;
    }
    return 0;
  } finally {
    await Promise.allSettled([stopChildren(), stack.stop()]);
  }
}

runScript(
  module,
  async () => {
    const opt = parseArgs<Options>(
      process.argv.slice(2),
      USAGE,
      { users: 2000, concurrency: 32 },
      { users: { int: 'users' }, concurrency: { int: 'concurrency' } },
      { users: 40, concurrency: 8 },
    );
    applyBenchEnv(ENV);
    console.log(`sign-in benchmark: Entra ID's token issuance extension and the usage rights an app reads, at concurrency ${opt.concurrency}`);
    console.log(runtime());
    return main(opt);
  },
  {
    'load-generator': async () => {
      applyBenchEnv(ENV);
      await loadGenerator();
    },
  },
);
