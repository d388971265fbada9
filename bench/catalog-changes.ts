/**
 * Benchmark: the catalog as data, on the local stack (emulators + the local host in this process).
 *   1. Requests per single assignment (assignLicense over HTTP, group commit on) with the demo's catalog,
 *      then again once Microsoft's full table is loaded: the catalog is read from memory, so the figure
 *      must not rise (the head check, at most every CATALOG_REFRESH_SECONDS, is counted apart).
 *   2. POST /v1.0/catalog/import of a generated table the size of Microsoft's (default 6,000 rows, 620
 *      products, 800 plans; bench/lib/microsoftTableFixture.ts): time and Cosmos DB requests; then the same
 *      file again (no new version).
 *   3. The new-plan fan-out for one organization of --users holders (default 10,000) whose
 *      newServicePlans is `disabled`: a product they all hold directly gains a plan, and the time from
 *      the operator's PUT to the organization's catalog job completed (every holder's disabledPlans
 *      written through the engine), against the rate of a bulk job (`add` of another product to the same
 *      users) in the same run. Target: at least 0.9 of the bulk job's rate.
 * Figures are printed, never asserted (the run fails only when the work itself went wrong).
 *
 * Usage: npm run bench:catalog-changes [-- --users N] [-- --assignments N] [-- --concurrency C]
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { parseArgs } from './lib/args';
import { runScript } from './lib/child';
import { applyBenchEnv, benchEnv, benchPorts } from './lib/env';
import { runtime } from './lib/runtime';
import { generateMicrosoftTable } from './lib/microsoftTableFixture';
import { machineLoad } from './lib/proc';
import { startBenchStack } from './lib/stack';
import { fmt, met, pool, sleep } from './lib/stats';
import { printTable } from './lib/table';

const PORTS = benchPorts({ host: 27571, cosmos: 28581, queue: 30501 });
const ENV = benchEnv({ ports: PORTS, database: 'licensing-bench-catalog', keyFile: 'bench-catalog-dev-signing-key.json' });
const TARGET_RATIO = 0.9;
const USAGE =
  'usage: node dist/bench/catalog-changes.js [--users N (holders of the fan-out, default 10000)] [--assignments N (per phase, default 400)] [--concurrency C (default 16)]';

interface Options {
  users: number;
  assignments: number;
  concurrency: number;
}

async function main(): Promise<number> {
  const opt = parseArgs<Options>(
    process.argv.slice(2),
    USAGE,
    { users: 10_000, assignments: 400, concurrency: 16 },
    {
      users: { int: 'users' },
      assignments: { int: 'assignments' },
      concurrency: { int: 'concurrency' },
    },
    { users: 200, assignments: 20, concurrency: 4 },
  );
  applyBenchEnv(ENV);
  const { cosmosRequestStats } = await import('../shared/storage/cosmos');
  const { settings, tokenIssuer } = await import('../shared/config');
  const { mintDevToken } = await import('../local/devTokens');
  const s = settings();
  console.log(runtime());
  console.log(`catalog benchmark: ${machineLoad()}; CATALOG_REFRESH_SECONDS ${s.CATALOG_REFRESH_SECONDS}`);
  const stack = await startBenchStack(PORTS);
  const api = stack.url;
  const token = (role: Parameters<typeof mintDevToken>[0]['role'], tenantId: string) =>
    mintDevToken({ role, tenantId, issuer: tokenIssuer(s), audience: s.AUTH_AUDIENCE[0] });
  const operator = await token('Operator', s.OPERATOR_TENANT_ID!);
  const send = async (method: string, path: string, bearer: string, body?: unknown, type = 'application/json') => {
    const res = await fetch(`${api}${path}`, {
      method,
      headers: { authorization: `Bearer ${bearer}`, ...(body !== undefined ? { 'content-type': type } : {}) },
      body: body === undefined ? undefined : typeof body === 'string' ? body : body instanceof Uint8Array ? new Uint8Array(body) : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  const must = (what: string, r: { status: number; body: unknown }, ok = [200, 201, 202, 204]) => {
    if (!ok.includes(r.status)) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.body).slice(0, 500)}`);
    return r.body as any;
  };
  const measured = async <T>(work: () => Promise<T>) => {
    const before = cosmosRequestStats.requests;
    const started = performance.now();
    const value = await work();
    return { value, seconds: (performance.now() - started) / 1000, requests: cosmosRequestStats.requests - before };
  };

  try {
    // -------- 1. requests per single assignment, before and after the full table --------
    const { createTenant } = await import('../shared/usecases/directory');
    const { createUser } = await import('../shared/usecases/users');
    const assignments = async (label: string) => {
      const tenant = await createTenant({ displayName: `Catalog bench (${label})`, defaultUsageLocation: 'NL', cloud: 'Worldwide' });
      must(
        'buy',
        await send('POST', `/v1.0/tenants/${tenant.id}/subscriptions`, operator, { skuPartNumber: 'ENTERPRISEPACK', totalLicenses: opt.assignments + 50 }),
      );
      const users = await pool(
        opt.assignments + 50,
        16,
        async (i) =>
          (
            await createUser(tenant.id, {
              displayName: `U${i}`,
              userPrincipalName: `u${i}-${randomUUID().slice(0, 6)}@bench.dev`,
              usageLocation: 'NL',
              accountEnabled: true,
              userType: 'Member',
            })
          ).id,
      );
      const admin = await token('LicenseAdministrator', tenant.id);
      const e3 = (await send('GET', `/v1.0/catalog/products?$filter=skuPartNumber eq 'ENTERPRISEPACK'`, operator)).body.value[0].skuId as string;
      const assign = (u: string) =>
        send('POST', `/v1.0/users/${u}/assignLicense`, admin, { addLicenses: [{ skuId: e3, disabledPlans: [] }], removeLicenses: [] });
      await pool(50, opt.concurrency, async (i) => void must('warm-up', await assign(users[i]))); // sockets, caches, JIT
      return measured(() => pool(opt.assignments, opt.concurrency, async (i) => void must('assign', await assign(users[50 + i]))));
    };
    const before = await assignments('demo catalog');

    // -------- 2. the full table imported, then again --------
    const table = generateMicrosoftTable();
    const imported = await measured(async () => must('import', await send('POST', '/v1.0/catalog/import', operator, new Uint8Array(table.bytes), 'text/csv')));
    if (!imported.value.published || imported.value.summary.productsAdded !== table.products.length)
      throw new Error(`the import did not add the table's ${table.products.length} products`);
    const again = await measured(async () =>
      must('import again', await send('POST', '/v1.0/catalog/import', operator, new Uint8Array(table.bytes), 'text/csv')),
    );
    if (again.value.published) throw new Error('the same file made a new version');
    const after = await assignments('full table');

    // -------- 3. the fan-out against a bulk job --------
    const fanout = await fanOut(opt, { send, must, operator, token, measured });

    console.log('');
    printTable(
      '',
      [{ title: 'catalog' }, { title: 'seconds', align: 'right' }, { title: 'Cosmos DB requests', align: 'right' }, { title: 'outcome' }],
      [
        [
          `import of ${table.rows} rows (${table.products.length} products, ${table.plans.length} plans)`,
          fmt(imported.seconds, 2),
          String(imported.requests),
          `version ${imported.value.version}`,
        ],
        ['the same file again', fmt(again.seconds, 2), String(again.requests), 'no new version'],
      ],
    );
    console.log('');
    const perAssignment = (m: typeof before) => m.requests / opt.assignments;
    printTable(
      '',
      [
        { title: `${opt.assignments} assignLicense calls at concurrency ${opt.concurrency}` },
        { title: 'per second', align: 'right' },
        { title: 'requests per assignment', align: 'right' },
      ],
      [
        ['with the demo catalog (6 products)', fmt(opt.assignments / before.seconds, 0), fmt(perAssignment(before), 3)],
        [`with the full table loaded (${table.products.length + 6} products)`, fmt(opt.assignments / after.seconds, 0), fmt(perAssignment(after), 3)],
      ],
    );
    console.log(
      `  requests per assignment must not rise: ${met(perAssignment(after) <= perAssignment(before) * 1.05 + 0.01)} (the catalog is read from memory; each figure includes the head checks of its phase, one point read per ${s.CATALOG_REFRESH_SECONDS} s at most)`,
    );
    console.log('');
    printTable(
      '',
      [
        { title: `${opt.users} holders` },
        { title: 'seconds', align: 'right' },
        { title: 'users per second', align: 'right' },
        { title: 'Cosmos DB requests', align: 'right' },
      ],
      [
        ['bulk job (add another product to every holder)', fmt(fanout.job.seconds, 1), fmt(opt.users / fanout.job.seconds, 0), String(fanout.job.requests)],
        [
          'new plan kept off for every holder (PUT to job completed)',
          fmt(fanout.catalog.seconds, 1),
          fmt(opt.users / fanout.catalog.seconds, 0),
          String(fanout.catalog.requests),
        ],
      ],
    );
    const ratio = fanout.job.seconds / fanout.catalog.seconds;
    console.log(`  the fan-out's rate against the bulk job's: ${fmt(ratio, 2)} (target >= ${TARGET_RATIO}: ${met(ratio >= TARGET_RATIO)})`);
    return 0;
  } finally {
    await stack.stop();
  }
}

interface Tools {
  send: (method: string, path: string, bearer: string, body?: unknown, type?: string) => Promise<{ status: number; body: any }>;
  must: (what: string, r: { status: number; body: unknown }, ok?: number[]) => any;
  operator: string;
  token: (role: 'GlobalAdministrator' | 'LicenseAdministrator' | 'GlobalReader', tenantId: string) => Promise<string>;
  measured: <T>(work: () => Promise<T>) => Promise<{ value: T; seconds: number; requests: number }>;
}

/** One organization of `users` direct holders of an operator's product P that keeps new plans off; a bulk job, then P gains a plan. */
async function fanOut(opt: Options, t: Tools) {
  const { createTenant } = await import('../shared/usecases/directory');
  const { bulk, bulkBody, patchDoc } = await import('../shared/storage/cosmos');
  const { withQueryFields } = await import('../shared/storage/users');
  const { subscriptionId } = await import('../shared/storage/subscriptions');
  const [P, Q, A, B, X] = [randomUUID(), randomUUID(), randomUUID(), randomUUID(), randomUUID()];
  const product = (part: string, plans: string[]) => ({
    skuPartNumber: part,
    displayName: part,
    servicePlans: plans.map((id, i) => ({ servicePlanId: id, servicePlanName: `${part}_${i}`, displayName: `${part} ${i}` })),
  });
  t.must('product P', await t.send('PUT', `/v1.0/catalog/products/${P}`, t.operator, product('BENCH_HELD', [A])));
  t.must('product Q', await t.send('PUT', `/v1.0/catalog/products/${Q}`, t.operator, product('BENCH_ADDED', [X])));
  const tenant = await createTenant({ displayName: 'Catalog bench (fan-out)', defaultUsageLocation: 'NL', cloud: 'Worldwide' });
  for (const sku of [P, Q])
    t.must('buy', await t.send('POST', `/v1.0/tenants/${tenant.id}/subscriptions`, t.operator, { skuId: sku, totalLicenses: opt.users }));
  t.must('setting', await t.send('PATCH', '/v1.0/admin/licenseSettings', await t.token('GlobalAdministrator', tenant.id), { newServicePlans: 'disabled' }));

  // the holders, written to the store in bulk (as the service would have: query fields derived), P's seats counted
  const at = new Date().toISOString();
  const ids: string[] = [];
  await pool(Math.ceil(opt.users / 100), 8, async (b) => {
    const docs = Array.from({ length: Math.min(100, opt.users - b * 100) }, (_, k) => {
      const i = b * 100 + k;
      const id = randomUUID();
      ids.push(id);
      const upn = `fan${i}@bench.dev`;
      return withQueryFields({
        id,
        tenantId: tenant.id,
        type: 'user',
        displayName: `Holder ${i}`,
        userPrincipalName: upn,
        mail: null,
        usageLocation: 'NL',
        accountEnabled: true,
        userType: 'Member',
        department: null,
        jobTitle: null,
        createdDateTime: at,
        licenseAssignments: [{ skuId: P, disabledPlans: [], assignedByGroup: null, assignedDateTime: at, lastUpdatedDateTime: at }],
        skuIds: [P],
        search: { displayName: `holder ${i}`, userPrincipalName: upn },
      });
    });
    const res = await bulk(
      'directory',
      docs.map((d) => ({ operationType: 'Create' as const, resourceBody: bulkBody(d) })),
    );
    if (res.some((r) => r.statusCode >= 300)) throw new Error(`bulk write of holders: ${res.find((r) => r.statusCode >= 300)?.statusCode}`);
  });
  await patchDoc('directory', subscriptionId(tenant.id, P), tenant.id, [{ op: 'set', path: '/seat/consumed', value: opt.users }]);
  const admin = await t.token('LicenseAdministrator', tenant.id);
  const reader = await t.token('GlobalReader', tenant.id);
  const done = async (find: () => Promise<{ status: string; counts: { succeeded: number; failed: number; total: number } } | undefined>) => {
    for (;;) {
      const job = await find();
      if (job && ['completed', 'completedWithErrors', 'failed', 'cancelled'].includes(job.status)) return job;
      await sleep(250);
    }
  };

  // the bulk job's rate: another product added to every holder
  const job = await t.measured(async () => {
    const created = t.must(
      'bulk job',
      await t.send('POST', '/v1.0/licenseJobs', admin, { mode: 'add', userIds: ids, addLicenses: [{ skuId: Q, disabledPlans: [] }] }),
    );
    return done(async () => (await t.send('GET', `/v1.0/licenseJobs/${created.id}`, reader)).body);
  });
  if (job.value.counts.succeeded !== opt.users) throw new Error(`the bulk job changed ${job.value.counts.succeeded} of ${opt.users} users`);

  // the fan-out: P gains plan B; the organization keeps it off for every holder
  const catalog = await t.measured(async () => {
    t.must('P gains a plan', await t.send('PUT', `/v1.0/catalog/products/${P}`, t.operator, product('BENCH_HELD', [A, B])));
    return done(async () =>
      (
        (await t.send('GET', '/v1.0/licenseJobs', reader)).body.value as {
          source: string;
          status: string;
          counts: { succeeded: number; failed: number; total: number };
        }[]
      ).find((j) => j.source === 'catalog'),
    );
  });
  if (catalog.value.counts.succeeded !== opt.users) throw new Error(`the catalog's job changed ${catalog.value.counts.succeeded} of ${opt.users} holders`);
  return { job, catalog };
}

runScript(module, main);
