/**
 * Group-based licensing: groups, members, a group's licenses, and the convergence that makes each member's
 * inherited licenses match their groups. Changes to a group are processed asynchronously (queue
 * `group-licensing`), as in Entra ID; a member's convergence is idempotent (it computes the member's group
 * paths from scratch), so redelivery and concurrent runs are harmless.
 *
 * Seats follow the same rule as everywhere: reserve (conditional write) before the user is written,
 * release after; one seat per product per user however many paths lead to it.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { Catalog } from '../domain/catalog';
import { evaluateGroupPaths, checkGroupLicenses, groupPaths, GroupLicenses } from '../domain/groups';
import { ServicePlanChange } from '../domain/jobs';
import { effectiveLicenses, LicenseAssignment } from '../domain/licensing';
import { ApiError, ErrorCodes, notFound, ruleViolation, Violation } from '../errors';
import * as c from '../schemas/contracts';
import { GroupDoc, groups, memberships, waitingList } from '../storage/groups';
import { sendMessage, QUEUES } from '../storage/queues';
import { SubscriptionDoc, UserDoc } from '../storage/documents';
import { SeatSubscriber } from '../storage/seatEvents';
import { subscriptions } from '../storage/subscriptions';
import { tenants } from '../storage/tenants';
import { users } from '../storage/users';
import { applyChanges, Decision, DecideContext, forRules, reservedSeats } from '../licensing';
import { log } from '../log';
import { can, Principal } from '../domain/roles';
import { emit } from './alerts';
import { searchWords } from '../domain/searchWords';

export type GroupLicensingMessage = z.infer<typeof c.groupLicensingMessage>;
const MEMBERS_PER_MESSAGE = 200;

/** Who changed a membership when it was not one of this service's admins (a SCIM credential): the actor of the licenses that follow. */
export type MembershipActor = { id: string; displayName: string };

export type NewGroup = z.infer<typeof c.createGroupBody> & { externalId?: string | null };
export type GroupChange = { displayName?: string; description?: string | null; externalId?: string | null };

const nameFields = (displayName: string) => ({ search: { displayName: displayName.toLowerCase() }, displayNameWords: searchWords(displayName) });

export async function createGroup(tenantId: string, body: NewGroup): Promise<GroupDoc> {
  return groups.create({
    id: randomUUID(),
    tenantId,
    type: 'group',
    displayName: body.displayName,
    description: body.description ?? null,
    createdDateTime: new Date().toISOString(),
    assignedLicenses: [],
    licenseProcessingState: { state: 'ProcessingComplete' },
    ...(body.externalId ? { externalId: body.externalId } : {}),
    ...nameFields(body.displayName),
  });
}

/** Renames a group or changes its description or externalId (If-Match on the version read, again from a fresh read when it moved). */
export async function updateGroup(tenantId: string, id: string, change: GroupChange): Promise<GroupDoc> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const g = await getGroup(tenantId, id);
    const next: GroupDoc = { ...g, ...(Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined)) as Partial<GroupDoc>) };
    Object.assign(next, nameFields(next.displayName));
    const written = await groups.replaceIfMatch(next, g._etag!);
    if (written) return written;
  }
  throw new ApiError(409, ErrorCodes.conflict, 'The group kept changing while this request ran. Try again.');
}

export async function getGroup(tenantId: string, id: string): Promise<GroupDoc> {
  const g = await groups.get(tenantId, id);
  if (!g) throw notFound('Group', id);
  return g;
}

/** A group that still carries licenses cannot be deleted: its members would lose them unseen. */
export async function deleteGroup(tenantId: string, id: string): Promise<void> {
  const g = await getGroup(tenantId, id);
  if (g.assignedLicenses.length) {
    throw new ApiError(
      409,
      'groupHasLicenses',
      `Group ${g.displayName} still gives its members ${g.assignedLicenses.length} product(s). Remove them first (POST /groups/${g.id}/assignLicense with removeLicenses), then delete the group.`,
      g.id,
    );
  }
  let token: string | undefined;
  do {
    const page = await memberships.ofGroup(tenantId, g.id, 100, token);
    await Promise.all(page.items.map((m) => memberships.remove(tenantId, g.id, m.userId)));
    token = page.continuationToken;
  } while (token);
  await groups.remove(tenantId, g.id);
}

/**
 * Graph's group assignLicense: adds (re-adding replaces disabledPlans) and removes the group's products,
 * then queues the members' processing. Errors of members land on the members, not here.
 */
export async function assignLicenseToGroup(catalog: Catalog, tenantId: string, groupId: string, body: c.AssignLicenseBody, by: Principal): Promise<GroupDoc> {
  const subs = new Map((await subscriptions.forRules(tenantId)).map((d) => [d.skuId, forRules(d)]));
  const problems = checkGroupLicenses(catalog, body.addLicenses, subs);
  for (let attempt = 0; attempt < 5; attempt++) {
    const g = await getGroup(tenantId, groupId);
    body.removeLicenses.forEach((s, i) => {
      if (!g.assignedLicenses.some((l) => l.skuId === s.toLowerCase()))
        problems.push({
          code: ErrorCodes.licenseNotAssigned,
          message: `Group ${g.displayName} does not have product ${s}.`,
          target: `removeLicenses[${i}]`,
          parameters: { groupId: g.id, skuId: s.toLowerCase(), operation: 'remove' },
        });
    });
    if (problems.length) throw ruleViolation(problems);
    const removed = new Set([...body.removeLicenses, ...body.addLicenses.map((a) => a.skuId)].map((s) => s.toLowerCase()));
    const assigner = { id: by.objectId, displayName: by.displayName, mayLicenseGuests: can(by, 'assignLicensesToGuests') };
    const licenseAssigners = Object.fromEntries([
      ...Object.entries(g.licenseAssigners ?? {}).filter(([sku]) => !removed.has(sku)),
      ...body.addLicenses.map((a) => [a.skuId.toLowerCase(), assigner] as const),
    ]);
    const next: GroupDoc = {
      ...g,
      assignedLicenses: [
        ...g.assignedLicenses.filter((l) => !removed.has(l.skuId)),
        ...body.addLicenses.map((a) => ({ skuId: a.skuId.toLowerCase(), disabledPlans: [...new Set(a.disabledPlans.map((p) => p.toLowerCase()))] })),
      ],
      licenseAssigners,
      licenseProcessingState: { state: 'QueuedForProcessing' },
    };
    const written = await groups.replaceIfMatch(next, g._etag!);
    if (written) {
      await sendMessage(QUEUES.groupLicensing, { kind: 'group', tenantId, groupId: g.id } satisfies GroupLicensingMessage);
      return written;
    }
  }
  throw new ApiError(409, ErrorCodes.conflict, 'The group kept changing while this request ran. Try again.');
}

/**
 * A catalog change on the groups that give its products: each group's assignment of a changed product gets
 * the new plans in disabledPlans (the organization keeps them off) and loses the plans the product no
 * longer has; its members converge on the group-licensing queue, their audit records the catalog's. Who
 * assigned the product stays who it was (the guest rule still follows that admin). The groups changed.
 */
export async function applyCatalogPlansToGroups(
  tenantId: string,
  changes: readonly ServicePlanChange[],
): Promise<{ groupId: string; displayName: string; skuIds: string[] }[]> {
  const changed: { groupId: string; displayName: string; skuIds: string[] }[] = [];
  let token: string | undefined;
  do {
    const page = await groups.withLicenses(tenantId, 100, token);
    for (const listed of page.items) {
      for (let attempt = 0; attempt < 5; attempt++) {
        const g = attempt ? await groups.get(tenantId, listed.id) : listed;
        if (!g) break;
        const skuIds: string[] = [];
        const assignedLicenses = g.assignedLicenses.map((l) => {
          const c = changes.find((x) => x.skuId === l.skuId);
          if (!c) return l;
          const disabledPlans = [...new Set([...l.disabledPlans, ...c.disable])].filter((p) => !c.drop.includes(p));
          if (disabledPlans.length === l.disabledPlans.length && disabledPlans.every((p) => l.disabledPlans.includes(p))) return l;
          skuIds.push(l.skuId);
          return { ...l, disabledPlans };
        });
        if (!skuIds.length) break;
        const written = await groups.replaceIfMatch({ ...g, assignedLicenses, licenseProcessingState: { state: 'QueuedForProcessing' } }, g._etag!);
        if (!written) continue; // changed meanwhile: again from the group as it is now
        await sendMessage(QUEUES.groupLicensing, { kind: 'group', tenantId, groupId: g.id, operation: 'catalogServicePlans' } satisfies GroupLicensingMessage);
        changed.push({ groupId: g.id, displayName: g.displayName, skuIds });
        break;
      }
    }
    token = page.continuationToken;
  } while (token);
  return changed;
}

/** The pure rules' view of a group: its products and which of them a Global Administrator assigned. */
export const groupLicensesOf = (g: GroupDoc): GroupLicenses => ({
  groupId: g.id,
  displayName: g.displayName,
  assignedLicenses: g.assignedLicenses,
  assignedByGlobalAdministrator: Object.entries(g.licenseAssigners ?? {})
    .filter(([, a]) => a.mayLicenseGuests)
    .map(([sku]) => sku),
});

export async function reprocessGroup(tenantId: string, groupId: string): Promise<GroupDoc> {
  const g = await getGroup(tenantId, groupId);
  await groups.setProcessingState(tenantId, g.id, 'QueuedForProcessing');
  await sendMessage(QUEUES.groupLicensing, { kind: 'group', tenantId, groupId: g.id } satisfies GroupLicensingMessage);
  return { ...g, licenseProcessingState: { state: 'QueuedForProcessing' } };
}

const GROUP_ACTOR_PRINCIPAL = { objectId: 'group-based-licensing', displayName: 'Group-based licensing' };

/**
 * Makes a user's inherited licenses match their groups: group by group (oldest membership first), each
 * group's products apply together or not at all. Returns the user as written.
 */
export async function convergeUser(
  catalog: Catalog,
  tenantId: string,
  userId: string,
  requestId: string = randomUUID(),
  /** The audit records' operation: group licensing's own, or the catalog's when its change moved the groups. */
  operation: 'groupLicensing' | 'catalogServicePlans' = 'groupLicensing',
  /** Who changed the membership, when it was a provisioning service (a SCIM credential): the audit records' actor. */
  by?: MembershipActor,
): Promise<UserDoc> {
  const [tenant, user, member] = await Promise.all([tenants.get(tenantId), users.get(tenantId, userId), memberships.ofUser(tenantId, userId.toLowerCase())]);
  if (!user) throw notFound('User', userId);
  member.sort((a, b) => a.joinedDateTime.localeCompare(b.joinedDateTime) || a.groupId.localeCompare(b.groupId));
  const groupDocs = (await Promise.all(member.map((m) => groups.get(tenantId, m.groupId)))).filter((g): g is GroupDoc => !!g && g.assignedLicenses.length > 0);
  // products whose free seats belong to members already waiting for them: this member queues behind
  const subsDocs = await subscriptions.forRules(tenantId);
  const held = new Set(effectiveLicenses(user.licenseAssignments).map((l) => l.skuId));
  const wanted = [...new Set(groupDocs.flatMap((g) => g.assignedLicenses.map((l) => l.skuId)))].filter((s) => !held.has(s));
  const blocked = new Set<string>();
  for (const sku of wanted) if (!(await mayTakeSeat(tenantId, sku, user.id, subsDocs))) blocked.add(sku);

  // the user the engine last decided from: another convergence of the same member may have written it in
  // between (the engine then decides again from the user as stored), and the waiting list follows that
  let decidedFrom = user;
  const [outcome] = await applyChanges({
    tenantId,
    catalog,
    seats: reservedSeats(tenantId),
    groups: [
      {
        // group-based licensing acts for whoever changed the membership when that was a provisioning service
        principal: by ? { objectId: by.id, displayName: by.displayName } : GROUP_ACTOR_PRINCIPAL,
        requestId,
        operation,
        // a product without a seat does not fail the change: that group's paths wait in Error
        changes: [
          {
            userId: user.id,
            current: user,
            replan: true,
            decide: (u, context) => {
              decidedFrom = u;
              return decideGroupPaths(u, groupDocs, tenant?.defaultUsageLocation ?? null, context, blocked);
            },
          },
        ],
      },
    ],
  });
  if (!outcome.ok) throw outcome.error;
  const written = outcome.users[0];
  await keepWaitingList(tenantId, decidedFrom, written, member);
  // alerts: groups whose licenses newly failed for this member
  for (const groupId of (written.groupsInError ?? []).filter((id) => !(user.groupsInError ?? []).includes(id))) {
    const path = written.licenseAssignments.find((a) => a.assignedByGroup === groupId && a.state === 'Error')!;
    await emit(tenantId, 'groupLicensingFailure', {
      groupId,
      userId: user.id,
      userPrincipalName: user.userPrincipalName,
      skuId: path.skuId,
      error: path.error,
      message: path.errorMessage,
    }).catch((e) => log.warn('alert not recorded', { tenantId, error: String(e) }));
  }
  return written;
}

/**
 * The member's group paths as they should be, group by group (oldest membership first), each group's
 * products applying together or not at all; a group needing a product in `without` (no seat could be had)
 * or `blocked` (others wait for the free seats) waits in Error with CountViolation.
 */
function decideGroupPaths(
  user: UserDoc,
  groupDocs: GroupDoc[],
  defaultUsageLocation: string | null,
  context: DecideContext,
  blocked: ReadonlySet<string>,
): Decision {
  const previous = user.licenseAssignments;
  let base: LicenseAssignment[] = previous.filter((a) => a.assignedByGroup === null);
  const failedGroups: string[] = [];
  for (const g of groupDocs) {
    const group = groupLicensesOf(g);
    const r = evaluateGroupPaths({
      catalog: context.catalog,
      user,
      base,
      group,
      previous,
      subscriptions: context.subscriptions,
      defaultUsageLocation,
      now: context.now,
    });
    let failure: Violation | undefined = r.violations[0];
    const noSeat = r.newProducts.find((sku) => context.without.has(sku) || blocked.has(sku));
    if (!failure && noSeat) {
      const s = context.subscriptions.get(noSeat);
      failure = {
        code: ErrorCodes.countViolation,
        message: `No ${context.catalog.productName(noSeat)} license is free for this member (${s?.totalLicenses ?? 0} bought). The member is on the waiting list and gets one automatically when a license frees up or more are bought (GET /subscribedSkus/${noSeat}/waitingList).`,
        parameters: { userId: user.id, skuId: noSeat, needed: 1, available: 0, total: s?.totalLicenses ?? 0, onWaitingList: true },
      };
    }
    if (failure) {
      base = [...base, ...groupPaths(group, previous, context.now, failure)];
      failedGroups.push(g.id);
    } else base = r.next;
  }
  const before = effectiveLicenses(previous);
  const after = effectiveLicenses(base);
  return {
    violations: [],
    next: base,
    unchanged: JSON.stringify(normalise(previous)) === JSON.stringify(normalise(base)),
    fields: { groupsInError: failedGroups, groupPaths: [...new Set(base.filter((a) => a.assignedByGroup).map((a) => a.assignedByGroup!))] },
    touched: [...new Set([...before, ...after].map((l) => l.skuId))],
    // the audit trail records what changes for the member's products, not bookkeeping of paths in error
    record: JSON.stringify(before) !== JSON.stringify(after),
  };
}

/** After a convergence: the member waits for each product its paths wait for (CountViolation), and no longer for the others. */
async function keepWaitingList(tenantId: string, before: UserDoc, after: UserDoc, member: { groupId: string; joinedDateTime: string }[]): Promise<void> {
  const waitingBefore = new Set(before.licenseAssignments.filter((a) => a.error === 'CountViolation').map((a) => a.skuId));
  const waitingNow = after.licenseAssignments.filter((a) => a.error === 'CountViolation' && a.assignedByGroup);
  for (const path of waitingNow) {
    const since = member.find((m) => m.groupId === path.assignedByGroup)?.joinedDateTime ?? path.assignedDateTime;
    await waitingList.add({ tenantId, skuId: path.skuId, userId: after.id, groupId: path.assignedByGroup!, since });
  }
  const now = new Set(waitingNow.map((a) => a.skuId));
  for (const sku of waitingBefore) if (!now.has(sku)) await waitingList.remove(tenantId, sku, after.id);
}

/**
 * Whether this member may take a free seat of the product now: yes when nobody waits; otherwise only a
 * member among the first `available` of the waiting list (newcomers queue behind those already waiting).
 * The subscription list used to see whether anyone waits may be SUBSCRIPTION_CACHE_TTL_MS old.
 */
async function mayTakeSeat(tenantId: string, skuId: string, userId: string, subsDocs: SubscriptionDoc[]): Promise<boolean> {
  const cached = subsDocs.find((d) => d.skuId === skuId);
  if (!((cached?.seat.waiting ?? 0) > 0)) return true;
  const [page, fresh] = await Promise.all([waitingList.list(tenantId, skuId, 50), subscriptions.get(tenantId, skuId)]);
  const position = page.items.findIndex((w) => w.userId === userId);
  if (!page.items.length) return true;
  return position >= 0 && !!fresh && position < fresh.seat.limit - fresh.seat.consumed;
}

/** Gives free seats of a product to the members waiting for them, in the waiting list's order. */
export async function serveWaitingList(catalog: Catalog, tenantId: string, skuId: string): Promise<number> {
  let served = 0;
  for (let round = 0; round < 20; round++) {
    const fresh = await subscriptions.get(tenantId, skuId);
    const free = fresh ? fresh.seat.limit - fresh.seat.consumed : 0;
    if (free <= 0) break;
    const page = await waitingList.list(tenantId, skuId, Math.min(free, 100));
    if (!page.items.length) break;
    subscriptions.invalidate(tenantId); // the next decisions must see who waits
    let progress = false;
    for (const w of page.items) {
      const u = await convergeUser(catalog, tenantId, w.userId).catch((e) => {
        if (!(e instanceof ApiError)) throw e;
        return undefined;
      });
      const stillWaiting = u?.licenseAssignments.some((a) => a.skuId === skuId && a.error === 'CountViolation');
      if (u && !stillWaiting) await waitingList.remove(tenantId, skuId, u.id); // served, or no longer waiting at all
      if (u?.skuIds.includes(skuId)) {
        served++;
        progress = true;
      }
    }
    if (!progress) break;
  }
  return served;
}

// a seat freed (or bought) where members wait: queue the waiting list's turn
export const waitingListTurns: SeatSubscriber = {
  seatsFreed: (tenantId, skuId) => sendMessage(QUEUES.groupLicensing, { kind: 'seats', tenantId, skuId } satisfies GroupLicensingMessage),
};

const normalise = (list: LicenseAssignment[]) =>
  [...list]
    .map((a) => ({
      s: a.skuId,
      g: a.assignedByGroup,
      d: [...a.disabledPlans].sort(),
      st: a.state ?? 'Active',
      e: a.error ?? 'None',
      m: a.errorMessage ?? '',
      c: a.errorCode ?? '',
    }))
    .sort((a, b) => `${a.g}${a.s}`.localeCompare(`${b.g}${b.s}`));

/** Queue handler: a member changed, or a group's licenses changed (its members, a page per message); judged by the message's catalog snapshot. */
export async function processGroupLicensing(m: GroupLicensingMessage, catalog: Catalog): Promise<void> {
  if (m.kind === 'user') {
    // a user deleted since the message was sent has nothing left to converge
    await convergeUser(catalog, m.tenantId, m.userId, randomUUID(), 'groupLicensing', m.by).catch((e) => {
      if (!(e instanceof ApiError && e.status === 404 && e.target === m.userId)) throw e;
    });
    return;
  }
  if (m.kind === 'seats') {
    await serveWaitingList(catalog, m.tenantId, m.skuId);
    return;
  }
  const g = await groups.get(m.tenantId, m.groupId);
  if (!g) return; // deleted meanwhile
  if (!m.continuation) await groups.setProcessingState(m.tenantId, g.id, 'ProcessingInProgress');
  const page = await memberships.ofGroup(m.tenantId, g.id, MEMBERS_PER_MESSAGE, m.continuation);
  // one member after the other, in join order: when seats run short, who gets one is deterministic
  for (const member of page.items) {
    await convergeUser(catalog, m.tenantId, member.userId, undefined, m.operation).catch((e) => {
      // one member's trouble must not stop the others: it is retried by the next reprocess/reconciliation
      if (!(e instanceof ApiError)) throw e;
      log.warn('group licensing: member not converged', { tenantId: m.tenantId, groupId: g.id, userId: member.userId, code: e.code });
    });
  }
  if (page.continuationToken) await sendMessage(QUEUES.groupLicensing, { ...m, continuation: page.continuationToken } satisfies GroupLicensingMessage);
  else await groups.setProcessingState(m.tenantId, g.id, 'ProcessingComplete');
}
