/** The scheduled license reconciliation: its policy and reports. */
import { z } from 'zod';
import { guid } from './common';
import { capabilityStatus } from './subscriptions';

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
    z.object({
      subscriptionId: z.string(),
      skuId: z.string(),
      skuPartNumber: z.string(),
      from: capabilityStatus,
      to: capabilityStatus,
      dueDateTime: z.string(),
      nextLifecycleDateTime: z.string().nullable(),
    }),
  ),
  deletedProducts: z
    .array(
      z.object({
        skuId: z.string(),
        skuPartNumber: z.string(),
        usersChanged: z.number(),
        seatsReleased: z.number(),
        users: z.array(z.string()),
        failed: z.array(z.object({ userId: z.string(), message: z.string() })),
      }),
    )
    .describe('deleted subscriptions: the product removed from its users, seats released'),
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
    actions: z.array(
      z.object({ userId: z.string(), status: z.enum(['reclaimed', 'skipped', 'failed']), removed: z.array(z.string()), message: z.string().optional() }),
    ),
    disableDatesRecorded: z.number(),
  }),
  steps: z.record(z.string(), z.unknown()).describe('results of further steps (group licensing), by name'),
  unreadableUsers: z.array(z.string()),
  errors: z.array(z.object({ step: z.string(), message: z.string() })),
});
