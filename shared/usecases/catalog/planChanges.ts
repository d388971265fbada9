/**
 * What a catalog version does to the organizations that hold a product it changed, on the queue (never in
 * the operator's request): a product that gained or lost service plans. One message per version finds the
 * organizations holding those products (one cross-partition query of the subscriptions) and sends one
 * message per organization; that message makes the organization's job, a bulk license job of the catalog
 * (`source: catalog`, mode `servicePlans`) whose progress and results read like any job's:
 *
 * - newServicePlans `disabled`: the new plans go into the disabledPlans of every direct assignment (the
 *   job's users, through the one write engine: rules checked, audit records of operation
 *   `catalogServicePlans`, no seat moves) and of every group's assignment (members follow on the
 *   group-licensing queue); `enabled` (Microsoft's behaviour): nothing is written, the plans are on;
 * - plans the product lost leave disabledPlans, direct and in groups, whatever the setting;
 * - the organization's webhooks hear `servicePlansAdded` (and `servicePlansRemoved`): the products, the
 *   plans, what was done, the job.
 *
 * At least once: the job's id is the version's (one job per organization and version), a group already
 * changed is not changed again, the users a job changed carry it (appliedJobs), and a webhook hears of a
 * version once.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { Catalog } from '../../domain/catalog';
import { ServicePlanChange } from '../../domain/jobs';
import { isActive } from '../../domain/licensing';
import { log } from '../../log';
import * as c from '../../schemas/contracts';
import { catalogStore, CatalogVersionDoc } from '../../storage/catalog';
import { CatalogJobChange, JobDoc, JobItem, jobs } from '../../storage/jobs';
import { QUEUES, sendMessage } from '../../storage/queues';
import { holders } from '../../storage/holders';
import { holdings, subscriptions } from '../../storage/subscriptions';
import { emitOnce } from '../alerts';
import { applyCatalogPlansToGroups } from '../groups';
import { getLicenseSettings } from '../licenseSettings';
import { enqueueFirstChunks } from '../licenseJobs/queue';
import { writeChunks } from '../licenseJobs/intake';

export type CatalogChangeMessage = z.infer<typeof c.catalogChangeMessage>;

type ChangedProduct = CatalogVersionDoc['changes']['productsChanged'][number];

/** The products of a version that gained or lost plans. */
const withPlanChanges = (record: Pick<CatalogVersionDoc, 'changes'>): ChangedProduct[] =>
  record.changes.productsChanged.filter((p) => p.plansAdded.length || p.plansRemoved.length);

/**
 * After a version is published: its organizations are found and processed on the queue (nothing to send
 * when no product's plans changed); then the version is marked announced. A publisher stopped between the
 * commit and this leaves the mark missing: the catalog timer announces the version in force then.
 */
export async function announceVersion(record: Pick<CatalogVersionDoc, 'version' | 'changes'>): Promise<void> {
  if (withPlanChanges(record).length) await sendMessage(QUEUES.catalogChanges, { kind: 'version', version: record.version } satisfies CatalogChangeMessage);
  await catalogStore.markAnnounced(record.version);
}

/** The timer's catch-up: the version in force announced, if its publisher did not get to it. */
export async function announceUnannounced(): Promise<boolean> {
  const head = await catalogStore.head();
  if (!head || (await catalogStore.announced(head.version))) return false;
  const record = await catalogStore.version(head.version);
  if (!record) return false;
  await announceVersion(record);
  return true;
}

/** The queue handler: a version (find its organizations) or one organization (its job). */
export async function processCatalogChange(m: Exclude<CatalogChangeMessage, { kind: 'scheduled' }>, catalog: Catalog): Promise<void> {
  const record = await catalogStore.version(m.version);
  if (!record) throw new Error(`catalog version ${m.version} has no record (yet): retry`);
  if (m.kind === 'version') {
    const skus = new Set(withPlanChanges(record).map((p) => p.skuId));
    const held = skus.size <= 10 ? (await Promise.all([...skus].map((s) => holdings(s)))).flat() : (await holdings()).filter((h) => skus.has(h.skuId));
    const tenantIds = [...new Set(held.map((h) => h.tenantId))];
    for (let i = 0; i < tenantIds.length; i += 50)
      await Promise.all(
        tenantIds
          .slice(i, i + 50)
          .map((tenantId) => sendMessage(QUEUES.catalogChanges, { kind: 'tenant', version: m.version, tenantId } satisfies CatalogChangeMessage)),
      );
    log.info('catalog version announced', { version: m.version, products: skus.size, organizations: tenantIds.length });
    return;
  }
  await startOrganizationJob(catalog, m.tenantId, record);
}

/** One job per organization and version: its id derived from the version (a redelivered message finds it). */
export function catalogJobId(version: number): string {
  const h = createHash('sha256').update(`catalog-version-${version}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

async function startOrganizationJob(catalog: Catalog, tenantId: string, record: CatalogVersionDoc): Promise<void> {
  const jobId = catalogJobId(record.version);
  const existing = await jobs.get(tenantId, jobId);
  if (existing) {
    if (existing.status === 'queued' && existing.progress.chunksdone === 0) await enqueueFirstChunks(existing);
    return;
  }
  const held = new Map((await subscriptions.list(tenantId)).filter((s) => s.capabilityStatus !== 'Deleted' || s.seat.consumed > 0).map((s) => [s.skuId, s]));
  const products = withPlanChanges(record).filter((p) => held.has(p.skuId));
  if (!products.length) return;
  const { newServicePlans } = await getLicenseSettings(tenantId);
  // a plan is switched off only if the product still has it now (a later version may have taken it out again)
  const stillIn = (skuId: string, planId: string) => !!catalog.product(skuId)?.servicePlans.some((s) => s.servicePlanId === planId);
  const changes: ServicePlanChange[] = products.map((p) => ({
    skuId: p.skuId,
    disable: newServicePlans === 'disabled' ? p.plansAdded.map((s) => s.servicePlanId).filter((id) => stillIn(p.skuId, id)) : [],
    drop: p.plansRemoved.map((s) => s.servicePlanId),
  }));
  const work = changes.filter((x) => x.disable.length || x.drop.length);

  // the groups first (their members follow on the group-licensing queue), then the direct holders as the job's users
  const groups = work.length ? await applyCatalogPlansToGroups(tenantId, work) : [];
  const items: JobItem[] = [];
  const seen = new Set<string>();
  for (const change of work) {
    for await (const page of holders.pages(tenantId, change.skuId, 1000)) {
      for (const u of page) {
        if (seen.has(u.id) || !u.licenseAssignments.some((a) => a.skuId === change.skuId && a.assignedByGroup === null && isActive(a))) continue;
        seen.add(u.id);
        items.push({ row: items.length + 1, userId: u.id });
      }
    }
  }
  const chunkCount = items.length ? await writeChunks(tenantId, jobId, items) : 0;
  const catalogChange: CatalogJobChange = {
    version: record.version,
    newServicePlans,
    products: products.map((p) => ({
      skuId: p.skuId,
      skuPartNumber: p.skuPartNumber,
      plansAdded: p.plansAdded.map((s) => s.servicePlanId),
      plansRemoved: p.plansRemoved.map((s) => s.servicePlanId),
    })),
    groups,
  };
  const now = new Date().toISOString();
  const job: JobDoc = {
    id: jobId,
    tenantId,
    type: 'licenseJob',
    source: 'catalog',
    request: { mode: 'servicePlans', addLicenses: [], removeLicenses: [], servicePlanChanges: work, catalogVersion: record.version },
    catalogChange,
    dryRun: false,
    requireSeats: false,
    createMissingUsers: false,
    createdBy: { id: 'catalog', displayName: `Catalog version ${record.version}`, directoryRoles: [], appRoles: [] },
    createdDateTime: now,
    startedDateTime: chunkCount ? null : now,
    completedDateTime: chunkCount ? null : now,
    status: chunkCount ? 'queued' : 'completed',
    phase: 'apply',
    total: items.length,
    chunkCount,
    progress: { done: {}, chunksdone: 0, succeeded: 0, failed: 0, skipped: 0 },
    preview: { needed: {} },
    cancel: false,
    error: null,
  };
  // the catalog's job takes no slot of the organization's job budget: it is not the admins' work
  const created = await jobs.create(job);
  if (created.chunkCount && created.status === 'queued' && created.progress.chunksdone === 0) await enqueueFirstChunks(created);
  await announce(catalog, tenantId, record, products, newServicePlans, work, groups, items.length, jobId);
}

async function announce(
  catalog: Catalog,
  tenantId: string,
  record: CatalogVersionDoc,
  products: ChangedProduct[],
  newServicePlans: 'enabled' | 'disabled',
  work: ServicePlanChange[],
  groups: CatalogJobChange['groups'],
  directHolders: number,
  jobId: string,
): Promise<void> {
  const base = { catalogVersion: record.version, publishedDateTime: record.publishedDateTime, newServicePlans, jobId, directHolders, groups };
  const product = (p: ChangedProduct, plans: ChangedProduct['plansAdded']) => ({
    skuId: p.skuId,
    skuPartNumber: p.skuPartNumber,
    productName: catalog.productName(p.skuId, p.displayName),
    servicePlans: plans,
  });
  const added = products.filter((p) => p.plansAdded.length);
  const removed = products.filter((p) => p.plansRemoved.length);
  const say = (e: unknown) => log.warn('alert not recorded', { tenantId, error: String(e) });
  if (added.length)
    await emitOnce(tenantId, 'servicePlansAdded', `catalog-v${record.version}`, {
      ...base,
      products: added.map((p) => product(p, p.plansAdded)),
      // what was done: off for every holder (direct and group assignments), or on as Microsoft does
      action: newServicePlans === 'disabled' && work.some((w) => w.disable.length) ? 'disabledForHolders' : 'enabledForHolders',
    }).catch(say);
  if (removed.length)
    await emitOnce(tenantId, 'servicePlansRemoved', `catalog-v${record.version}`, {
      ...base,
      products: removed.map((p) => product(p, p.plansRemoved)),
      action: 'removedFromDisabledPlans',
    }).catch(say);
}
