/**
 * The seat-reduction planner (pure): before seats are removed, or when a subscription lapses, who would be
 * over the line — the most recently assigned holders beyond the new number — and how long the 90-day
 * over-assignment window still runs.
 */
import type { Violation } from '../errors';
import { isActive, LicenseAssignment } from './licensing';

export const OVER_ASSIGNMENT_WINDOW_DAYS = 90;

export interface Holder {
  userId: string;
  displayName: string;
  userPrincipalName: string;
  licenseAssignments: LicenseAssignment[];
}

export interface PlannedHolder {
  userId: string;
  displayName: string;
  userPrincipalName: string;
  /** When the user first got the product (the earliest active path). */
  assignedDateTime: string;
  /** The user also holds it through these groups: removing the direct license does not free the seat. */
  inheritedFrom: string[];
  hasDirectAssignment: boolean;
}

export function planReduction(skuId: string, holders: Holder[], newTotal: number, now: Date, overAssignedSince?: string | null) {
  const planned: PlannedHolder[] = holders
    .map((h) => {
      const paths = h.licenseAssignments.filter((a) => a.skuId === skuId && isActive(a));
      return {
        userId: h.userId,
        displayName: h.displayName,
        userPrincipalName: h.userPrincipalName,
        assignedDateTime: paths.map((p) => p.assignedDateTime).sort()[0] ?? '',
        inheritedFrom: paths.filter((p) => p.assignedByGroup).map((p) => p.assignedByGroup!),
        hasDirectAssignment: paths.some((p) => p.assignedByGroup === null),
      };
    })
    .filter((h) => h.assignedDateTime)
    // first come, first kept: the most recently assigned are over the line (ties by id, deterministic)
    .sort((a, b) => a.assignedDateTime.localeCompare(b.assignedDateTime) || a.userId.localeCompare(b.userId));
  const overBy = Math.max(0, planned.length - newTotal);
  const since = overBy > 0 ? (overAssignedSince ? new Date(overAssignedSince) : now) : undefined;
  const daysLeft = since ? Math.max(0, OVER_ASSIGNMENT_WINDOW_DAYS - Math.floor((now.getTime() - since.getTime()) / 86_400_000)) : null;
  return {
    assigned: planned.length,
    newTotal,
    overBy,
    windowDays: OVER_ASSIGNMENT_WINDOW_DAYS,
    daysLeft,
    usersOverTheLine: planned.slice(newTotal),
  };
}

/** Whether removing the direct licenses of these users brings the holders down to the new total. */
export function checkReduction(plan: ReturnType<typeof planReduction>, allHolders: PlannedHolder[], unassign: string[]) {
  const problems: (Violation & { target: string })[] = [];
  const byId = new Map(allHolders.map((h) => [h.userId, h]));
  const freedIds = new Set<string>();
  unassign.forEach((id, i) => {
    const h = byId.get(id.toLowerCase());
    if (!h)
      problems.push({
        code: 'licenseNotAssigned',
        message: `User ${id} does not hold this product.`,
        target: `unassignUserIds[${i}]`,
        parameters: { userId: id.toLowerCase(), operation: 'remove' },
      });
    else if (h.inheritedFrom.length)
      problems.push({
        code: 'licenseInheritedFromGroup',
        message: `${h.displayName} (${h.userPrincipalName}) also gets this product through group(s) ${h.inheritedFrom.join(', ')}: removing the direct license frees no seat. Remove the user from those groups, or pick someone else.`,
        target: `unassignUserIds[${i}]`,
        parameters: { userId: h.userId, groupIds: h.inheritedFrom },
      });
    else freedIds.add(h.userId); // a user listed twice frees one seat
  });
  const freed = freedIds.size;
  const short = plan.assigned - freed - plan.newTotal;
  if (!problems.length && short > 0)
    problems.push({
      code: 'quantityBelowAssigned',
      message: `After removing these ${freed} license(s), ${plan.assigned - freed} would still be assigned, more than the ${plan.newTotal} you keep. Pick ${short} more user(s); GET .../reductionPlan lists who is over the line.`,
      target: 'unassignUserIds',
      parameters: { assigned: plan.assigned - freed, requestedTotal: plan.newTotal, needed: short },
    });
  return problems;
}
