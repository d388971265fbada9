/**
 * Every contract of the API, once, in zod: the same schemas validate requests, type the handlers and
 * generate the OpenAPI document (shared/http/openapi.ts). Request bodies are strict: an unknown field is a
 * 400 naming it, so a typo never silently does nothing.
 */
import { z } from 'zod';
import { isUserPrincipalName, MAX_UPN_LENGTH } from '../domain/upn';

export const guid = z.guid({ error: 'must be a GUID, like 6fd2c87f-b296-42f0-b197-1e91e994b900' });
/**
 * A user principal name: the length is checked first and stops the checks (abort), so the pattern never
 * runs on a long input; the pattern itself is a linear scan (shared/domain/upn.ts).
 */
export const userPrincipalName = z
  .string()
  .trim()
  .max(MAX_UPN_LENGTH, { error: `must be at most ${MAX_UPN_LENGTH} characters`, abort: true })
  .refine((v) => isUserPrincipalName(v), { error: 'must look like name@domain' });
/** Usage location: a two-letter country code (ISO 3166-1 alpha-2), stored upper case. */
export const countryCode = z
  .string()
  .regex(/^[A-Za-z]{2}$/, { error: 'must be a two-letter country code, like NL or US' })
  .transform((s) => s.toUpperCase());

export const MAX_USERS_PER_ASSIGN = 20;
export const MAX_LICENSES_PER_REQUEST = 50;
export const MAX_PAGE_SIZE = 999;

// ---------- paging ----------
export const pageQuery = z.strictObject({
  $top: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE, { error: `$top can be at most ${MAX_PAGE_SIZE}` }).optional(),
  $skiptoken: z.string().max(4000).optional(),
});

// ---------- OData query options (shared/odata) ----------
const odataOption = {
  $filter: z
    .string()
    .max(2048)
    .describe(
      "Graph's $filter: eq/ne/in on accountEnabled, userType, usageLocation, department, displayName, userPrincipalName, id; startswith(displayName|userPrincipalName|department|usageLocation, '...'); and, or, not, parentheses; assignedLicenses/any(x:x/skuId eq {guid}); assignedLicenses/$count eq|ne|gt|ge|lt|le n; licenseAssignmentStates/any(x:x/state eq 'Error'). ne, not, eq null and /$count need ConsistencyLevel: eventual and $count=true",
    ),
  $search: z
    .string()
    .max(200)
    .describe('"displayName:al" OR "userPrincipalName:al" (AND, OR, parentheses): each clause a case-insensitive prefix of the property; needs ConsistencyLevel: eventual'),
  $orderby: z.string().max(100).describe('displayName or userPrincipalName, asc or desc; with $filter needs ConsistencyLevel: eventual and $count=true'),
  $select: z.string().max(2000).describe('comma-separated properties to return (id always comes back)'),
  $count: z
    .string()
    .regex(/^(true|false)$/i, { error: 'must be true or false' })
    .transform((v) => v.toLowerCase() === 'true')
    .describe('true adds @odata.count (all matches, not the page); needs ConsistencyLevel: eventual'),
};
const selectOnly = { $select: odataOption.$select };

export const userListQuery = pageQuery.extend({
  $filter: odataOption.$filter.optional(),
  $search: odataOption.$search.optional(),
  $orderby: odataOption.$orderby.optional(),
  $select: odataOption.$select.optional(),
  $count: odataOption.$count.optional(),
});
/** `GET /users/$count`: the number of users matching, as text. */
export const userCountQuery = z.strictObject({ $filter: odataOption.$filter.optional(), $search: odataOption.$search.optional() });
export const selectQuery = z.strictObject({ $select: selectOnly.$select.optional() });

export const auditQuery = pageQuery.extend({
  userId: guid.optional(),
  skuId: guid.optional(),
  jobId: guid.optional(),
});

// ---------- licenses ----------
export const addLicense = z.strictObject({
  skuId: guid,
  disabledPlans: z.array(guid).max(100),
});

export const assignLicenseBody = z
  .strictObject({
    addLicenses: z.array(addLicense).max(MAX_LICENSES_PER_REQUEST, { error: `at most ${MAX_LICENSES_PER_REQUEST} products per request` }),
    removeLicenses: z.array(guid).max(MAX_LICENSES_PER_REQUEST, { error: `at most ${MAX_LICENSES_PER_REQUEST} products per request` }),
  })
  .superRefine((b, ctx) => {
    if (!b.addLicenses.length && !b.removeLicenses.length)
      ctx.addIssue({ code: 'custom', message: 'No license changes provided: give at least one product in addLicenses or removeLicenses.', path: ['addLicenses'] });
    const adds = b.addLicenses.map((a) => a.skuId.toLowerCase());
    adds.forEach((s, i) => {
      if (adds.indexOf(s) !== i) ctx.addIssue({ code: 'custom', message: `Product ${s} is listed twice in addLicenses.`, path: ['addLicenses', i, 'skuId'] });
    });
    b.removeLicenses.forEach((s, i) => {
      if (adds.includes(s.toLowerCase()))
        ctx.addIssue({ code: 'custom', message: `Product ${s} is both added and removed; pick one.`, path: ['removeLicenses', i] });
    });
  });
export type AssignLicenseBody = z.infer<typeof assignLicenseBody>;

export const assignSkuToUsersBody = z.strictObject({
  userIds: z
    .array(guid)
    .min(1, { error: 'pick at least one user' })
    .max(MAX_USERS_PER_ASSIGN, {
      error: `At most ${MAX_USERS_PER_ASSIGN} users can be assigned at a time. For larger selections use a bulk license job.`,
    })
    .refine((ids) => new Set(ids.map((i) => i.toLowerCase())).size === ids.length, { error: 'a user is listed twice' }),
  disabledPlans: z.array(guid).max(100).default([]),
});

export const servicePlanToggleBody = z
  .strictObject({
    /** Plans to switch on, by servicePlanId or servicePlanName. */
    enable: z.array(z.string().min(1).max(100)).max(100).default([]),
    /** Plans to switch off, by servicePlanId or servicePlanName. */
    disable: z.array(z.string().min(1).max(100)).max(100).default([]),
  })
  .refine((b) => b.enable.length + b.disable.length > 0, { error: 'name at least one plan in enable or disable', path: ['enable'] });

// ---------- bulk license jobs ----------
export const MAX_JOB_USERS = 100_000;
export const jobMode = z.enum(['add', 'replace', 'remove', 'unassignAll', 'swap']);
export const createLicenseJobBody = z
  .strictObject({
    mode: jobMode,
    /** The selection: user ids and/or userPrincipalNames, any size up to 100,000. */
    userIds: z.array(guid).max(MAX_JOB_USERS).default([]),
    userPrincipalNames: z.array(userPrincipalName).max(MAX_JOB_USERS).default([]),
    addLicenses: z.array(addLicense).max(MAX_LICENSES_PER_REQUEST).default([]),
    removeLicenses: z.array(guid).max(MAX_LICENSES_PER_REQUEST).default([]),
    fromSkuId: guid.optional(),
    toSkuId: guid.optional(),
    /** Preview: compute what would happen per user and per product, change nothing. */
    dryRun: z.boolean().default(false),
    /** Refuse to start (status failed, nothing changed) when the preview shows too few seats. */
    requireSeats: z.boolean().default(false),
  })
  .refine((b) => b.userIds.length + b.userPrincipalNames.length > 0, { error: 'select at least one user (userIds or userPrincipalNames)', path: ['userIds'] })
  .refine((b) => b.userIds.length + b.userPrincipalNames.length <= MAX_JOB_USERS, { error: `at most ${MAX_JOB_USERS} users per job`, path: ['userIds'] });

/** A query flag: `?dryRun`, `?dryRun=true` or `?dryRun=false` (a bare flag means true). */
const flag = z.enum(['true', 'false', ''], { error: 'must be true or false (or the bare flag, meaning true)' }).transform((v) => v !== 'false');
export const importLicenseJobQuery = z.strictObject({
  mode: z.enum(['add', 'replace']).default('add'),
  dryRun: flag.default(false),
  requireSeats: flag.default(false),
  createMissingUsers: flag.default(false),
});
/** The queue message of a bulk job: one chunk of one job (the users are in the chunk document). */
export const licenseJobChunkMessage = z.strictObject({ tenantId: guid, jobId: guid, chunk: z.number().int().min(0), phase: z.enum(['preview', 'apply']) });
export const jobResultsQuery = pageQuery.extend({ status: z.enum(['succeeded', 'failed', 'skipped']).optional() });

export const jobResult = z.object({
  row: z.number(),
  userId: z.string().nullable(),
  userPrincipalName: z.string().nullable(),
  status: z.enum(['succeeded', 'failed', 'skipped']),
  code: z.string().optional(),
  message: z.string().optional(),
  before: z.array(z.object({ skuId: z.string(), disabledPlans: z.array(z.string()) })).optional(),
  after: z.array(z.object({ skuId: z.string(), disabledPlans: z.array(z.string()) })).optional(),
});
export const licenseJob = z.object({
  id: z.string(),
  status: z.enum(['queued', 'running', 'completed', 'completedWithErrors', 'failed', 'cancelled']),
  mode: jobMode,
  source: z.enum(['selection', 'csv']),
  dryRun: z.boolean(),
  requireSeats: z.boolean(),
  phase: z.enum(['preview', 'apply']),
  cancelRequested: z.boolean(),
  createdBy: z.object({ id: z.string(), displayName: z.string() }),
  createdDateTime: z.string(),
  startedDateTime: z.string().nullable(),
  completedDateTime: z.string().nullable(),
  counts: z.object({ total: z.number(), succeeded: z.number(), failed: z.number(), skipped: z.number(), processed: z.number() }),
  percentComplete: z.number(),
  estimatedSecondsRemaining: z.number().nullable(),
  seats: z.array(z.object({ skuId: z.string(), skuPartNumber: z.string(), needed: z.number(), available: z.number(), enough: z.boolean() })).describe('preview: seats the job needs per product vs available now'),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  resultsUrl: z.string(),
  failedRowsUrl: z.string(),
});

// ---------- groups ----------
export const createGroupBody = z.strictObject({
  displayName: z.string().trim().min(1).max(256),
  description: z.string().max(1024).optional(),
  mailNickname: z.string().max(64).optional(),
  mailEnabled: z.boolean().optional(),
  securityEnabled: z.boolean().optional(),
});
/** Graph's `POST /groups/{id}/members/$ref` body: `{ "@odata.id": "https://.../directoryObjects/{id}" }`. */
export const memberRefBody = z.strictObject({
  '@odata.id': z
    .string()
    .max(2000, { abort: true })
    .regex(/\/(directoryObjects|users)\/[0-9a-fA-F-]{36}$/, { error: 'must end in /directoryObjects/{user id}' }),
});
export const groupListQuery = pageQuery.extend({
  $filter: odataOption.$filter.describe("hasMembersWithLicenseErrors eq true|false; displayName eq|startswith; id eq|in").optional(),
  $search: z.string().max(200).describe('"displayName:sa": a case-insensitive prefix of the name; needs ConsistencyLevel: eventual').optional(),
  $select: odataOption.$select.optional(),
  $count: odataOption.$count.optional(),
});
export const groupMemberParams = z.strictObject({ id: guid, userId: guid });
export const groupLicensingMessage = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('group'), tenantId: guid, groupId: guid, continuation: z.string().optional() }),
  z.strictObject({ kind: z.literal('user'), tenantId: guid, userId: guid }),
  z.strictObject({ kind: z.literal('seats'), tenantId: guid, skuId: guid }),
]);
export const waitingEntry = z.object({
  position: z.number(),
  userId: z.string(),
  displayName: z.string().nullable(),
  userPrincipalName: z.string().nullable(),
  groupId: z.string(),
  since: z.string(),
  priority: z.number(),
});
export const waitingPriorityBody = z.strictObject({ priority: z.number().int().min(-1000).max(1000) });

export const group = z.object({
  '@odata.etag': z.string(),
  id: z.string(),
  displayName: z.string(),
  description: z.string().nullable(),
  createdDateTime: z.string(),
  assignedLicenses: z.array(z.object({ skuId: z.string(), disabledPlans: z.array(z.string()) })),
  licenseProcessingState: z.object({ state: z.string() }),
});

// ---------- users ----------
export const userType = z.enum(['Member', 'Guest']);
/** Graph's mailNickname: the mail alias, at most 64 characters, none of `@ ( ) \ [ ] " ; : < > ,` or spaces. */
export const mailNickname = z
  .string()
  .max(64, { error: 'must be at most 64 characters', abort: true })
  .regex(/^[^@()\\[\]";:<>,\s]+$/, { error: 'must be a mail alias: no spaces and none of @ ( ) \\ [ ] " ; : < > ,' });
/**
 * Entra ID's password rules for a new user: 8 to 256 characters of A-Z, a-z, 0-9, the usual symbols and
 * spaces, with three of the four kinds. Checked because a Graph client sends it; then dropped: this
 * service signs nobody in, so the password is never stored or logged.
 */
const password = z
  .string()
  .max(256, { error: 'must be at most 256 characters', abort: true })
  .refine(
    (p) =>
      p.length >= 8 &&
      /^[A-Za-z0-9@#$%^&*\-_!+=[\]{}|\\:',.?/`~"();<> ]+$/.test(p) &&
      [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((r) => r.test(p)).length >= 3,
    { error: 'does not meet the password complexity requirements: 8 to 256 characters with three of lowercase, uppercase, digits and symbols' },
  );
export const passwordProfile = z.strictObject({
  password,
  forceChangePasswordNextSignIn: z.boolean().optional(),
  forceChangePasswordNextSignInWithMfa: z.boolean().optional(),
});
export const createUserBody = z.strictObject({
  displayName: z.string().trim().min(1).max(256),
  userPrincipalName,
  /** Graph requires it; here it defaults to the part of the user principal name before the @. */
  mailNickname: mailNickname.optional(),
  /** Validated as Entra ID would, then discarded (never stored, never logged): the service signs nobody in. */
  passwordProfile: passwordProfile.optional(),
  givenName: z.string().max(64).optional(),
  surname: z.string().max(64).optional(),
  mail: z.string().max(254, { abort: true }).pipe(z.email()).optional(),
  usageLocation: countryCode.nullable().optional(),
  accountEnabled: z.boolean().default(true),
  userType: userType.default('Member'),
  department: z.string().max(64).optional(),
  jobTitle: z.string().max(128).optional(),
});
export const updateUserBody = z
  .strictObject({
    displayName: z.string().trim().min(1).max(256).optional(),
    mailNickname: mailNickname.optional(),
    givenName: z.string().max(64).nullable().optional(),
    surname: z.string().max(64).nullable().optional(),
    usageLocation: countryCode.nullable().optional(),
    accountEnabled: z.boolean().optional(),
    userType: userType.optional(),
    department: z.string().max(64).nullable().optional(),
    jobTitle: z.string().max(128).nullable().optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { error: 'give at least one property to change' });

// ---------- subscriptions & tenants ----------
export const capabilityStatus = z.enum(['Enabled', 'Warning', 'Suspended', 'Deleted']);
export const createSubscriptionBody = z
  .strictObject({
    skuId: guid.optional(),
    skuPartNumber: z.string().min(1).max(64).optional(),
    totalLicenses: z.number().int().min(1).max(1_000_000),
    purchaseChannel: z.enum(['admin', 'selfService']).default('admin'),
    /** The user who bought a self-service subscription; they hold one of its seats. */
    ownerUserId: guid.optional(),
  })
  .superRefine((b, ctx) => {
    if (!b.skuId && !b.skuPartNumber) ctx.addIssue({ code: 'custom', message: 'give the product as skuId or skuPartNumber', path: ['skuId'] });
    if (b.purchaseChannel === 'selfService' && !b.ownerUserId)
      ctx.addIssue({ code: 'custom', message: 'a self-service purchase needs the buying user in ownerUserId', path: ['ownerUserId'] });
  });
export const updateSubscriptionBody = z
  .strictObject({
    totalLicenses: z.number().int().min(0).max(1_000_000).optional(),
    status: capabilityStatus.optional(),
    /** The commerce side: when the reconciliation moves the subscription to its next lifecycle state (null: never). */
    nextLifecycleDateTime: z.iso
      .datetime({ offset: true, error: 'must be an ISO 8601 date and time, like 2026-01-31T00:00:00Z' })
      .transform((d) => new Date(d).toISOString())
      .nullable()
      .optional(),
  })
  .refine((b) => b.totalLicenses !== undefined || b.status !== undefined || b.nextLifecycleDateTime !== undefined, {
    error: 'give totalLicenses, status or nextLifecycleDateTime',
    path: ['totalLicenses'],
  });

export const reductionPlanQuery = z.strictObject({ totalLicenses: z.coerce.number().int().min(0).max(1_000_000).optional() });
export const reduceSeatsBody = z.strictObject({
  totalLicenses: z.number().int().min(0).max(1_000_000),
  /** Whose licenses go first (at most 20 at a time; for more, a bulk job with mode remove). */
  unassignUserIds: z
    .array(guid)
    .max(MAX_USERS_PER_ASSIGN, { error: `at most ${MAX_USERS_PER_ASSIGN} users at a time; for more use a bulk license job (mode remove)` })
    .refine((ids) => new Set(ids.map((i) => i.toLowerCase())).size === ids.length, { error: 'a user is listed twice' })
    .default([]),
});
const plannedHolder = z.object({
  userId: z.string(),
  displayName: z.string(),
  userPrincipalName: z.string(),
  assignedDateTime: z.string(),
  inheritedFrom: z.array(z.string()),
  hasDirectAssignment: z.boolean(),
});
export const reductionPlan = z.object({
  subscriptionId: z.string(),
  skuId: z.string(),
  skuPartNumber: z.string(),
  status: z.string(),
  currentTotal: z.number(),
  nextLifecycleDateTime: z.string().nullable(),
  assigned: z.number(),
  newTotal: z.number(),
  overBy: z.number(),
  windowDays: z.number(),
  daysLeft: z.number().nullable(),
  usersOverTheLine: z.array(plannedHolder),
});

export const createWebhookBody = z.strictObject({
  url: z.string().max(2000, { error: 'must be at most 2000 characters', abort: true }).pipe(z.url({ error: 'must be an https:// URL' })),
  events: z.array(z.enum(['lowSeats', 'groupLicensingFailure', 'overAssignment'])).min(1).max(3),
  /** lowSeats: per skuId, alert when available seats fall to this number. */
  lowSeatThresholds: z.record(guid, z.number().int().min(0).max(1_000_000)).default({}),
});
export const webhook = z.object({ id: z.string(), url: z.string(), events: z.array(z.string()), lowSeatThresholds: z.record(z.string(), z.number()), createdDateTime: z.string() });
export const webhookCreated = webhook.extend({ secret: z.string().describe('HMAC-SHA256 key of the x-license-alert-signature header; shown only now') });
export const alertDelivery = z.object({
  id: z.string(),
  webhookId: z.string(),
  event: z.string(),
  status: z.enum(['pending', 'retrying', 'delivered', 'failed']),
  attempts: z.number(),
  lastError: z.string().nullable(),
  createdDateTime: z.string(),
  lastAttemptDateTime: z.string().nullable(),
  payload: z.unknown(),
});
export const alertDeliveryMessage = z.strictObject({ tenantId: guid, deliveryId: guid });

export const createTenantBody = z.strictObject({
  id: guid.optional(),
  displayName: z.string().trim().min(1).max(256),
  defaultUsageLocation: countryCode.optional(),
  cloud: z.enum(['Worldwide', 'Germany', 'China']).default('Worldwide'),
});

// ---------- path parameters ----------
export const idParam = z.strictObject({ id: guid });
/** A user by object id or by userPrincipalName, as Graph accepts. */
export const userRef = z.union([guid, z.string().max(MAX_UPN_LENGTH, { abort: true }).regex(/^[^@\s/]+@[^@\s/]+$/)], { error: 'must be a user id (GUID) or a userPrincipalName' });
export const userRefParam = z.strictObject({ id: userRef });
export const userAndSkuParams = z.strictObject({ id: userRef, skuId: guid });
/** subscribedSku ids are Graph's `{tenantId}_{skuId}`; a bare skuId is accepted too. */
const subscribedSkuId = z.string().regex(/^([0-9a-fA-F-]{36}_)?[0-9a-fA-F-]{36}$/, { error: 'must be a subscribedSku id ({tenantId}_{skuId}) or a skuId' });
export const skuAndUserParams = z.strictObject({ id: subscribedSkuId, userId: guid });
export const subscribedSkuParam = z.strictObject({ id: subscribedSkuId });

// ---------- responses (documented, and typed against @microsoft/microsoft-graph-types in shared/http/views.ts) ----------
export const servicePlanInfo = z.object({
  servicePlanId: z.string(),
  servicePlanName: z.string(),
  provisioningStatus: z.string(),
  appliesTo: z.string(),
  displayName: z.string(),
  conflictsWith: z.array(z.string()).describe('servicePlanIds that cannot be enabled together with this plan'),
  dependsOn: z.array(z.string()).describe('this plan needs one of these servicePlanIds enabled'),
  isAutoAssigned: z.boolean().describe('comes with the product on its own: no separate assignment needed; it can still be switched off through disabledPlans like any plan'),
  notOfferedIn: z.array(z.string()).describe('usage locations where the plan is not offered'),
});
export const subscribedSku = z.object({
  '@odata.etag': z.string().optional(),
  id: z.string(),
  skuId: z.string(),
  skuPartNumber: z.string(),
  displayName: z.string(),
  appliesTo: z.string(),
  capabilityStatus: capabilityStatus,
  consumedUnits: z.number(),
  prepaidUnits: z.object({ enabled: z.number(), suspended: z.number(), warning: z.number(), lockedOut: z.number() }),
  availableUnits: z.number().describe('seats an admin can still assign: enabled - warning - consumed'),
  purchaseChannel: z.enum(['admin', 'selfService']),
  servicePlans: z.array(servicePlanInfo),
});
export const catalogProduct = z.object({
  skuId: z.string(),
  skuPartNumber: z.string(),
  displayName: z.string(),
  appliesTo: z.string(),
  servicePlans: z.array(servicePlanInfo),
});
export const assignedLicense = z.object({ skuId: z.string(), disabledPlans: z.array(z.string()) });
export const licenseAssignmentState = z.object({
  skuId: z.string(),
  disabledPlans: z.array(z.string()),
  assignedByGroup: z.string().nullable(),
  state: z.string(),
  error: z.string(),
  errorMessage: z.string().optional().describe('why the group license failed for this user, and how to fix it'),
  lastUpdatedDateTime: z.string(),
});
export const user = z.object({
  '@odata.etag': z.string(),
  id: z.string(),
  displayName: z.string(),
  userPrincipalName: z.string(),
  mailNickname: z.string(),
  givenName: z.string().nullable(),
  surname: z.string().nullable(),
  mail: z.string().nullable(),
  usageLocation: z.string().nullable(),
  accountEnabled: z.boolean(),
  userType: userType,
  department: z.string().nullable(),
  jobTitle: z.string().nullable(),
  createdDateTime: z.string(),
  assignedLicenses: z.array(assignedLicense),
  licenseAssignmentStates: z.array(licenseAssignmentState),
});
export const licenseDetails = z.object({
  id: z.string(),
  skuId: z.string(),
  skuPartNumber: z.string(),
  servicePlans: z.array(servicePlanInfo.pick({ servicePlanId: true, servicePlanName: true, provisioningStatus: true, appliesTo: true })),
});
export const companySubscription = z.object({
  '@odata.etag': z.string(),
  id: z.string(),
  skuId: z.string(),
  skuPartNumber: z.string(),
  status: capabilityStatus,
  totalLicenses: z.number(),
  consumedUnits: z.number(),
  purchaseChannel: z.enum(['admin', 'selfService']),
  ownerId: z.string().nullable(),
  createdDateTime: z.string(),
  takenOverDateTime: z.string().nullable(),
  nextLifecycleDateTime: z.string().nullable().describe('when the scheduled reconciliation moves the subscription to its next lifecycle state'),
});
export const organization = z.object({
  id: z.string(),
  displayName: z.string(),
  defaultUsageLocation: z.string().nullable(),
  cloud: z.string(),
  createdDateTime: z.string(),
});
export const licenseChangeRecord = z.object({
  id: z.string(),
  activityDateTime: z.string(),
  requestId: z.string(),
  jobId: z.string().nullable().describe('the bulk license job that made the change, if any'),
  actor: z.object({ id: z.string(), displayName: z.string() }),
  operation: z.string(),
  userId: z.string(),
  userPrincipalName: z.string(),
  skuIds: z.array(z.string()),
  before: z.array(assignedLicense),
  after: z.array(assignedLicense),
});
export const assignSkuResult = z.object({
  skuId: z.string(),
  assigned: z.array(z.object({ userId: z.string(), changed: z.boolean() })),
  subscribedSku: subscribedSku,
});

export const collection = <T extends z.ZodType>(item: T) =>
  z.object({ '@odata.count': z.number().optional().describe('with $count=true: every match'), value: z.array(item), '@odata.nextLink': z.string().optional() });

const healthCheck = z.object({ status: z.enum(['Healthy', 'Unhealthy']), durationMs: z.number() });
export const health = z.object({ status: z.enum(['Healthy', 'Unhealthy']), checkedDateTime: z.string(), checks: z.object({ cosmosDb: healthCheck, queues: healthCheck }) });

export const errorResponse = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    target: z.string().optional(),
    details: z.array(z.object({ code: z.string(), message: z.string(), target: z.string().optional() })).optional(),
    innerError: z.object({ 'request-id': z.string(), date: z.string() }),
  }),
});

// ---------- scheduled license reconciliation ----------
export const reconciliationParam = z.strictObject({ id: guid });
const reclaimPolicy = z.object({
  enabled: z.boolean(),
  disabledForDays: z.number().describe('reclaim from accounts disabled for more than this many days'),
  dryRun: z.boolean().describe('report the candidates only (the default)'),
});
export const reconciliationPolicy = z.object({
  reclaimDisabledAccounts: reclaimPolicy,
  lastModifiedDateTime: z.string().nullable(),
  lastModifiedBy: z.object({ id: z.string(), displayName: z.string() }).nullable(),
});
export const updateReconciliationPolicyBody = z.strictObject({
  reclaimDisabledAccounts: z
    .strictObject({
      enabled: z.boolean().optional(),
      disabledForDays: z.number().int().min(1).max(3650).optional(),
      dryRun: z.boolean().optional(),
    })
    .refine((p) => Object.keys(p).length > 0, { error: 'give at least one of enabled, disabledForDays, dryRun' }),
});
const seatHold = z.object({ key: z.string(), jobId: z.string(), seats: z.number(), reason: z.string().optional() });
const holderOverTheLine = z.object({ userId: z.string(), userPrincipalName: z.string(), displayName: z.string(), assignedDateTime: z.string() });
export const reconciliationReport = z.object({
  id: z.string(),
  trigger: z.enum(['timer', 'onDemand']),
  requestedBy: z.object({ id: z.string(), displayName: z.string() }).nullable(),
  status: z.enum(['completed', 'completedWithErrors', 'skipped']),
  startedDateTime: z.string(),
  completedDateTime: z.string().nullable(),
  durationMs: z.number().nullable(),
  summary: z.record(z.string(), z.number()),
  seats: z
    .array(
      z.object({
        skuId: z.string(),
        skuPartNumber: z.string(),
        capabilityStatus: z.string(),
        consumedBefore: z.number(),
        consumedAfter: z.number(),
        holders: z.number(),
        pendingReleases: z.number(),
        action: z.enum(['none', 'repaired', 'deferred']),
        reason: z.enum(['jobRunning', 'recentSeatActivity', 'unreadableUsers', 'busy']).optional(),
        message: z.string().optional(),
        staleHoldsRemoved: z.array(seatHold),
        liveHolds: z.array(seatHold),
      }),
    )
    .describe('per product: the seat counter before and after, the holders counted, stale bulk-job holds removed'),
  lifecycle: z.array(
    z.object({ subscriptionId: z.string(), skuId: z.string(), skuPartNumber: z.string(), from: capabilityStatus, to: capabilityStatus, dueDateTime: z.string(), nextLifecycleDateTime: z.string().nullable() }),
  ),
  deletedProducts: z
    .array(z.object({ skuId: z.string(), skuPartNumber: z.string(), usersChanged: z.number(), seatsReleased: z.number(), users: z.array(z.string()), failed: z.array(z.object({ userId: z.string(), message: z.string() })) }))
    .describe("deleted subscriptions: the product removed from its users, seats released"),
  overAssignments: z
    .array(
      z.object({
        skuId: z.string(),
        skuPartNumber: z.string(),
        capabilityStatus: z.string(),
        enabledUnits: z.number(),
        holders: z.number(),
        over: z.number(),
        users: z.array(holderOverTheLine).describe('the most recently assigned holders beyond the enabled units, newest first'),
        overAssignedSince: z.string().nullable(),
        windowEndsDateTime: z.string().nullable(),
        daysLeft: z.number().nullable(),
      }),
    )
    .describe('flagged, never unassigned: the admin has 90 days to bring it back'),
  overAssignmentsResolved: z.array(z.object({ skuId: z.string(), skuPartNumber: z.string(), overAssignedSince: z.string() })),
  auditRecords: z.object({ checkedSince: z.string().nullable(), checked: z.number(), recreated: z.number(), recreatedIds: z.array(z.string()) }),
  reclaim: z.object({
    policy: reclaimPolicy,
    candidates: z.number(),
    users: z.array(
      z.object({
        userId: z.string(),
        userPrincipalName: z.string(),
        displayName: z.string(),
        disabledDateTime: z.string(),
        disabledDays: z.number(),
        reclaim: z.array(z.string()),
        inherited: z.array(z.string()),
        kept: z.array(z.string()),
      }),
    ),
    actions: z.array(z.object({ userId: z.string(), status: z.enum(['reclaimed', 'skipped', 'failed']), removed: z.array(z.string()), message: z.string().optional() })),
    disableDatesRecorded: z.number(),
  }),
  steps: z.record(z.string(), z.unknown()).describe('results of further steps (group licensing), by name'),
  unreadableUsers: z.array(z.string()),
  errors: z.array(z.object({ step: z.string(), message: z.string() })),
});

// ---------- JSON batching ($batch) ----------
export const MAX_BATCH_REQUESTS = 20;
export const batchRequest = z.strictObject({
  id: z.string().min(1).max(100),
  method: z
    .string()
    .regex(/^(GET|POST|PUT|PATCH|DELETE)$/i, { error: 'must be GET, POST, PUT, PATCH or DELETE' })
    .transform((m) => m.toUpperCase()),
  /** Relative to the version, as Graph takes it: `/users?$top=5`, `users/{id}`, or `/v1.0/users`. */
  url: z.string().min(1).max(8000),
  headers: z.record(z.string(), z.string()).optional(),
  body: z.unknown().optional(),
  dependsOn: z.array(z.string()).max(MAX_BATCH_REQUESTS).optional(),
});
export const batchBody = z
  .strictObject({
    requests: z
      .array(batchRequest)
      .min(1, { error: 'give at least one request' })
      .max(MAX_BATCH_REQUESTS, { error: `A batch takes at most ${MAX_BATCH_REQUESTS} requests.` }),
  })
  .superRefine((b, ctx) => {
    const ids = b.requests.map((r) => r.id.toLowerCase());
    ids.forEach((id, i) => {
      if (ids.indexOf(id) !== i) ctx.addIssue({ code: 'custom', message: `Request id '${b.requests[i].id}' is used twice; ids must be unique in a batch.`, path: ['requests', i, 'id'] });
    });
    b.requests.forEach((r, i) =>
      (r.dependsOn ?? []).forEach((d, j) => {
        if (!ids.includes(d.toLowerCase())) ctx.addIssue({ code: 'custom', message: `dependsOn names '${d}', which is not a request of this batch.`, path: ['requests', i, 'dependsOn', j] });
        if (d.toLowerCase() === r.id.toLowerCase()) ctx.addIssue({ code: 'custom', message: 'a request cannot depend on itself.', path: ['requests', i, 'dependsOn', j] });
      }),
    );
  });
export type BatchBody = z.infer<typeof batchBody>;
export const batchResponse = z.object({
  responses: z.array(z.object({ id: z.string(), status: z.number(), headers: z.record(z.string(), z.string()), body: z.unknown().optional() })),
});
