/**
 * Step 4: the reclaim policy acts (unless it is a dry run). Licenses of long-disabled accounts, and of
 * inactive accounts in immediate mode, are removed; in ask-first mode an inactive user's products are
 * marked first (webhook licenseReclaimPending, from the alerts step) and removed by a run after the grace
 * period, unless the user kept them. Every removal goes through the engine (audited as `reclaim`), decided
 * again on the user as stored at the write.
 */
import { askFirstStep, lastActivityOf, reclaimCandidate } from '../../../domain/reconciliation';
import { ApiError } from '../../../errors';
import { SubscriptionDoc } from '../../../storage/documents';
import { ReclaimMarkDoc, reclaimMarkId, reclaimMarks } from '../../../storage/reclaimMarks';
import { users } from '../../../storage/users';
import { applyChanges, directChange, reservedSeats } from '../../../licensing';
import { ReconciliationReport } from '../report';
import { messageOf, Run, runSubscriptions } from '../run';
import { keptAt } from './scan';

type Candidate = ReconciliationReport['reclaim']['users'][number];

export async function reclaimStep(run: Run): Promise<void> {
  const r = run.report.reclaim;
  // accounts disabled before the date was recorded: the count of days starts now
  for (const id of run.disabledWithoutDate) {
    const u = await users.get(run.tenantId, id);
    if (!u || u.accountEnabled !== false || u.disabledDateTime) continue;
    if (await users.replaceIfMatch({ ...u, disabledDateTime: run.now }, u._etag!)) r.disableDatesRecorded++;
  }
  if (!run.policy.enabled || run.policy.dryRun) return;
  const subs = new Map((await runSubscriptions(run)).map((d) => [d.skuId, d]));
  const now: { candidate: Candidate; skus: string[] }[] = [];
  for (const c of r.users.filter((u) => u.reclaim.length)) {
    if (c.reason === 'inactive' && run.policy.mode === 'askFirst') {
      const due = await askFirst(run, c);
      if (due.length) now.push({ candidate: c, skus: due });
    } else now.push({ candidate: c, skus: c.reclaim });
  }
  await reclaim(run, subs, now);
}

/** Ask first: marks what is new, reports what waits, and claims (mark -> reclaiming, If-Match) what is due. */
async function askFirst(run: Run, c: Candidate): Promise<string[]> {
  const marked: string[] = [];
  const waiting: { skuId: string; until: string }[] = [];
  const due: string[] = [];
  let markUntil = '';
  for (const skuId of c.reclaim) {
    const mark = run.marks.get(reclaimMarkId(c.userId, skuId));
    const step = askFirstStep(
      mark,
      lastActivityOf({ signInActivity: { lastSignInDateTime: c.lastSignInDateTime ?? undefined } }, keptAt(run, c.userId, skuId)),
      run.now,
      run.policy.graceDays,
    );
    if (step.action === 'mark') {
      const written = await writeMark(run, mark, c.userId, skuId, {
        state: 'pending',
        markedDateTime: run.now,
        reclaimAfterDateTime: step.reclaimAfterDateTime,
        keptDateTime: mark?.keptDateTime ?? null,
      });
      if (written) {
        marked.push(skuId);
        markUntil = step.reclaimAfterDateTime;
      }
    } else if (step.action === 'waiting') waiting.push({ skuId, until: step.reclaimAfterDateTime });
    else if (mark && (await writeMark(run, mark, c.userId, skuId, { ...mark, state: 'reclaiming' }))) due.push(skuId);
    // a mark that changed since it was read: the user kept it meanwhile (or another run is at it): left alone
  }
  const who = { userId: c.userId, userPrincipalName: c.userPrincipalName, displayName: c.displayName };
  if (marked.length) run.report.reclaim.pending.push({ ...who, skuIds: marked, reclaimAfterDateTime: markUntil, status: 'marked' });
  if (waiting.length)
    run.report.reclaim.pending.push({ ...who, skuIds: waiting.map((w) => w.skuId), reclaimAfterDateTime: waiting[0].until, status: 'waiting' });
  return due;
}

async function writeMark(
  run: Run,
  current: ReclaimMarkDoc | undefined,
  userId: string,
  skuId: string,
  fields: Partial<ReclaimMarkDoc> & Pick<ReclaimMarkDoc, 'state'>,
): Promise<ReclaimMarkDoc | undefined> {
  const { id, type, _etag, ...rest } = { ...(current ?? {}), ...fields } as ReclaimMarkDoc;
  void [id, type, _etag];
  const written = await reclaimMarks.put({ ...rest, tenantId: run.tenantId, userId, skuId }, current?._etag);
  if (written) run.marks.set(written.id, written);
  return written;
}

/** Removes the products through the engine, a batch of users per engine run (one bulk read, one bulk write). */
async function reclaim(run: Run, subs: Map<string, SubscriptionDoc>, list: { candidate: Candidate; skus: string[] }[]): Promise<void> {
  const r = run.report.reclaim;
  for (let i = 0; i < list.length; i += RECLAIM_BATCH) {
    const batch = list.slice(i, i + RECLAIM_BATCH);
    const outcomes = await applyChanges({
      tenantId: run.tenantId,
      catalog: run.catalog,
      seats: reservedSeats(run.tenantId),
      groups: batch.map(({ candidate, skus }) => ({
        principal: run.principal,
        requestId: run.runId,
        operation: 'reclaim',
        changes: [
          directChange(run.principal, {
            userId: candidate.userId,
            // decided again on the user as it is at the write (re-enabled, signed in meanwhile: nothing happens)
            changeFor: (doc) => {
              const again = reclaimCandidate(
                doc,
                run.policy,
                run.now,
                (s) => subs.get(s),
                (s) => keptAt(run, doc.id, s),
              );
              const removeLicenses = (again?.reclaim ?? []).filter((s) => skus.includes(s));
              if (!removeLicenses.length)
                throw new ApiError(409, 'notACandidate', 'The account was enabled again, signed in, or its licenses changed, since it was found.');
              return { addLicenses: [], removeLicenses };
            },
          }),
        ],
      })),
    });
    for (const [k, { candidate, skus }] of batch.entries()) {
      const o = outcomes[k];
      if (o.ok) {
        const removed = o.changed.has(candidate.userId) ? skus : [];
        r.actions.push({ userId: candidate.userId, status: removed.length ? 'reclaimed' : 'skipped', removed });
      } else {
        const skipped = o.error instanceof ApiError && o.error.code === 'notACandidate';
        r.actions.push({ userId: candidate.userId, status: skipped ? 'skipped' : 'failed', removed: [], message: messageOf(o.error) });
      }
      await settleMarks(run, candidate.userId, skus, o.ok && o.changed.has(candidate.userId));
    }
    await run.lease.keepAlive();
  }
}

/** Marks being reclaimed: done, or (nothing removed) back to pending, so a later run decides again. */
async function settleMarks(run: Run, userId: string, skus: string[], removed: boolean): Promise<void> {
  for (const skuId of skus) {
    const mark = run.marks.get(reclaimMarkId(userId, skuId));
    if (mark?.state !== 'reclaiming') continue;
    await writeMark(run, mark, userId, skuId, removed ? { state: 'reclaimed', reclaimedDateTime: run.now } : { state: 'pending' });
  }
}

const RECLAIM_BATCH = 100;
