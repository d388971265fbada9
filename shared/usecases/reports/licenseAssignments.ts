/**
 * GET /v1.0/reports/licenseAssignments: every user and product with how it is held (direct, or through
 * which group), its disabled plans, state and error. Reads only the users holding an assignment (the
 * filter is in the store's query), streamed a page at a time: memory stays bounded whatever the size of
 * the tenant (bench/report.ts measures it on 100,000 users).
 */
import { Catalog } from '../../domain/catalog';
import { ReportedUser, usersWithAssignmentPages } from '../../storage/reports';
import { subscriptions } from '../../storage/subscriptions';
import { Concealment, concealmentFor, ShownUser } from './names';
import { REPORT_PAGE } from './inactiveUsers';
import { ReportSource } from './render';

export interface AssignmentRow extends ShownUser {
  accountEnabled: boolean;
  userType: string;
  skuId: string;
  skuPartNumber: string;
  assignedBy: 'direct' | 'group';
  groupId: string | null;
  disabledPlans: string[];
  state: 'Active' | 'Error';
  error: string | null;
  assignedDateTime: string;
}

export function assignmentRows(catalog: Catalog, u: ReportedUser, partNumber: (skuId: string) => string, show: Concealment): AssignmentRow[] {
  // the catalog's plans by id (plan ids are unique across products): a map lookup per disabled plan, on the path of every row
  const planName = (planId: string) => catalog.plan(planId)?.servicePlanName ?? planId;
  const who = show.person(u);
  return u.licenseAssignments.map((a) => ({
    ...who,
    accountEnabled: u.accountEnabled,
    userType: u.userType,
    skuId: a.skuId,
    skuPartNumber: partNumber(a.skuId),
    assignedBy: a.assignedByGroup === null ? 'direct' : 'group',
    // a group is concealed too (Graph: reports conceal "usernames, groups, and sites"): its members are a look-up away
    groupId: a.assignedByGroup && show.ref(a.assignedByGroup),
    disabledPlans: a.disabledPlans.map((p) => planName(p)),
    state: a.state ?? 'Active',
    error: a.state === 'Error' ? (a.error ?? 'Unknown') : null,
    // concealed: the day (the time would match the user's licenseAssignmentStates.lastUpdatedDateTime)
    assignedDateTime: show.day(a.assignedDateTime),
  }));
}

export async function licenseAssignmentsReport(catalog: Catalog, tenantId: string): Promise<ReportSource<AssignmentRow>> {
  const [subscribed, show] = await Promise.all([subscriptions.list(tenantId), concealmentFor(tenantId)]);
  const parts = new Map(subscribed.map((s) => [s.skuId, s.skuPartNumber]));
  const partNumber = (skuId: string) => parts.get(skuId) ?? catalog.product(skuId)?.skuPartNumber ?? skuId;
  let rows = 0;
  async function* pages(): AsyncGenerator<AssignmentRow[]> {
    for await (const page of usersWithAssignmentPages(tenantId, REPORT_PAGE)) {
      const out = page.flatMap((u) => assignmentRows(catalog, u, partNumber, show));
      rows += out.length;
      yield out;
    }
  }
  return {
    head: { reportDateTime: new Date().toISOString() },
    pages: pages(),
    tail: () => ({ rows }),
    csvHeader: [
      'userId',
      'userPrincipalName',
      'displayName',
      'accountEnabled',
      'userType',
      'skuId',
      'skuPartNumber',
      'assignedBy',
      'groupId',
      'disabledPlans',
      'state',
      'error',
      'assignedDateTime',
    ],
    csvRows: (r) => [
      [
        r.userId,
        r.userPrincipalName,
        r.displayName,
        r.accountEnabled,
        r.userType,
        r.skuId,
        r.skuPartNumber,
        r.assignedBy,
        r.groupId,
        r.disabledPlans.join(';'),
        r.state,
        r.error,
        r.assignedDateTime,
      ],
    ],
    csvTail: () => [],
  };
}
