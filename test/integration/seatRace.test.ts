/**
 * Seats under a race across instances: two local host processes attached to the same emulators, each
 * with group commit on, take 1,040 assignments of one product that has 600 seats — single-user
 * assignLicense calls and 20-user Licenses-page calls, interleaved, half on each host. The seat counter
 * must end exact: never more holders than seats, the counter equal to the holders, every 20-user call all
 * or nothing, and every refusal the rule's (CountViolation), never a 5xx.
 */
import { randomUUID } from 'node:crypto';
import { testStackEnv } from '../env';
import { pool, tokenFor } from '../helpers';
import { OwnStack, startOwnStack } from '../ownStack';

let stack: OwnStack;
let second = '';
beforeAll(async () => {
  stack = await startOwnStack(110, { LICENSE_GROUP_COMMIT: 'true' });
  const port = stack.ports.host + 5; // (+20 would be the port of health.test.ts's own stack, offset 130)
  await stack.attach({ LOCAL_HTTP_PORT: String(port), LOCAL_HTTPS_PORT: String(port + 1) });
  second = `http://localhost:${port}/api`;
});
afterAll(() => stack?.stop());

const E3 = '6fd2c87f-b296-42f0-b197-1e91e994b900';
const SEATS = 600;

async function call(base: string, method: string, path: string, token: string, body?: unknown) {
  const r = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : undefined };
}

test('1,040 assignments from two hosts for 600 seats: never over, the counter exact, batches all or nothing', async () => {
  const operator = await tokenFor('Operator', testStackEnv.OPERATOR_TENANT_ID);
  const org = await call(stack.api, 'POST', '/v1.0/tenants', operator, { displayName: 'Race org' });
  expect(org.status).toBe(201);
  const admin = await tokenFor('GlobalAdministrator', org.body.id);
  expect((await call(stack.api, 'POST', '/v1.0/directory/subscriptions', admin, { skuId: E3, totalLicenses: SEATS })).status).toBe(201);
  const ids: string[] = new Array(1040);
  await pool([...ids.keys()], 16, async (i) => {
    const r = await call(i % 2 ? second : stack.api, 'POST', '/v1.0/users', admin, {
      displayName: `Racer ${i}`,
      userPrincipalName: `racer${i}-${randomUUID().slice(0, 6)}@race.dev`,
      usageLocation: 'NL',
    });
    expect(r.status).toBe(201);
    ids[i] = r.body.id;
  });

  // 520 single assignments and 26 calls of 20 users, interleaved, alternating between the hosts
  const singles = ids.slice(0, 520).map((id) => ({ kind: 'one' as const, ids: [id] }));
  const batches = Array.from({ length: 26 }, (_, k) => ({ kind: 'page' as const, ids: ids.slice(520 + k * 20, 540 + k * 20) }));
  const work = singles.flatMap((s, i) => (i % 20 === 0 && batches[i / 20] ? [batches[i / 20], s] : [s]));
  const outcomes: { kind: 'one' | 'page'; ids: string[]; status: number; code?: string }[] = [];
  await pool(work, 40, async (w, i) => {
    const base = i % 2 ? second : stack.api;
    const r =
      w.kind === 'one'
        ? await call(base, 'POST', `/v1.0/users/${w.ids[0]}/assignLicense`, admin, { addLicenses: [{ skuId: E3, disabledPlans: [] }], removeLicenses: [] })
        : await call(base, 'POST', `/v1.0/subscribedSkus/${E3}/assign`, admin, { userIds: w.ids });
    outcomes.push({ ...w, status: r.status, code: r.body?.error?.code });
  });

  expect(outcomes).toHaveLength(546);
  // every answer is a success or the seat rule's refusal
  expect(outcomes.filter((o) => o.status !== 200 && !(o.status === 409 && (o.code === 'CountViolation' || o.code === 'licenseRuleViolation')))).toEqual([]);
  const granted = outcomes.filter((o) => o.status === 200).flatMap((o) => o.ids);
  expect(granted.length).toBeLessThanOrEqual(SEATS);
  // the seats ran out: some of each kind were refused
  expect(outcomes.some((o) => o.kind === 'one' && o.status === 409)).toBe(true);

  // the truth from the users: exactly the granted ones hold the product, the counter counts them
  const holders = new Set<string>();
  let next: string | undefined = `/v1.0/subscribedSkus/${E3}/assignments?$top=999`;
  while (next) {
    const page: { body: { value: { id: string }[]; '@odata.nextLink'?: string } } = await call(
      stack.api,
      'GET',
      next.replace(/^https?:\/\/[^/]+\/api/, ''),
      admin,
    );
    for (const u of page.body.value) holders.add(u.id);
    next = page.body['@odata.nextLink'];
  }
  expect([...holders].sort()).toEqual([...granted].sort());
  const sku = (await call(stack.api, 'GET', `/v1.0/subscribedSkus/${E3}`, admin)).body;
  expect(sku.consumedUnits).toBe(holders.size);
  // a refused 20-user call changed none of its users
  for (const o of outcomes.filter((x) => x.kind === 'page' && x.status !== 200)) expect(o.ids.filter((id) => holders.has(id))).toEqual([]);
  // and the audit trail has one record per granted user
  let records = 0;
  let link: string | undefined = `/v1.0/auditLogs/licenseChanges?skuId=${E3}&$top=999`;
  while (link) {
    const page: { body: { value: unknown[]; '@odata.nextLink'?: string } } = await call(stack.api, 'GET', link.replace(/^https?:\/\/[^/]+\/api/, ''), admin);
    records += page.body.value.length;
    link = page.body['@odata.nextLink'];
  }
  expect(records).toBe(granted.length);
});
