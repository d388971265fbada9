/** Bulk license jobs: selection and CSV import, results, the queue message of a chunk. */
import { z } from 'zod';
import { JOB_MODES } from '../domain/jobs';
import { MAX_LICENSES_PER_REQUEST, flag, guid, pageQuery, userPrincipalName } from './common';
import { errorDetail, errorParameters } from './errors';
import { addLicense } from './licenses';

export const MAX_JOB_USERS = 100_000;

export const jobMode = z.enum(JOB_MODES);

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
  parameters: errorParameters.optional().describe('a failed row: the parameters of code, as on an error detail'),
  details: z.array(errorDetail).optional().describe('a failed row with several violations: each one'),
  before: z.array(z.object({ skuId: z.string(), disabledPlans: z.array(z.string()) })).optional(),
  after: z.array(z.object({ skuId: z.string(), disabledPlans: z.array(z.string()) })).optional(),
});

export const licenseJob = z.object({
  id: z.string(),
  status: z.enum(['queued', 'running', 'completed', 'completedWithErrors', 'failed', 'cancelled']),
  mode: z.enum([...JOB_MODES, 'servicePlans']).describe("servicePlans: the catalog's job, when a product the organization holds gained or lost service plans"),
  source: z.enum(['selection', 'csv', 'catalog']),
  catalogChange: z
    .object({
      version: z.number(),
      newServicePlans: z.enum(['enabled', 'disabled']),
      products: z.array(z.object({ skuId: z.string(), skuPartNumber: z.string(), plansAdded: z.array(z.string()), plansRemoved: z.array(z.string()) })),
      groups: z.array(z.object({ groupId: z.string(), displayName: z.string(), skuIds: z.array(z.string()) })),
    })
    .nullable()
    .describe("the catalog's job: the version, the organization's setting, what changed in its products, and the groups whose assignments changed"),
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
  seats: z
    .array(z.object({ skuId: z.string(), skuPartNumber: z.string(), needed: z.number(), available: z.number(), enough: z.boolean() }))
    .describe('preview: seats the job needs per product vs available now'),
  error: z
    .object({ code: z.string(), message: z.string(), details: z.array(errorDetail).optional() })
    .nullable()
    .describe('why the job failed; details: one per product short of seats'),
  resultsUrl: z.string(),
  failedRowsUrl: z.string(),
});
