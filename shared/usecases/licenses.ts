/**
 * License use-cases behind the HTTP functions: each turns a request into per-user changes and hands them
 * to applyLicenseChanges, where the rules, seats and writes live.
 */
import { z } from 'zod';
import { catalog } from '../domain/catalog';
import { Principal } from '../domain/roles';
import { ApiError, ErrorCodes, notFound } from '../errors';
import * as c from '../schemas/contracts';
import { TenantDoc, UserDoc } from '../storage/documents';
import { users } from '../storage/users';
import { applyLicenseChanges } from './licenseChanges';
import { getSubscription } from './directory';

export interface Caller {
  tenant: TenantDoc;
  principal: Principal;
  requestId: string;
}

/** A user by id or userPrincipalName, within the caller's tenant only. */
export async function resolveUser(tenantId: string, ref: string): Promise<UserDoc> {
  const doc = ref.includes('@') ? await users.findByUpn(tenantId, ref) : await users.get(tenantId, ref);
  if (!doc) throw notFound('User', ref);
  return doc;
}

export async function assignLicense(caller: Caller, userRef: string, body: c.AssignLicenseBody): Promise<UserDoc> {
  const user = await resolveUser(caller.tenant.id, userRef);
  const { users: [updated] } = await applyLicenseChanges({
    ...caller,
    operation: 'assignLicense',
    changes: [{ userId: user.id, current: user, changeFor: () => body }],
  });
  return updated;
}

export async function assignSkuToUsers(caller: Caller, subscribedSkuId: string, body: z.infer<typeof c.assignSkuToUsersBody>) {
  const sku = await getSubscription(caller.tenant.id, subscribedSkuId);
  const result = await applyLicenseChanges({
    ...caller,
    operation: 'assignSubscribedSku',
    changes: body.userIds.map((userId) => ({
      userId,
      changeFor: () => ({ addLicenses: [{ skuId: sku.skuId, disabledPlans: body.disabledPlans }], removeLicenses: [] }),
    })),
  });
  const fresh = await getSubscription(caller.tenant.id, sku.skuId);
  return {
    skuId: sku.skuId,
    assigned: result.users.map((u) => ({ userId: u.id, changed: result.changed.has(u.id) })),
    subscription: fresh,
  };
}

/**
 * Switches named plans of one product on or off for a user, keeping the rest of the product's
 * disabledPlans (Graph would need the whole list resent). Plans may be named by id or servicePlanName.
 */
export async function updateServicePlans(
  caller: Caller,
  userRef: string,
  skuId: string,
  body: z.infer<typeof c.servicePlanToggleBody>,
): Promise<UserDoc> {
  const user = await resolveUser(caller.tenant.id, userRef);
  const product = catalog.product(skuId);
  const resolve = (names: string[], field: 'enable' | 'disable') =>
    names.map((name, i) => {
      const plan = product?.servicePlans.find((p) => p.servicePlanId === name.toLowerCase() || p.servicePlanName.toLowerCase() === name.toLowerCase());
      if (!plan) {
        throw new ApiError(
          400,
          ErrorCodes.unknownServicePlan,
          `'${name}' is not a service plan of ${product?.displayName ?? skuId}. Its plans are: ${(product?.servicePlans ?? []).map((p) => p.servicePlanName).join(', ')}.`,
          `${field}[${i}]`,
        );
      }
      return plan.servicePlanId;
    });
  const enable = resolve(body.enable, 'enable');
  const disable = resolve(body.disable, 'disable');
  const both = enable.find((p) => disable.includes(p));
  if (both) throw new ApiError(400, ErrorCodes.invalidRequest, `Plan ${catalog.planName(both)} is both enabled and disabled; pick one.`, 'enable');

  const { users: [updated] } = await applyLicenseChanges({
    ...caller,
    operation: 'updateServicePlans',
    changes: [
      {
        userId: user.id,
        current: user,
        changeFor: (current) => {
          const direct = current.licenseAssignments.find((a) => a.skuId === skuId.toLowerCase() && a.assignedByGroup === null);
          if (!direct) {
            throw new ApiError(
              409,
              ErrorCodes.licenseNotAssigned,
              `${current.displayName} (${current.userPrincipalName}) has no direct ${product?.displayName ?? skuId} license, so its plans cannot be switched here. Assign the product first${current.skuIds.includes(skuId.toLowerCase()) ? ', or change the plans on the group it comes from' : ''}.`,
              current.id,
            );
          }
          const disabledPlans = [...new Set([...direct.disabledPlans, ...disable])].filter((p) => !enable.includes(p));
          return { addLicenses: [{ skuId: skuId.toLowerCase(), disabledPlans }], removeLicenses: [] };
        },
      },
    ],
  });
  return updated;
}
