/**
 * License requests, their one-pending-per-user-and-product markers and the organization's request policy
 * (directory container); the auto-claim policy (directory) and the auto-claims that found no seat (jobs
 * container, expiring after 91 days: the claims list looks back 90 days at most).
 */
import { SqlParameter } from '@azure/cosmos';
import type { ErrorParameters } from '../errors';
import { createDoc, createIfAbsent, putIfMatch, readOf, replaceIfMatch } from './cosmos';
import { Page } from './documents';
import { queryAll, queryPage } from './queries';
import { releaseNamedSlot, SlotDoc, takeNamedSlot } from './slots';

export type LicenseRequestStatus = 'pending' | 'approved' | 'denied' | 'expired';

export interface LicenseRequestDoc {
  id: string;
  tenantId: string;
  type: 'licenseRequest';
  status: LicenseRequestStatus;
  userId: string;
  userDisplayName: string;
  userPrincipalName: string;
  skuId: string;
  justification: string;
  createdDateTime: string;
  expirationDateTime: string;
  decidedBy: { id: string; displayName: string } | null;
  decidedDateTime: string | null;
  decisionReason: string | null;
  /** Still pending: why the last approval was refused (no seats, a conflict, no usage location). */
  lastApprovalError: { code: string; message: string; parameters?: ErrorParameters; dateTime: string } | null;
  approvedVia: { groupId: string | null; disabledPlans: string[] } | null;
  /** An approval under way (pending → approving → approved, or back to pending): who, since when. */
  approving?: { by: string; since: string } | null;
  _etag?: string;
}

export interface LicenseRequestPolicyDoc {
  id: 'licenseRequestPolicy';
  tenantId: string;
  type: 'licenseRequestPolicy';
  enabled: boolean;
  customMessage: string;
  customUrl: string | null;
  _etag?: string;
}

export interface AutoClaimPolicyDoc {
  id: 'autoClaimPolicy';
  tenantId: string;
  type: 'autoClaimPolicy';
  enabled: boolean;
  app: string;
  products: { skuId: string; disabledPlans: string[] }[];
  _etag?: string;
}

export interface AutoClaimFailureDoc {
  id: string;
  tenantId: string;
  type: 'autoClaimFailure';
  userId: string;
  userPrincipalName: string;
  app: string;
  dateTime: string;
  reason: string;
  ttl: number;
}

const FAILURE_TTL = 91 * 24 * 3600;

export const pendingMarkerId = (userId: string, skuId: string) => `licenseRequestPending_${userId.toLowerCase()}_${skuId.toLowerCase()}`;

export const licenseRequests = {
  get: (tenantId: string, id: string) => readOf<LicenseRequestDoc>('directory', id.toLowerCase(), tenantId, 'licenseRequest'),
  create: (doc: LicenseRequestDoc) => createDoc('directory', doc),
  replaceIfMatch: (doc: LicenseRequestDoc, etag: string) => replaceIfMatch('directory', doc, etag),

  list(tenantId: string, filter: { status?: string; skuId?: string; userId?: string }, top: number, token?: string): Promise<Page<LicenseRequestDoc>> {
    const where: string[] = [];
    const params: SqlParameter[] = [];
    for (const [field, value] of Object.entries(filter)) {
      if (!value) continue;
      where.push(`c.${field} = @${field}`);
      params.push({ name: `@${field}`, value });
    }
    return queryPage<LicenseRequestDoc>(
      'directory',
      tenantId,
      `SELECT * FROM c WHERE c.tenantId = @tenantId AND c.type = 'licenseRequest'${where.map((w) => ` AND ${w}`).join('')} ORDER BY c.createdDateTime DESC`,
      params,
      top,
      token,
    );
  },

  /** Pending requests whose expiration has passed (the reconciliation expires them). */
  expiredPending: (tenantId: string, now: string) =>
    queryAll<LicenseRequestDoc>(
      'directory',
      tenantId,
      `SELECT * FROM c WHERE c.tenantId = @tenantId AND c.type = 'licenseRequest' AND c.status = 'pending' AND c.expirationDateTime <= @now`,
      [{ name: '@now', value: now }],
    ),
};

/** The marker that keeps one pending request per user and product: a named slot (slots.ts) whose id is the pair, held by the request. */
export const pendingMarkers = {
  /** Takes the marker for the request: true if it was free or its holder is over (`isOver` decides). */
  take: (tenantId: string, userId: string, skuId: string, requestId: string, isOver: (held: SlotDoc) => Promise<boolean>) =>
    takeNamedSlot('directory', tenantId, pendingMarkerId(userId, skuId), requestId, isOver),
  /** Removes the marker only while it still names this request (a newer request's marker stays). */
  release: (tenantId: string, userId: string, skuId: string, requestId: string) =>
    releaseNamedSlot('directory', tenantId, pendingMarkerId(userId, skuId), requestId),
};

export const policies = {
  requests: (tenantId: string) => readOf<LicenseRequestPolicyDoc>('directory', 'licenseRequestPolicy', tenantId, 'licenseRequestPolicy'),
  autoClaim: (tenantId: string) => readOf<AutoClaimPolicyDoc>('directory', 'autoClaimPolicy', tenantId, 'autoClaimPolicy'),
  /** Creates (etag undefined: only if there is none) or replaces (only if still that version) a policy; undefined when someone else changed it. */
  write: <T extends LicenseRequestPolicyDoc | AutoClaimPolicyDoc>(doc: T, etag: string | undefined) => putIfMatch('directory', doc, etag),
};

export const autoClaimFailures = {
  /** One failure per user and day (a burst of sign-ins without a seat is one line): false when already recorded. */
  record: (doc: Omit<AutoClaimFailureDoc, 'ttl'>) => createIfAbsent('jobs', { ...doc, ttl: FAILURE_TTL }),
  since: (tenantId: string, since: string) =>
    queryAll<AutoClaimFailureDoc>(
      'jobs',
      tenantId,
      `SELECT * FROM c WHERE c.tenantId = @tenantId AND c.type = 'autoClaimFailure' AND c.dateTime >= @since ORDER BY c.dateTime DESC`,
      [{ name: '@since', value: since }],
    ),
};
