/** The tour, part 2: Groups, a group, Bulk license jobs, a job, CSV import, every report (see tour.ts). */
import { api, open, SKU } from './harness';
import { tour } from './tour';

jest.setTimeout(180_000);
const t = tour();

test('Groups, a group, Bulk license jobs, a job, CSV import and every report: accessible, on one origin', async () => {
  let page = await open(t.admin, '/groups', 'Groups');
  await page.getByRole('link', { name: 'Sales team' }).waitFor();
  await t.check(page, 'groups');
  await page.getByRole('link', { name: 'Sales team' }).click();
  await page.getByTestId('group-member').first().waitFor();
  await t.check(page, 'group');
  await page.close();

  // a finished job to look at
  const job = await api('GlobalAdministrator', t.org.id, 'POST', '/v1.0/licenseJobs', {
    mode: 'add',
    userIds: [t.org.users.debrab.id, t.org.users.leeg.id],
    addLicenses: [{ skuId: SKU.E3, disabledPlans: [] }],
  });
  expect(job.status).toBe(202);
  page = await open(t.admin, '/jobs', 'Bulk license jobs');
  await page.getByRole('button', { name: 'Import from CSV' }).waitFor();
  await t.check(page, 'jobs');
  await page.getByRole('button', { name: 'Import from CSV' }).click();
  await t.check(page, 'import-csv');
  await page.close();
  page = await open(t.admin, `/jobs/${job.body.id}`, /Bulk license job/);
  await page.getByText('100% complete').waitFor({ timeout: 60_000 });
  await t.check(page, 'job');
  await page.close();

  page = await open(t.admin, '/reports/reconciliation', 'Licensing reports');
  await page.getByRole('button', { name: 'Run now' }).click();
  await page.getByText(/Report of /).waitFor();
  await page
    .getByTestId('reconciliation-kind')
    .filter({ hasText: /documents read in \d+ requests/ })
    .waitFor();
  await t.check(page, 'reports-reconciliation');
  // a full recount on demand: its report says so, and the list has its kind
  await page.getByRole('button', { name: 'Full recount' }).click();
  await page.getByTestId('reconciliation-kind').filter({ hasText: 'Full: every user read, every product counted (asked for)' }).waitFor();
  await page.getByRole('gridcell', { name: 'Full' }).first().waitFor();
  for (const [tab, ready] of [
    ['Audit log', 'audit-record'],
    ['Seat reduction planner', null],
    ['Waiting list', null],
    ['Alerts', null],
    ['Spend', 'inactive-user'],
  ] as const) {
    await page.getByRole('tab', { name: tab }).click();
    if (ready) await page.getByTestId(ready).first().waitFor();
    await t.check(page, `reports-${tab.toLowerCase().replace(/\s+/g, '-')}`);
  }
  // Spend: the demo's prices add up to EUR 889.10 a month; 90 days without a sign-in: Alex Wilber (never),
  // Lidia Holloway (200 days, E1 through the Sales group) and Nestor Wilke (120 days), EUR 19.60 a month
  const shows = (testId: string, text: string) => page.getByTestId(testId).filter({ hasText: text }).waitFor();
  await shows('spend-total', '€889.10');
  await shows('inactive-summary', '3 licensed users have not signed in for that long; their licenses cost €19.60 a month.');
  // in the store's order (not a sorted one): compared sorted
  expect((await page.getByTestId('inactive-user').allInnerTexts()).sort()).toEqual([
    expect.stringMatching(/^Alex Wilber.*Never.*STANDARDPACK/s),
    expect.stringMatching(/^Lidia Holloway.*STANDARDPACK \(through a group\)/s),
    expect.stringMatching(/^Nestor Wilke.*EXCHANGESTANDARD/s),
  ]);
  // 30 days: Adele Vance (45 days) and Megan Bowen (75) join them
  await page.getByRole('combobox', { name: 'No sign-in for' }).click();
  await page.getByRole('option', { name: '30 days or more' }).click();
  await shows('inactive-summary', '5 licensed users have not signed in for that long; their licenses cost €93.90 a month.');
  expect(await page.getByTestId('inactive-user').count()).toBe(5);
  await page.close();

  t.expectClean();
});
