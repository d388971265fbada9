/**
 * Catalog changes with an effectiveDateTime in the future: announced at once, applied when due. The
 * change is kept as the operator asked for it (changes.ts), with what it would change as of now; the
 * organizations holding a product it changes hear `catalogChangeScheduled` and see it in
 * GET /v1.0/catalog/upcomingChanges, so an admin can decide (switch newServicePlans off, say) before it
 * lands. The catalog timer (CATALOG_SCHEDULE) applies what is due, through the same publisher as a change
 * made now (so the organizations are processed as for any version); a timer on another instance at the
 * same moment finds it taken (If-Match on the scheduled change).
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { catalogCache } from '../../catalog/cache';
import { publishChange } from '../../catalog/publish';
import { settings } from '../../config';
import { Catalog } from '../../domain/catalog';
import { ApiError, ErrorCodes } from '../../errors';
import { log } from '../../log';
import * as c from '../../schemas/contracts';
import { catalogSchedule, CatalogScheduledChangeDoc } from '../../storage/catalog';
import { QUEUES, sendMessage } from '../../storage/queues';
import { holdings, subscriptions } from '../../storage/subscriptions';
import { emitOnce } from '../alerts';
import { CatalogChangeInput, editOf } from './changes';
import { CatalogChangeMessage } from './planChanges';
import { CatalogWriter, publishAndAnnounce, publisherOf } from './publishing';

/** A change that stayed 'applying' this long (its timer stopped) is taken by the next one. */
const APPLYING_GRACE_MS = 10 * 60_000;

export type ScheduledChangeView = z.infer<typeof c.catalogScheduledChange>;

/** Schedules the change for `effectiveDateTime` (nothing in force changes now): 202 with what it will change. */
export async function scheduleChange(w: CatalogWriter, input: CatalogChangeInput, effectiveDateTime: string): Promise<ScheduledChangeView> {
  // what it would change on the version in force: a change that names what does not exist is refused now
  const dry = await publishChange({
    cache: catalogCache(settings()),
    by: publisherOf(w.principal),
    operation: input.operation,
    dryRun: true,
    edit: editOf(input),
  });
  const doc: CatalogScheduledChangeDoc = {
    id: randomUUID(),
    tenantId: 'catalog',
    type: 'catalogScheduledChange',
    status: 'scheduled',
    effectiveDateTime,
    operation: input.operation,
    input,
    scheduledBy: publisherOf(w.principal),
    scheduledDateTime: new Date().toISOString(),
    basedOnVersion: dry.version,
    summary: dry.summary,
    changes: dry.changes,
    appliedVersion: null,
    appliedDateTime: null,
    error: null,
  };
  await catalogSchedule.create(doc);
  await sendMessage(QUEUES.catalogChanges, { kind: 'scheduled', id: doc.id } satisfies CatalogChangeMessage).catch((e) =>
    log.warn('scheduled catalog change not announced', { id: doc.id, error: String((e as Error)?.message ?? e) }),
  );
  return scheduledView(doc);
}

/** The skus a scheduled change touches: products it changes or removes, and those with a plan whose rules it changes. */
function touchedSkus(doc: Pick<CatalogScheduledChangeDoc, 'changes'>, catalog: Catalog): Set<string> {
  const skus = new Set([...doc.changes.productsChanged.map((p) => p.skuId), ...doc.changes.productsRemoved.map((p) => p.skuId)]);
  const plans = new Set(doc.changes.rulesChanged.map((r) => r.servicePlanId));
  if (plans.size) for (const p of catalog.all()) if (p.servicePlans.some((s) => plans.has(s.servicePlanId))) skus.add(p.skuId);
  return skus;
}

/** The queue's announcement of a scheduled change: each organization holding a product it touches hears of it once. */
export async function announceScheduled(id: string, catalog: Catalog): Promise<void> {
  const doc = await catalogSchedule.get(id);
  if (!doc || doc.status !== 'scheduled') return;
  const skus = touchedSkus(doc, catalog);
  const held = (await Promise.all([...skus].map((s) => holdings(s)))).flat();
  const byTenant = new Map<string, Set<string>>();
  for (const h of held) byTenant.set(h.tenantId, (byTenant.get(h.tenantId) ?? new Set()).add(h.skuId));
  for (const [tenantId, mine] of byTenant) {
    await emitOnce(tenantId, 'catalogChangeScheduled', `catalog-scheduled-${doc.id}`, {
      ...forOrganization(doc, mine, catalog),
      upcomingChanges: '/v1.0/catalog/upcomingChanges',
    }).catch((e) => log.warn('alert not recorded', { tenantId, error: String(e) }));
  }
}

export function scheduledView(doc: CatalogScheduledChangeDoc): ScheduledChangeView {
  return {
    id: doc.id,
    status: doc.status,
    effectiveDateTime: doc.effectiveDateTime,
    operation: doc.operation,
    scheduledDateTime: doc.scheduledDateTime,
    scheduledBy: doc.scheduledBy,
    basedOnVersion: doc.basedOnVersion,
    summary: doc.summary,
    changes: doc.changes,
    appliedVersion: doc.appliedVersion,
    error: doc.error,
  };
}

/** What an organization sees of a scheduled change: only what touches the products it holds. */
function forOrganization(doc: CatalogScheduledChangeDoc, held: ReadonlySet<string>, catalog: Catalog): ScheduledChangeView {
  const planHeld = (planId: string) => catalog.all().some((p) => held.has(p.skuId) && p.servicePlans.some((s) => s.servicePlanId === planId));
  const changes = {
    productsAdded: [],
    productsRemoved: doc.changes.productsRemoved.filter((p) => held.has(p.skuId)),
    productsChanged: doc.changes.productsChanged.filter((p) => held.has(p.skuId)),
    rulesChanged: doc.changes.rulesChanged.filter((r) => planHeld(r.servicePlanId)),
  };
  return { ...scheduledView(doc), scheduledBy: null, changes };
}

/** GET /catalog/upcomingChanges: the operator sees every change not yet in force; an organization those that touch its products. */
export async function upcomingChanges(catalog: Catalog, tenantId: string | undefined): Promise<ScheduledChangeView[]> {
  const pending: CatalogScheduledChangeDoc[] = [];
  let token: string | undefined;
  do {
    const page = await catalogSchedule.pending(100, token);
    pending.push(...page.items);
    token = page.continuationToken;
  } while (token);
  pending.sort((a, b) => a.effectiveDateTime.localeCompare(b.effectiveDateTime) || a.scheduledDateTime.localeCompare(b.scheduledDateTime));
  if (!tenantId) return pending.map(scheduledView);
  const held = new Set((await subscriptions.list(tenantId)).filter((s) => s.capabilityStatus !== 'Deleted' || s.seat.consumed > 0).map((s) => s.skuId));
  return pending
    .filter((d) => [...touchedSkus(d, catalog)].some((s) => held.has(s)))
    .map((d) => forOrganization(d, held, catalog))
    .filter((v) => v.changes.productsChanged.length || v.changes.productsRemoved.length || v.changes.rulesChanged.length);
}

/** The operator takes back a change not yet in force. */
export async function cancelScheduled(id: string): Promise<ScheduledChangeView> {
  const doc = await catalogSchedule.get(id);
  if (!doc) throw new ApiError(404, ErrorCodes.notFound, `No scheduled catalog change '${id}'. GET /v1.0/catalog/upcomingChanges lists them.`, id);
  if (doc.status !== 'scheduled')
    throw new ApiError(
      409,
      ErrorCodes.conflict,
      `The change is ${doc.status}${doc.appliedVersion ? ` (version ${doc.appliedVersion})` : ''}: only a scheduled change can be cancelled.`,
      id,
    );
  const written = await catalogSchedule.replaceIfMatch({ ...doc, status: 'cancelled' }, doc._etag!);
  if (!written) throw new ApiError(409, ErrorCodes.conflict, 'The change is being applied right now; look at it again.', id);
  return scheduledView(written);
}

/** The timer: every scheduled change whose effectiveDateTime has come, oldest first, published as any change. */
export async function applyDueCatalogChanges(now: Date): Promise<{ id: string; version: number | null; error?: string }[]> {
  const due: CatalogScheduledChangeDoc[] = [];
  let token: string | undefined;
  do {
    const page = await catalogSchedule.pending(100, token);
    due.push(
      ...page.items.filter(
        (d) =>
          Date.parse(d.effectiveDateTime) <= now.getTime() &&
          (d.status === 'scheduled' || now.getTime() - Date.parse(d.appliedDateTime ?? d.effectiveDateTime) > APPLYING_GRACE_MS),
      ),
    );
    token = page.continuationToken;
  } while (token);
  due.sort((a, b) => a.effectiveDateTime.localeCompare(b.effectiveDateTime) || a.scheduledDateTime.localeCompare(b.scheduledDateTime));
  const done: { id: string; version: number | null; error?: string }[] = [];
  for (const d of due) {
    // taken: 'applying' (a timer on another instance finds the etag moved)
    const taken = await catalogSchedule.replaceIfMatch({ ...d, status: 'applying', appliedDateTime: now.toISOString() }, d._etag!);
    if (!taken) continue;
    const writer = {
      principal: { tenantId: 'operator', objectId: d.scheduledBy.id, displayName: d.scheduledBy.displayName, directoryRoles: [], appRoles: [], isApp: true },
      requestId: d.id,
      catalog: await catalogCache(settings()).current(),
    };
    try {
      const outcome = await publishAndAnnounce(writer, d.operation, editOf(d.input as CatalogChangeInput));
      await catalogSchedule.replaceIfMatch(
        { ...taken, status: 'applied', appliedVersion: outcome.version, appliedDateTime: new Date().toISOString() },
        taken._etag!,
      );
      done.push({ id: d.id, version: outcome.version });
    } catch (e) {
      if (!(e instanceof ApiError) || e.status >= 500) {
        // the store's trouble: back to scheduled, the next run tries again
        await catalogSchedule.replaceIfMatch({ ...taken, status: 'scheduled', appliedDateTime: null }, taken._etag!).catch(() => undefined);
        throw e;
      }
      // the change no longer applies (a product it names was removed meanwhile, say): failed, with why
      await catalogSchedule.replaceIfMatch({ ...taken, status: 'failed', error: e.message }, taken._etag!);
      done.push({ id: d.id, version: null, error: e.message });
    }
  }
  return done;
}
