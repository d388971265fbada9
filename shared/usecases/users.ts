/**
 * Use-cases for the organization's users: create, change (the user principal name too), delete. The Graph
 * routes (functions/users.ts), bulk imports and SCIM provisioning (shared/provisioning) all come here, so
 * a user is the same whichever way it arrived.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { ApiError, ErrorCodes, notFound } from '../errors';
import * as c from '../schemas/contracts';
import { UserDoc } from '../storage/documents';
import { memberships, waitingList } from '../storage/groups';
import { users } from '../storage/users';
import { noAnswer, storeBusy } from '../storage/cosmos';
import { QUEUES, sendMessage } from '../storage/queues';
import { applyChanges, Decision, reservedSeats } from '../licensing';
import { checkIfMatch, parseIfMatch } from '../http/etag';
import { defaultMailNickname } from '../domain/users';
import { effectiveLicenses } from '../domain/licensing';
import { Principal } from '../domain/roles';
import { Catalog } from '../domain/catalog';

type IfMatch = ReturnType<typeof parseIfMatch>;

/** Properties a provisioning service keeps besides Graph's create and update bodies. */
interface ProvisionedFields {
  externalId?: string | null;
  /** SCIM's userName when it is not the user principal name itself. */
  userName?: string | null;
  employeeId?: string | null;
  managerId?: string | null;
}

export type NewUser = z.infer<typeof c.createUserBody> & ProvisionedFields;
export type UserChange = z.infer<typeof c.updateUserBody> & ProvisionedFields & { mail?: string | null };

/** Who deletes a user: the audit record's actor of the licenses freed. */
export interface Deleter {
  principal: Pick<Principal, 'objectId' | 'displayName'>;
  requestId: string;
}

const searchFields = (u: Pick<UserDoc, 'displayName' | 'userPrincipalName'>) => ({
  displayName: u.displayName.toLowerCase(),
  userPrincipalName: u.userPrincipalName.toLowerCase(),
});

/** A manager must be another user of the organization. */
async function checkManager(tenantId: string, userId: string | undefined, managerId: string | null | undefined): Promise<void> {
  if (!managerId) return;
  if (managerId.toLowerCase() === userId) throw new ApiError(400, ErrorCodes.invalidRequest, 'A user cannot be their own manager.', 'managerId');
  if (!(await users.get(tenantId, managerId)))
    throw new ApiError(
      400,
      ErrorCodes.invalidRequest,
      `The manager '${managerId}' does not exist in this organization. Create the manager first.`,
      'managerId',
    );
}

export async function createUser(tenantId: string, body: NewUser): Promise<UserDoc> {
  const id = randomUUID();
  await checkManager(tenantId, id, body.managerId);
  const doc: UserDoc = {
    id,
    tenantId,
    type: 'user',
    displayName: body.displayName,
    userPrincipalName: body.userPrincipalName,
    mailNickname: body.mailNickname ?? defaultMailNickname(body.userPrincipalName),
    givenName: body.givenName ?? null,
    surname: body.surname ?? null,
    // body.passwordProfile was validated and is dropped here on purpose: this service signs nobody in
    mail: body.mail ?? null,
    usageLocation: body.usageLocation ?? null,
    accountEnabled: body.accountEnabled,
    ...(body.accountEnabled ? {} : { disabledDateTime: new Date().toISOString() }),
    userType: body.userType,
    department: body.department ?? null,
    jobTitle: body.jobTitle ?? null,
    ...(body.employeeId ? { employeeId: body.employeeId } : {}),
    ...(body.managerId ? { managerId: body.managerId.toLowerCase() } : {}),
    ...(body.externalId ? { externalId: body.externalId } : {}),
    ...(body.userName ? { userName: body.userName } : {}),
    createdDateTime: new Date().toISOString(),
    licenseAssignments: [],
    skuIds: [],
    search: searchFields(body),
  };
  return users.create(doc);
}

export async function getUser(tenantId: string, id: string): Promise<UserDoc> {
  const doc = await users.get(tenantId, id);
  if (!doc) throw notFound('User', id);
  return doc;
}

/**
 * Changes a user's properties. With If-Match the change applies only to that version (412 otherwise);
 * without it, a concurrent license change is merged by re-reading (properties and licenses are disjoint).
 * A new user principal name is claimed first (409 when another user has it).
 */
export async function updateUser(tenantId: string, id: string, body: UserChange, ifMatch?: IfMatch): Promise<UserDoc> {
  if (body.managerId !== undefined) await checkManager(tenantId, id.toLowerCase(), body.managerId);
  for (let attempt = 0; attempt < 5; attempt++) {
    const doc = await getUser(tenantId, id);
    checkIfMatch(ifMatch, doc._etag, `User '${id}'`);
    const next: UserDoc = { ...doc, ...(Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined)) as Partial<UserDoc>) };
    if (next.managerId) next.managerId = next.managerId.toLowerCase();
    next.search = searchFields(next);
    // when an account is switched off, for the reconciliation's reclaim policy (disabled for more than N days)
    if (body.accountEnabled === false && doc.accountEnabled !== false) next.disabledDateTime = new Date().toISOString();
    if (body.accountEnabled === true && doc.accountEnabled === false) next.disabledDateTime = null;
    const renamed = next.userPrincipalName !== doc.userPrincipalName;
    const written = renamed ? await users.rename(next, doc._etag!, doc.userPrincipalName) : await users.replaceIfMatch(next, doc._etag!);
    if (written) {
      // guest or member decides which group licenses the user may inherit: converge them again
      if (body.userType && body.userType !== doc.userType) await sendMessage(QUEUES.groupLicensing, { kind: 'user', tenantId, userId: doc.id });
      return written;
    }
    if (ifMatch && ifMatch !== '*') checkIfMatch(ifMatch, undefined, `User '${id}'`); // it changed under our feet: the etag given is stale now
  }
  throw new ApiError(409, ErrorCodes.conflict, `User '${id}' kept changing while this request ran. Try again.`);
}

/** Every license path goes, direct and inherited: the engine releases the seats and writes the audit record. */
const withoutLicenses = (u: UserDoc): Decision => ({
  violations: [],
  next: [],
  fields: { groupsInError: [], groupPaths: [] },
  unchanged: u.licenseAssignments.length === 0,
  touched: [...new Set(u.licenseAssignments.map((a) => a.skuId))],
  record: effectiveLicenses(u.licenseAssignments).length > 0,
});

/**
 * Deletes a user and frees their seats. First the user leaves every group (so no group licenses them
 * again), then every license path is removed through the write engine (seats released, audited with
 * operation `userDeleted` and the deleter as actor), then the user is deleted with If-Match on the version
 * the engine wrote: a change that came in between (an assignment, a group's convergence) makes it start
 * over from the user as it is now. Answers the user as it was last written, without licenses.
 */
export async function deleteUser(catalog: Catalog, tenantId: string, id: string, by: Deleter): Promise<UserDoc> {
  const first = await getUser(tenantId, id);
  const memberOf = await memberships.ofUser(tenantId, first.id);
  // stamped before the memberships go: interrupted here, the user is in the next incremental reconciliation's change set
  if (memberOf.length) await users.touch(tenantId, first.id);
  for (const m of memberOf) await memberships.remove(tenantId, m.groupId, first.id);
  try {
    return await deleteLicensedUser(catalog, tenantId, id, first.id, by);
  } catch (e) {
    // the store's trouble after the memberships went: the answer must not say that nothing was changed
    if (memberOf.length && storeTrouble(e))
      throw new ApiError(
        503,
        ErrorCodes.serviceUnavailable,
        `The license store did not answer while user '${id}' was being deleted: they have left their groups, and still have their account and licenses. Ask again to finish the delete.`,
        undefined,
        undefined,
        { 'Retry-After': '5' },
      );
    throw e;
  }
}

/** A busy or unanswering store (the SDK has retried), however it surfaced: the SDK's error or the engine's 503. */
const storeTrouble = (e: unknown) => (e instanceof ApiError && e.status === 503) || storeBusy(e) || noAnswer(e);

/** The engine removes every license path (seats released, audited), then the user goes with If-Match on the version it wrote. */
async function deleteLicensedUser(catalog: Catalog, tenantId: string, id: string, userId: string, by: Deleter): Promise<UserDoc> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const doc = await getUser(tenantId, userId);
    const [outcome] = await applyChanges({
      tenantId,
      catalog,
      seats: reservedSeats(tenantId),
      groups: [
        { principal: by.principal, requestId: by.requestId, operation: 'userDeleted', changes: [{ userId: doc.id, current: doc, decide: withoutLicenses }] },
      ],
    });
    if (!outcome.ok) throw outcome.error;
    const cleared = outcome.users[0];
    // a place on a waiting list (a group path that found no seat) goes with the user
    for (const sku of new Set(doc.licenseAssignments.filter((a) => a.error === 'CountViolation').map((a) => a.skuId)))
      await waitingList.remove(tenantId, sku, doc.id);
    if (await users.remove(cleared, cleared._etag!)) return cleared;
  }
  throw new ApiError(409, ErrorCodes.conflict, `User '${id}' kept changing while it was being deleted. Try again.`);
}
