/**
 * What the engine writes besides the licenses: the audit record of a change (its id fixed before the user
 * is written, and embedded in the user in the same atomic write, so a record lost to a crash can be
 * re-created), the user's derived product list, and a bulk job's marker on the users it changed.
 */
import { randomUUID } from 'node:crypto';
import { effectiveLicenses, LicenseAssignment, SubscriptionForRules } from '../domain/licensing';
import { Principal } from '../domain/roles';
import { AuditDoc, SubscriptionDoc, UserDoc } from '../storage/documents';

/** How many bulk jobs a user remembers having been applied by (the marker that makes redelivery harmless). */
export const APPLIED_JOBS_KEPT = 20;

/** The audit record of a job's change to a user: one per (job, user), so a repeated chunk writes it once. */
export const jobAuditId = (jobId: string, userId: string) => `${jobId}_${userId}`;

/** A subscription as the pure rules see it (seat counts from here are never trusted for a write). */
export function forRules(doc: SubscriptionDoc): SubscriptionForRules {
  return {
    skuId: doc.skuId,
    capabilityStatus: doc.capabilityStatus,
    purchaseChannel: doc.purchaseChannel,
    totalLicenses: doc.totalLicenses,
    consumedUnits: doc.seat.consumed,
  };
}

export interface RecordMeta {
  tenantId: string;
  principal: Pick<Principal, 'objectId' | 'displayName'>;
  requestId: string;
  operation: string;
  /** A bulk job applying the change: recorded, and marked on the user. */
  jobId?: string;
  /** The license request this change approves (named on the record). */
  licenseRequestId?: string;
}

export function auditRecordFor(meta: RecordMeta, user: UserDoc, next: LicenseAssignment[], skuIds: string[], now: string): AuditDoc {
  return {
    // a job's record has a fixed id per (job, user): applying the same chunk twice writes it once
    id: meta.jobId ? jobAuditId(meta.jobId, user.id) : randomUUID(),
    ...(meta.jobId ? { jobId: meta.jobId } : {}),
    ...(meta.licenseRequestId ? { licenseRequestId: meta.licenseRequestId } : {}),
    tenantId: meta.tenantId,
    type: 'licenseChange',
    activityDateTime: now,
    requestId: meta.requestId,
    actor: { id: meta.principal.objectId, displayName: meta.principal.displayName },
    operation: meta.operation,
    userId: user.id,
    userPrincipalName: user.userPrincipalName,
    skuIds: [...new Set(skuIds.map((s) => s.toLowerCase()))],
    before: effectiveLicenses(user.licenseAssignments),
    after: effectiveLicenses(next),
  };
}

/** The user document after a change: its paths, other fields, derived products, the audit record and the job marker. */
export function changedUser(doc: UserDoc, next: LicenseAssignment[], fields: Partial<UserDoc>, record: AuditDoc | undefined): UserDoc {
  const jobs = record?.jobId ? [...(doc.appliedJobs ?? []).filter((j) => j !== record.jobId), record.jobId].slice(-APPLIED_JOBS_KEPT) : doc.appliedJobs;
  return {
    ...doc,
    ...fields,
    licenseAssignments: next,
    // every product the user has a path of, in any state (assignedSkuIds, kept by storage, has the active ones)
    skuIds: [...new Set(next.map((a) => a.skuId))],
    ...(record ? { lastLicenseChange: record } : {}),
    ...(jobs ? { appliedJobs: jobs } : {}),
  };
}
