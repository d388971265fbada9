/**
 * Ask-first reclaim, the user's side: `POST /v1.0/me/licenses/{skuId}/keep` with their own token answers
 * the question a run asked about one product (a `pending` mark): its inactivity clock restarts now, so it
 * is not a candidate again for the policy's inactiveForDays. Without a question there is nothing to
 * answer (409 nothingToKeep): a policy that reclaims at once, or is off, asks nobody, and a member may not
 * hold a license back by keeping it unasked. The mark's etag decides against a reclaim under way
 * (shared/storage/reclaimMarks.ts): a keep never lands on a license being removed, nor is it lost.
 */
import { Catalog } from '../domain/catalog';
import { effectiveLicenses } from '../domain/licensing';
import { DAY_MS, keepAnswers } from '../domain/reconciliation';
import { Principal } from '../domain/roles';
import { ApiError, ErrorCodes } from '../errors';
import { reclaimMarks } from '../storage/reclaimMarks';
import { users } from '../storage/users';
import { getReclaimPolicy } from './reconciliation/policy';

export interface KeptLicense {
  skuId: string;
  keptDateTime: string;
  /** When the product could be a reclaim candidate again if the user stays inactive (null: the policy does not reclaim by activity). */
  reclaimableAfterDateTime: string | null;
}

export async function keepLicense(catalog: Catalog, tenantId: string, principal: Principal, skuId: string): Promise<KeptLicense> {
  const sku = skuId.toLowerCase();
  const user = await users.get(tenantId, principal.objectId);
  if (!user)
    throw new ApiError(404, ErrorCodes.notFound, 'Your account is not a user of this organization in this service, so it holds no license to keep.', 'me');
  const name = catalog.productName(sku);
  if (!effectiveLicenses(user.licenseAssignments).some((l) => l.skuId === sku))
    throw new ApiError(
      404,
      ErrorCodes.notFound,
      `You do not have ${name}, so there is nothing to keep. GET /v1.0/users/{your id}/licenseDetails lists what you have.`,
      'skuId',
    );
  const policy = (await getReclaimPolicy(tenantId)).reclaimDisabledAccounts;
  if (!policy.enabled || policy.mode !== 'askFirst')
    throw nothingToKeep(
      `Your organization's reclaim policy ${policy.enabled ? 'reclaims licenses without asking first' : 'is off'}, so nobody is asked about ${name} and there is nothing to answer.`,
    );
  for (let attempt = 0; attempt < 5; attempt++) {
    const mark = await reclaimMarks.get(tenantId, user.id, sku);
    if (mark?.state === 'reclaiming')
      throw new ApiError(
        409,
        'licenseBeingReclaimed',
        `${name} is being reclaimed right now (its grace period ended). Ask your admin to assign it again.`,
        'skuId',
      );
    if (!mark || !keepAnswers(policy, mark))
      throw nothingToKeep(
        mark?.state === 'kept' && mark.keptDateTime
          ? `You kept ${name} on ${mark.keptDateTime}, and nothing has been asked about it since: there is nothing to answer.`
          : `Nobody has asked about your ${name} (it is not marked for reclaim), so there is nothing to answer. You are asked when you have not signed in for a while.`,
      );
    const now = new Date().toISOString();
    const written = await reclaimMarks.put(
      {
        tenantId,
        userId: user.id,
        skuId: sku,
        state: 'kept',
        markedDateTime: mark.markedDateTime ?? null,
        reclaimAfterDateTime: null,
        keptDateTime: now,
        keptBy: principal.objectId,
      },
      mark._etag,
    );
    if (written)
      return {
        skuId: sku,
        keptDateTime: now,
        reclaimableAfterDateTime: policy.inactiveForDays === null ? null : new Date(Date.parse(now) + policy.inactiveForDays * DAY_MS).toISOString(),
      };
    // the mark changed meanwhile (a run claimed it, another keep landed): look again
  }
  throw new ApiError(409, ErrorCodes.conflict, 'Your license kept changing while this request ran. Try again.');
}

const nothingToKeep = (message: string) => new ApiError(409, 'nothingToKeep', message, 'skuId');
