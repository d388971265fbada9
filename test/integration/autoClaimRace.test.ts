/**
 * Auto-claim under races, across two local host processes on the same emulators (no in-process lock can
 * help): a burst of 50 sign-in events for one user gives one claim; 200 users' events at once for 100 free
 * seats give exactly 100 claims and 100 recorded failures. Asserted by counts, never by timings.
 */
import { randomUUID } from 'node:crypto';
import { testStackEnv } from '../env';
import { call, pool, tokenFor } from '../helpers';
import { OwnStack, startOwnStack } from '../ownStack';

let stack: OwnStack;
let second = '';
beforeAll(async () => {
  stack = await startOwnStack(150, { LICENSE_GROUP_COMMIT: 'true' });
  const port = stack.ports.host + 5;
  await stack.attach({ LOCAL_HTTP_PORT: String(port), LOCAL_HTTPS_PORT: String(port + 1) });
  second = `http://localhost:${port}/api`;
});
afterAll(() => stack?.stop());

const E1 = '18181a46-0d4e-45cd-891e-60aabd171b4e';
const E3 = '6fd2c87f-b296-42f0-b197-1e91e994b900';

/** A call to one of the two hosts. */
const on = (base: string, method: string, path: string, token: string, body?: unknown) => call(method, `${base}${path}`, { token, body });

async function organization(name: string, seats: Record<string, number>) {
  const operator = await tokenFor('Operator', testStackEnv.OPERATOR_TENANT_ID);
  const org = await on(stack.api, 'POST', '/v1.0/tenants', operator, { displayName: name });
  expect(org.status).toBe(201);
  const admin = await tokenFor('GlobalAdministrator', org.body.id);
  for (const [skuId, totalLicenses] of Object.entries(seats))
    expect((await on(stack.api, 'POST', '/v1.0/directory/subscriptions', admin, { skuId, totalLicenses })).status).toBe(201);
  const policy = await on(stack.api, 'PATCH', '/v1.0/licensePolicies/autoClaim', admin, {
    enabled: true,
    app: 'Teams',
    products: Object.keys(seats).map((skuId) => ({ skuId })),
  });
  expect(policy.status).toBe(200);
  return { id: org.body.id as string, admin, hook: await tokenFor('SignInEvents', org.body.id) };
}

async function createUsers(org: { admin: string }, n: number): Promise<string[]> {
  const ids: string[] = new Array(n);
  await pool([...ids.keys()], 8, async (i) => {
    const r = await on(i % 2 ? second : stack.api, 'POST', '/v1.0/users', org.admin, {
      displayName: `Claimer ${i}`,
      userPrincipalName: `claimer${i}-${randomUUID().slice(0, 6)}@claim.dev`,
      usageLocation: 'NL',
    });
    expect(r.status).toBe(201);
    ids[i] = r.body.id;
  });
  return ids;
}

async function consumed(org: { id: string; admin: string }, skuId: string): Promise<number> {
  return (await on(stack.api, 'GET', `/v1.0/subscribedSkus/${org.id}_${skuId}`, org.admin)).body.consumedUnits;
}

test('a burst of 50 sign-in events for one user, half on each host, gives one claim; the last sign-in is the latest event', async () => {
  const org = await organization('Burst org', { [E1]: 10 });
  const [user] = await createUsers(org, 1);
  const base = Date.parse('2026-11-30T08:00:00Z');
  const answers = await Promise.all(
    Array.from({ length: 50 }, (_, i) =>
      on(i % 2 ? second : stack.api, 'POST', '/v1.0/signInEvents', org.hook, {
        userId: user,
        app: 'Teams',
        dateTime: new Date(base + i * 1000).toISOString(),
      }),
    ),
  );
  expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));
  const outcomes = answers.map((a) => a.body.claim.outcome as string);
  expect(outcomes.filter((o) => o === 'claimed')).toHaveLength(1);
  // the others found the app there (no event fails for the burst itself): their reasons, should one fail
  expect(answers.filter((a) => a.body.claim.outcome !== 'claimed' && a.body.claim.outcome !== 'hasApp').map((a) => a.body.claim)).toEqual([]);
  expect(await consumed(org, E1)).toBe(1);
  const claims = await on(stack.api, 'GET', '/v1.0/licensePolicies/autoClaim/claims?days=1', org.admin);
  expect(claims.body.value.map((c: any) => [c.outcome, c.userId])).toEqual([['claimed', user]]);
  const u = await on(second, 'GET', `/v1.0/users/${user}?$select=signInActivity,assignedLicenses`, org.admin);
  expect(u.body.signInActivity).toEqual({ lastSignInDateTime: new Date(base + 49_000).toISOString() });
  expect(u.body.assignedLicenses).toEqual([{ skuId: E1, disabledPlans: [] }]);
});

test("200 users' events at once on two hosts for 100 free seats (first product full): exactly 100 claims, 100 recorded failures, the counter exact", async () => {
  const org = await organization('Claim race org', { [E3]: 1, [E1]: 100 });
  const ids = await createUsers(org, 201);
  // E3's only seat goes first: every claim then finds the first product full and moves on to E1
  expect(
    (await on(stack.api, 'POST', `/v1.0/users/${ids[200]}/assignLicense`, org.admin, { addLicenses: [{ skuId: E3, disabledPlans: [] }], removeLicenses: [] }))
      .status,
  ).toBe(200);
  const users = ids.slice(0, 200);
  const answers = await Promise.all(
    users.map((userId, i) =>
      on(i % 2 ? second : stack.api, 'POST', '/v1.0/signInEvents', org.hook, { userId, app: 'Teams', dateTime: new Date().toISOString() }),
    ),
  );
  expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));
  const claimed = answers.filter((a) => a.body.claim.outcome === 'claimed');
  const failed = answers.filter((a) => a.body.claim.outcome === 'failed');
  expect(claimed).toHaveLength(100);
  expect(failed).toHaveLength(100);
  expect(new Set(claimed.map((a) => a.body.claim.skuId))).toEqual(new Set([E1]));
  expect(await consumed(org, E1)).toBe(100);
  expect(await consumed(org, E3)).toBe(1);
  // the holders, read back: exactly the claimed users hold E1
  let holders = 0;
  let next: string | undefined = `/v1.0/subscribedSkus/${org.id}_${E1}/assignments?$top=999`;
  while (next) {
    const page = await on(stack.api, 'GET', next.replace(stack.api, ''), org.admin);
    holders += page.body.value.length;
    next = page.body['@odata.nextLink'];
  }
  expect(holders).toBe(100);
  const list = await on(second, 'GET', '/v1.0/licensePolicies/autoClaim/claims?days=1', org.admin);
  expect(list.body.value.filter((c: any) => c.outcome === 'claimed')).toHaveLength(100);
  expect(list.body.value.filter((c: any) => c.outcome === 'failed')).toHaveLength(100);
});
