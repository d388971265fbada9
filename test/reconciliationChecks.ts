/**
 * What a reconciliation restores, checked against the store itself (not through the service being
 * tested): every product's seat counter equals its holders (so no holder is without a seat), no chunk
 * hold and no seat intent is left, and every user's last license change is in the audit trail. And the
 * waits such checks need on an own stack: until nothing is queued or in flight, until every counter and
 * intent is older than the grace period.
 */
import { QueueServiceClient } from '@azure/storage-queue';
import { storeOf } from './helpers';

type Store = ReturnType<typeof storeOf>;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function reconciledProblems(store: Store, tenantId: string): Promise<string[]> {
  const directory = store.container('directory');
  const audit = store.container('audit');
  const q = async <T>(container: typeof directory, query: string) =>
    (await container.items.query<T>({ query, parameters: [{ name: '@t', value: tenantId }] }, { partitionKey: tenantId }).fetchAll()).resources;
  const users = await q<{ id: string; assignedSkuIds?: string[]; last?: string }>(
    directory,
    "SELECT c.id, c.assignedSkuIds, c.lastLicenseChange.id AS last FROM c WHERE c.tenantId = @t AND c.type = 'user'",
  );
  const subs = await q<{ skuId: string; seat: { consumed: number; holds?: Record<string, number> } }>(
    directory,
    "SELECT c.skuId, c.seat FROM c WHERE c.tenantId = @t AND c.type = 'subscription'",
  );
  const problems: string[] = [];
  for (const s of subs) {
    const holders = users.filter((u) => u.assignedSkuIds?.includes(s.skuId)).length;
    if (s.seat.consumed !== holders) problems.push(`${s.skuId}: counter ${s.seat.consumed}, holders ${holders}`);
    if (Object.keys(s.seat.holds ?? {}).length) problems.push(`${s.skuId}: holds left ${JSON.stringify(s.seat.holds)}`);
  }
  const records = new Set(await q<string>(audit, "SELECT VALUE c.id FROM c WHERE c.tenantId = @t AND c.type = 'licenseChange'"));
  for (const u of users) if (u.last && !records.has(u.last)) problems.push(`user ${u.id}: last change ${u.last} not audited`);
  const intents = await q<{ id: string }>(audit, "SELECT c.id FROM c WHERE c.tenantId = @t AND c.type = 'seatIntent'");
  if (intents.length) problems.push(`open seat intents: ${intents.map((i) => i.id).join(', ')}`);
  return problems;
}

/**
 * Waits (a bounded number of polls) until the stack's queues are empty twice in a row: no bulk chunk, group
 * convergence or alert waiting or being worked on (a message being handled stays counted until it is deleted).
 */
export async function queuesDrained(connection: string, polls = 600): Promise<boolean> {
  const service = QueueServiceClient.fromConnectionString(connection);
  const names = ['license-jobs', 'group-licensing', 'alert-deliveries'];
  let empty = 0;
  for (let i = 0; i < polls; i++) {
    const counts = await Promise.all(names.map(async (n) => (await service.getQueueClient(n).getProperties()).approximateMessagesCount ?? 0));
    empty = counts.every((c) => c === 0) ? empty + 1 : 0;
    if (empty >= 2) return true;
    await sleep(200);
  }
  return false;
}

/** Waits until every counter and seat intent of the tenant was last written longer ago than `graceSeconds`. */
export async function pastTheGrace(store: Store, tenantId: string, graceSeconds: number): Promise<void> {
  const newest = async (container: 'directory' | 'audit', type: string) =>
    (
      await store
        .container(container)
        .items.query<number>(
          {
            query: 'SELECT VALUE MAX(c._ts) FROM c WHERE c.tenantId = @t AND c.type = @type',
            parameters: [
              { name: '@t', value: tenantId },
              { name: '@type', value: type },
            ],
          },
          { partitionKey: tenantId },
        )
        .fetchAll()
    ).resources[0] ?? 0;
  const ts = Math.max(await newest('directory', 'subscription'), await newest('audit', 'seatIntent'));
  const wait = (ts + 1 + graceSeconds) * 1000 + 300 - Date.now();
  if (wait > 0) await sleep(wait);
}
