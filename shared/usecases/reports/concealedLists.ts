/**
 * The report-like lists a reader opens besides the three reports, as the organization's report settings
 * show them (names.ts says what concealment covers): the reconciliation's reports, the alert deliveries
 * and their payloads, and the auto-claim claims list. Applied when a list is read, so switching the
 * setting on conceals what was stored before it too (and switching it off shows it again).
 *
 * Not concealed, on purpose: the directory itself (/users, /groups and their members), the audit log (the
 * record of who changed what), and the lists admins act on by name: license requests (an approver must
 * know who asks), bulk job results, waiting lists, the seat-reduction plan. Nor the webhooks' own POSTs: a
 * licenseReclaimPending alert must reach the user it names, through the organization's own receiver.
 */
import type { ReconciliationReport } from '../reconciliation/report';
import type { z } from 'zod';
import type * as contracts from '../../schemas/contracts';
import { Concealment } from './names';

type AutoClaimEntry = z.infer<typeof contracts.autoClaimEntry>;

type ReportView = Omit<ReconciliationReport, 'tenantId'>;

/** Run-level error text: ids and addresses taken out (a step's error is about the run, rarely a person). */
const ANY_GUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
const ANY_ADDRESS = /[^\s@'"(),<>]+@[^\s@'"(),<>]+/g;
const scrubbed = (text: string) => text.replace(ANY_GUID, '[id]').replace(ANY_ADDRESS, '[address]');

/** A reconciliation report as a reader sees it. */
export function reconciliationReportShown<T extends Partial<ReportView>>(r: T, c: Concealment): T {
  if (!c.on) return r;
  const person = (u: { userId: string; userPrincipalName?: string; displayName?: string }) =>
    c.person({ id: u.userId, userPrincipalName: u.userPrincipalName, displayName: u.displayName });
  const now = r.asOf ?? r.startedDateTime ?? new Date().toISOString();
  return {
    ...r,
    ...(r.requestedBy ? { requestedBy: { id: c.person(r.requestedBy).userId, displayName: c.person(r.requestedBy).displayName } } : {}),
    ...(r.deletedProducts && {
      deletedProducts: r.deletedProducts.map((d) => ({
        ...d,
        users: d.users.map((id) => c.person({ id }).userId),
        failed: d.failed.map((f) => ({ userId: c.person({ id: f.userId }).userId, message: c.text(f.message) })),
      })),
    }),
    ...(r.overAssignments && {
      overAssignments: r.overAssignments.map((o) => ({
        ...o,
        users: o.users.map((h) => ({ ...h, ...person(h), assignedDateTime: c.day(h.assignedDateTime) })),
      })),
    }),
    ...(r.auditRecords && { auditRecords: { ...r.auditRecords, recreatedIds: r.auditRecords.recreatedIds.map((id) => c.ref(id)) } }),
    ...(r.reclaim && {
      reclaim: {
        ...r.reclaim,
        users: r.reclaim.users.map((u) => ({
          ...u,
          ...person(u),
          disabledDateTime: c.day(u.disabledDateTime),
          disabledDays: u.disabledDateTime ? c.daysSince(u.disabledDateTime, now) : u.disabledDays,
          lastSignInDateTime: c.day(u.lastSignInDateTime),
          inactiveDays: u.lastSignInDateTime ? c.daysSince(u.lastSignInDateTime, now) : u.inactiveDays,
        })),
        actions: r.reclaim.actions.map((a) => ({ ...a, userId: c.person({ id: a.userId }).userId, ...(a.message ? { message: c.text(a.message) } : {}) })),
        pending: r.reclaim.pending.map((p) => ({ ...p, ...person(p) })),
      },
    }),
    ...(r.unreadableUsers && { unreadableUsers: r.unreadableUsers.map((id) => c.person({ id }).userId) }),
    ...(r.errors && { errors: r.errors.map((e) => ({ ...e, message: scrubbed(e.message) })) }),
  };
}

/** A claim or a failed claim as the claims list shows it: the failure's id carries the user's, the claim's is an audit record's. */
export function autoClaimShown(e: AutoClaimEntry, c: Concealment): AutoClaimEntry {
  if (!c.on) return e;
  const who = c.person({ id: e.userId, userPrincipalName: e.userPrincipalName });
  return { ...e, id: c.ref(e.id), dateTime: c.day(e.dateTime), userId: who.userId, userPrincipalName: who.userPrincipalName, reason: c.text(e.reason) };
}

/** Keys of an alert's data that name a person's free text, ids that lead to a person, dates about a person. */
const TEXT_KEYS = new Set(['reason', 'message', 'errorMessage', 'decisionReason']);
const REF_KEYS = new Set(['licenseRequestId', 'groupId']);
const PEOPLE_KEYS = new Set(['decidedBy', 'requestedBy']);

/** An alert's data, concealed wherever it names a person (any event: the same rules for the fields they share). */
function alertDataShown(value: unknown, c: Concealment): unknown {
  if (Array.isArray(value)) return value.map((v) => alertDataShown(v, c));
  if (!value || typeof value !== 'object') return value;
  const o = value as Record<string, unknown>;
  const who = typeof o.userId === 'string' ? c.person({ id: o.userId }) : undefined;
  return Object.fromEntries(
    Object.entries(o).map(([k, v]) => {
      if (who && (k === 'userId' || k === 'userPrincipalName' || k === 'displayName')) return [k, who[k]];
      if (who && k.endsWith('DateTime') && typeof v === 'string' && k !== 'reclaimAfterDateTime') return [k, c.day(v)];
      if (TEXT_KEYS.has(k) && typeof v === 'string') return [k, c.text(v)];
      if (REF_KEYS.has(k) && typeof v === 'string') return [k, c.ref(v)];
      if (PEOPLE_KEYS.has(k) && v && typeof v === 'object' && typeof (v as { id?: unknown }).id === 'string') {
        const p = c.person({ id: (v as { id: string }).id });
        return [k, { ...v, id: p.userId, displayName: p.displayName }];
      }
      return [k, alertDataShown(v, c)];
    }),
  );
}

/**
 * A delivery as the deliveries list shows it. Its times go to the day too, whatever the event: the time
 * an alert was raised is the time of the change that raised it (a request filed, the last seat taken),
 * which the audit log and the request list show to the second with the name.
 */
export function deliveryShown<T extends { createdDateTime: string; lastAttemptDateTime: string | null; payload: unknown }>(d: T, c: Concealment): T {
  if (!c.on) return d;
  const payload = d.payload as { occurredDateTime?: string; data?: unknown } & Record<string, unknown>;
  return {
    ...d,
    createdDateTime: c.day(d.createdDateTime),
    lastAttemptDateTime: c.day(d.lastAttemptDateTime),
    payload: { ...payload, occurredDateTime: c.day(payload.occurredDateTime), data: alertDataShown(payload.data, c) },
  };
}
