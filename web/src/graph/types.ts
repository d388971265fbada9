/**
 * The API's shapes, taken as types from the service's own zod contracts (shared/schemas/contracts.ts),
 * so the console and the API cannot drift apart. Type-only: nothing of zod reaches the browser.
 */
import type { z } from 'zod';
import type * as c from '../../../shared/schemas/contracts';

export type SubscribedSku = z.infer<typeof c.subscribedSku>;
export type ServicePlan = z.infer<typeof c.servicePlanInfo>;
export type User = z.infer<typeof c.user>;
export type LicenseAssignmentState = z.infer<typeof c.licenseAssignmentState>;
export type LicenseDetails = z.infer<typeof c.licenseDetails>;
export type CompanySubscription = z.infer<typeof c.companySubscription>;
export type Organization = z.infer<typeof c.organization>;
export type Group = z.infer<typeof c.group>;
export type LicenseJob = z.infer<typeof c.licenseJob>;
export type JobResult = z.infer<typeof c.jobResult>;
export type JobMode = z.infer<typeof c.jobMode>;
export type CreateLicenseJob = z.input<typeof c.createLicenseJobBody>;
export type AssignLicenseBody = z.input<typeof c.assignLicenseBody>;
export type AssignSkuResult = z.infer<typeof c.assignSkuResult>;
export type LicenseChangeRecord = z.infer<typeof c.licenseChangeRecord>;
export type ReconciliationReport = z.infer<typeof c.reconciliationReport>;
export type ReductionPlan = z.infer<typeof c.reductionPlan>;
export type WaitingEntry = z.infer<typeof c.waitingEntry>;
export type Webhook = z.infer<typeof c.webhook>;
export type WebhookCreated = z.infer<typeof c.webhookCreated>;
export type AlertDelivery = z.infer<typeof c.alertDelivery>;
export type AlertEvent = z.infer<typeof c.createWebhookBody>['events'][number];
export type ErrorParameters = z.infer<typeof c.errorParameters>;

export interface Collection<T> {
  value: T[];
  '@odata.nextLink'?: string;
  '@odata.count'?: number;
}

export const MAX_USERS_PER_ASSIGN = 20;
export type LicenseRequest = z.infer<typeof c.licenseRequest>;
export type LicenseRequestStatus = LicenseRequest['status'];
export type ApproveManyResult = z.infer<typeof c.approveManyResult>;
export type LicenseRequestPolicy = z.infer<typeof c.licenseRequestPolicy>;
export type AutoClaimPolicy = z.infer<typeof c.autoClaimPolicy>;
export type AutoClaimEntry = z.infer<typeof c.autoClaimEntry>;

/** The spend and inactivity reports, as their contracts say (shared/schemas/reports.ts). */
export type SpendReport = z.infer<typeof c.licenseSpendReport>;
export type InactiveReport = z.infer<typeof c.inactiveLicensedUsersReport>;
export type LicenseSettings = z.infer<typeof c.licenseSettings>;
export type UpcomingCatalogChange = z.infer<typeof c.catalogScheduledChange>;

/** Settings > Provisioning (shared/schemas/provisioning.ts). */
export type ScimCredential = z.infer<typeof c.scimCredential>;
export type ScimCredentialCreated = z.infer<typeof c.createdScimCredential>;
export type ProvisioningSettings = z.infer<typeof c.provisioningSettings>;
