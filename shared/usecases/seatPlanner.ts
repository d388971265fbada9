/**
 * Seat-reduction planning: who would be over the line if seats were removed (or when the subscription
 * lapses), and a reduction that removes the chosen users' licenses first, then the seats.
 */
import { z } from 'zod';
import { checkReduction, Holder, planReduction } from '../domain/seatPlanner';
import { ruleViolation } from '../errors';
import * as c from '../schemas/contracts';
import { users } from '../storage/users';
import { getSubscription, updateSubscription } from './directory';
import { commitGroup, directChange, settled } from '../licensing';
import { Caller } from './licenses';

async function holdersOf(tenantId: string, skuId: string): Promise<Holder[]> {
  const out: Holder[] = [];
  let token: string | undefined;
  do {
    const page = await users.listHolding(tenantId, skuId, 999, token);
    out.push(
      ...page.items.map((u) => ({
        userId: u.id,
        displayName: u.displayName,
        userPrincipalName: u.userPrincipalName,
        licenseAssignments: u.licenseAssignments,
      })),
    );
    token = page.continuationToken;
  } while (token);
  return out;
}

export async function reductionPlan(tenantId: string, subscriptionRef: string, newTotal?: number) {
  const sub = await getSubscription(tenantId, subscriptionRef);
  // without a number: what the lapse means (a subscription past Enabled keeps no seat when it is deleted)
  const lapsing = newTotal === undefined && sub.capabilityStatus !== 'Enabled';
  const total = newTotal ?? (lapsing ? 0 : sub.totalLicenses);
  const overAssignedSince = (sub as { overAssignedSince?: string | null }).overAssignedSince ?? null;
  const plan = planReduction(sub.skuId, await holdersOf(tenantId, sub.skuId), total, new Date(), overAssignedSince);
  return {
    subscriptionId: sub.id,
    skuId: sub.skuId,
    skuPartNumber: sub.skuPartNumber,
    status: sub.capabilityStatus,
    currentTotal: sub.totalLicenses,
    nextLifecycleDateTime: (sub as { nextLifecycleDateTime?: string | null }).nextLifecycleDateTime ?? null,
    ...plan,
  };
}

export async function reduceSeats(caller: Caller, subscriptionRef: string, body: z.infer<typeof c.reduceSeatsBody>) {
  const sub = await getSubscription(caller.tenant.id, subscriptionRef);
  const holders = await holdersOf(caller.tenant.id, sub.skuId);
  const plan = planReduction(sub.skuId, holders, body.totalLicenses, new Date());
  const all = planReduction(sub.skuId, holders, 0, new Date()).usersOverTheLine;
  const problems = checkReduction(plan, all, body.unassignUserIds);
  if (problems.length) throw ruleViolation(problems);
  if (body.unassignUserIds.length) {
    settled(
      await commitGroup(
        caller.tenant.id,
        {
          changes: body.unassignUserIds.map((userId) =>
            directChange(caller.principal, { userId, changeFor: () => ({ addLicenses: [], removeLicenses: [sub.skuId] }) }),
          ),
          principal: caller.principal,
          requestId: caller.requestId,
          operation: 'reduceSeats',
        },
        caller.catalog,
      ),
    );
  }
  return updateSubscription(caller.catalog, caller.tenant.id, sub.id, { totalLicenses: body.totalLicenses });
}
