/**
 * Reports (readers): what licenses cost and who does not use them, and every assignment. JSON by default;
 * `Accept: text/csv` gives the same rows as CSV. Both are streamed as they are read. The organization's
 * report settings (Graph's /admin/reportSettings) decide whether names are concealed.
 */
import { INACTIVITY_WINDOWS_IN_WORDS } from '../shared/domain/reclaim';
import { route } from '../shared/http/pipeline';
import * as c from '../shared/schemas/contracts';
import {
  getReportSettings,
  inactiveLicensedUsersReport,
  licenseAssignmentsReport,
  licenseSpendReport,
  render,
  reportFormat,
  reportHeaders,
  ReportSource,
  updateReportSettings,
} from '../shared/usecases/reports';

const CSV_NOTE = '; Accept: text/csv for CSV';

function answer<T>(accept: string | null, name: string, source: ReportSource<T>) {
  const format = reportFormat(accept);
  return { stream: render(source, format), headers: reportHeaders(format, name) };
}

route({
  name: 'licenseSpendReport',
  method: 'GET',
  route: 'v1.0/reports/licenseSpend',
  tag: 'Reports',
  summary: `Per product: seats total, assigned and unused, monthly cost and unused cost; totals per currency${CSV_NOTE}`,
  permission: 'read',
  response: c.licenseSpendReport,
  handler: async (ctx) => answer(ctx.request.headers.get('accept'), 'license-spend', await licenseSpendReport(ctx.catalog, ctx.tenant.id)),
});

route({
  name: 'inactiveLicensedUsersReport',
  method: 'GET',
  route: 'v1.0/reports/inactiveLicensedUsers',
  tag: 'Reports',
  summary: `Licensed users without a sign-in for ${INACTIVITY_WINDOWS_IN_WORDS} days (or never), guests included, disabled accounts marked: their products and monthly cost, and what reclaiming them would save${CSV_NOTE}`,
  permission: 'read',
  query: c.inactiveUsersQuery,
  response: c.inactiveLicensedUsersReport,
  handler: async (ctx) =>
    answer(
      ctx.request.headers.get('accept'),
      `inactive-licensed-users-${ctx.query.days}d`,
      await inactiveLicensedUsersReport(ctx.catalog, ctx.tenant.id, ctx.query.days),
    ),
});

route({
  name: 'licenseAssignmentsReport',
  method: 'GET',
  route: 'v1.0/reports/licenseAssignments',
  tag: 'Reports',
  summary: `Every user and product: held directly or through a group, disabled plans, state and error; streamed (bounded memory at any size)${CSV_NOTE}`,
  permission: 'read',
  response: c.licenseAssignmentsReport,
  handler: async (ctx) => answer(ctx.request.headers.get('accept'), 'license-assignments', await licenseAssignmentsReport(ctx.catalog, ctx.tenant.id)),
});

route({
  name: 'getReportSettings',
  method: 'GET',
  route: 'v1.0/admin/reportSettings',
  tag: 'Reports',
  summary: "Graph's adminReportSettings: whether reports conceal user names",
  permission: 'read',
  response: c.reportSettings,
  handler: async (ctx) => ({ body: await getReportSettings(ctx.tenant.id) }),
});

route({
  name: 'updateReportSettings',
  method: 'PATCH',
  route: 'v1.0/admin/reportSettings',
  tag: 'Reports',
  summary: 'Conceal user names in every report (stable hashes) or show them (Global Administrator)',
  permission: 'manageReportSettings',
  body: c.updateReportSettingsBody,
  response: c.reportSettings,
  handler: async (ctx) => ({
    body: await updateReportSettings(ctx.tenant.id, ctx.body, { id: ctx.principal.objectId, displayName: ctx.principal.displayName }),
  }),
});
