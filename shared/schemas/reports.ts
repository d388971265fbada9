/** The reports (JSON; `Accept: text/csv` gives the same rows as CSV) and the organization's report settings. */
import { z } from 'zod';
import { INACTIVITY_WINDOWS, INACTIVITY_WINDOWS_IN_WORDS } from '../domain/reclaim';

export const inactiveUsersQuery = z.strictObject({
  days: z
    .enum(
      INACTIVITY_WINDOWS.map((d) => String(d)),
      { error: `must be ${INACTIVITY_WINDOWS_IN_WORDS}` },
    )
    .default(String(INACTIVITY_WINDOWS[0]))
    .transform(Number)
    .describe('no sign-in for this many days or more (or never)'),
});

const money = z.object({ currency: z.string(), amount: z.number() });
const currencyTotal = z.object({ currency: z.string(), monthlyCost: z.number(), unusedMonthlyCost: z.number() });

export const licenseSpendReport = z.object({
  reportDateTime: z.string(),
  value: z.array(
    z.object({
      skuId: z.string(),
      skuPartNumber: z.string(),
      productName: z.string(),
      status: z.string(),
      billed: z.boolean().describe('Enabled and Warning subscriptions are billed; Suspended ones cost 0'),
      totalLicenses: z.number(),
      assigned: z.number(),
      unused: z.number(),
      unitPrice: z.object({ amount: z.number(), currency: z.string(), billingPeriod: z.enum(['month', 'year']) }).nullable(),
      currency: z.string().nullable(),
      monthlyCost: z.number().nullable().describe('all seats, a month (a yearly price: a twelfth); null without a price'),
      unusedMonthlyCost: z.number().nullable(),
    }),
  ),
  totals: z.array(currencyTotal).describe('per currency: exact sums, rounded once to the minor unit'),
  unpricedProducts: z.number(),
});

const shownUser = {
  userId: z.string().describe('with displayConcealedNames: the same hash as the names'),
  userPrincipalName: z.string(),
  displayName: z.string(),
};

export const inactiveLicensedUsersReport = z.object({
  reportDateTime: z.string(),
  days: z.number(),
  value: z.array(
    z.object({
      ...shownUser,
      userType: z.string(),
      accountEnabled: z.boolean().describe('false: a disabled account'),
      lastSignInDateTime: z.string().nullable().describe('null: never signed in; with displayConcealedNames the day alone (2026-05-14)'),
      daysSinceLastSignIn: z.number().nullable().describe('with displayConcealedNames counted between days'),
      licenses: z.array(
        z.object({
          skuId: z.string(),
          skuPartNumber: z.string(),
          assignedBy: z.enum(['direct', 'group']),
          monthlyCost: z
            .number()
            .nullable()
            .describe('one license a month, as in the spend report: 0 while the subscription is not billed (Suspended); null without a price'),
          currency: z.string().nullable(),
        }),
      ),
      monthlyCost: z.array(money),
    }),
  ),
  totals: z.object({ users: z.number(), disabledUsers: z.number(), monthlySavings: z.array(money).describe('what reclaiming all of them would save a month') }),
});

export const licenseAssignmentsReport = z.object({
  reportDateTime: z.string(),
  value: z.array(
    z.object({
      ...shownUser,
      accountEnabled: z.boolean(),
      userType: z.string(),
      skuId: z.string(),
      skuPartNumber: z.string(),
      assignedBy: z.enum(['direct', 'group']),
      groupId: z.string().nullable().describe('with displayConcealedNames a hash of the group'),
      disabledPlans: z.array(z.string()).describe('service plan names'),
      state: z.enum(['Active', 'Error']),
      error: z.string().nullable(),
      assignedDateTime: z.string().describe('with displayConcealedNames the day alone (2026-05-14)'),
    }),
  ),
  rows: z.number(),
});

/** Graph's adminReportSettings. */
export const reportSettings = z.object({
  displayConcealedNames: z
    .boolean()
    .describe(
      'reports and report-like lists (reconciliation reports, alert deliveries, the claims list) show a stable hash (HMAC with a key of the organization) instead of people, dates about them to the day, and withhold text that may name them',
    ),
});

export const updateReportSettingsBody = z.strictObject({ displayConcealedNames: z.boolean() });
