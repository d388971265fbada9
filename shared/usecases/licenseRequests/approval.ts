/**
 * Approving license requests: a license change like any other, on the one write path. A direct approval is
 * a direct change committed with the interactive requests (group commit, reserved seats), so the rules,
 * seats, audit (the record names the request), webhooks and low-seat alerts apply; approval via a group
 * adds the user to the group and lets group licensing assign the product (at once, here, so a group that
 * has no seat for the user is known now).
 *
 * Never half done: the request is first marked as being approved (If-Match: one approval at a time, on any
 * instance); a refused change puts it back to pending with the reason; only a change that landed makes it
 * approved.
 */
import { z } from 'zod';
import { ApiError, ErrorCodes } from '../../errors';
import { commitGroup, directChange, settled } from '../../licensing';
import * as c from '../../schemas/contracts';
import { memberships } from '../../storage/groups';
import { LicenseRequestDoc, licenseRequests } from '../../storage/licenseRequests';
import { convergeUser, getGroup } from '../groups';
import { closed, decidable, RequestCaller } from './requests';

export type ApproveBody = z.infer<typeof c.approveLicenseRequestBody>;

export async function approveLicenseRequest(caller: RequestCaller, id: string, body: ApproveBody): Promise<LicenseRequestDoc> {
  const pending = await decidable(caller.tenantId, id);
  const now = new Date().toISOString();
  const held = await licenseRequests.replaceIfMatch({ ...pending, approving: { by: caller.principal.objectId, since: now } }, pending._etag!);
  if (!held) throw new ApiError(409, ErrorCodes.conflict, 'This request changed while you approved it (someone else decided it?). Look at it again.', id);
  try {
    if (body.groupId) await viaGroup(caller, held, body.groupId);
    else await direct(caller, held, body.disabledPlans ?? []);
  } catch (e) {
    // refused: still pending, with the reason (the admin fixes it, buys seats, and approves again); a
    // failure of the store frees the request too. Taken over meanwhile (this approval ran past its grace):
    // the other decision stands.
    const reason = e instanceof ApiError ? { ...firstReason(e), dateTime: now } : held.lastApprovalError;
    await licenseRequests.replaceIfMatch({ ...held, approving: null, lastApprovalError: reason }, held._etag!).catch(() => undefined);
    throw e;
  }
  const approved: LicenseRequestDoc = {
    ...held,
    status: 'approved',
    approving: null,
    decidedBy: { id: caller.principal.objectId, displayName: caller.principal.displayName },
    decidedDateTime: new Date().toISOString(),
    decisionReason: null,
    lastApprovalError: null,
    approvedVia: { groupId: body.groupId?.toLowerCase() ?? null, disabledPlans: body.disabledPlans ?? [] },
  };
  // the license is given: the request is approved even if it changed meanwhile (an expiry racing this approval)
  const written = (await licenseRequests.replaceIfMatch(approved, held._etag!)) ?? (await overwrite(approved));
  await closed(caller.catalog, written);
  return written;
}

async function overwrite(doc: LicenseRequestDoc): Promise<LicenseRequestDoc> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const fresh = await licenseRequests.get(doc.tenantId, doc.id);
    if (!fresh) break;
    const w = await licenseRequests.replaceIfMatch({ ...doc }, fresh._etag!);
    if (w) return w;
  }
  throw new ApiError(
    409,
    ErrorCodes.conflict,
    'The license was assigned, but the request kept changing and still shows its old state. Look at it again.',
    doc.id,
  );
}

async function direct(caller: RequestCaller, req: LicenseRequestDoc, disabledPlans: string[]): Promise<void> {
  settled(
    await commitGroup(
      caller.tenantId,
      {
        changes: [
          directChange(caller.principal, {
            userId: req.userId,
            changeFor: () => ({ addLicenses: [{ skuId: req.skuId, disabledPlans }], removeLicenses: [] }),
          }),
        ],
        principal: caller.principal,
        requestId: caller.requestId,
        operation: 'approveLicenseRequest',
        licenseRequestId: req.id,
      },
      caller.catalog,
    ),
  );
}

/**
 * Adds the user to the group (which must carry the product) and converges the user now: when the group's
 * path is in error (no seat, a conflict, no usage location), the membership is taken back and the approval
 * refused with that reason.
 */
async function viaGroup(caller: RequestCaller, req: LicenseRequestDoc, groupId: string): Promise<void> {
  const group = await getGroup(caller.tenantId, groupId);
  const product = caller.catalog.productName(req.skuId);
  if (!group.assignedLicenses.some((l) => l.skuId === req.skuId)) {
    throw new ApiError(
      400,
      ErrorCodes.invalidRequest,
      `Group ${group.displayName} does not give ${product}. Pick a group that does, or approve without a group.`,
      'groupId',
    );
  }
  const added = await memberships.add(caller.tenantId, group.id, req.userId);
  const user = await convergeUser(caller.catalog, caller.tenantId, req.userId, caller.requestId);
  const path = user.licenseAssignments.find((a) => a.assignedByGroup === group.id && a.skuId === req.skuId);
  if (path && path.state !== 'Error') return;
  if (added) {
    await memberships.remove(caller.tenantId, group.id, req.userId);
    await convergeUser(caller.catalog, caller.tenantId, req.userId, caller.requestId);
  }
  throw new ApiError(
    409,
    path?.error ?? ErrorCodes.licenseRuleViolation,
    `${req.userDisplayName} could not get ${product} through group ${group.displayName}: ${path?.errorMessage ?? 'the group did not assign it'}. The request stays pending.`,
    req.userId,
    path?.errorCode
      ? [{ code: path.errorCode, message: path.errorMessage ?? '', target: req.userId, parameters: { ...path.errorParameters, groupId: group.id } }]
      : undefined,
  );
}

/** What a refused approval says: the first rule's code, message and parameters (or the refusal's own). */
const firstReason = (e: ApiError) => {
  const d = e.details?.[0];
  return d ? { code: d.code, message: d.message, ...(d.parameters ? { parameters: d.parameters } : {}) } : { code: e.code, message: e.message };
};

/** Approves several requests (each on its own: a result per request, as it alone would have answered). */
export async function approveLicenseRequests(caller: RequestCaller, body: z.infer<typeof c.approveLicenseRequestsBody>) {
  const ids = [...new Set(body.ids.map((i) => i.toLowerCase()))];
  // concurrently: their license changes are written together by group commit, each all or nothing
  return Promise.all(
    ids.map(async (id) => {
      try {
        return { id, status: 200, doc: await approveLicenseRequest(caller, id, { disabledPlans: body.disabledPlans }) };
      } catch (e) {
        if (!(e instanceof ApiError)) throw e;
        return { id, status: e.status, error: firstReason(e) };
      }
    }),
  );
}
