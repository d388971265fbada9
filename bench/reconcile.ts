/**
 * Benchmark: the license reconciliation of one large tenant, full and incremental, against one plain full
 * read of the tenant's partition in the same run, and the memory of the process that ran it (issue 5: the
 * full run within 2x of a full read, peak memory; issue 22: an incremental run with 1 % of the users
 * changed at most 0.05 of a full read, time and requests, and with nothing changed a handful of requests).
 *
 *   npx tsc -p tsconfig.build.json && node dist/bench/reconcile.js [--users 100000] [--page 500] [--legacy-seed] [--smoke (--users 200)]
 *
 * 1. Starts the whole local stack (Cosmos DB emulator + Azurite + the local Functions host) on bench-only ports
 *    with its own database, so a running `npm start`, the tests or the other benchmarks are not touched. The
 *    host runs in THIS process with functions/index.js loaded as in production, so the reconciliation steps
 *    other modules register (group licensing, over-assignment alerts) are part of the run, and
 *    `cosmosRequestStats` sees every Cosmos DB request of the full read and of the runs.
 *    The emulator launcher (local/cosmosEmulator.ts, installLinearQueryScan) runs its query engine's scan
 *    linearly, as for every local stack; results, order and paging stay the engine's own. The emulator
 *    still runs the whole query again for every page (the continuation is a position in the full result), and
 *    has no index: every query, a COUNT included, costs a pass over the container.
 * 2. Set-up, not timed, in a child process (this file run with --setup), so its 2 x N writes never inflate
 *    this process's memory: one organization (reclaim policy on, dry run), ENTERPRISEPACK and STANDARDPACK
 *    subscriptions, three groups (two carrying a product, whose members are created with createUser and
 *    converged with convergeUser, as the group-licensing queue would; one without licenses), then the N users
 *    written directly with the SDK at bounded concurrency, each as createUser + users.create write it (the
 *    upn claim document, then the user with the query fields users.withQueryFields derives; --legacy-seed
 *    leaves them out, as an older version of the app wrote users) and already holding its product (70%
 *    ENTERPRISEPACK, 30% STANDARDPACK) the way assignLicense leaves it: licenseAssignments, skuIds and
 *    lastLicenseChange from the app's own evaluateLicenseChange / auditRecordFor / withSkus. Assignments are
 *    8-700 days old except 1% made in the last 36 hours, whose audit records are written (the reconciliation's
 *    audit check reads those back); 0.5% of the accounts are disabled (45-300 days ago: reclaim candidates,
 *    reported only). A few finished bulk jobs. Each subscription's seat.consumed is then set to the true number
 *    of holders. A Power BI Pro subscription nobody holds yet (the changes below add it).
 * 3. Drift is injected (the way an interrupted write or bad data leaves it): ENTERPRISEPACK counts 37 seats
 *    too many, 5 of them in a stale hold of a completed job; STANDARDPACK 12 too few, plus a hold of 3 seats
 *    of a job that does not exist; 3 of the recent changes lost their audit record. The grace period after
 *    which an over-count may be lowered (RECONCILIATION_SEAT_GRACE_SECONDS, 900 s by default) is 1 s for this
 *    bench, and the run starts only once the counters have been still longer than that, so the repair applies.
 * 4. Timed, one after the other, in this process, after a warm-up (a point read and the first 3 pages of the
 *    full read): one plain full read of the tenant's partition (`SELECT * FROM c WHERE c.tenantId = @t`, one
 *    query iterator, every page fetched and discarded; page size --page, by default 500, the page size of the
 *    reconciliation's own user scan, so both pay the emulator's per-page cost alike); the one-time migration
 *    apart (addMissingQueryFields, the full run's userQueryFields step: nothing to do unless --legacy-seed);
 *    then a full run, reconcileTenant(tenant, mode full). Group-licensing messages a run's group step queues
 *    are held by this host until the run has returned (that work is asynchronous by design; here it would
 *    otherwise start within milliseconds in this same process and compete with the run's last steps), then
 *    processed and waited for. The full run must be `completed` and must have repaired the drift: both
 *    counters equal to the true holders (also counted with a query), both holds gone, the 3 audit records
 *    re-created; otherwise FAIL, exit 1.
 * 5. The steady state, timed: an incremental run after another with nothing changed between them; then 1 % of
 *    the direct users change (Power BI Pro added through the write engine in the child, 100 users per engine
 *    run, audited, each run's seat intent written and closed) with the drift the engine can leave (one change's
 *    audit record lost; a run that died between its reservation and its user write: its seat intent and an
 *    E3 seat reserved, no user written) and an incremental run; then 10 % the same way. Each incremental run
 *    must complete, close the dead run's intent with its seat given back, re-create the lost record, leave
 *    every counter equal to its holders, and find the same reclaim candidates and inactivity counts by its
 *    indexed queries as the full run by its pass; otherwise FAIL.
 * 6. Prints the full read's and the runs' time, ratios against the targets, the Cosmos DB requests of each
 *    (the app's own counter, the SDK's query-plan lookups apart), the documents each run read, the peak RSS of
 *    this process (the kernel's lifetime peak, and RSS sampled every 50 ms during each phase), the CPU of this
 *    process and of the emulator in the full read and the full run, the full run's report, and a per-operation
 *    profile of the full read, the full run and the 1 % run (calls, requests, documents and bytes returned,
 *    time in calls). Then the full read once more as a noise check (another benchmark may share the machine).
 * Exit code 0 when the runs completed and verified (targets met or not), 1 on a FAIL, 2 on bad arguments.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { parseArgs } from './lib/args';
import { type Child, runScript, serveChild, startChild } from './lib/child';
import { applyBenchEnv, benchEnv, benchPorts } from './lib/env';
import { childProc, EMULATORS, machineLoad, otherBenchmarks } from './lib/proc';
import { bodyOf, bulkKind, requestParts, statusList, traceSdk, type SdkCall } from './lib/sdkTrace';
import { runtime } from './lib/runtime';
import { startBenchStack } from './lib/stack';
import { busyMs, cpuMs, fmt, mb, MB, met, pool, sleep } from './lib/stats';
import { printTable } from './lib/table';

/** Ports of their own (not those of npm start, the tests, bench/assign-license.ts or bench/bulk-job.ts), so they can run side by side. */
const PORTS = benchPorts({ host: 27271, cosmos: 28281, queue: 30201 });
const TARGET = { ratio: 2 };
/** The reconciliation's own user page (USER_PAGE in shared/usecases/reconciliation.ts): the full read's default page. */
const RECONCILIATION_USER_PAGE = 500;
const SETUP_CONCURRENCY = 64;
const GRACE_SECONDS = 1;
const CHANGE_MARGIN_SECONDS = 1;
const DRIFT = { enterpriseOver: 37, enterpriseStaleHold: 5, standardUnder: 12, standardMissingHold: 3, lostAudit: 3 };
/** Every RECENT_EVERY-th directly licensed user changed in the last 36 hours; every DISABLED_EVERY-th account is disabled. */
const RECENT_EVERY = 100;
const DISABLED_EVERY = 200;
const MIN_USERS = 100;
const ENV = benchEnv({
  ports: PORTS,
  database: 'licensing-bench-reconcile',
  keyFile: 'bench-reconcile-dev-signing-key.json',
  extra: {
    // an over-count is lowered once its counter has been still this long (900 s by default): short for the bench
    RECONCILIATION_SEAT_GRACE_SECONDS: String(GRACE_SECONDS),
    // one machine, one clock: an incremental run re-reads what was written 1 s before the last run's start
    // (the default, 300 s, would have the first incremental run re-read the last minutes of the set-up)
    RECONCILIATION_CHANGE_MARGIN_SECONDS: String(CHANGE_MARGIN_SECONDS),
    // the timer (every tenant) must not fire during the bench: 03:00 UTC on January 1st
    RECONCILIATION_SCHEDULE: '0 0 3 1 1 *',
  },
});

// ---------------- command line ----------------

interface Options {
  users: number;
  /** Page size of the full read. */
  page: number;
  /**
   * Seed users as an older version of the app wrote them (without the query fields the storage now
   * derives): the one-time migration (the userQueryFields step) then has work, reported apart from the run.
   */
  legacySeed: boolean;
}

const USAGE = `usage: node dist/bench/reconcile.js [--users N (default 100000, at least ${MIN_USERS})] [--page P (full read page size, default ${RECONCILIATION_USER_PAGE} = the reconciliation's user page)] [--legacy-seed (users without the derived query fields: the one-time migration has work)]`;
const parse = (argv: string[]) =>
  parseArgs<Options>(
    argv,
    USAGE,
    { users: 100_000, page: RECONCILIATION_USER_PAGE, legacySeed: false },
    {
      users: { int: 'users', check: (n) => (n < MIN_USERS ? `--users is at least ${MIN_USERS}` : undefined) },
      page: { int: 'page' },
      'legacy-seed': { set: { legacySeed: true } },
    },
    { users: 200 },
  );

const DAY_MS = 86_400_000;
/** A fixed pseudo-random number in [0, 1) per index and salt (multiplicative hashing), so every run builds the same tenant. */
const rand = (i: number, salt = 0) => (Math.imul(Math.imul(i + 1, 0x9e3779b1) ^ Math.imul(salt + 1, 0x85ebca6b), 0xc2b2ae35) >>> 0) / 2 ** 32;

// ---------------- the set-up (child process) ----------------

interface SetupResult {
  type: 'setup';
  seconds: number;
  tenantId: string;
  /** True holders per product (set as seat.consumed at the end of the set-up). */
  holders: Record<string, number>;
  totalLicenses: Record<string, number>;
  users: number;
  groupMembers: number;
  groups: { licensed: number; plain: number; plainMembers: number };
  recent: number;
  disabled: number;
  auditWritten: number;
  /** Ids of the audit records deliberately not written (lost to a "crash"). */
  lostAuditIds: string[];
  jobs: string[];
  finishedJobId: string;
  documents: number;
  meanUserBytes: number;
}

/**
 * Builds the tenant (see the header, step 2). Runs in the child: it inherits the parent's environment (the
 * bench settings), so its SDK client is configured exactly like the app's.
 */
async function setupTenant(n: number, legacySeed: boolean): Promise<SetupResult> {
  const started = performance.now();
  const { container, tracked } = await import('../shared/storage/cosmos');
  const { createTenant, createSubscription } = await import('../shared/usecases/directory');
  const { createUser } = await import('../shared/usecases/users');
  const { createGroup, convergeUser } = await import('../shared/usecases/groups');
  const { groups, memberships } = await import('../shared/storage/groups');
  const { reclaimPolicies } = await import('../shared/storage/reconciliation');
  const { DEFAULT_RECLAIM_POLICY } = await import('../shared/domain/reconciliation');
  const { evaluateLicenseChange } = await import('../shared/domain/licensing');
  const { auditRecordFor, changedUser, forRules } = await import('../shared/licensing');
  const { withQueryFields } = await import('../shared/storage/users');
  const { catalog, SKU } = await (await import('./lib/demoCatalog')).demoCatalog();
  type UserDoc = import('../shared/storage/documents').UserDoc;
  type AuditDoc = import('../shared/storage/documents').AuditDoc;
  type JobDoc = import('../shared/storage/jobs').JobDoc;
  type Principal = import('../shared/domain/roles').Principal;

  const E3 = SKU.ENTERPRISEPACK;
  const E1 = SKU.STANDARDPACK;
  const run = randomUUID().slice(0, 8);
  const now = Date.now();
  const iso = (ms: number) => new Date(ms).toISOString();
  const groupMembers = Math.min(50, Math.floor(n / 100)); // per licensed group
  const direct = n - 2 * groupMembers;
  const productOf = (i: number) => (i % 10 < 7 ? E3 : E1);
  let directE3 = 0;
  for (let i = 0; i < direct; i++) if (productOf(i) === E3) directE3++;
  const holders: Record<string, number> = { [E3]: directE3 + groupMembers, [E1]: direct - directE3 + groupMembers };
  // bought with headroom: the tenant is not over-assigned (the drift is in the counters, not in the seats)
  const totalLicenses: Record<string, number> = { [E3]: Math.ceil(holders[E3] * 1.1) + 50, [E1]: Math.ceil(holders[E1] * 1.1) + 50 };

  const tenant = await createTenant({ displayName: 'Bench org (reconciliation)', defaultUsageLocation: 'NL', cloud: 'Worldwide' });
  const tenantId = tenant.id;
  const subs = [await createSubscription(catalog, tenantId, { skuId: E3, totalLicenses: totalLicenses[E3], purchaseChannel: 'admin' })];
  subs.push(await createSubscription(catalog, tenantId, { skuId: E1, totalLicenses: totalLicenses[E1], purchaseChannel: 'admin' }));
  const subsForRules = new Map(subs.map((d) => [d.skuId, forRules(d)]));
  const admin = { id: 'bench-admin', displayName: 'Bench admin' };
  await reclaimPolicies.put({
    tenantId,
    reclaimDisabledAccounts: { ...DEFAULT_RECLAIM_POLICY, enabled: true, disabledForDays: 30, dryRun: true },
    lastModifiedDateTime: iso(now - 40 * DAY_MS),
    lastModifiedBy: admin,
  });
  let documents = 1 + 2 + 1;

  // -------- groups: two carry a product (members converged as the group-licensing queue would), one none --------
  const licensed = [
    { displayName: 'All staff E3', skuId: E3 },
    { displayName: 'Frontline E1', skuId: E1 },
  ];
  let members = 0;
  for (const [k, l] of licensed.entries()) {
    const g = await createGroup(tenantId, { displayName: l.displayName, description: `Gives its members ${l.displayName.split(' ').pop()}` });
    const withLicenses = await groups.replaceIfMatch(
      { ...g, assignedLicenses: [{ skuId: l.skuId, disabledPlans: [] }], licenseProcessingState: { state: 'ProcessingComplete' } },
      g._etag!,
    );
    if (!withLicenses) throw new Error(`group ${l.displayName} changed under the set-up`);
    documents++;
    for (let m = 0; m < groupMembers; m++) {
      const u = await createUser(tenantId, {
        displayName: `Group member ${k}-${m}`,
        userPrincipalName: `gm${k}-${m}-${run}@bench.dev`,
        usageLocation: 'NL',
        accountEnabled: true,
        userType: 'Member',
      });
      await memberships.add(tenantId, g.id, u.id);
      const converged = await convergeUser(catalog, tenantId, u.id);
      if (!converged.skuIds.includes(l.skuId)) throw new Error(`group member ${u.id} did not get ${l.skuId}: ${JSON.stringify(converged.licenseAssignments)}`);
      members++;
      documents += 4; // claim, user, membership, audit record
    }
  }
  const plainGroup = await createGroup(tenantId, { displayName: 'Sales (no licenses)', description: 'A group without products' });
  documents++;

  // -------- the directly licensed users: the documents createUser + assignLicense leave, written with the SDK --------
  const principal: Principal = {
    tenantId,
    objectId: admin.id,
    displayName: admin.displayName,
    directoryRoles: ['GlobalAdministrator'],
    appRoles: [],
    isApp: false,
  };
  const directory = container('directory');
  const auditContainer = container('audit');
  const departments = ['Sales', 'Engineering', 'Finance', 'Operations', 'Support', null];
  const lostAuditIds: string[] = [];
  let recent = 0;
  let disabled = 0;
  let auditWritten = 0;
  let userBytes = 0;
  const plainMembers: string[] = [];
  const upnClaimId = (upn: string) => `upn-${Buffer.from(upn.toLowerCase()).toString('base64url')}`; // as in shared/storage/users.ts
  const buildUser = (i: number): { user: UserDoc; record?: AuditDoc; lost: boolean } => {
    const isRecent = i % RECENT_EVERY === RECENT_EVERY / 2;
    const isDisabled = !isRecent && i % DISABLED_EVERY === 7;
    const assignedAt = isRecent ? now - rand(i, 1) * 36 * 3600_000 : now - (8 + rand(i, 1) * 692) * DAY_MS;
    const createdAt = assignedAt - rand(i, 2) * 30 * DAY_MS;
    const displayName = `Bench user ${i}`;
    const userPrincipalName = `rc${i}-${run}@bench.dev`;
    const department = departments[i % departments.length];
    // createUser's document (shared/usecases/directory.ts)
    const created: UserDoc = {
      id: randomUUID(),
      tenantId,
      type: 'user',
      displayName,
      userPrincipalName,
      mail: null,
      usageLocation: 'NL',
      accountEnabled: true,
      userType: 'Member',
      department,
      jobTitle: null,
      createdDateTime: iso(createdAt),
      licenseAssignments: [],
      skuIds: [],
      search: { displayName: displayName.toLowerCase(), userPrincipalName: userPrincipalName.toLowerCase() },
    };
    // assignLicense's change, as the write engine commits it (shared/licensing/engine.ts, step 4)
    const change = { addLicenses: [{ skuId: productOf(i), disabledPlans: [] }], removeLicenses: [] };
    const at = iso(assignedAt);
    const outcome = evaluateLicenseChange({ catalog, principal, user: created, subscriptions: subsForRules, change, now: at, checkSeats: false });
    if (outcome.violations.length) throw new Error(`user ${i}: ${JSON.stringify(outcome.violations)}`);
    const record = auditRecordFor({ tenantId, requestId: randomUUID(), principal, operation: 'assignLicense' }, created, outcome.next, [productOf(i)], at);
    let user = changedUser(created, outcome.next, {}, record);
    // updateUser's accountEnabled=false, long after the assignment
    if (isDisabled) user = { ...user, accountEnabled: false, disabledDateTime: iso(now - (45 + rand(i, 3) * 255) * DAY_MS) };
    const lost = isRecent && lostAuditIds.length < DRIFT.lostAudit;
    if (lost) lostAuditIds.push(record.id);
    return { user, record: isRecent && !lost ? record : undefined, lost };
  };

  await pool(direct, SETUP_CONCURRENCY, async (i) => {
    const { user, record } = buildUser(i);
    // users.create: the user principal name's claim first, then the user
    await tracked(() => directory.items.create({ id: upnClaimId(user.userPrincipalName), tenantId, type: 'upnClaim', userId: user.id }));
    // as users.create writes it (the query fields derived), or (--legacy-seed) as an older version did
    await tracked(() => directory.items.create(legacySeed ? user : withQueryFields(user)));
    directUserIds[i] = user.id;
    documents += 2;
    if (i < 64) userBytes += Buffer.byteLength(JSON.stringify(user));
    if (!user.accountEnabled) disabled++;
    if (user.lastLicenseChange && i % RECENT_EVERY === RECENT_EVERY / 2) recent++;
    if (record) {
      await tracked(() => auditContainer.items.create(record));
      auditWritten++;
      documents++;
    }
    if (i >= direct - 20) plainMembers.push(user.id);
  });
  for (const id of plainMembers) await memberships.add(tenantId, plainGroup.id, id);
  documents += plainMembers.length;

  // -------- a few finished bulk jobs (one of them is the stale hold's job in the drift) --------
  const jobIds: string[] = [];
  for (let k = 0; k < 3; k++) {
    const id = randomUUID();
    const createdAt = now - (3 - k) * DAY_MS;
    const job: JobDoc = {
      id,
      tenantId,
      type: 'licenseJob',
      source: 'selection',
      request: { mode: 'add', addLicenses: [{ skuId: E3, disabledPlans: [] }], removeLicenses: [] },
      dryRun: false,
      requireSeats: false,
      createMissingUsers: false,
      createdBy: { id: admin.id, displayName: admin.displayName, directoryRoles: ['GlobalAdministrator'], appRoles: [] },
      createdDateTime: iso(createdAt),
      startedDateTime: iso(createdAt + 1000),
      completedDateTime: iso(createdAt + 60_000),
      status: 'completed',
      phase: 'apply',
      total: 300,
      chunkCount: 3,
      progress: { done: { 0: true, 1: true, 2: true }, chunksdone: 3, succeeded: 300, failed: 0, skipped: 0 },
      preview: { needed: { [E3]: 0 } },
      cancel: false,
      error: null,
    };
    await tracked(() => container('jobs').items.create(job));
    jobIds.push(id);
  }

  // -------- the counters as they should be: seat.consumed = the true holders, no holds --------
  for (const d of subs) {
    await tracked(() =>
      directory.item(d.id, tenantId).patch([
        { op: 'set', path: '/seat/consumed', value: holders[d.skuId] },
        { op: 'set', path: '/seat/holds', value: {} },
      ]),
    );
  }
  // Power BI Pro, nobody holding it yet: what the changes after the first run add
  await createSubscription(catalog, tenantId, { skuId: SKU.POWER_BI_PRO, totalLicenses: Math.ceil(direct * 0.12) + 20, purchaseChannel: 'admin' });
  documents++;

  return {
    type: 'setup',
    seconds: (performance.now() - started) / 1000,
    tenantId,
    holders,
    totalLicenses,
    users: direct + members,
    groupMembers: members,
    groups: { licensed: licensed.length, plain: 1, plainMembers: plainMembers.length },
    recent,
    disabled,
    auditWritten,
    lostAuditIds,
    jobs: jobIds,
    finishedJobId: jobIds[jobIds.length - 1],
    documents,
    meanUserBytes: userBytes / Math.min(64, direct),
  };
}

// ---------------- the changes since the last run (child process) ----------------

/** The directly licensed users of the tenant, by index (kept in the child for the change tasks). */
const directUserIds: string[] = [];

interface ChangeTask {
  type: 'change';
  tenantId: string;
  /** Every `every`-th direct user, from `offset`, changes. */
  every: number;
  offset: number;
}
interface ChangeResult {
  type: 'change';
  seconds: number;
  changed: number;
  engineRuns: number;
  /** The audit record lost (a crash between a user write and the audit write). */
  lostAuditId: string;
  /** The seat intent of a run that died between its reservation and its user write. */
  openIntentId: string;
}

/**
 * Changes since the last run, as the service makes them: every `every`-th direct user gets Power BI Pro
 * through the write engine (applyChanges with reserved seats, one user per group, 100 users per engine
 * run as a bulk chunk has them), each change audited and noted by its seat intent. Then the drift the
 * engine can leave: one change's audit record lost (a crash between the user write and the audit write),
 * and a run that died between its reservation and its user write (its seat intent and an E3 seat
 * reserved with the app's own calls, no user written).
 */
async function applyChangeSet(t: ChangeTask): Promise<ChangeResult> {
  const started = performance.now();
  const { applyChanges, directChange, reservedSeats } = await import('../shared/licensing');
  const { newSeatIntentId, seatIntents } = await import('../shared/storage/seatIntents');
  const { subscriptions } = await import('../shared/storage/subscriptions');
  const { users } = await import('../shared/storage/users');
  const { container, tracked } = await import('../shared/storage/cosmos');
  const { catalog, SKU } = await (await import('./lib/demoCatalog')).demoCatalog();
  const principal: import('../shared/domain/roles').Principal = {
    tenantId: t.tenantId,
    objectId: 'bench-admin',
    displayName: 'Bench admin',
    directoryRoles: ['GlobalAdministrator'],
    appRoles: [],
    isApp: false,
  };
  const ids = directUserIds.filter((_, i) => i % t.every === t.offset);
  let engineRuns = 0;
  for (let i = 0; i < ids.length; i += 100) {
    const outcomes = await applyChanges({
      catalog,
      tenantId: t.tenantId,
      seats: reservedSeats(t.tenantId),
      groups: ids.slice(i, i + 100).map((userId) => ({
        principal,
        requestId: randomUUID(),
        operation: 'assignLicense',
        changes: [
          directChange(principal, { userId, changeFor: () => ({ addLicenses: [{ skuId: SKU.POWER_BI_PRO, disabledPlans: [] }], removeLicenses: [] }) }),
        ],
      })),
    });
    engineRuns++;
    const failed = outcomes.find((o) => !o.ok);
    if (failed && !failed.ok) throw new Error(`a change failed: ${failed.error.message}`);
  }
  const lost = (await users.get(t.tenantId, ids[0]))!.lastLicenseChange!;
  await tracked(() => container('audit').item(lost.id, t.tenantId).delete());
  const openIntentId = newSeatIntentId();
  await seatIntents.put({
    id: openIntentId,
    tenantId: t.tenantId,
    type: 'seatIntent',
    createdDateTime: new Date().toISOString(),
    skuIds: [SKU.ENTERPRISEPACK],
    userIds: [ids[1] ?? ids[0]],
  });
  if (!(await subscriptions.reserveSeats(t.tenantId, SKU.ENTERPRISEPACK, 1))) throw new Error('no E3 seat to reserve for the run that dies');
  return { type: 'change', seconds: (performance.now() - started) / 1000, changed: ids.length, engineRuns, lostAuditId: lost.id, openIntentId };
}

type ChildTask = { type: 'setup'; users: number; legacySeed: boolean } | ChangeTask;
type ChildAnswer = SetupResult | ChangeResult;

/** The set-up child (--setup): the tenant, then the changes since each run. */
const setupChild = () => serveChild<ChildTask, ChildAnswer>({ setup: (m) => setupTenant(m.users, m.legacySeed), change: (m) => applyChangeSet(m) });

// ---------------- instrumentation of this process ----------------

/**
 * Per-operation tally of one phase (the full read, the run), from the SDK's diagnostics, counted the same way
 * as the app's own counter (cosmosRequestStats): an operation's row has its answered requests; the SDK's
 * metadata lookups (query plans…) and retried attempts are counted in its `requests` and shown apart.
 */
interface OpStats {
  calls: number;
  requests: number;
  metadata: number;
  retries: number;
  /** Documents returned (queries). */
  items: number;
  /** Response payload bytes (gateway statistics). */
  bytes: number;
  /** Summed wall time of the calls (ms), and the first start / last end relative to the phase start. */
  ms: number;
  first: number;
  last: number;
  statuses: Map<number | string, number>;
}
interface Phase {
  name: string;
  t0: number;
  ops: Map<string, OpStats>;
  intervals: [number, number][];
}
let phase: Phase | undefined;

function tally(call: SdkCall) {
  const p = phase;
  if (!p) return;
  let s = p.ops.get(call.label);
  if (!s)
    p.ops.set(
      call.label,
      (s = { calls: 0, requests: 0, metadata: 0, retries: 0, items: 0, bytes: 0, ms: 0, first: call.t0 - p.t0, last: 0, statuses: new Map() }),
    );
  const parts = requestParts(call.diagnostics, call.unansweredLast);
  s.calls++;
  s.requests += parts.total;
  s.metadata += parts.metadata.length;
  s.retries += parts.retried.length;
  s.items += call.items;
  s.bytes += parts.bytes;
  s.ms += call.t1 - call.t0;
  s.last = Math.max(s.last, call.t1 - p.t0);
  s.statuses.set(call.status, (s.statuses.get(call.status) ?? 0) + 1);
  p.intervals.push([call.t0, call.t1]);
}

/** Names a query after what issues it (the storage function), from its text. */
function queryLabel(self: { resourceLink?: string; query?: string | { query?: string } }): string {
  const text = typeof self.query === 'string' ? self.query : (self.query?.query ?? '');
  const coll =
    String(self.resourceLink ?? '')
      .split('/')
      .filter(Boolean)
      .pop() ?? '?';
  const known: [RegExp, string][] = [
    [/^SELECT \* FROM c WHERE c\.tenantId = @t$/i, 'query: the full read (SELECT * of the partition)'],
    [/COUNT\(1\).*ARRAY_CONTAINS\(c\.assignedSkuIds/i, "query: recount, a product's holders counted by the store"],
    [/c\._ts >= @since OR \(ARRAY_CONTAINS/i, 'query: recount, users written within the grace period'],
    [/ARRAY_CONTAINS\(c\.assignedSkuIds, @sku\)/i, "query: a product's holders (newest over the line)"],
    [/COUNT\(1\).*signInActivity/i, 'query: inactivity counts (index-only COUNT)'],
    [/c\.accountEnabled = false AND c\.disabledDateTime/i, 'query: reclaim candidates (indexed)'],
    [/c\._ts >= @after/i, 'query: the change set (_ts since the last run)'],
    [/c\.type = 'seatIntent'/i, 'query: open seat intents'],
    [/c\.type = 'licenseRequest'/i, 'query: license requests due'],
    [/c\.licenseAssignments.*c\.type = 'user'/i, "query: scan, the tenant's users (userPages)"],
    [/c\.type = 'subscription'/i, 'query: subscriptions.list'],
    [/ARRAY_CONTAINS\(@ids, c\.id\)/i, 'query: existingAuditIds (audit check)'],
    [/c\.type = 'group' AND ARRAY_LENGTH/i, 'query: groups.withLicenses'],
    [/ARRAY_LENGTH\(c\.groupPaths\)/i, 'query: memberships.formerMembersWithPaths'],
    [/c\.type = 'user' AND ARRAY_CONTAINS\(c\.skuIds/i, 'query: usersWithProduct (deleted products)'],
    [/c\.type = 'alertWebhook'/i, 'query: webhooks'],
  ];
  for (const [re, label] of known) if (re.test(text)) return label;
  return `query ${coll}: ${text.replace(/\s+/g, ' ').slice(0, 70)}`;
}

/** What a document is, from its container and id (or its body's type). */
function docKind(container: string, id: string | undefined, tenantId: () => string | undefined, type?: string): string {
  if (type) return `${container} ${type}`;
  if (!id) return container;
  if (container === 'jobs') return id === 'reconciliation-lease' ? 'jobs lease' : id.includes('_') ? 'jobs chunk' : 'jobs job';
  if (container === 'audit') return 'audit record';
  if (id === tenantId()) return 'directory tenant';
  if (id === 'reconciliation-policy') return 'directory reclaim policy';
  if (id.startsWith('member-')) return 'directory membership';
  if (id.startsWith('upn-')) return 'directory upn claim';
  if (id.startsWith('wait-')) return 'directory waiting entry';
  if (id.includes('_')) return 'directory subscription';
  return 'directory user/group';
}

async function instrument(tenantId: () => string | undefined) {
  const queues = await import('@azure/storage-queue');
  const conditional = (args: unknown[], i: number) => {
    const o = args[i] as { accessCondition?: unknown; condition?: string } | undefined;
    return o?.accessCondition ? ' (If-Match)' : '';
  };
  const kindOf = (container: string, id: string | undefined) => docKind(container, id, tenantId);
  await traceSdk({
    enabled: () => !!phase,
    label(method, self, args) {
      switch (method) {
        case 'read':
        case 'delete':
          return `${method} ${docKind(self.container.id, self.id, tenantId)}`;
        case 'replace':
          return `replace ${docKind(self.container.id, self.id, tenantId, bodyOf(args)?.type)}${conditional(args, 1)}`;
        case 'patch': {
          const a = args[0] as { condition?: string } | unknown[];
          return `patch ${docKind(self.container.id, self.id, tenantId)}${!Array.isArray(a) && a?.condition ? ' (condition)' : ''}${conditional(args, 1)}`;
        }
        case 'create':
        case 'upsert':
          return `${method} ${docKind(self.container.id, bodyOf(args)?.id, tenantId, bodyOf(args)?.type)}`;
        case 'bulk':
        case 'batch':
        case 'executeBulkOperations':
          return `${method} ${bulkKind(kindOf, self, args)}`;
        default:
          return queryLabel(self);
      }
    },
    onEnd: tally,
  });
  // queue sends (Azurite): not Cosmos DB requests; rows of their own
  const proto = queues.QueueClient.prototype as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  const send = proto.sendMessage;
  proto.sendMessage = async function (this: { name: string }, ...args: unknown[]) {
    if (!phase) return send.apply(this, args);
    const t0 = performance.now();
    try {
      return await send.apply(this, args);
    } finally {
      const p = phase;
      const label = `queue sendMessage ${this.name}`;
      let s = p?.ops.get(label);
      if (p && !s)
        p.ops.set(label, (s = { calls: 0, requests: 0, metadata: 0, retries: 0, items: 0, bytes: 0, ms: 0, first: t0 - p.t0, last: 0, statuses: new Map() }));
      if (p && s) {
        const t1 = performance.now();
        s.calls++;
        s.ms += t1 - t0;
        s.last = Math.max(s.last, t1 - p.t0);
        p.intervals.push([t0, t1]);
      }
    }
  };
}

/**
 * Counts the host's group-licensing invocations (the work the run's group step queues), to wait for it; and
 * while the run is measured, holds those that arrive until it has ended. The queue work is asynchronous by
 * design (any instance runs it, after the step has queued it); on this one-process host it would otherwise
 * start within milliseconds and compete with the run's last steps for the emulator and this process.
 */
const groupWork = { inFlight: 0, done: 0, failed: 0, heldDuringRun: 0 };
let groupGate: { promise: Promise<void>; release: () => void } | undefined;
function holdGroupLicensing(): () => void {
  let release!: () => void;
  const promise = new Promise<void>((r) => (release = r));
  groupGate = { promise, release };
  return () => {
    groupGate = undefined;
    release();
  };
}
function watchGroupLicensing(registrations: { name: string; handler: (...args: unknown[]) => unknown }[]) {
  const reg = registrations.find((r) => r.name === 'processGroupLicensing');
  if (!reg) throw new Error('the host has no processGroupLicensing function');
  const original = reg.handler;
  reg.handler = async (...args: unknown[]) => {
    groupWork.inFlight++;
    try {
      if (groupGate) {
        groupWork.heldDuringRun++;
        await groupGate.promise;
      }
      const v = await original(...args);
      groupWork.done++;
      return v;
    } catch (e) {
      groupWork.failed++;
      throw e;
    } finally {
      groupWork.inFlight--;
    }
  };
}

interface Measured<T> {
  value: T;
  ms: number;
  requests: number;
  metadata: number;
  retries: number;
  hostCpuMs: number;
  emulatorCpuMs?: number;
  rssStart: number;
  rssPeak: number;
  heapStart: number;
  heapPeak: number;
  maxRssAfter: number;
  phase: Phase;
}

/** Runs one timed phase: its requests (the app's counter), CPU, RSS sampled every 50 ms, per-operation profile. */
async function measure<T>(name: string, stats: { requests: number; metadata: number; retries: number }, fn: () => Promise<T>): Promise<Measured<T>> {
  const before = { ...stats };
  const m0 = process.memoryUsage();
  const peak = { rss: m0.rss, heap: m0.heapUsed };
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peak.rss = Math.max(peak.rss, m.rss);
    peak.heap = Math.max(peak.heap, m.heapUsed);
  }, 50);
  const emu0 = childProc(EMULATORS.cosmos)?.cpuMs;
  const cpu0 = process.cpuUsage();
  const p: Phase = { name, t0: performance.now(), ops: new Map(), intervals: [] };
  phase = p;
  let value: T;
  try {
    value = await fn();
  } finally {
    phase = undefined;
    clearInterval(sampler);
  }
  const ms = performance.now() - p.t0;
  const hostCpuMs = cpuMs(process.cpuUsage(cpu0));
  const emu1 = childProc(EMULATORS.cosmos)?.cpuMs;
  const m1 = process.memoryUsage();
  return {
    value,
    ms,
    requests: stats.requests - before.requests,
    metadata: stats.metadata - before.metadata,
    retries: stats.retries - before.retries,
    hostCpuMs,
    emulatorCpuMs: emu0 !== undefined && emu1 !== undefined ? emu1 - emu0 : undefined,
    rssStart: m0.rss,
    rssPeak: Math.max(peak.rss, m1.rss),
    heapStart: m0.heapUsed,
    heapPeak: Math.max(peak.heap, m1.heapUsed),
    maxRssAfter: process.resourceUsage().maxRSS * 1024,
    phase: p,
  };
}

function printProfile(m: Measured<unknown>, per: number, perLabel: string) {
  const rows = [...m.phase.ops].sort((a, b) => a[1].first - b[1].first);
  if (!rows.length) return;
  console.log(`  ${m.phase.name}: operations in the order they first ran (ms from the phase start; calls run one after the other unless their spans overlap)`);
  const outside = m.ms - busyMs(m.phase.intervals);
  printTable(
    '    ',
    [
      { title: 'operation', width: 40 },
      { title: 'calls', width: 6, align: 'right' },
      { title: 'requests', width: 8, align: 'right' },
      { title: perLabel, width: 9, align: 'right' },
      { title: 'docs', width: 8, align: 'right' },
      { title: 'MB', width: 7, align: 'right' },
      { title: 'ms/call', width: 8, align: 'right' },
      { title: 'sum ms', width: 9, align: 'right' },
      { title: 'share', width: 6, align: 'right' },
      { title: 'first', width: 8, align: 'right' },
      { title: 'last', width: 8, align: 'right' },
      { title: 'statuses', gap: 2 },
    ],
    [
      ...rows.map(([label, s]) => {
        const extra = [s.metadata ? `${s.metadata} metadata` : '', s.retries ? `${s.retries} retried` : ''].filter(Boolean).join(', ');
        return [
          label,
          String(s.calls),
          String(s.requests),
          fmt(s.requests / per, 4),
          String(s.items),
          fmt(s.bytes / MB, 1),
          fmt(s.ms / s.calls, 1),
          fmt(s.ms, 0),
          `${fmt((100 * s.ms) / m.ms, 0)}%`,
          fmt(s.first, 0),
          fmt(s.last, 0),
          `${statusList(s.statuses)}${extra ? ` (${extra})` : ''}`,
        ];
      }),
      {
        cells: ['outside any Cosmos DB / queue call', '', '', '', '', '', '', fmt(outside, 0), `${fmt((100 * outside) / m.ms, 0)}%`],
        tail: "   (this process's own work: JSON, the per-user checks, the report; and waiting for the event loop)",
      },
    ],
  );
}

// ---------------- incremental runs ----------------

type Report = import('../shared/usecases/reconciliation').ReconciliationReport;
interface IncrementalPhase {
  name: string;
  change?: ChangeResult;
  m: Measured<Report>;
}

/** Waits until the host runs no group-licensing work and its queue is empty (twice, half a second apart). */
async function groupWorkIdle(): Promise<boolean> {
  const { queue } = await import('../shared/storage/queues');
  const groupQueue = queue('group-licensing');
  const idle = async () => groupWork.inFlight === 0 && ((await groupQueue.getProperties()).approximateMessagesCount ?? 0) === 0;
  for (let i = 0; i < 600; i++) {
    if ((await idle()) && (await sleep(500), await idle())) return true;
    await sleep(200);
  }
  return false;
}

/**
 * The steady state after the full run: incremental runs with nothing changed since the last run, then 1 %
 * and then 10 % of the direct users changed (applyChangeSet, in the child), each change set with the drift
 * the engine can leave (a lost audit record, a run that died between its reservation and its user write).
 * Each run must complete, repair that drift, and agree with the full run on what it finds by indexed
 * queries (reclaim candidates, inactivity counts). The group work a run queues is done before the next.
 */
async function incrementalRuns(o: {
  t: string;
  setup: SetupResult;
  child: Child<ChildTask, ChildAnswer>;
  full: Report;
  reconcileTenant: (tenantId: string, options: import('../shared/usecases/reconciliation').RunOptions) => Promise<Report>;
  measure: <T>(name: string, fn: () => Promise<T>) => Promise<Measured<T>>;
  countHolders: (sku: string) => Promise<number>;
  readSub: (sku: string) => Promise<{ seat: { consumed: number } }>;
  problems: string[];
}): Promise<IncrementalPhase[]> {
  const { t, setup, problems } = o;
  const { catalog, SKU } = await (await import('./lib/demoCatalog')).demoCatalog();
  const { container } = await import('../shared/storage/cosmos');
  const run = () =>
    o.reconcileTenant(t, { trigger: 'onDemand', mode: 'incremental', requestedBy: { id: 'bench', displayName: 'Reconciliation benchmark' }, catalog });
  // the first run after the full one reads the full run's own writes (its repairs, the group work it queued): not measured
  await groupWorkIdle();
  const settle = await run();
  if (settle.status !== 'completed') problems.push(`the first incremental run ended ${settle.status}: ${JSON.stringify(settle.errors)}`);
  await groupWorkIdle();
  const phases: IncrementalPhase[] = [];
  let powerBi = 0;
  for (const [name, every, offset] of [
    ['nothing changed', 0, 0],
    ['1 % changed', 100, 37],
    ['10 % changed', 10, 3],
  ] as const) {
    await sleep((CHANGE_MARGIN_SECONDS + 1) * 1000 + 100); // past the last run's start and its margin
    let change: ChangeResult | undefined;
    if (every) {
      change = await o.child.run<ChangeTask>({ type: 'change', tenantId: t, every, offset });
      powerBi += change.changed;
      await sleep((GRACE_SECONDS + 1) * 1000 + 300); // the dead run's intent and the counter it moved, older than the grace period
    }
    const release = holdGroupLicensing();
    const m = await o.measure(`incremental run, ${name}`, run).finally(release);
    await groupWorkIdle();
    const r = m.value;
    const fail = (what: string) => problems.push(`incremental run, ${name}: ${what}`);
    if (r.status !== 'completed' || r.mode !== 'incremental') fail(`ended ${r.status} (${r.mode}): ${JSON.stringify(r.errors)}`);
    const users = r.changes?.users ?? -1;
    if (users < (change?.changed ?? 0) || users > (change?.changed ?? 0) + 10) fail(`its change set has ${users} users, ${change?.changed ?? 0} changed`);
    if (change) {
      if (r.seatIntents.closed !== 1 || (await container('audit').item(change.openIntentId, t).read()).resource)
        fail(`the dead run's seat intent not closed (${JSON.stringify(r.seatIntents)})`);
      if (!r.auditRecords.recreatedIds.includes(change.lostAuditId) || !(await container('audit').item(change.lostAuditId, t).read()).resource)
        fail(`the lost audit record ${change.lostAuditId} not re-created (${JSON.stringify(r.auditRecords)})`);
    }
    for (const [sku, expected] of [
      [SKU.ENTERPRISEPACK, setup.holders[SKU.ENTERPRISEPACK]],
      [SKU.STANDARDPACK, setup.holders[SKU.STANDARDPACK]],
      [SKU.POWER_BI_PRO, powerBi],
    ] as const) {
      const [consumed, holders] = [(await o.readSub(sku)).seat.consumed, await o.countHolders(sku)];
      if (consumed !== expected || holders !== expected) fail(`${sku}: counter ${consumed}, holders ${holders}, expected ${expected}`);
    }
    if (r.summary.reclaimCandidates !== setup.disabled) fail(`${r.summary.reclaimCandidates} reclaim candidates, the full run found ${setup.disabled}`);
    if (JSON.stringify(r.inactiveLicensedUsers) !== JSON.stringify(o.full.inactiveLicensedUsers))
      fail(`inactive licensed users ${JSON.stringify(r.inactiveLicensedUsers)}, the full run counted ${JSON.stringify(o.full.inactiveLicensedUsers)}`);
    phases.push({ name, change, m });
  }
  return phases;
}

/** The figures of the incremental runs against the full read (time and requests), with the full run beside them. */
function printIncremental(read: Measured<{ docs: number }>, full: Measured<Report>, phases: IncrementalPhase[]): void {
  const row = (name: string, m: Measured<unknown>, report?: Report, changed?: number) => [
    name,
    changed === undefined ? '' : String(changed),
    fmt(m.ms / 1000, 2),
    fmt(m.ms / read.ms, 4),
    String(m.requests),
    String(m.metadata),
    fmt(m.requests / read.requests, 4),
    report ? String(report.documentsRead) : String(read.value.docs),
    mb(m.rssPeak),
  ];
  console.log(
    `the runs against one full read of the partition (${read.value.docs} documents), time and Cosmos DB requests (of them the SDK's query-plan lookups: one per query it starts, none per page):`,
  );
  printTable(
    '  ',
    [
      { title: 'run', width: 34 },
      { title: 'changed', width: 8, align: 'right' },
      { title: 's', width: 9, align: 'right' },
      { title: 'x read', width: 8, align: 'right' },
      { title: 'requests', width: 9, align: 'right' },
      { title: 'of them plans', width: 14, align: 'right' },
      { title: 'x read', width: 8, align: 'right' },
      { title: 'docs read', width: 10, align: 'right' },
      { title: 'peak RSS', gap: 2 },
    ],
    [
      row('full read (SELECT * of the partition)', read),
      row('full run', full, full.value),
      ...phases.map((p) => row(`incremental, ${p.name}`, p.m, p.m.value, p.change?.changed ?? 0)),
    ],
  );
  const one = phases.find((p) => p.name === '1 % changed');
  const none = phases.find((p) => p.name === 'nothing changed');
  if (one) {
    const [time, requests] = [one.m.ms / read.ms, one.m.requests / read.requests];
    const withoutPlans = (one.m.requests - one.m.metadata) / (read.requests - read.metadata);
    console.log(
      `target, 1 % changed: at most 0.05 of a full read: time ${fmt(time, 4)} (${met(time <= 0.05)}), requests ${fmt(requests, 4)} (${met(requests <= 0.05)}; without the query-plan lookups ${fmt(withoutPlans, 4)})`,
    );
  }
  if (none) console.log(`target, nothing changed: a handful of requests: ${none.m.requests} (what they are: the report's steps, below)`);
  const peak = Math.max(full.rssPeak, ...phases.map((p) => p.m.rssPeak));
  console.log(`target, peak memory of the runs under 200 MB: ${mb(peak)} (${met(peak < 200 * MB)})`);
  for (const p of phases) {
    const r = p.m.value;
    console.log(
      `  incremental, ${p.name}: change set ${JSON.stringify(r.changes)}; seat intents ${JSON.stringify(r.seatIntents)}; seats recounted ${JSON.stringify(r.seats.map((x) => `${x.skuPartNumber} ${x.action} ${x.consumedBefore}->${x.consumedAfter}`))}; ` +
        `audit ${r.auditRecords.checked} checked, ${r.auditRecords.recreated} re-created; reclaim candidates ${r.reclaim.candidates}; documentsRead ${r.documentsRead}, requests ${r.requests}, requestCharge ${r.requestCharge}` +
        `${p.change ? `; the change set was written by the engine in ${fmt(p.change.seconds, 1)} s (${p.change.engineRuns} engine runs)` : ''}`,
    );
  }
}

// ---------------- the benchmark ----------------

async function main(): Promise<number> {
  const opt = parse(process.argv.slice(2));
  applyBenchEnv(ENV);

  const { cosmosRequestStats, container, tracked } = await import('../shared/storage/cosmos');
  let tenantId: string | undefined;
  await instrument(() => tenantId);
  const N = opt.users;
  const others = otherBenchmarks();

  console.log(
    `reconciliation benchmark: one tenant of ${N} users with injected drift, reconcileTenant vs one plain full read of its partition ` +
      `(Node ${process.version}, cosmosdb-server + Azurite + local host with functions/index.js in this process; emulator's query scan made linear, see the header)`,
  );
  console.log(runtime());
  console.log(`machine at start: ${machineLoad()}${others.length ? `; other benchmarks running: ${others.join(' | ')}` : '; no other benchmark running'}`);
  const stack = await startBenchStack(PORTS);
  const { catalog, SKU } = await (await import('./lib/demoCatalog')).demoCatalog();
  const E3 = SKU.ENTERPRISEPACK;
  const E1 = SKU.STANDARDPACK;
  watchGroupLicensing(stack.host.registrations);
  let child: Child<ChildTask, ChildAnswer> | undefined;
  try {
    // the same module instance the host's functions/index.js registered its steps on (dist/shared/usecases/reconciliation.js)
    const { reconcileTenant } = await import('../shared/usecases/reconciliation');

    // -------- set-up (not timed; in the child, which stays for the changes after the first run) --------
    child = await startChild<ChildTask, ChildAnswer>(__filename, 'setup');
    const setup = await child.run<{ type: 'setup'; users: number; legacySeed: boolean }>({ type: 'setup', users: N, legacySeed: opt.legacySeed });
    tenantId = setup.tenantId;
    const t = setup.tenantId;
    console.log(
      `set-up: tenant ${t}: ${setup.users} users (${setup.users - setup.groupMembers} written directly with the SDK, each with its upn claim, ~${fmt(setup.meanUserBytes, 0)} B per user document; ` +
        `${setup.groupMembers} licensed through ${setup.groups.licensed} groups via createUser + convergeUser), ${setup.groups.licensed + setup.groups.plain} groups (one without licenses, ${setup.groups.plainMembers} members), ` +
        `${setup.recent} changes in the last 36 h (${setup.auditWritten} audit records written), ${setup.disabled} disabled accounts (reclaim policy on, dry run), ${setup.jobs.length} finished bulk jobs; ` +
        `${setup.documents} documents in ${fmt(setup.seconds)} s`,
    );
    console.log(
      `  true holders: ENTERPRISEPACK ${setup.holders[E3]} (of ${setup.totalLicenses[E3]} bought), STANDARDPACK ${setup.holders[E1]} (of ${setup.totalLicenses[E1]} bought); seat.consumed set to them`,
    );

    // -------- drift --------
    const directory = container('directory');
    const subId = (sku: string) => `${t}_${sku}`;
    const missingJobId = randomUUID();
    const finishedHold = `${setup.finishedJobId}_2`;
    const missingHold = `${missingJobId}_0`;
    await tracked(() =>
      directory.item(subId(E3), t).patch([
        { op: 'set', path: '/seat/consumed', value: setup.holders[E3] + DRIFT.enterpriseOver },
        { op: 'set', path: '/seat/holds', value: { [finishedHold]: DRIFT.enterpriseStaleHold } },
      ]),
    );
    await tracked(() =>
      directory.item(subId(E1), t).patch([
        { op: 'set', path: '/seat/consumed', value: setup.holders[E1] - DRIFT.standardUnder },
        { op: 'set', path: '/seat/holds', value: { [missingHold]: DRIFT.standardMissingHold } },
      ]),
    );
    type Sub = { seat: { consumed: number; holds?: Record<string, number> }; _ts: number };
    const readSub = async (sku: string) => (await tracked(() => directory.item(subId(sku), t).read<Sub>())).resource!;
    const drifted = [await readSub(E3), await readSub(E1)];
    const lastWrite = Math.max(...drifted.map((d) => d._ts));
    console.log(
      `drift injected: ENTERPRISEPACK consumed ${drifted[0].seat.consumed} for ${setup.holders[E3]} holders (+${DRIFT.enterpriseOver} over-count, ${DRIFT.enterpriseStaleHold} of them in a stale hold of completed job ${setup.finishedJobId}); ` +
        `STANDARDPACK consumed ${drifted[1].seat.consumed} for ${setup.holders[E1]} holders (-${DRIFT.standardUnder} under-count) with a hold of ${DRIFT.standardMissingHold} seats of job ${missingJobId}, which does not exist; ` +
        `${setup.lostAuditIds.length} recent changes without their audit record`,
    );

    // -------- warm-up (sockets, container metadata, JIT in both processes): a point read, the first pages of the full read --------
    await tracked(() => directory.item(t, t).read());
    const warm = directory.items.query(
      { query: 'SELECT * FROM c WHERE c.tenantId = @t', parameters: [{ name: '@t', value: t }] },
      { partitionKey: t, maxItemCount: opt.page },
    );
    for (let k = 0; k < 3 && warm.hasMoreResults(); k++) await tracked(() => warm.fetchNext());

    // -------- the plain full read --------
    const fullRead = async () => {
      const it = directory.items.query(
        { query: 'SELECT * FROM c WHERE c.tenantId = @t', parameters: [{ name: '@t', value: t }] },
        { partitionKey: t, maxItemCount: opt.page },
      );
      let docs = 0;
      let pages = 0;
      while (it.hasMoreResults()) {
        const page = await tracked(() => it.fetchNext());
        docs += page.resources.length;
        if (page.resources.length) pages++;
      }
      return { docs, pages };
    };
    const read = await measure('full read', cosmosRequestStats, fullRead);

    // -------- the grace period: the counters must have been still longer than it before the run --------
    // decideSeats lowers a counter only when now - (_ts + 1) >= grace (_ts is whole seconds, rounded down)
    const stillAt = (lastWrite + 1 + GRACE_SECONDS) * 1000 + 250;
    const waited = Math.max(0, stillAt - Date.now());
    if (waited) await sleep(waited);
    const stillFor = Date.now() / 1000 - lastWrite;

    // -------- the one-time migration, apart from the run: users written before the query fields existed --------
    // (the userQueryFields step of a full run does it; here first, on its own, so the run measures the steady state)
    const { addMissingQueryFields } = await import('../shared/usecases/directoryLists');
    const migration = await measure('one-time migration (userQueryFields)', cosmosRequestStats, () => addMissingQueryFields(t));

    // -------- the reconciliation: a full run --------
    const maxRssBeforeRun = process.resourceUsage().maxRSS * 1024;
    const releaseGroupWork = holdGroupLicensing();
    const rec = await measure('reconciliation (full)', cosmosRequestStats, () =>
      reconcileTenant(t, { trigger: 'onDemand', mode: 'full', requestedBy: { id: 'bench', displayName: 'Reconciliation benchmark' }, catalog }),
    ).finally(releaseGroupWork);
    const report = rec.value;
    const loadAfterRun = machineLoad();

    // -------- verification --------
    const problems: string[] = [];
    if (report.status !== 'completed')
      problems.push(`the run ended ${report.status}${report.reason ? ` (${report.reason})` : ''}: ${JSON.stringify(report.errors)}`);
    const seatOf = (sku: string) => report.seats.find((s) => s.skuId === sku);
    const expectSeat = (sku: string, name: string, before: number, hold: string, holdSeats: number, reason: string) => {
      const s = seatOf(sku);
      if (!s) return problems.push(`the report has no seat entry for ${name}`);
      if (s.action !== 'repaired' || s.consumedBefore !== before || s.consumedAfter !== setup.holders[sku] || s.holders !== setup.holders[sku])
        problems.push(
          `${name}: action ${s.action}${s.reason ? ` (${s.reason}: ${s.message})` : ''}, consumed ${s.consumedBefore} -> ${s.consumedAfter}, holders ${s.holders}; expected repaired ${before} -> ${setup.holders[sku]}`,
        );
      const stale = s.staleHoldsRemoved.find((h) => h.key === hold);
      if (!stale || stale.seats !== holdSeats || stale.reason !== reason)
        problems.push(`${name}: stale hold ${hold} not reported removed as ${reason} (${JSON.stringify(s.staleHoldsRemoved)})`);
    };
    expectSeat(E3, 'ENTERPRISEPACK', setup.holders[E3] + DRIFT.enterpriseOver, finishedHold, DRIFT.enterpriseStaleHold, 'jobFinished');
    expectSeat(E1, 'STANDARDPACK', setup.holders[E1] - DRIFT.standardUnder, missingHold, DRIFT.standardMissingHold, 'jobMissing');
    const after = [await readSub(E3), await readSub(E1)];
    for (const [k, sku] of [E3, E1].entries()) {
      const name = sku === E3 ? 'ENTERPRISEPACK' : 'STANDARDPACK';
      if (after[k].seat.consumed !== setup.holders[sku])
        problems.push(`${name}: seat.consumed is ${after[k].seat.consumed} after the run, expected ${setup.holders[sku]}`);
      const holdsLeft = Object.keys(after[k].seat.holds ?? {});
      if (holdsLeft.length) problems.push(`${name}: holds left after the run: ${holdsLeft.join(', ')}`);
    }
    const countHolders = async (sku: string) =>
      (
        await directory.items
          .query<number>(
            {
              query: "SELECT VALUE COUNT(1) FROM c WHERE c.tenantId = @t AND c.type = 'user' AND ARRAY_CONTAINS(c.skuIds, @sku)",
              parameters: [
                { name: '@t', value: t },
                { name: '@sku', value: sku },
              ],
            },
            { partitionKey: t },
          )
          .fetchAll()
      ).resources[0] ?? 0;
    const counted = { [E3]: await countHolders(E3), [E1]: await countHolders(E1) };
    for (const sku of [E3, E1])
      if (counted[sku] !== setup.holders[sku]) problems.push(`${counted[sku]} users hold ${sku} by a query, the set-up says ${setup.holders[sku]}`);
    const recreated = new Set(report.auditRecords.recreatedIds);
    const notRecreated = setup.lostAuditIds.filter((id) => !recreated.has(id));
    if (notRecreated.length || report.summary.auditRecordsRecreated !== setup.lostAuditIds.length)
      problems.push(
        `audit records re-created: ${report.summary.auditRecordsRecreated}, expected the ${setup.lostAuditIds.length} lost ones (${notRecreated.length} of them not re-created)`,
      );
    for (const id of setup.lostAuditIds) {
      const doc = (await container('audit').item(id, t).read()).resource;
      if (!doc) problems.push(`audit record ${id} still missing after the run`);
    }
    if (report.summary.reclaimCandidates !== setup.disabled || report.summary.licensesReclaimed !== 0)
      problems.push(
        `reclaim: ${report.summary.reclaimCandidates} candidates, ${report.summary.licensesReclaimed} reclaimed; expected ${setup.disabled} candidates, none reclaimed (dry run)`,
      );
    if (report.summary.overAssignedProducts !== 0 || report.summary.lifecycleTransitions !== 0 || report.summary.assignmentsRemoved !== 0)
      problems.push(`unexpected findings: ${JSON.stringify(report.summary)}`);
    const steps = report.steps as Record<
      string,
      { error?: string; groupsQueued?: number; formerMembersQueued?: number; waitingListsServed?: string[]; alerted?: number }
    >;
    for (const name of ['groupLicensing', 'overAssignmentAlerts']) {
      if (!steps[name]) problems.push(`registered step ${name} did not run (is functions/index.js loaded?)`);
      else if (steps[name].error) problems.push(`registered step ${name} failed: ${steps[name].error}`);
    }
    if (steps.groupLicensing && !steps.groupLicensing.error && steps.groupLicensing.groupsQueued !== setup.groups.licensed)
      problems.push(`the group step queued ${steps.groupLicensing.groupsQueued} groups, expected ${setup.groups.licensed}`);

    // -------- the group-licensing work the run queued (background, not part of the run), then the noise check --------
    const queued =
      (steps.groupLicensing?.groupsQueued ?? 0) + (steps.groupLicensing?.formerMembersQueued ?? 0) + (steps.groupLicensing?.waitingListsServed?.length ?? 0);
    // drained: at least the queued messages handled, none running, and the queue empty (a group of more than 200 members continues in a new message)
    const { queue } = await import('../shared/storage/queues');
    const groupQueue = queue('group-licensing');
    const groupStart = performance.now();
    const idle = async () =>
      groupWork.done + groupWork.failed >= queued && groupWork.inFlight === 0 && ((await groupQueue.getProperties()).approximateMessagesCount ?? 0) === 0;
    let groupDrained = !queued;
    while (queued && performance.now() - groupStart < 300_000) {
      if ((await idle()) && (await sleep(500), await idle())) {
        groupDrained = true;
        break;
      }
      await sleep(200);
    }
    const groupSeconds = (performance.now() - groupStart) / 1000;
    const afterGroups = [await readSub(E3), await readSub(E1)];
    for (const [k, sku] of [E3, E1].entries())
      if (afterGroups[k].seat.consumed !== setup.holders[sku])
        problems.push(`${sku}: seat.consumed ${afterGroups[k].seat.consumed} after the queued group work, expected ${setup.holders[sku]}`);
    // -------- incremental runs: nothing changed since the last run, 1 % of the users, 10 % --------
    const incremental = await incrementalRuns({
      t,
      setup,
      child,
      full: report,
      reconcileTenant,
      measure: <T>(name: string, fn: () => Promise<T>) => measure(name, cosmosRequestStats, fn),
      countHolders,
      readSub,
      problems,
    });
    const read2 = await measure('full read (again, after the runs)', cosmosRequestStats, fullRead);

    // -------- report --------
    const ratio = rec.ms / read.ms;
    const pct = (ms: number | undefined, wall: number) => (ms === undefined ? 'n/a' : `${fmt(ms, 0)} ms = ${fmt((100 * ms) / wall, 0)}% of a core`);
    const scan = rec.phase.ops.get("query: scan, the tenant's users (userPages)");
    const readOp = read.phase.ops.get('query: the full read (SELECT * of the partition)');
    const s = report.summary;
    console.log('');
    console.log(`users:                        ${setup.users} (partition: ${read.value.docs} documents)`);
    console.log(
      `full read:                    ${fmt(read.ms / 1000, 2)} s: ${read.value.docs} documents in ${read.value.pages} pages of up to ${opt.page}` +
        `${readOp ? ` (${fmt(readOp.bytes / MB, 1)} MB, ${fmt(readOp.ms / readOp.calls, 1)} ms per page)` : ''}; ${read.requests} Cosmos DB requests (${read.metadata} SDK metadata lookups, ${read.retries} retried attempts)`,
    );
    console.log(
      `full run (reconciliation):    ${fmt(rec.ms / 1000, 2)} s (report durationMs ${report.durationMs}); ${rec.requests} Cosmos DB requests (${fmt(rec.requests / setup.users, 4)} per user; ${rec.metadata} SDK metadata lookups, ${rec.retries} retried attempts)` +
        `${scan ? `; its user scan: ${scan.items} users in ${scan.calls} pages, ${fmt(scan.bytes / MB, 1)} MB, ${fmt(scan.ms / 1000, 2)} s (${fmt(scan.ms / scan.calls, 1)} ms per page)` : ''}`,
    );
    console.log(`ratio full run / full read:   ${fmt(ratio, 3)} (target <= ${TARGET.ratio}: ${met(ratio <= TARGET.ratio)})`);
    const migrated = migration.value.updated;
    console.log(
      `one-time migration, apart:    userQueryFields rewrote ${migrated} users${opt.legacySeed ? ' (--legacy-seed: seeded without the derived query fields)' : ' (the set-up writes users as users.create does, query fields derived)'}: ` +
        `${fmt(migration.ms / 1000, 2)} s, ${migration.requests} Cosmos DB requests (${fmt(migration.ms / read.ms, 3)}x the full read); not in the full run's figures`,
    );
    console.log(
      `peak RSS of this process:     ${mb(rec.maxRssAfter)} (kernel's lifetime peak, maxRSS: start-up, the full read and the run; ${mb(maxRssBeforeRun)} before the run); ` +
        `during the run, sampled every 50 ms: ${mb(rec.rssStart)} at the start, peak ${mb(rec.rssPeak)}, growth ${mb(rec.rssPeak - rec.rssStart)}; heapUsed ${mb(rec.heapStart)} -> peak ${mb(rec.heapPeak)}` +
        ` (the full read: RSS ${mb(read.rssStart)} -> peak ${mb(read.rssPeak)}, growth ${mb(read.rssPeak - read.rssStart)})`,
    );
    console.log(
      `CPU, full read:               this process ${pct(read.hostCpuMs, read.ms)}, Cosmos DB emulator ${pct(read.emulatorCpuMs, read.ms)} (10 ms resolution for the emulator)`,
    );
    console.log(`CPU, reconciliation:          this process ${pct(rec.hostCpuMs, rec.ms)}, Cosmos DB emulator ${pct(rec.emulatorCpuMs, rec.ms)}`);
    console.log(
      `grace period:                 RECONCILIATION_SEAT_GRACE_SECONDS=${GRACE_SECONDS} for this bench (default 900); the run started ${fmt(stillFor, 1)} s after the last counter write (waited ${fmt(waited / 1000, 1)} s after the full read), so the over-count could be lowered`,
    );
    console.log(`report summary:               ${report.status}; ${JSON.stringify(s)}`);
    for (const seat of report.seats)
      console.log(
        `  seats ${seat.skuPartNumber.padEnd(15)} ${seat.action}${seat.reason ? ` (${seat.reason})` : ''}: consumed ${seat.consumedBefore} -> ${seat.consumedAfter}, holders ${seat.holders}, pending releases ${seat.pendingReleases}; ` +
          `stale holds removed ${JSON.stringify(seat.staleHoldsRemoved.map((h) => `${h.key}: ${h.seats} (${h.reason})`))}`,
      );
    console.log(
      `  audit check since ${report.auditRecords.checkedSince}: ${report.auditRecords.checked} recent changes checked, ${report.auditRecords.recreated} records re-created`,
    );
    console.log(
      `  reclaim (policy ${JSON.stringify(report.reclaim.policy)}): ${report.reclaim.candidates} candidates (${report.reclaim.users.length} listed), ${report.reclaim.actions.length} actions`,
    );
    console.log(
      `  registered steps: ${Object.entries(report.steps)
        .map(([k, v]) => `${k} ${JSON.stringify(v)}`)
        .join('; ')}`,
    );
    console.log(
      `  the group-licensing work the run queued (${queued} messages): ${groupDrained ? `processed by the host within ${fmt(groupSeconds, 1)} s after the run` : `NOT drained within ${fmt(groupSeconds, 0)} s`} (${groupWork.done} messages done, ${groupWork.failed} failed; ${groupWork.heldDuringRun} arrived while the run was measured and were held until it ended; background, not in the run's time)`,
    );
    console.log(
      `verified:                     ${problems.length ? `${problems.length} problem(s), see FAIL below` : `both counters equal the true holders (${setup.holders[E3]}, ${setup.holders[E1]}; also by a COUNT query), both stale holds gone, the ${setup.lostAuditIds.length} lost audit records re-created`}`,
    );
    console.log(
      `noise check:                  the same full read after the run: ${fmt(read2.ms / 1000, 2)} s (${read2.value.docs} documents, ${read2.requests} requests; ${fmt((100 * (read2.ms - read.ms)) / read.ms, 0)}% vs the first); ratio against it ${fmt(rec.ms / read2.ms, 3)}`,
    );
    const emulatorPeak = childProc(EMULATORS.cosmos)?.peakRss;
    if (emulatorPeak) console.log(`  (the emulator's own peak RSS, for context: ${mb(emulatorPeak)}; it keeps every document in memory)`);
    const othersNow = otherBenchmarks();
    console.log(
      `machine after the run:        ${loadAfterRun}${othersNow.length || others.length ? `; other benchmarks seen: ${[...new Set([...others, ...othersNow])].join(' | ')}` : '; no other benchmark seen'}`,
    );
    console.log('');
    printIncremental(read, rec, incremental);
    console.log('');
    printProfile(read, read.value.docs, 'per doc');
    printProfile(rec, setup.users, 'per user');
    const onePercent = incremental.find((p) => p.name === '1 % changed');
    if (onePercent) printProfile(onePercent.m, onePercent.change?.changed ?? 1, 'per change');

    if (problems.length) {
      for (const p of problems) console.log(`FAIL: ${p}`);
      return 1;
    }
    return 0;
  } finally {
    await child?.stop();
    await stack.stop();
  }
}

runScript(module, main, { setup: setupChild });
