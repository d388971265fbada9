/**
 * Users > Active users in the browser: Replace for a few users (direct calls), 25 selected users becoming
 * a previewed bulk job whose progress bar reaches 100 %, and one user's Licenses and apps (a missing usage
 * location asked for first; a license inherited from a group shown with its group, not removable).
 */
import type { Page } from 'playwright-core';
import { call, tokenFor } from '../helpers';
import { api, consoleFor, inError, open, screenshot, SKU, until } from './harness';

jest.setTimeout(180_000);
const c = consoleFor('UserAdministrator');

const userOf = async (id: string) => (await api('GlobalReader', c.org.id, 'GET', `/v1.0/users/${id}`)).body;
const skuIds = (u: { assignedLicenses: { skuId: string }[] }) => u.assignedLicenses.map((l) => l.skuId).sort();

/** Searches Active users and waits until the grid shows only matching users (the answer, not the previous list). */
async function search(page: Page, term: string) {
  await page.getByRole('searchbox', { name: 'Search active users list' }).fill(term);
  await page.waitForFunction((t) => {
    const rows = Array.from(document.querySelectorAll('[data-testid="user-row"]'));
    return rows.length > 0 && rows.every((r) => r.textContent.toLowerCase().includes(t.toLowerCase()));
  }, term);
}

async function searchAndSelect(page: Page, term: string, name: string) {
  await search(page, term);
  await page.getByRole('checkbox', { name: `Select ${name}` }).check();
}

test('Replace on Active users: the selected users end up with exactly the chosen product', async () => {
  const page = await open(c.admin, '/users', 'Active users');
  await page.getByRole('button', { name: 'Alex Wilber' }).waitFor();
  await searchAndSelect(page, 'Alex', 'Alex Wilber');
  await searchAndSelect(page, 'Wilke', 'Nestor Wilke'); // by the last name: any word of a name matches
  await page.getByTestId('users-count').getByText('2 selected').waitFor();

  await page.getByRole('button', { name: 'Manage product licenses' }).click();
  const panel = page.getByRole('dialog', { name: 'Manage product licenses' });
  await panel.getByRole('radio', { name: 'Replace existing product license assignments' }).check();
  await panel.getByRole('button', { name: 'Next' }).click();
  await panel.getByRole('switch', { name: 'Office 365 E3' }).click();
  await panel.getByRole('switch', { name: 'Viva Engage (Yammer Enterprise)' }).click(); // an app off, for both
  await screenshot(page, 'manage-licenses');
  await panel.getByRole('button', { name: 'Save changes' }).click();
  await panel.getByText('Licenses changed for 2 users.').waitFor();

  // Alex's E1 and Nestor's Exchange Online (Plan 1) are replaced by E3, with Yammer off
  for (const alias of ['alexw', 'nestorw']) {
    const u = await userOf(c.org.users[alias].id);
    expect(u.assignedLicenses).toEqual([{ skuId: SKU.E3, disabledPlans: ['7547a3fe-08ee-4ccb-b430-5077c5041653'] }]);
  }
  await page.close();
});

test('25 selected users become a bulk job: previewed (seats needed vs available), then followed to 100 %', async () => {
  // 25 more people, and enough Office 365 E3 licenses for all of them
  const created = await Promise.all(
    Array.from({ length: 25 }, (_, i) =>
      api('UserAdministrator', c.org.id, 'POST', '/v1.0/users', {
        displayName: `Bulk tester ${String(i + 1).padStart(2, '0')}`,
        userPrincipalName: `bulk${i + 1}@contoso.dev`,
        usageLocation: 'NL',
      }),
    ),
  );
  expect(created.map((r) => r.status)).toEqual(Array(25).fill(201));
  expect((await api('BillingAdministrator', c.org.id, 'PATCH', `/v1.0/directory/subscriptions/${c.org.id}_${SKU.E3}`, { totalLicenses: 100 })).status).toBe(
    200,
  );
  const available = (await api('GlobalReader', c.org.id, 'GET', `/v1.0/subscribedSkus/${SKU.E3}`)).body.availableUnits;

  const page = await open(c.admin, '/users', 'Active users');
  await search(page, 'Bulk tester');
  await page.getByTestId('users-count').getByText('25 users').waitFor();
  await page.getByRole('checkbox', { name: 'Select all 25 users shown' }).check();
  await page.getByTestId('users-count').getByText('25 selected').waitFor();
  await page.getByRole('button', { name: 'Manage product licenses' }).click();
  const panel = page.getByRole('dialog', { name: 'Manage product licenses' });
  await panel.getByRole('button', { name: 'Next' }).click();
  await panel.getByText(/You selected 25 users, more than the 20/).waitFor();
  await panel.getByRole('switch', { name: 'Office 365 E3' }).click();
  await panel.getByRole('button', { name: 'Preview' }).click();

  const preview = panel.getByTestId('preview-ENTERPRISEPACK');
  await preview.getByText('Enough').waitFor();
  expect((await preview.innerText()).replace(/\s+/g, ' ')).toContain(`25 ${available}`);
  await panel.getByText('25 users would be changed, 0 would fail, 0 have nothing to change.').waitFor();
  await preview.scrollIntoViewIfNeeded();
  await screenshot(page, 'bulk-preview');
  // the preview changed nobody
  expect((await api('GlobalReader', c.org.id, 'GET', `/v1.0/subscribedSkus/${SKU.E3}`)).body.availableUnits).toBe(available);

  await panel.getByRole('button', { name: 'Start the job for 25 users' }).click();
  await page.getByRole('heading', { level: 1, name: 'Bulk license job: Add licenses' }).waitFor();
  const progress = page.getByRole('progressbar');
  await page.getByText('100% complete').waitFor({ timeout: 90_000 });
  expect(await progress.getAttribute('aria-valuenow')).toBe('1');
  await page.getByTestId('job-counts').getByText('25 succeeded').waitFor();
  await screenshot(page, 'bulk-job');

  const jobId = page.url().split('/jobs/')[1];
  const job = (await api('GlobalReader', c.org.id, 'GET', `/v1.0/licenseJobs/${jobId}`)).body;
  expect(job).toMatchObject({ status: 'completed', mode: 'add', counts: { total: 25, succeeded: 25, failed: 0 } });
  expect((await api('GlobalReader', c.org.id, 'GET', `/v1.0/subscribedSkus/${SKU.E3}`)).body.availableUnits).toBe(available - 25);
  await page.close();
});

test('Licenses and apps: a missing usage location is asked for first; Save shows the outcome; a group license stays with its group', async () => {
  const page = await open(c.admin, '/users', 'Active users');
  await search(page, 'Isaiah');
  await page.getByRole('button', { name: 'Isaiah Langer' }).click();
  const panel = page.getByRole('dialog', { name: 'Isaiah Langer' });
  await panel.getByText('A user needs a usage location before any license can be assigned', { exact: false }).waitFor();
  // no location yet: the licenses cannot be ticked
  expect(await panel.getByRole('checkbox', { name: 'Office 365 E1' }).isDisabled()).toBe(true);
  await screenshot(page, 'user-licenses-no-location');
  await panel.getByRole('combobox', { name: /Usage location of Isaiah Langer/ }).click();
  await page.getByRole('option', { name: 'Netherlands' }).click();
  await panel.getByRole('button', { name: 'Save location' }).click();
  await panel.getByRole('checkbox', { name: 'Office 365 E1' }).check();
  await panel.getByTestId('license-STANDARDPACK').getByRole('checkbox', { name: 'Microsoft Teams', exact: true }).uncheck();
  await panel.getByRole('button', { name: 'Save changes' }).click();
  await panel.getByText('Licenses and apps saved.').waitFor();
  const isaiah = await userOf(c.org.users.isaiahl.id);
  expect(isaiah.usageLocation).toBe('NL');
  expect(isaiah.assignedLicenses).toEqual([{ skuId: SKU.E1, disabledPlans: ['57ff2da0-773e-42df-b2af-ffb7a2317929'] }]);
  await panel.getByRole('button', { name: 'Close', exact: true }).click();

  await search(page, 'Lidia');
  await page.getByRole('button', { name: 'Lidia Holloway' }).click();
  const lidia = page.getByRole('dialog', { name: 'Lidia Holloway' });
  const e1 = lidia.getByTestId('license-STANDARDPACK');
  await e1.getByText('Inherited from Sales team').waitFor();
  expect(await e1.getByRole('checkbox', { name: 'Office 365 E1' }).isChecked()).toBe(true);
  expect(await e1.getByRole('checkbox', { name: 'Office 365 E1' }).isDisabled()).toBe(true);
  await screenshot(page, 'user-licenses');
  expect(skuIds(await userOf(c.org.users.lidiah.id))).toEqual([SKU.E1]);
  await page.close();
});

test('filters in Graph syntax: unlicensed users, users with license errors, users of a product, counted by the service', async () => {
  const counted = async (filter: string) =>
    (
      await call('GET', `/v1.0/users?$filter=${encodeURIComponent(filter)}&$count=true&$top=1`, {
        token: await tokenFor('GlobalReader', c.org.id),
        headers: { ConsistencyLevel: 'eventual' },
      })
    ).body['@odata.count'] as number;
  // Adele has E3 directly; joining Sales team gives her its E1 in error (two Exchange plans)
  const sales = (await api('GlobalReader', c.org.id, 'GET', '/v1.0/groups')).body.value.find((g: { displayName: string }) => g.displayName === 'Sales team');
  expect(
    (
      await api('UserAdministrator', c.org.id, 'POST', `/v1.0/groups/${sales.id}/members/$ref`, {
        '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${c.org.users.adelev.id}`,
      })
    ).status,
  ).toBe(204);
  // the group is processed in the background: go on once the service has recorded her error
  await until("Adele's license from Sales team in error", () => inError(c.org.id, c.org.users.adelev.id));

  const page = await open(c.admin, '/users', 'Active users');
  const filter = async (option: string) => {
    await page.getByRole('combobox', { name: /Filter/ }).click();
    await page.getByRole('option', { name: option }).click();
  };
  await filter('Unlicensed users');
  const unlicensed = await counted('assignedLicenses/$count eq 0');
  expect(unlicensed).toBeGreaterThan(10);
  await page.getByTestId('users-count').getByText(`${unlicensed} users`).waitFor();
  const shown = await page.getByTestId('user-row').allInnerTexts();
  expect(shown.length).toBeGreaterThan(5);
  expect(shown.filter((r) => !r.includes('Unlicensed'))).toEqual([]);

  await filter('Users with license errors');
  await page.getByTestId('user-row').filter({ hasText: 'Adele Vance' }).getByText('License error').waitFor();
  await page.getByTestId('users-count').getByText('1 user', { exact: true }).waitFor();

  await filter('Office 365 E1');
  const e1 = await counted(`assignedLicenses/any(x:x/skuId eq ${SKU.E1})`);
  await page.getByTestId('users-count').getByText(`${e1} users`).waitFor();
  await screenshot(page, 'active-users-filtered');
  const rows = await page.getByTestId('user-row').allInnerTexts();
  expect(rows.every((r) => r.includes('Office 365 E1'))).toBe(true);
  await page.close();
});
