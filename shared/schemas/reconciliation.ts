/** The scheduled license reconciliation: its policy and reports. */
import { z } from 'zod';
import { INACTIVITY_WINDOWS_IN_WORDS } from '../domain/reclaim';
import { guid } from './common';
import { capabilityStatus } from './subscriptions';

export const reconciliationParam = z.strictObject({ id: guid });

/** Test stacks only (RECONCILIATION_ALLOW_AS_OF): the clock the run judges dates by. */
export const runReconciliationQuery = z.strictObject({
  asOf: z.iso
    .datetime({ offset: true, error: 'must be an ISO 8601 date and time, like 2026-01-31T00:00:00Z' })
    .transform((d) => new Date(d).toISOString())
    .optional()
    .describe('test stacks only (RECONCILIATION_ALLOW_AS_OF=true): judge dates as of this time; refused elsewhere'),
});

/** POST /v1.0/reconciliations: the kind of run (no body: what the timer would run). */
export const runReconciliationBody = z
  .strictObject({
    mode: z
      .enum(['incremental', 'full'], { error: "must be 'incremental' or 'full'" })
      .optional()
      .describe(
        "incremental: what changed since the last run and what the write engine left open; full: every user read, every seat counter recounted. Left out (or no body): what the timer runs, incremental unless the organization's full run is due",
      ),
  })
  .optional();

const reclaimPolicy = z.object({
  enabled: z.boolean(),
  disabledForDays: z.number().describe('reclaim from accounts disabled for more than this many days'),
  inactiveForDays: z.number().nullable().describe('reclaim from enabled accounts without a sign-in for this many days or more (null: not by activity)'),
  mode: z
    .enum(['immediate', 'askFirst'])
    .describe(
      'immediate: reclaim in the run that finds the candidate; askFirst: mark inactive users (webhook licenseReclaimPending), let them keep it (POST /me/licenses/{skuId}/keep) and reclaim after graceDays',
    ),
  graceDays: z.number().describe('askFirst: days between the mark and the reclaim'),
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
      inactiveForDays: z.number().int().min(1).max(3650).nullable().optional(),
      mode: z.enum(['immediate', 'askFirst'], { error: "must be 'immediate' or 'askFirst'" }).optional(),
      graceDays: z.number().int().min(1).max(365).optional(),
      dryRun: z.boolean().optional(),
    })
    .refine((p) => Object.keys(p).length > 0, { error: 'give at least one of enabled, disabledForDays, inactiveForDays, mode, graceDays, dryRun' }),
});

const seatHold = z.object({ key: z.string(), jobId: z.string(), seats: z.number(), reason: z.string().optional() });

const holderOverTheLine = z.object({ userId: z.string(), userPrincipalName: z.string(), displayName: z.string(), assignedDateTime: z.string() });

export const reconciliationReport = z.object({
  id: z.string(),
  trigger: z.enum(['timer', 'onDemand']),
  requestedBy: z.object({ id: z.string(), displayName: z.string() }).nullable(),
  mode: z
    .enum(['incremental', 'full'])
    .describe('incremental: what changed since the last run and what the write engine left open; full: every user read, every counter recounted'),
  modeReason: z
    .enum(['requested', 'firstRun', 'scheduled', 'default'])
    .describe("why: asked for; the organization's first run; its full run was due; the timer's default (incremental)"),
  nextFullRunDateTime: z.string().nullable().describe("when the organization's next scheduled full run is due"),
  status: z.enum(['completed', 'completedWithErrors', 'skipped']),
  startedDateTime: z.string(),
  asOf: z.string().optional().describe('test stacks: the clock the run judged dates by'),
  completedDateTime: z.string().nullable(),
  durationMs: z.number().nullable(),
  documentsRead: z.number().describe('documents the run read from the store (query results, point and bulk reads)'),
  requests: z.number().describe('requests the run sent to the store'),
  requestCharge: z.number().describe('request units the store charged for them (the local emulator answers 1 per request)'),
  changes: z
    .object({ source: z.enum(['timestamp', 'changeFeed']), sinceDateTime: z.string(), documents: z.number(), users: z.number() })
    .nullable()
    .describe('incremental: the change set the run worked from (documents written since the last run, of them users)'),
  seatIntents: z
    .object({ open: z.number(), recounted: z.number(), closed: z.number() })
    .describe("the write engine's notes of seats in flight: open at the run, older than the grace period (their products recounted), closed"),
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
        reason: z.enum(['disabled', 'inactive']),
        disabledDateTime: z.string().nullable(),
        disabledDays: z.number().nullable(),
        lastSignInDateTime: z.string().nullable(),
        inactiveDays: z.number().nullable(),
        reclaim: z.array(z.string()),
        inherited: z.array(z.string()).describe('through groups: reported, never removed on the user'),
        kept: z.array(z.string()).describe('self-service purchases: stay'),
        keptByUser: z.array(z.string()).describe('kept by the user (ask first): their clock restarted'),
      }),
    ),
    actions: z.array(
      z.object({ userId: z.string(), status: z.enum(['reclaimed', 'skipped', 'failed']), removed: z.array(z.string()), message: z.string().optional() }),
    ),
    pending: z
      .array(
        z.object({
          userId: z.string(),
          userPrincipalName: z.string(),
          displayName: z.string(),
          skuIds: z.array(z.string()),
          reclaimAfterDateTime: z.string(),
          status: z.enum(['marked', 'waiting']),
        }),
      )
      .describe('ask first: products marked in this run (the user was asked), and those still within their grace period'),
    disableDatesRecorded: z.number(),
  }),
  inactiveLicensedUsers: z
    .record(z.string(), z.number())
    .describe(`licensed users without a sign-in for ${INACTIVITY_WINDOWS_IN_WORDS} days or more (or never), by window`),
  steps: z.record(z.string(), z.unknown()).describe('results of further steps (group licensing), by name'),
  unreadableUsers: z.array(z.string()),
  errors: z.array(z.object({ step: z.string(), message: z.string() })),
});

export const keptLicense = z.object({
  skuId: z.string(),
  keptDateTime: z.string(),
  reclaimableAfterDateTime: z
    .string()
    .nullable()
    .describe('when the product could be a reclaim candidate again if you stay inactive (null: the policy does not reclaim by activity)'),
});
