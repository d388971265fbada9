/** The reports (readers): license spend, inactive licensed users, every license assignment; JSON or CSV, streamed. */
export { licenseSpendReport, spendOf } from './licenseSpend';
export type { ProductSpend, SpendFigures } from './licenseSpend';
export { inactiveLicensedUsersReport } from './inactiveUsers';
export { licenseAssignmentsReport } from './licenseAssignments';
export { getReportSettings, updateReportSettings } from './names';
export { render, reportFormat, reportHeaders } from './render';
export type { ReportFormat, ReportSource } from './render';
