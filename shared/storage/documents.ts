/**
 * The documents of the `directory` and `audit` containers: what each store module reads and writes. Every
 * document carries its tenant id as partition key.
 */
import { CapabilityStatus, LicenseAssignment, PurchaseChannel } from '../domain/licensing';
import { OrganizationCloud } from '../domain/clouds';

export interface TenantDoc {
  id: string;
  tenantId: string;
  type: 'tenant';
  displayName: string;
  defaultUsageLocation: string | null;
  cloud: OrganizationCloud;
  createdDateTime: string;
}

export interface UserDoc {
  id: string;
  tenantId: string;
  type: 'user';
  displayName: string;
  userPrincipalName: string;
  /** Graph's mail alias (absent on users stored before it was kept: the UPN's part before the @). */
  mailNickname?: string;
  givenName?: string | null;
  surname?: string | null;
  mail: string | null;
  usageLocation: string | null;
  accountEnabled: boolean;
  /** When accountEnabled last went false (null or absent while enabled): the reconciliation's reclaim policy. */
  disabledDateTime?: string | null;
  userType: 'Member' | 'Guest';
  department: string | null;
  jobTitle: string | null;
  /** Graph's employeeId (SCIM's enterprise employeeNumber). */
  employeeId?: string | null;
  /** The user's manager (a user id of the organization; SCIM's enterprise manager). */
  managerId?: string | null;
  /** The identity provider's id for the user (SCIM's externalId, compared case-sensitively). */
  externalId?: string | null;
  /** SCIM's userName when it is not the user principal name itself (a plain name the UPN was derived from). */
  userName?: string | null;
  createdDateTime: string;
  licenseAssignments: LicenseAssignment[];
  /**
   * Derived, for queries: lower-cased names for prefix search (and department), the SCIM userName (the UPN
   * when there is no other) and mail, and the distinct products held.
   */
  search: { displayName: string; userPrincipalName: string; department?: string | null; userName?: string; mail?: string | null };
  /**
   * Derived, for $search: the name's words (domain/searchWords.ts). At the top of the document, not under
   * `search`: the local emulator fails a subquery over a path whose parent some document lacks.
   */
  displayNameWords?: string[];
  skuIds: string[];
  /**
   * Derived for $filter, set by withQueryFields on every write here (so no caller maintains them):
   * the products in assignedLicenses (active paths only, unlike skuIds), how many, and whether any path
   * is in Error. Absent on documents written before they existed, until the reconciliation's
   * `userQueryFields` step (or any write) adds them.
   */
  assignedSkuIds?: string[];
  assignedLicenseCount?: number;
  hasLicenseErrors?: boolean;
  /** The audit record of the last license change, written in the same atomic replace as the change. */
  lastLicenseChange?: AuditDoc;
  /** The last bulk jobs that changed this user: a redelivered chunk sees its work is done. */
  appliedJobs?: string[];
  /** Groups whose licenses are in error for this user (for the group's membersWithLicenseErrors). */
  groupsInError?: string[];
  /** Groups this user has license paths from (the reconciliation finds former members by it). */
  groupPaths?: string[];
  /**
   * When the app last wrote the user (withQueryFields stamps every write; removeMember stamps a leave). A
   * sign-in's patch leaves it: the incremental reconciliation's change set is the users written since its
   * last run, not every user who signed in. Absent on users written before it existed.
   */
  writtenDateTime?: string;
  signInActivity?: { lastSignInDateTime?: string };
  _etag?: string;
}

/** A price as the commerce side states it: amount in the currency's units (ISO 4217), per month or per year. */
export interface UnitPrice {
  amount: number;
  currency: string;
  billingPeriod: 'month' | 'year';
}

export interface SubscriptionDoc {
  /** Graph's subscribedSku id: `{tenantId}_{skuId}`. One subscription per product and tenant. */
  id: string;
  tenantId: string;
  type: 'subscription';
  skuId: string;
  skuPartNumber: string;
  capabilityStatus: CapabilityStatus;
  totalLicenses: number;
  purchaseChannel: PurchaseChannel;
  ownerId: string | null;
  createdDateTime: string;
  takenOverDateTime: string | null;
  /** Graph's nextLifecycleDateTime: when the reconciliation moves the subscription to its next state (null: none). */
  nextLifecycleDateTime?: string | null;
  /** Start of the over-assignment window (more holders than enabled units), kept by the reconciliation. */
  overAssignedSince?: string | null;
  /** What one license of the product costs (set at purchase or by PATCH); absent: no price known. */
  unitPrice?: UnitPrice | null;
  /**
   * The seat counter, changed only by conditional patches. Field names are lower case: the emulator's own
   * condition handling lower-cases condition text (local/cosmosEmulator.ts no longer does, but lower-case
   * names keep the conditions right either way). `gen` changes with every quantity or state change.
   */
  seat: {
    consumed: number;
    limit: number;
    gen: number;
    /**
     * Seats held by bulk-job chunks while they run (`{jobId}_{chunk}` -> seats reserved), counted in
     * `consumed`. A redelivered chunk finds its hold and reuses it instead of reserving again; the chunk
     * settles it once (removing the hold in the same write that adjusts `consumed`).
     */
    holds?: Record<string, number>;
    /** Members waiting for a seat of this product (group-based licensing's waiting list). */
    waiting?: number;
  };
  _etag?: string;
}

export interface AuditDoc {
  id: string;
  tenantId: string;
  type: 'licenseChange';
  /** The bulk job that made the change, if any. */
  jobId?: string;
  /** 'jobHold': the seats of this change were counted through the job chunk's hold (see seat.holds). */
  seatSource?: 'jobHold';
  /** With seatSource jobHold: products whose seat this change reserved apart from the hold (a user changed meanwhile). */
  plainSkus?: string[];
  /** The license request whose approval made this change (POST /licenseRequests/{id}/approve). */
  licenseRequestId?: string;
  activityDateTime: string;
  requestId: string;
  actor: { id: string; displayName: string };
  operation: string;
  userId: string;
  userPrincipalName: string;
  skuIds: string[];
  before: { skuId: string; disabledPlans: string[] }[];
  after: { skuId: string; disabledPlans: string[] }[];
}

export interface Page<T> {
  items: T[];
  continuationToken?: string;
}
