/**
 * Stored documents -> the shapes portal developers know from Microsoft Graph. Each view is typed as the
 * Graph type (from @microsoft/microsoft-graph-types) intersected with our documented extensions, so a
 * field that drifts from Graph's name or type fails the build.
 */
import type * as Graph from '@microsoft/microsoft-graph-types';
import { z } from 'zod';
import { Catalog } from '../domain/catalog';
import { availableUnits, effectiveLicenses, prepaidUnits, usersMayUse } from '../domain/licensing';
import * as c from '../schemas/contracts';
import { AuditDoc, SubscriptionDoc, TenantDoc, UserDoc } from '../storage/documents';
import { JobDoc } from '../storage/jobs';
import { GroupDoc } from '../storage/groups';
import { LicenseRequestDoc } from '../storage/licenseRequests';
import { FINAL_STATUSES, jobProgress } from '../domain/jobs';
import { quotedEtag } from './etag';
import { defaultMailNickname } from '../domain/users';

type Strict<G, T> = T & G;

export function subscribedSkuView(catalog: Catalog, doc: SubscriptionDoc): Strict<Graph.SubscribedSku, z.infer<typeof c.subscribedSku>> {
  const product = catalog.product(doc.skuId);
  const consumedUnits = doc.seat.consumed;
  const forRules = { ...doc, consumedUnits };
  return {
    '@odata.etag': quotedEtag(doc._etag),
    id: doc.id,
    skuId: doc.skuId,
    skuPartNumber: doc.skuPartNumber,
    displayName: product?.displayName ?? doc.skuPartNumber,
    appliesTo: product?.appliesTo ?? 'User',
    capabilityStatus: doc.capabilityStatus,
    consumedUnits,
    prepaidUnits: prepaidUnits(forRules),
    availableUnits: availableUnits(forRules),
    purchaseChannel: doc.purchaseChannel,
    servicePlans: (product?.servicePlans ?? []).map((p) => ({
      servicePlanId: p.servicePlanId,
      servicePlanName: p.servicePlanName,
      provisioningStatus: 'Success',
      appliesTo: p.appliesTo,
      displayName: p.displayName,
      conflictsWith: p.conflictsWith,
      dependsOn: p.dependsOn,
      isAutoAssigned: p.isAutoAssigned,
      notOfferedIn: p.notOfferedIn,
      addedDateTime: p.addedDateTime,
    })),
  };
}

export function companySubscriptionView(doc: SubscriptionDoc): Strict<Omit<Graph.CompanySubscription, 'status'>, z.infer<typeof c.companySubscription>> {
  return {
    '@odata.etag': quotedEtag(doc._etag),
    id: doc.id,
    skuId: doc.skuId,
    skuPartNumber: doc.skuPartNumber,
    status: doc.capabilityStatus,
    totalLicenses: doc.totalLicenses,
    consumedUnits: doc.seat.consumed,
    purchaseChannel: doc.purchaseChannel,
    ownerId: doc.ownerId,
    createdDateTime: doc.createdDateTime,
    takenOverDateTime: doc.takenOverDateTime,
    nextLifecycleDateTime: doc.nextLifecycleDateTime ?? null,
    unitPrice: doc.unitPrice ?? null,
  };
}

/** A user as Graph shows it; signInActivity only when asked for (`$select=signInActivity`), as Graph does. */
export function userView(doc: UserDoc, o: { select?: string[] } = {}): Strict<Graph.User, z.infer<typeof c.user>> {
  return {
    '@odata.etag': quotedEtag(doc._etag),
    id: doc.id,
    displayName: doc.displayName,
    userPrincipalName: doc.userPrincipalName,
    mailNickname: doc.mailNickname ?? defaultMailNickname(doc.userPrincipalName),
    givenName: doc.givenName ?? null,
    surname: doc.surname ?? null,
    mail: doc.mail,
    usageLocation: doc.usageLocation,
    accountEnabled: doc.accountEnabled,
    userType: doc.userType,
    department: doc.department,
    jobTitle: doc.jobTitle,
    createdDateTime: doc.createdDateTime,
    ...(o.select?.includes('signInActivity') ? { signInActivity: { lastSignInDateTime: doc.signInActivity?.lastSignInDateTime ?? null } } : {}),
    assignedLicenses: effectiveLicenses(doc.licenseAssignments),
    licenseAssignmentStates: doc.licenseAssignments.map((a) => ({
      skuId: a.skuId,
      disabledPlans: a.disabledPlans,
      assignedByGroup: a.assignedByGroup,
      state: a.state ?? 'Active',
      error: a.error ?? 'None',
      ...(a.errorMessage ? { errorMessage: a.errorMessage } : {}),
      ...(a.errorCode ? { errorCode: a.errorCode, errorParameters: a.errorParameters ?? {} } : {}),
      lastUpdatedDateTime: a.lastUpdatedDateTime,
    })),
  };
}

/** Per product the user holds: each plan Success, or Disabled when switched off or the subscription is suspended. */
export function licenseDetailsView(
  catalog: Catalog,
  doc: UserDoc,
  subs: Map<string, SubscriptionDoc>,
): Strict<Graph.LicenseDetails, z.infer<typeof c.licenseDetails>>[] {
  return effectiveLicenses(doc.licenseAssignments).map((l) => {
    const product = catalog.product(l.skuId);
    const inactive = !usersMayUse(subs.get(l.skuId)?.capabilityStatus);
    return {
      id: `${doc.id}_${l.skuId}`,
      skuId: l.skuId,
      skuPartNumber: product?.skuPartNumber ?? l.skuId,
      servicePlans: (product?.servicePlans ?? []).map((p) => ({
        servicePlanId: p.servicePlanId,
        servicePlanName: p.servicePlanName,
        appliesTo: p.appliesTo,
        provisioningStatus: inactive || l.disabledPlans.includes(p.servicePlanId) ? 'Disabled' : 'Success',
      })),
    };
  });
}

export function organizationView(doc: TenantDoc): z.infer<typeof c.organization> {
  return { id: doc.id, displayName: doc.displayName, defaultUsageLocation: doc.defaultUsageLocation, cloud: doc.cloud, createdDateTime: doc.createdDateTime };
}

export function licenseChangeView(doc: AuditDoc): z.infer<typeof c.licenseChangeRecord> {
  const { id, activityDateTime, requestId, actor, operation, userId, userPrincipalName, skuIds, before, after } = doc;
  return {
    id,
    activityDateTime,
    requestId,
    jobId: doc.jobId ?? null,
    ...(doc.licenseRequestId ? { licenseRequestId: doc.licenseRequestId } : {}),
    actor,
    operation,
    userId,
    userPrincipalName,
    skuIds,
    before,
    after,
  };
}

export function licenseJobView(catalog: Catalog, job: JobDoc, subs: SubscriptionDoc[], url: URL): z.infer<typeof c.licenseJob> {
  const counts = { total: job.total, ...job.progress };
  const p = jobProgress(job.total, counts, job.startedDateTime ? Date.parse(job.startedDateTime) : undefined, Date.now());
  const base = `${url.origin}${url.pathname.replace(/\/licenseJobs.*$/, '')}/licenseJobs/${job.id}`;
  const bySku = new Map(subs.map((s) => [s.skuId, s]));
  return {
    id: job.id,
    status: job.status,
    mode: job.request.mode,
    source: job.source,
    catalogChange: job.catalogChange ?? null,
    dryRun: job.dryRun,
    requireSeats: job.requireSeats,
    phase: job.phase,
    cancelRequested: job.cancel,
    createdBy: { id: job.createdBy.id, displayName: job.createdBy.displayName },
    createdDateTime: job.createdDateTime,
    startedDateTime: job.startedDateTime,
    completedDateTime: job.completedDateTime,
    counts: { total: job.total, succeeded: job.progress.succeeded, failed: job.progress.failed, skipped: job.progress.skipped, processed: p.processed },
    percentComplete: p.percentComplete,
    estimatedSecondsRemaining: FINAL_STATUSES.includes(job.status) ? 0 : p.estimatedSecondsRemaining,
    seats: !(job.dryRun || job.requireSeats)
      ? []
      : Object.entries(job.preview.needed).map(([skuId, needed]) => {
          const s = bySku.get(skuId);
          const available = s ? availableUnits({ ...s, consumedUnits: s.seat.consumed }) : 0;
          return { skuId, skuPartNumber: catalog.product(skuId)?.skuPartNumber ?? skuId, needed, available, enough: available >= needed };
        }),
    error: job.error ? { code: job.error.code, message: job.error.message, ...(job.error.details ? { details: job.error.details } : {}) } : null,
    resultsUrl: `${base}/results`,
    failedRowsUrl: `${base}/failedRows`,
  };
}

export function groupView(doc: GroupDoc): Strict<Graph.Group, z.infer<typeof c.group>> {
  return {
    '@odata.etag': quotedEtag(doc._etag),
    id: doc.id,
    displayName: doc.displayName,
    description: doc.description,
    createdDateTime: doc.createdDateTime,
    assignedLicenses: doc.assignedLicenses,
    licenseProcessingState: doc.licenseProcessingState,
  };
}

export function licenseRequestView(catalog: Catalog, d: LicenseRequestDoc): z.infer<typeof c.licenseRequest> {
  const product = catalog.product(d.skuId);
  return {
    id: d.id,
    status: d.status,
    requestedBy: { id: d.userId, displayName: d.userDisplayName, userPrincipalName: d.userPrincipalName },
    skuId: d.skuId,
    skuPartNumber: product?.skuPartNumber ?? d.skuId,
    productName: product?.displayName ?? d.skuId,
    justification: d.justification,
    createdDateTime: d.createdDateTime,
    expirationDateTime: d.expirationDateTime,
    decidedBy: d.decidedBy,
    decidedDateTime: d.decidedDateTime,
    decisionReason: d.decisionReason,
    lastApprovalError: d.lastApprovalError,
    approvedVia: d.approvedVia,
  };
}
