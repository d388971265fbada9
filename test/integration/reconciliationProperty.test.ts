/**
 * Nothing is lost between incremental runs: fast-check drives random interleavings of assignments,
 * removals, Licenses-page calls, bulk jobs, group changes, crashes of a worker host (SIGKILL between a
 * reservation and its user write, or right after a user write: the project's chaos hook, local/chaos.ts)
 * and incremental reconciliations, on a stack of its own. After every incremental run (and the work it
 * queued) the invariants a full run would restore hold: every seat counter equals its holders, no hold or
 * seat intent is left, every user's last change is audited. At the end a full run finds nothing to repair.
 *
 * Bounded by counts (runs, steps, polls), not by time; the only waits are for work to be done (queues
 * empty) and for the grace period to pass (counters and intents older than it, read from the store).
 */
import fc from 'fast-check';
import { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { testStackEnv } from '../env';
import { callHost, SKU, storeOf, tokenFor } from '../helpers';
import { OwnStack, startOwnStack } from '../ownStack';
import { pastTheGrace, queuesDrained, reconciledProblems } from '../reconciliationChecks';

const GRACE = 1;
const USERS = 10;
const PRODUCTS = { E3: SKU.E3, PBI: SKU.PBI, EXO1: SKU.EXO1 } as const;
type Product = keyof typeof PRODUCTS;
const SEATS: Record<Product, number> = { E3: 6, PBI: 5, EXO1: 4 };

let stack: OwnStack;
let store: ReturnType<typeof storeOf>;
let worker: ChildProcess | undefined;
const workerPort = () => stack.ports.host + 3;
const workerApi = () => `http://localhost:${workerPort()}/api`;

beforeAll(async () => {
  stack = await startOwnStack(182, { LICENSE_GROUP_COMMIT: 'true', RECONCILIATION_SEAT_GRACE_SECONDS: String(GRACE), LOCAL_QUEUE_LEASE_SECONDS: '2' });
  store = storeOf(stack.env);
  await startWorker();
});
afterAll(async () => {
  store?.dispose();
  await stack?.stop();
});

/** The worker host (takes the changes; the first host, steady, runs the reconciliations), with a chaos setting or none. */
async function startWorker(chaos: Record<string, string> = {}): Promise<void> {
  const port = workerPort();
  worker = await stack.attach({ LOCAL_HTTP_PORT: String(port), LOCAL_HTTPS_PORT: String(port + 1), ...chaos });
}
async function killWorker(): Promise<void> {
  const w = worker;
  if (!w || w.exitCode !== null || w.signalCode) return;
  const gone = new Promise((r) => w.once('exit', r));
  w.kill('SIGKILL');
  await gone;
}

type Step =
  | { kind: 'assign' | 'remove'; user: number; product: Product }
  | { kind: 'page'; users: number[]; product: Product }
  | { kind: 'bulk'; users: number[]; product: Product; remove: boolean }
  | { kind: 'join' | 'leave'; user: number }
  | { kind: 'groupLicense'; product: Product; remove: boolean }
  | { kind: 'crash'; at: 'reservation' | 'commit'; user: number; product: Product }
  | { kind: 'reconcile' };

const user = fc.integer({ min: 0, max: USERS - 1 });
const product = fc.constantFrom<Product>('E3', 'PBI', 'EXO1');
const someUsers = fc.uniqueArray(user, { minLength: 1, maxLength: 5 });
const change: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constantFrom('assign' as const, 'remove' as const), user, product }),
  fc.record({ kind: fc.constant('page' as const), users: someUsers, product }),
  fc.record({ kind: fc.constant('bulk' as const), users: someUsers, product, remove: fc.boolean() }),
  fc.record({ kind: fc.constantFrom('join' as const, 'leave' as const), user }),
  fc.record({ kind: fc.constant('groupLicense' as const), product, remove: fc.boolean() }),
  fc.constant<Step>({ kind: 'reconcile' }),
);
const crash: fc.Arbitrary<Step> = fc.record({
  kind: fc.constant('crash' as const),
  at: fc.constantFrom('reservation' as const, 'commit' as const),
  user,
  product,
});
/** Some changes, a crash, some more (a crash in every run), more changes and crashes, then a last incremental run. */
const scenario = fc
  .tuple(fc.array(change, { maxLength: 4 }), crash, fc.array(fc.oneof({ weight: 4, arbitrary: change }, { weight: 1, arbitrary: crash }), { maxLength: 6 }))
  .map(([before, c, after]): Step[] => [...before, c, ...after, { kind: 'reconcile' }]);

interface Org {
  id: string;
  admin: string;
  users: string[];
  groupId: string;
  runs: number;
}

async function newOrg(): Promise<Org> {
  const operator = await tokenFor('Operator', testStackEnv.OPERATOR_TENANT_ID);
  const created = await callHost(stack.api, 'POST', '/v1.0/tenants', operator, {
    displayName: `Property org ${randomUUID().slice(0, 6)}`,
    defaultUsageLocation: 'NL',
  });
  expect(created.status).toBe(201);
  const admin = await tokenFor('GlobalAdministrator', created.body.id);
  for (const [p, n] of Object.entries(SEATS))
    expect((await callHost(stack.api, 'POST', '/v1.0/directory/subscriptions', admin, { skuId: PRODUCTS[p as Product], totalLicenses: n })).status).toBe(201);
  const users: string[] = [];
  for (let i = 0; i < USERS; i++) {
    const r = await callHost(stack.api, 'POST', '/v1.0/users', admin, {
      displayName: `P ${i}`,
      userPrincipalName: `p${i}-${randomUUID().slice(0, 6)}@prop.dev`,
      usageLocation: 'NL',
    });
    expect(r.status).toBe(201);
    users.push(r.body.id);
  }
  const group = await callHost(stack.api, 'POST', '/v1.0/groups', admin, { displayName: 'Property group' });
  expect(group.status).toBe(201);
  return { id: created.body.id, admin, users, groupId: group.body.id, runs: 0 };
}

const body = (p: Product) => ({ addLicenses: [{ skuId: PRODUCTS[p], disabledPlans: [] }], removeLicenses: [] });

async function apply(org: Org, step: Step): Promise<void> {
  const w = workerApi();
  const id = (i: number) => org.users[i];
  switch (step.kind) {
    case 'assign':
      await callHost(w, 'POST', `/v1.0/users/${id(step.user)}/assignLicense`, org.admin, body(step.product));
      return;
    case 'remove':
      await callHost(w, 'POST', `/v1.0/users/${id(step.user)}/assignLicense`, org.admin, { addLicenses: [], removeLicenses: [PRODUCTS[step.product]] });
      return;
    case 'page':
      await callHost(w, 'POST', `/v1.0/subscribedSkus/${PRODUCTS[step.product]}/assign`, org.admin, { userIds: step.users.map(id) });
      return;
    case 'bulk':
      await callHost(w, 'POST', '/v1.0/licenseJobs', org.admin, {
        mode: step.remove ? 'remove' : 'add',
        userIds: step.users.map(id),
        ...(step.remove ? { removeLicenses: [PRODUCTS[step.product]] } : { addLicenses: body(step.product).addLicenses }),
      });
      return;
    case 'join':
      await callHost(w, 'POST', `/v1.0/groups/${org.groupId}/members/$ref`, org.admin, {
        '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${id(step.user)}`,
      });
      return;
    case 'leave':
      await callHost(w, 'DELETE', `/v1.0/groups/${org.groupId}/members/${id(step.user)}/$ref`, org.admin);
      return;
    case 'groupLicense':
      await callHost(
        w,
        'POST',
        `/v1.0/groups/${org.groupId}/assignLicense`,
        org.admin,
        step.remove ? { addLicenses: [], removeLicenses: [PRODUCTS[step.product]] } : body(step.product),
      );
      return;
    case 'crash': {
      // the worker again, armed: it dies at its next engine run that has seats (or that wrote users)
      await killWorker();
      await startWorker(step.at === 'reservation' ? { LICENSE_FAULT_KILL_AT_RESERVATION: '1' } : { LICENSE_FAULT_KILL_AT_COMMIT: '1' });
      await callHost(w, 'POST', `/v1.0/users/${id(step.user)}/assignLicense`, org.admin, body(step.product));
      await killWorker(); // dead already, or the change needed no seat: killed here, idle
      await startWorker();
      return;
    }
    case 'reconcile':
      await reconcileAndCheck(org);
  }
}

/** When everything is done and older than the grace period: an incremental run, then (its queued work done) the invariants. */
async function reconcileAndCheck(org: Org): Promise<void> {
  expect(await queuesDrained(stack.env.AzureWebJobsStorage!)).toBe(true);
  await pastTheGrace(store, org.id, GRACE);
  const r = await callHost(stack.api, 'POST', '/v1.0/reconciliations', org.admin, { mode: 'incremental' });
  expect(r.status).toBe(201);
  expect(r.body).toMatchObject({ mode: org.runs++ ? 'incremental' : 'full', status: 'completed' });
  expect(await queuesDrained(stack.env.AzureWebJobsStorage!)).toBe(true);
  expect(await reconciledProblems(store, org.id)).toEqual([]);
}

test('random interleavings of changes, crashes and incremental runs: after every incremental run the invariants hold, and a full run finds nothing to repair', async () => {
  await fc.assert(
    fc.asyncProperty(scenario, async (steps) => {
      const org = await newOrg();
      await reconcileAndCheck(org); // the organization's first run (full): the checkpoint the others start from
      for (const step of steps) await apply(org, step);
      const full = await callHost(stack.api, 'POST', '/v1.0/reconciliations', org.admin, { mode: 'full' });
      expect(full.status).toBe(201);
      expect(full.body.summary).toMatchObject({ seatsRepaired: 0, staleHoldsRemoved: 0, auditRecordsRecreated: 0, assignmentsRemoved: 0 });
      expect(full.body.steps.groupLicensing).toMatchObject({ formerMembersQueued: 0 });
    }),
    { numRuns: 3, endOnFailure: true },
  );
}, 600_000);
