/**
 * A worker killed mid-chunk (SIGKILL: no cleanup, no finally) and the chunk redelivered to another
 * worker: every user ends exactly as if processed once, and the seat count matches the holders.
 * This test runs its own stack on its own ports, because it kills it.
 */
import { testStackEnv } from '../env';
import { tokenFor } from '../helpers';
import { OwnStack, startOwnStack } from '../ownStack';

let stack: OwnStack;
afterAll(() => stack?.stop());

async function call(method: string, path: string, token: string, body?: unknown) {
  const r = await fetch(`${stack.api}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: r.status, body: await r.json().catch((): any => undefined) };
}

test('killed mid-chunk, redelivered to a new worker: each user once, seats right, job completes', async () => {
  const E3 = '6fd2c87f-b296-42f0-b197-1e91e994b900';
  // worker 1 kills itself after writing 40 users of the job
  stack = await startOwnStack(70, { LOCAL_QUEUE_LEASE_SECONDS: '2', LICENSE_JOB_FAULT_KILL_AFTER_USERS: '40' });
  const exited = new Promise<string | null>((resolve) => stack.host.once('exit', (_code, signal) => resolve(signal)));
  const operator = await tokenFor('Operator', testStackEnv.OPERATOR_TENANT_ID);
  const tenant = await call('POST', '/v1.0/tenants', operator, { displayName: 'Kill org' });
  expect(tenant.status).toBe(201);
  const admin = await tokenFor('GlobalAdministrator', tenant.body.id);
  expect((await call('POST', '/v1.0/directory/subscriptions', admin, { skuId: E3, totalLicenses: 300 })).status).toBe(201);
  const ids: string[] = [];
  for (let i = 0; i < 150; i += 25) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(25, 150 - i) }, (_, k) =>
        call('POST', '/v1.0/users', admin, { displayName: `K ${i + k}`, userPrincipalName: `k${i + k}@kill.dev`, usageLocation: 'NL' }),
      ),
    );
    ids.push(...batch.map((b) => b.body.id));
  }
  const job = await call('POST', '/v1.0/licenseJobs', admin, { mode: 'add', userIds: ids, addLicenses: [{ skuId: E3, disabledPlans: [] }] });
  expect(job.status).toBe(202);
  expect(await exited).toBe('SIGKILL');

  // worker 2 on the same data: the messages come back after their lease and the job finishes
  await stack.attach({ LICENSE_JOB_FAULT_KILL_AFTER_USERS: '' });
  let status: any;
  for (let i = 0; i < 200; i++) {
    status = (await call('GET', `/v1.0/licenseJobs/${job.body.id}`, admin)).body;
    if (status.status === 'completed' || status.status === 'completedWithErrors') break;
    await new Promise((r) => setTimeout(r, 150));
  }
  expect(status).toMatchObject({ status: 'completed', counts: { total: 150, succeeded: 150, failed: 0, skipped: 0 } });
  const sku = (await call('GET', `/v1.0/subscribedSkus/${E3}`, admin)).body;
  expect(sku.consumedUnits).toBe(150);
  const holders = (await call('GET', `/v1.0/subscribedSkus/${E3}/assignments?$top=999`, admin)).body.value;
  expect(holders).toHaveLength(150);
  expect(holders.every((u: any) => u.assignedLicenses.length === 1 && u.assignedLicenses[0].skuId === E3)).toBe(true);
  const audit = (await call('GET', `/v1.0/auditLogs/licenseChanges?jobId=${job.body.id}&$top=999`, admin)).body.value;
  expect(audit).toHaveLength(150);
  expect(new Set(audit.map((a: any) => a.userId)).size).toBe(150);
});
