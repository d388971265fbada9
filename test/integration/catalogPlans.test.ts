/**
 * What a catalog change does to the organizations that hold the product, through HTTP on the real
 * emulators: a product the operator makes gains a service plan. An organization with newServicePlans
 * `disabled` gets it off for every direct holder and in every group's assignment (members follow), by the
 * catalog's own job (readable like a bulk job, audited as `catalogServicePlans`, no seat moves); one with
 * `enabled` (the default) gets it on, nothing written; both hear `servicePlansAdded`. A plan the product
 * loses leaves disabledPlans and licenseDetails. A rule change that puts holders in breach strips nothing:
 * the reconciliation lists them with the way out. A change with a future effectiveDateTime is announced at
 * once (webhook, upcomingChanges) and applied when due (the catalog timer, fired through the host's admin
 * call once the time has come).
 */
import { randomUUID } from 'node:crypto';
import { call, newTenant, operatorToken, TestTenant } from '../helpers';
import { TEST_PORTS } from '../env';
import { until, webhookReceiver } from '../webhooks';

const receiver = webhookReceiver();
let operator: string;
let off: Org;
let on: Org;
const sku = randomUUID();
const [A, B, C] = [randomUUID(), randomUUID(), randomUUID()];
const plan = (id: string, name: string) => ({ servicePlanId: id, servicePlanName: name, displayName: `${name} (display)` });
const part = `PLANS_${sku.slice(0, 8).toUpperCase()}`;
const productWith = (...plans: ReturnType<typeof plan>[]) => ({ skuPartNumber: part, displayName: 'Plans product', servicePlans: plans });

interface Org {
  t: TestTenant;
  direct: string;
  member: string;
  groupId: string;
}

async function setUp(name: string, newServicePlans?: 'disabled'): Promise<Org> {
  const t = await newTenant(name);
  expect((await call('POST', `/v1.0/tenants/${t.id}/subscriptions`, { token: operator, body: { skuId: sku, totalLicenses: 10 } })).status).toBe(201);
  expect(
    (
      await call('POST', '/v1.0/alerts/webhooks', {
        token: t.tokens.global,
        body: { url: receiver.url(), events: ['servicePlansAdded', 'servicePlansRemoved', 'catalogChangeScheduled'] },
      })
    ).status,
  ).toBe(201);
  if (newServicePlans) {
    // a Global admin's setting: a License admin may not change it
    expect((await call('PATCH', '/v1.0/admin/licenseSettings', { token: t.tokens.license, body: { newServicePlans } })).status).toBe(403);
    const set = await call('PATCH', '/v1.0/admin/licenseSettings', { token: t.tokens.global, body: { newServicePlans } });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ newServicePlans, lastModifiedBy: { id: expect.any(String) } });
  }
  const direct = (await t.createUser()).id;
  expect((await t.assign(direct, { addLicenses: [{ skuId: sku, disabledPlans: [] }], removeLicenses: [] })).status).toBe(200);
  const member = (await t.createUser()).id;
  const g = (await call('POST', '/v1.0/groups', { token: t.tokens.userAdmin, body: { displayName: `${name} group` } })).body;
  await call('POST', `/v1.0/groups/${g.id}/members/$ref`, {
    token: t.tokens.userAdmin,
    body: { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${member}` },
  });
  expect(
    (
      await call('POST', `/v1.0/groups/${g.id}/assignLicense`, {
        token: t.tokens.license,
        body: { addLicenses: [{ skuId: sku, disabledPlans: [] }], removeLicenses: [] },
      })
    ).status,
  ).toBe(202);
  const has = await until(
    () => licenseDetails(t, member),
    (d) => d.length === 1,
  );
  expect(has).toHaveLength(1);
  return { t, direct, member, groupId: g.id };
}

const licenseDetails = async (t: TestTenant, userId: string) =>
  (await call('GET', `/v1.0/users/${userId}/licenseDetails`, { token: t.tokens.reader })).body.value as {
    skuId: string;
    servicePlans: { servicePlanId: string; provisioningStatus: string }[];
  }[];
const planStates = async (t: TestTenant, userId: string) =>
  Object.fromEntries((await licenseDetails(t, userId))[0].servicePlans.map((p) => [p.servicePlanId, p.provisioningStatus]));
const disabledPlans = async (t: TestTenant, userId: string) =>
  (await call('GET', `/v1.0/users/${userId}`, { token: t.tokens.reader })).body.assignedLicenses.find((l: { skuId: string }) => l.skuId === sku)
    .disabledPlans as string[];
const groupPlans = async (o: Org) =>
  (await call('GET', `/v1.0/groups/${o.groupId}`, { token: o.t.tokens.reader })).body.assignedLicenses.find((l: { skuId: string }) => l.skuId === sku)
    .disabledPlans as string[];
/** The catalog's job of the organization for the version that made this change of the product (other files publish versions too). */
const catalogJob = async (t: TestTenant, change: { plansAdded?: string[]; plansRemoved?: string[] }) =>
  until(
    async () =>
      ((await call('GET', '/v1.0/licenseJobs', { token: t.tokens.reader })).body.value as any[]).find(
        (j) =>
          j.source === 'catalog' &&
          j.catalogChange.products.some(
            (p: { skuId: string; plansAdded: string[]; plansRemoved: string[] }) =>
              p.skuId === sku &&
              (change.plansAdded ?? []).every((id) => p.plansAdded.includes(id)) &&
              (change.plansRemoved ?? []).every((id) => p.plansRemoved.includes(id)),
          ),
      ),
    (j) => !!j && ['completed', 'completedWithErrors'].includes(j.status),
    60_000,
  );
const hooks = (tenantId: string, event: string) => receiver.received.map((r) => JSON.parse(r.body)).filter((p) => p.tenantId === tenantId && p.event === event);
const audit = async (t: TestTenant, userId: string) =>
  (await call('GET', `/v1.0/auditLogs/licenseChanges?userId=${userId}`, { token: t.tokens.reader })).body.value as {
    operation: string;
    jobId: string | null;
  }[];

beforeAll(async () => {
  operator = await operatorToken();
  expect((await call('PUT', `/v1.0/catalog/products/${sku}`, { token: operator, body: productWith(plan(A, 'PLAN_A')) })).status).toBe(201);
  [off, on] = await Promise.all([setUp('New plans off', 'disabled'), setUp('New plans on')]);
}, 120_000);

test("a plan added to the product: off for the organization that keeps new plans off, direct and via its group, by the catalog's job, audited and announced; on for the other, nothing written", async () => {
  expect((await call('GET', '/v1.0/admin/licenseSettings', { token: on.t.tokens.reader })).body).toEqual({
    newServicePlans: 'enabled',
    lastModifiedDateTime: null,
    lastModifiedBy: null,
  });
  const seatsBefore = (await off.t.sku(sku)).consumedUnits;
  const put = await call('PUT', `/v1.0/catalog/products/${sku}`, { token: operator, body: productWith(plan(A, 'PLAN_A'), plan(B, 'PLAN_B')) });
  expect(put.status).toBe(200);

  // newServicePlans disabled: the job of the catalog, read like a bulk job
  const job = await catalogJob(off.t, { plansAdded: [B] });
  const version = job.catalogChange.version;
  expect(job).toMatchObject({
    status: 'completed',
    mode: 'servicePlans',
    source: 'catalog',
    createdBy: { id: 'catalog', displayName: `Catalog version ${version}` },
    counts: { total: 1, succeeded: 1, failed: 0 },
    catalogChange: {
      version,
      newServicePlans: 'disabled',
      products: [{ skuId: sku, skuPartNumber: part, plansAdded: [B], plansRemoved: [] }],
      groups: [{ groupId: off.groupId, skuIds: [sku] }],
    },
  });
  const results = (await call('GET', `/v1.0/licenseJobs/${job.id}/results`, { token: off.t.tokens.reader })).body.value;
  expect(results).toEqual([expect.objectContaining({ userId: off.direct, status: 'succeeded', after: [{ skuId: sku, disabledPlans: [B] }] })]);
  expect(await disabledPlans(off.t, off.direct)).toEqual([B]);
  expect(await planStates(off.t, off.direct)).toEqual({ [A]: 'Success', [B]: 'Disabled' });
  expect(await audit(off.t, off.direct)).toContainEqual(expect.objectContaining({ operation: 'catalogServicePlans', jobId: job.id }));
  // the group's assignment too, and its member follows
  expect(await groupPlans(off)).toEqual([B]);
  const member = await until(
    () => planStates(off.t, off.member),
    (s) => s[B] === 'Disabled',
  );
  expect(member).toEqual({ [A]: 'Success', [B]: 'Disabled' });
  expect(await audit(off.t, off.member)).toContainEqual(expect.objectContaining({ operation: 'catalogServicePlans' }));
  expect((await off.t.sku(sku)).consumedUnits).toBe(seatsBefore); // no seat moved

  // newServicePlans enabled (Microsoft's behaviour): nothing written, the plan is on
  const onJob = await catalogJob(on.t, { plansAdded: [B] });
  expect(onJob.catalogChange.version).toBe(version);
  expect(onJob).toMatchObject({ status: 'completed', counts: { total: 0 }, catalogChange: { newServicePlans: 'enabled', groups: [] } });
  expect(await disabledPlans(on.t, on.direct)).toEqual([]);
  expect(await planStates(on.t, on.direct)).toEqual({ [A]: 'Success', [B]: 'Success' });
  expect(await planStates(on.t, on.member)).toEqual({ [A]: 'Success', [B]: 'Success' });
  expect(await groupPlans(on)).toEqual([]);
  expect((await audit(on.t, on.direct)).filter((r) => r.operation === 'catalogServicePlans')).toEqual([]);

  // both announced: the product, the plans, what was done, the job
  const heard = await until(
    () => [hooks(off.t.id, 'servicePlansAdded'), hooks(on.t.id, 'servicePlansAdded')],
    ([a, b]) => a.length > 0 && b.length > 0,
  );
  expect(heard[0][0].data).toMatchObject({
    catalogVersion: version,
    newServicePlans: 'disabled',
    action: 'disabledForHolders',
    jobId: job.id,
    directHolders: 1,
    products: [{ skuId: sku, skuPartNumber: part, productName: 'Plans product', servicePlans: [{ servicePlanId: B, servicePlanName: 'PLAN_B' }] }],
  });
  expect(heard[1][0].data).toMatchObject({ catalogVersion: version, newServicePlans: 'enabled', action: 'enabledForHolders', directHolders: 0 });
  // an admin switches it on for one user as any plan: it stays as they set it
  const switched = await call('POST', `/v1.0/users/${off.direct}/licenseDetails/${sku}/updateServicePlans`, {
    token: off.t.tokens.license,
    body: { enable: [B] },
  });
  expect(switched.status).toBe(200);
  expect(await planStates(off.t, off.direct)).toEqual({ [A]: 'Success', [B]: 'Success' });
});

test('a plan the product loses leaves disabledPlans (direct and in groups) and licenseDetails, and is announced', async () => {
  // B off again for the direct holder, then the operator takes B out of the product
  expect(
    (await call('POST', `/v1.0/users/${off.direct}/licenseDetails/${sku}/updateServicePlans`, { token: off.t.tokens.license, body: { disable: [B] } })).status,
  ).toBe(200);
  expect((await call('PUT', `/v1.0/catalog/products/${sku}`, { token: operator, body: productWith(plan(A, 'PLAN_A')) })).status).toBe(200);
  // licenseDetails follows the catalog at once
  expect(await planStates(off.t, off.direct)).toEqual({ [A]: 'Success' });
  const job = await catalogJob(off.t, { plansRemoved: [B] });
  const version = job.catalogChange.version;
  expect(job.catalogChange.products).toEqual([{ skuId: sku, skuPartNumber: part, plansAdded: [], plansRemoved: [B] }]);
  expect(await disabledPlans(off.t, off.direct)).toEqual([]);
  expect(await groupPlans(off)).toEqual([]);
  const member = await until(
    async () => (await call('GET', `/v1.0/users/${off.member}`, { token: off.t.tokens.reader })).body.licenseAssignmentStates[0].disabledPlans,
    (d: string[]) => d.length === 0,
  );
  expect(member).toEqual([]);
  const removed = await until(
    () => hooks(off.t.id, 'servicePlansRemoved'),
    (h) => h.length > 0,
  );
  expect(removed[0].data).toMatchObject({
    catalogVersion: version,
    action: 'removedFromDisabledPlans',
    products: [{ skuId: sku, servicePlans: [{ servicePlanId: B }] }],
  });
});

test("a rule that puts holders in breach strips nothing: the organization's reconciliation lists them with the way out", async () => {
  // a second product of the operator's whose plan C the new rule makes conflict with A
  const other = randomUUID();
  expect(
    (
      await call('PUT', `/v1.0/catalog/products/${other}`, {
        token: operator,
        body: { skuPartNumber: `OTHER_${other.slice(0, 8)}`, displayName: 'Other product', servicePlans: [plan(C, 'PLAN_C')] },
      })
    ).status,
  ).toBe(201);
  expect((await call('POST', `/v1.0/tenants/${on.t.id}/subscriptions`, { token: operator, body: { skuId: other, totalLicenses: 2 } })).status).toBe(201);
  expect((await on.t.assign(on.direct, { addLicenses: [{ skuId: other, disabledPlans: [] }], removeLicenses: [] })).status).toBe(200);
  const first = await call('POST', '/v1.0/reconciliations', { token: on.t.tokens.license });
  expect(first.status).toBe(201);
  expect(first.body.steps.catalogBreaches).toMatchObject({ usersInBreach: 0 });

  const rule = await call('PATCH', `/v1.0/catalog/servicePlans/${A}`, { token: operator, body: { conflictsWith: [C] } });
  expect(rule.status).toBe(200);
  // a new assignment is judged by the new rule at once
  const newcomer = await on.t.createUser();
  expect(
    (
      await on.t.assign(newcomer.id, {
        addLicenses: [
          { skuId: sku, disabledPlans: [] },
          { skuId: other, disabledPlans: [] },
        ],
        removeLicenses: [],
      })
    ).status,
  ).toBe(409);

  const run = await call('POST', '/v1.0/reconciliations', { token: on.t.tokens.license });
  expect(run.status).toBe(201);
  const breaches = run.body.steps.catalogBreaches;
  expect(breaches).toMatchObject({ usersInBreach: 1, checkedSinceVersion: first.body.steps.catalogBreaches.catalogVersion });
  expect(breaches.catalogVersion).toBeGreaterThan(first.body.steps.catalogBreaches.catalogVersion);
  expect(breaches.users).toEqual([
    expect.objectContaining({
      userId: on.direct,
      violations: [
        expect.objectContaining({ code: 'MutuallyExclusiveViolation', message: expect.stringMatching(/Nothing was taken away\. Switch one of them off/) }),
      ],
    }),
  ]);
  // still holds both
  expect((await licenseDetails(on.t, on.direct)).map((d) => d.skuId).sort()).toEqual([sku, other].sort());
  // the way out taken: C switched off; the next run no longer lists the user
  expect(
    (await call('POST', `/v1.0/users/${on.direct}/licenseDetails/${other}/updateServicePlans`, { token: on.t.tokens.license, body: { disable: [C] } })).status,
  ).toBe(200);
  const fixed = await call('POST', '/v1.0/reconciliations', { token: on.t.tokens.license });
  expect(fixed.body.steps.catalogBreaches).toMatchObject({ usersInBreach: 0, usersChecked: 1 });
  // the rule goes again (the next tests' product is A's)
  expect((await call('PATCH', `/v1.0/catalog/servicePlans/${A}`, { token: operator, body: { conflictsWith: [] } })).status).toBe(200);
});

test('a change with a future effectiveDateTime is announced at once and applied when due', async () => {
  const D = randomUUID();
  const when = new Date(Date.now() + 4000).toISOString();
  const scheduled = await call('PUT', `/v1.0/catalog/products/${sku}?effectiveDateTime=${when}`, {
    token: operator,
    body: productWith(plan(A, 'PLAN_A'), plan(D, 'PLAN_D')),
  });
  expect(scheduled.status).toBe(202);
  expect(scheduled.headers.get('location')).toMatch(new RegExp(`/v1\\.0/catalog/upcomingChanges/${scheduled.body.id}$`));
  expect(scheduled.body).toMatchObject({ status: 'scheduled', effectiveDateTime: when, operation: 'putProduct', summary: { plansAdded: 1 } });
  // nothing in force changed
  expect(
    (await call('GET', `/v1.0/catalog/products/${sku}`, { token: operator })).body.servicePlans.map((p: { servicePlanId: string }) => p.servicePlanId),
  ).toEqual([A]);
  // the organizations holding the product see it coming; one that does not hold it does not
  const upcoming = await call('GET', '/v1.0/catalog/upcomingChanges', { token: off.t.tokens.reader });
  expect(upcoming.status).toBe(200);
  expect(upcoming.body.value).toEqual([
    expect.objectContaining({
      id: scheduled.body.id,
      effectiveDateTime: when,
      scheduledBy: null,
      changes: expect.objectContaining({
        productsChanged: [expect.objectContaining({ skuId: sku, plansAdded: [expect.objectContaining({ servicePlanId: D })] })],
      }),
    }),
  ]);
  const stranger = await newTenant('Does not hold it');
  expect((await call('GET', '/v1.0/catalog/upcomingChanges', { token: stranger.tokens.reader })).body.value).toEqual([]);
  const announced = await until(
    () => hooks(off.t.id, 'catalogChangeScheduled'),
    (h) => h.length > 0,
  );
  expect(announced[0].data).toMatchObject({ id: scheduled.body.id, effectiveDateTime: when });

  // once it is due, the catalog timer applies it (fired here through the host's admin call) and the organizations follow
  while (Date.now() <= Date.parse(when)) await new Promise((r) => setTimeout(r, 200));
  const fired = await fetch(`http://localhost:${TEST_PORTS.host}/admin/functions/catalogTimer`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"input":""}',
  });
  expect(fired.status).toBe(202);
  const applied = await until(
    async () =>
      (await call('GET', `/v1.0/catalog/products/${sku}`, { token: operator })).body.servicePlans.map((p: { servicePlanId: string }) => p.servicePlanId),
    (ids: string[]) => ids.includes(D),
  );
  expect(applied).toEqual([A, D]);
  expect((await call('GET', '/v1.0/catalog/upcomingChanges', { token: operator })).body.value.map((c: { id: string }) => c.id)).not.toContain(
    scheduled.body.id,
  );
  await catalogJob(off.t, { plansAdded: [D] });
  expect(await disabledPlans(off.t, off.direct)).toEqual([D]);
  expect(await planStates(on.t, on.direct)).toMatchObject({ [D]: 'Success' });
});
