/**
 * Benchmark: a first full SCIM sync, as Microsoft Entra ID's provisioning service runs one (issue 21:
 * "the figures for a first full sync of 10,000 users and 500 groups (time, requests)").
 *
 *   npm run bench:scim -- [--users 10000] [--groups 500] [--concurrency 16] [--smoke (200 users, 10 groups)]
 *
 * 1. Starts the local stack (Cosmos DB emulator + Azurite + the local Functions host) on bench-only ports
 *    with its own database, in this process (so `cosmosRequestStats` counts every Cosmos DB request the
 *    host makes). One organization and a SCIM credential are made through the use-cases, not timed.
 * 2. Timed: the cycle over HTTP with the credential, `--concurrency` requests in flight (Entra ID works in
 *    parallel): for every user, the probe `GET /Users?filter=userName eq "..."` then `POST /Users` with
 *    Entra ID's body; for every group, the probe `GET /Groups?excludedAttributes=members&filter=displayName
 *    eq "..."`, `POST /Groups`, then its members in `PATCH` requests of up to 50 `Add` values (each user is in
 *    two groups on average). Groups start once all users exist (Entra ID provisions a group's members first).
 * 3. Checks the result through SCIM (every user and group there, every group's member count); a mismatch is
 *    a FAIL (exit 1). Prints time, requests by kind with their latency (p50, p99), SCIM requests per
 *    second, and Cosmos DB requests in all and per SCIM request. The client runs in this process too, so the
 *    host shares its core with it; figures on a shared machine move by tens of percent. Nothing is asserted
 *    about speed.
 * Exit code 0 when the sync completed and verified, 1 on a FAIL, 2 on bad arguments.
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from './lib/args';
import { applyBenchEnv, benchEnv, benchPorts } from './lib/env';
import { machineLoad, otherBenchmarks } from './lib/proc';
import { startBenchStack } from './lib/stack';
import { fmt, percentile, pool } from './lib/stats';
import { printTable } from './lib/table';
import { runtime } from './lib/runtime';

const PORTS = benchPorts({ host: 27671, cosmos: 28681, queue: 30601 });
const ENV = benchEnv({ ports: PORTS, database: 'licensing-bench-scim', keyFile: 'bench-scim-dev-signing-key.json' });
const MEMBERS_PER_PATCH = 50;

interface Options {
  users: number;
  groups: number;
  concurrency: number;
}
const USAGE =
  'usage: node dist/bench/scim-sync.js [--users N (default 10000)] [--groups G (default 500)] [--concurrency C (default 16)] [--smoke (200 users, 10 groups)]';

/** The groups user i is in: two on average (one or three for some), spread over all groups. */
const groupsOf = (i: number, groups: number) => {
  const n = 1 + ((i * 7) % 3);
  return [...new Set(Array.from({ length: n }, (_, k) => (i * 31 + k * 97) % groups))];
};

type Kind = 'probe user' | 'create user' | 'probe group' | 'create group' | 'add members';

async function main() {
  const o = parseArgs<Options>(
    process.argv.slice(2),
    USAGE,
    { users: 10_000, groups: 500, concurrency: 16 },
    { users: { int: 'users' }, groups: { int: 'groups' }, concurrency: { int: 'concurrency' }, smoke: { set: { users: 200, groups: 10 } } },
  );
  applyBenchEnv(ENV);
  const others = otherBenchmarks();
  console.log(`SCIM first full sync: ${o.users} users, ${o.groups} groups, as Entra ID's provisioning sends it, ${o.concurrency} requests in flight`);
  console.log(runtime());
  console.log(`  machine: ${machineLoad()}${others.length ? `; other benchmarks running: ${others.join(', ')}` : ''}`);
  const stack = await startBenchStack(PORTS);
  let failed = false;
  try {
    const { createTenant } = await import('../shared/usecases/directory');
    const { createCredential } = await import('../shared/usecases/provisioning');
    const { cosmosRequestStats } = await import('../shared/storage/cosmos');
    const tenant = await createTenant({ displayName: 'SCIM bench', defaultUsageLocation: 'NL', cloud: 'Worldwide' });
    const { secretText } = await createCredential(
      tenant.id,
      { displayName: 'Bench provisioning' },
      {
        principal: { objectId: 'bench', displayName: 'Bench', isApp: false },
        requestId: 'bench',
      },
    );
    const base = `http://127.0.0.1:${PORTS.host}/api/scim/v2`;
    const latencies = new Map<Kind, number[]>();
    const send = async (kind: Kind | 'verify', method: string, path: string, body?: unknown) => {
      const started = performance.now();
      const res = await fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${secretText}`, ...(body ? { 'content-type': 'application/scim+json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      const text = await res.text();
      if (kind !== 'verify') (latencies.get(kind) ?? latencies.set(kind, []).get(kind)!).push(performance.now() - started);
      if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
      return text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
    };
    const userName = (i: number) => `user${i}@scim-bench.test`;
    const filter = (f: string) => encodeURIComponent(f);

    const requestsBefore = cosmosRequestStats.requests;
    const started = performance.now();
    const ids = await pool(o.users, o.concurrency, async (i) => {
      const probe = await send('probe user', 'GET', `/Users?filter=${filter(`userName eq "${userName(i)}"`)}`);
      if ((probe!.totalResults as number) !== 0) throw new Error(`user ${i} already there`);
      const created = await send('create user', 'POST', '/Users', {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'],
        externalId: `ext-${i}`,
        userName: userName(i),
        active: true,
        emails: [{ primary: true, type: 'work', value: userName(i) }],
        meta: { resourceType: 'User' },
        name: { formatted: `User ${i}`, familyName: `${i}`, givenName: 'User' },
        'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { department: `Dept ${i % 20}`, employeeNumber: String(100000 + i) },
      });
      return created!.id as string;
    });
    const usersDone = performance.now();
    const members = Array.from({ length: o.groups }, () => [] as string[]);
    ids.forEach((id, i) => groupsOf(i, o.groups).forEach((g) => members[g].push(id)));
    await pool(o.groups, o.concurrency, async (g) => {
      const name = `Group ${g}`;
      const probe = await send('probe group', 'GET', `/Groups?excludedAttributes=members&filter=${filter(`displayName eq "${name}"`)}`);
      if ((probe!.totalResults as number) !== 0) throw new Error(`group ${g} already there`);
      const created = await send('create group', 'POST', '/Groups', {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
        externalId: `group-${g}`,
        displayName: name,
        meta: { resourceType: 'Group' },
      });
      for (let k = 0; k < members[g].length; k += MEMBERS_PER_PATCH)
        await send('add members', 'PATCH', `/Groups/${created!.id as string}`, {
          schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
          Operations: [{ op: 'Add', path: 'members', value: members[g].slice(k, k + MEMBERS_PER_PATCH).map((value) => ({ value })) }],
        });
    });
    const seconds = (performance.now() - started) / 1000;
    const cosmos = cosmosRequestStats.requests - requestsBefore;

    // verify through SCIM: every user and group, every group's members
    const users = (await send('verify', 'GET', '/Users?count=0'))!.totalResults as number;
    const groupList = await send('verify', 'GET', `/Groups?count=${Math.min(o.groups, 1000)}`);
    const counts = new Map(((groupList!.Resources as { displayName: string; members: unknown[] }[]) ?? []).map((g) => [g.displayName, g.members.length]));
    const wrong = members.map((m, g) => [g, m.length, counts.get(`Group ${g}`)] as const).filter(([, want, got]) => got !== undefined && got !== want);
    const counted = [...counts.values()].reduce((a, n) => a + n, 0);
    if (users !== o.users || (o.groups <= 1000 && counts.size !== o.groups) || wrong.length) {
      failed = true;
      console.log(`FAIL: ${users} users of ${o.users}, ${counts.size} groups of ${o.groups}, ${wrong.length} groups with the wrong member count`);
    } else console.log(`  verified: ${users} users, ${counts.size} groups, ${counted} memberships, read back through SCIM`);

    const total = [...latencies.values()].reduce((a, l) => a + l.length, 0);
    const memberships = members.reduce((a, m) => a + m.length, 0);
    console.log(
      `  synced ${o.users} users (in ${fmt((usersDone - started) / 1000)} s) and ${o.groups} groups with ${memberships} memberships in ${fmt(seconds)} s: ${total} SCIM requests, ${fmt(total / seconds)} per second`,
    );
    console.log(`  Cosmos DB requests: ${cosmos} (${fmt(cosmos / total, 2)} per SCIM request, ${fmt(cosmos / o.users, 2)} per user synced)`);
    printTable(
      '  ',
      [{ title: 'request' }, { title: 'count', align: 'right' }, { title: 'p50 ms', align: 'right' }, { title: 'p99 ms', align: 'right' }],
      [...latencies].map(([kind, l]) => {
        const sorted = [...l].sort((a, b) => a - b);
        return [kind, String(l.length), fmt(percentile(sorted, 50)), fmt(percentile(sorted, 99))];
      }),
    );
  } finally {
    await stack.stop();
  }
  process.exit(failed ? 1 : 0);
}

void main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
