/**
 * Every page of the console, as a Global Administrator: axe-core finds no serious or critical
 * accessibility violation on any of them (panels open included), each is photographed for the README,
 * and every request goes to the one origin the console is served from (so one certificate, one warning).
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { api, CONSOLE_URL, launch, open, Org, screenshot, seedOrg, seriousViolations, signedIn, SKU } from './harness';

jest.setTimeout(180_000);
let browser: Browser;
let org: Org;
let admin: BrowserContext;
const found: Record<string, string[]> = {};

beforeAll(async () => {
  [browser, org] = await Promise.all([launch(), seedOrg()]);
  admin = await signedIn(browser, 'GlobalAdministrator', org.id);
  admin.on('request', (r) => origins.add(new URL(r.url()).origin));
});
afterAll(async () => {
  await browser?.close();
});

/** Every request the console makes, by origin: one origin means one certificate (one warning at most). */
const origins = new Set<string>();

/** Checks the page as it is now and keeps its picture. */
async function check(page: Page, name: string) {
  found[name] = await seriousViolations(page);
  await screenshot(page, name);
}

test('no serious or critical accessibility violation on any page or panel', async () => {
  // products in every state: Teams Phone expired (Warning), Project Plan 3 disabled (Suspended)
  for (const [skuId, states] of [
    ['e43b5b99-8dfb-405f-9987-dc307f34bcbd', ['Warning']],
    ['53818b1b-4a27-454b-8896-0dba576410e6', ['Warning', 'Suspended']],
  ] as const) {
    for (const status of states) expect((await api('BillingAdministrator', org.id, 'PATCH', `/v1.0/directory/subscriptions/${org.id}_${skuId}`, { status })).status).toBe(200);
  }
  let page = await open(admin, '/licenses', 'Licenses');
  // a state is said with what it means
  await page.getByRole('row', { name: /Microsoft Teams Phone Standard/ }).getByText('Users keep working; no new assignments. Renew it.').waitFor();
  await page.getByRole('row', { name: /Project Plan 3/ }).getByText('Users have lost access; nothing can be assigned. Renew it.').waitFor();
  await check(page, 'licenses');
  await page.getByRole('link', { name: 'Office 365 E3' }).click();
  await page.getByRole('button', { name: 'Apps and services of Adele Vance' }).waitFor();
  await check(page, 'product');
  await page.getByRole('button', { name: 'Assign licenses', exact: true }).click();
  await page.getByRole('dialog').getByRole('combobox', { name: 'Users' }).pressSequentially('Is');
  await page.getByRole('option', { name: /Isaiah Langer/ }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Assign', exact: true }).click();
  await page.getByRole('dialog').getByText(/Isaiah Langer \(isaiahl@contoso.dev\) has no usage location/).waitFor();
  await check(page, 'assign-no-location');
  await page.close();

  page = await open(admin, '/users', 'Active users');
  await page.getByRole('button', { name: 'Adele Vance' }).waitFor();
  await check(page, 'active-users');
  await page.getByRole('button', { name: 'Adele Vance' }).click();
  await page.getByRole('dialog', { name: 'Adele Vance' }).getByTestId('license-ENTERPRISEPACK').waitFor();
  await check(page, 'user-licenses-panel');
  await page.keyboard.press('Escape');
  await page.getByRole('checkbox', { name: 'Select Alex Wilber' }).check();
  await page.getByRole('button', { name: 'Manage product licenses' }).click();
  await check(page, 'manage-licenses-mode');
  await page.close();

  page = await open(admin, '/groups', 'Groups');
  await page.getByRole('link', { name: 'Sales team' }).waitFor();
  await check(page, 'groups');
  await page.getByRole('link', { name: 'Sales team' }).click();
  await page.getByTestId('group-member').first().waitFor();
  await check(page, 'group');
  await page.close();

  // a finished job to look at
  const job = await api('GlobalAdministrator', org.id, 'POST', '/v1.0/licenseJobs', { mode: 'add', userIds: [org.users.debrab.id, org.users.leeg.id], addLicenses: [{ skuId: SKU.E3, disabledPlans: [] }] });
  expect(job.status).toBe(202);
  page = await open(admin, '/jobs', 'Bulk license jobs');
  await page.getByRole('button', { name: 'Import from CSV' }).waitFor();
  await check(page, 'jobs');
  await page.getByRole('button', { name: 'Import from CSV' }).click();
  await check(page, 'import-csv');
  await page.close();
  page = await open(admin, `/jobs/${job.body.id}`, /Bulk license job/);
  await page.getByText('100% complete').waitFor({ timeout: 60_000 });
  await check(page, 'job');
  await page.close();

  page = await open(admin, '/reports/reconciliation', 'Licensing reports');
  await page.getByRole('button', { name: 'Run now' }).click();
  await page.getByText(/Report of /).waitFor();
  await check(page, 'reports-reconciliation');
  for (const [tab, ready] of [
    ['Audit log', 'audit-record'],
    ['Seat reduction planner', null],
    ['Waiting list', null],
    ['Alerts', null],
  ] as const) {
    await page.getByRole('tab', { name: tab }).click();
    if (ready) await page.getByTestId(ready).first().waitFor();
    await check(page, `reports-${tab.toLowerCase().replace(/\s+/g, '-')}`);
  }
  await page.close();

  expect(found).toEqual(Object.fromEntries(Object.keys(found).map((k) => [k, []])));
  // the console, its configuration and every API call come from the one https origin it is served from
  expect([...origins]).toEqual([new URL(CONSOLE_URL).origin]);
});
