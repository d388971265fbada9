/**
 * License use-cases behind the HTTP functions: each turns a request into a group of user changes and
 * commits it through the write engine (shared/licensing), where the rules, seats and writes live; these
 * interactive requests are group-committed with their tenant's concurrent ones.
 */
import { z } from 'zod';
import { Catalog } from '../domain/catalog';
import { Principal } from '../domain/roles';
import { ApiError, ErrorCodes, notFound, ruleViolation } from '../errors';
import * as c from '../schemas/contracts';
import { TenantDoc, UserDoc } from '../storage/documents';
import { users } from '../storage/users';
import { commitGroup, directChange, DirectChange, settled } from '../licensing';
import { getSubscription } from './directory';

export interface Caller {
  tenant: TenantDoc;
  principal: Principal;
  requestId: string;
  /** The catalog version of the request (its context's snapshot). */
  catalog: Catalog;
}

/** A user by id or userPrincipalName, within the caller's tenant only. */
export async function resolveUser(tenantId: string, ref: string): Promise<UserDoc> {
  const doc = ref.includes('@') ? await users.findByUpn(tenantId, ref) : await users.get(tenantId, ref);
  if (!doc) throw notFound('User', ref);
  return doc;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The user a change names: by id the engine reads it (in bulk with the batch's other users); by
 * userPrincipalName it is found first (its claim, then the user).
 */
async function named(tenantId: string, ref: string): Promise<Pick<DirectChange, 'userId' | 'current'>> {
  if (GUID.test(ref)) return { userId: ref.toLowerCase() };
  const user = await resolveUser(tenantId, ref);
  return { userId: user.id, current: user };
}

/** Commits one request's direct changes (all or nothing) and answers its users as written. */
async function commit(caller: Caller, operation: string, changes: DirectChange[]) {
  return settled(
    await commitGroup(
      caller.tenant.id,
      {
        changes: changes.map((d) => directChange(caller.principal, d)),
        principal: caller.principal,
        requestId: caller.requestId,
        operation,
      },
      caller.catalog,
    ),
  );
}

export async function assignLicense(caller: Caller, userRef: string, body: c.AssignLicenseBody): Promise<UserDoc> {
  const {
    users: [updated],
  } = await commit(caller, 'assignLicense', [{ ...(await named(caller.tenant.id, userRef)), changeFor: () => body }]);
  return updated;
}

export async function assignSkuToUsers(caller: Caller, subscribedSkuId: string, body: z.infer<typeof c.assignSkuToUsersBody>) {
  const sku = await getSubscription(caller.tenant.id, subscribedSkuId);
  const result = await commit(
    caller,
    'assignSubscribedSku',
    body.userIds.map((userId) => ({
      userId,
      changeFor: () => ({ addLicenses: [{ skuId: sku.skuId, disabledPlans: body.disabledPlans }], removeLicenses: [] }),
    })),
  );
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
export async function updateServicePlans(caller: Caller, userRef: string, skuId: string, body: z.infer<typeof c.servicePlanToggleBody>): Promise<UserDoc> {
  const { catalog } = caller;
  const product = catalog.product(skuId);
  const resolve = (names: string[], field: 'enable' | 'disable') =>
    names.map((name, i) => {
      const plan = product?.servicePlans.find((p) => p.servicePlanId === name.toLowerCase() || p.servicePlanName.toLowerCase() === name.toLowerCase());
      if (!plan) {
        // a 400, one detail with its parameters (ruleViolation: a plan the product lacks is a malformed request)
        throw ruleViolation([
          {
            code: ErrorCodes.unknownServicePlan,
            message: `'${name}' is not a service plan of ${product?.displayName ?? skuId}. Its plans are: ${(product?.servicePlans ?? []).map((p) => p.servicePlanName).join(', ')}.`,
            target: `${field}[${i}]`,
            parameters: { skuId: skuId.toLowerCase(), servicePlanId: name },
          },
        ]);
      }
      return plan.servicePlanId;
    });
  const enable = resolve(body.enable, 'enable');
  const disable = resolve(body.disable, 'disable');
  const both = enable.find((p) => disable.includes(p));
  if (both) throw new ApiError(400, ErrorCodes.invalidRequest, `Plan ${catalog.planName(both)} is both enabled and disabled; pick one.`, 'enable');

  const {
    users: [updated],
  } = await commit(caller, 'updateServicePlans', [
    {
      ...(await named(caller.tenant.id, userRef)),
      changeFor: (current) => {
        const direct = current.licenseAssignments.find((a) => a.skuId === skuId.toLowerCase() && a.assignedByGroup === null);
        if (!direct) {
          throw ruleViolation([
            {
              code: ErrorCodes.licenseNotAssigned,
              message: `${current.displayName} (${current.userPrincipalName}) has no direct ${product?.displayName ?? skuId} license, so its plans cannot be switched here. Assign the product first${current.skuIds.includes(skuId.toLowerCase()) ? ', or change the plans on the group it comes from' : ''}.`,
              target: current.id,
              parameters: { userId: current.id, skuId: skuId.toLowerCase(), operation: 'change' },
            },
          ]);
        }
        const disabledPlans = [...new Set([...direct.disabledPlans, ...disable])].filter((p) => !enable.includes(p));
        return { addLicenses: [{ skuId: skuId.toLowerCase(), disabledPlans }], removeLicenses: [] };
      },
    },
  ]);
  return updated;
}
