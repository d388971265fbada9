/**
 * Billing > Licenses in the browser: assign a product to users and watch the seats move (and unassign), a conflict
 * refused with its message and fixed in place, an app switched off for one user, and Assign licenses
 * done with the keyboard alone.
 */
import type { Page } from 'playwright-core';
import { api, consoleFor, numberIn, open, PLAN, screenshot, SKU, tabTo } from './harness';

jest.setTimeout(120_000);
const c = consoleFor('GlobalAdministrator');

const availableE3 = async () => (await api('GlobalReader', c.org.id, 'GET', `/v1.0/subscribedSkus/${SKU.E3}`)).body.availableUnits as number;

async function openAssign(page: Page) {
  await page.getByRole('button', { name: 'Assign licenses', exact: true }).click();
  return page.getByRole('dialog', { name: /Assign Office 365 E3 licenses to users/ });
}

/** Types into the people picker as a person would (keystrokes open the matches) and picks one. */
async function pick(page: Page, typed: string, name: string) {
  await page.getByRole('combobox', { name: 'Users' }).pressSequentially(typed);
  await page
    .getByRole('listbox', { name: 'Users' })
    .getByRole('option', { name: new RegExp(name) })
    .click();
  await page
    .getByRole('listbox', { name: 'Selected users' })
    .getByRole('option', { name: new RegExp(name) })
    .waitFor();
}

test('assigning Office 365 E3 to 3 users on its page takes 3 licenses off the available count', async () => {
  const page = await open(c.admin, '/licenses', 'Licenses');
  const before = await numberIn(page.getByTestId('available-ENTERPRISEPACK'));
  expect(before).toBe(await availableE3());

  await page.getByRole('link', { name: 'Office 365 E3' }).click();
  await page.getByRole('heading', { level: 1, name: 'Office 365 E3' }).waitFor();
  const panel = await openAssign(page);
  await pick(page, 'Diego', 'Diego Siciliani');
  await pick(page, 'Emily', 'Emily Braun');
  await pick(page, 'Johanna', 'Johanna Lorenz');
  await panel.getByRole('button', { name: 'Assign', exact: true }).click();
  await panel.getByText('Office 365 E3 assigned to 3 users.').waitFor();
  await panel.getByRole('button', { name: 'Close', exact: true }).click();

  expect(await availableE3()).toBe(before - 3);
  await page
    .getByTestId('seats-available')
    .filter({ hasText: String(before - 3) })
    .waitFor();
  await page.getByRole('navigation', { name: 'Admin center navigation' }).getByRole('link', { name: 'Licenses' }).click();
  await page
    .getByTestId('available-ENTERPRISEPACK')
    .filter({ hasText: String(before - 3) })
    .waitFor();
  // and the three are listed as holders
  const holders = await api('GlobalReader', c.org.id, 'GET', `/v1.0/subscribedSkus/${SKU.E3}/assignments`);
  expect(holders.body.value.map((u: { displayName: string }) => u.displayName)).toEqual(
    expect.arrayContaining(['Diego Siciliani', 'Emily Braun', 'Johanna Lorenz']),
  );

  // Unassign two of them on the product's page: their licenses are available again at once
  await page.getByRole('link', { name: 'Office 365 E3' }).click();
  await page.getByRole('checkbox', { name: 'Select Diego Siciliani' }).check();
  await page.getByRole('checkbox', { name: 'Select Emily Braun' }).check();
  await page.getByRole('button', { name: 'Unassign licenses' }).click();
  const dialog = page.getByRole('dialog', { name: 'Unassign Office 365 E3' });
  await dialog.getByText('Remove Office 365 E3 from 2 users?', { exact: false }).waitFor();
  await dialog.getByRole('button', { name: 'Unassign', exact: true }).click();
  await dialog.getByText('Office 365 E3 removed from 2 users.').waitFor();
  await dialog.getByRole('button', { name: 'Close' }).click();
  await page
    .getByTestId('seats-available')
    .filter({ hasText: String(before - 1) })
    .waitFor();
  expect(await availableE3()).toBe(before - 1);
  await page.close();
});

test('a conflict is refused next to the user, with names and the way out, and fixed by switching the plan off', async () => {
  const page = await open(c.admin, `/licenses/${SKU.E3}`, 'Office 365 E3');
  const panel = await openAssign(page);
  await pick(page, 'Alex', 'Alex Wilber');
  await panel.getByRole('button', { name: 'Assign', exact: true }).click();

  const refusal = panel.getByTestId(`assign-user-${c.org.users.alexw.userPrincipalName}`);
  await refusal.getByText(/Exchange Online \(Plan 2\) in Office 365 E3 conflicts with Exchange Online \(Plan 1\) in Office 365 E1/).waitFor();
  expect(await refusal.innerText()).toMatch(/Switch one of them off, or remove Office 365 E1 from the user first/s);
  // names, never ids (the service's English message has the plans' GUIDs for API callers)
  expect(await refusal.getByTestId('refusal-text').innerText()).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/);
  expect(await refusal.locator('[data-code]').getAttribute('data-code')).toBe('MutuallyExclusiveViolation');
  await screenshot(page, 'assign-conflict');
  expect(
    (await api('GlobalReader', c.org.id, 'GET', `/v1.0/users/${c.org.users.alexw.id}`)).body.assignedLicenses.map((l: { skuId: string }) => l.skuId),
  ).toEqual([SKU.E1]);

  // the way out the message names: switch Exchange Online (Plan 2) off for this assignment
  await panel.getByRole('switch', { name: 'Exchange Online (Plan 2)' }).click();
  await panel.getByRole('button', { name: 'Assign', exact: true }).click();
  await panel.getByText('Office 365 E3 assigned to 1 user.').waitFor();
  const alex = (await api('GlobalReader', c.org.id, 'GET', `/v1.0/users/${c.org.users.alexw.id}`)).body;
  expect(alex.assignedLicenses).toEqual(expect.arrayContaining([{ skuId: SKU.E3, disabledPlans: [PLAN.EXO2] }]));
  await page.close();
});

test("apps switched off for one user (Sway, which comes on its own, too) show in that user's licenseDetails", async () => {
  const page = await open(c.admin, `/licenses/${SKU.E3}`, 'Office 365 E3');
  await page.getByRole('button', { name: 'Apps and services of Adele Vance' }).click();
  const panel = page.getByRole('dialog', { name: 'Adele Vance' });
  await panel.getByTestId('status-TEAMS1').getByText('On', { exact: true }).waitFor();
  await panel.getByRole('switch', { name: 'Microsoft Teams' }).click();
  // Sway comes with the license on its own, and switches off like any other app (licensing reference)
  const sway = panel.getByRole('switch', { name: 'Sway' });
  expect(await sway.isChecked()).toBe(true);
  expect(await panel.getByRole('switch', { name: 'Sway' }).getAttribute('aria-describedby')).toBeTruthy();
  await panel.getByText('Comes with the license on its own (can be switched off)').first().waitFor();
  await sway.click();
  await panel.getByRole('button', { name: 'Save', exact: true }).click();
  await panel.getByText('Apps and services saved.').waitFor();
  // the panel reads licenseDetails back: Teams is now Disabled for Adele, the rest still on
  await panel.getByTestId('status-TEAMS1').getByText('Disabled').waitFor();
  await screenshot(page, 'user-apps');

  const details = (await api('GlobalReader', c.org.id, 'GET', `/v1.0/users/${c.org.users.adelev.id}/licenseDetails`)).body.value;
  const e3 = details.find((d: { skuId: string }) => d.skuId === SKU.E3);
  const status = Object.fromEntries(
    e3.servicePlans.map((p: { servicePlanName: string; provisioningStatus: string }) => [p.servicePlanName, p.provisioningStatus]),
  );
  expect(status).toMatchObject({ TEAMS1: 'Disabled', SWAY: 'Disabled', EXCHANGE_S_ENTERPRISE: 'Success', SHAREPOINTENTERPRISE: 'Success' });
  await page.close();
});

test('Assign licenses with the keyboard alone', async () => {
  const before = await availableE3();
  const page = await open(c.admin, '/licenses', 'Licenses');
  await tabTo(page, page.getByRole('link', { name: 'Office 365 E3' }));
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { level: 1, name: 'Office 365 E3' }).waitFor();
  await tabTo(page, page.getByRole('button', { name: 'Assign licenses', exact: true }));
  await page.keyboard.press('Enter');
  const panel = page.getByRole('dialog', { name: /Assign Office 365 E3 licenses/ });
  const picker = panel.getByRole('combobox', { name: 'Users' });
  await tabTo(page, picker);
  await page.keyboard.type('Grady');
  await panel.getByRole('option', { name: /Grady Archie/ }).waitFor();
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  await panel
    .getByRole('listbox', { name: 'Selected users' })
    .getByRole('option', { name: /Grady Archie/ })
    .waitFor();
  await tabTo(page, panel.getByRole('button', { name: 'Assign', exact: true }));
  await page.keyboard.press('Enter');
  await panel.getByText('Office 365 E3 assigned to 1 user.').waitFor();
  expect(await availableE3()).toBe(before - 1);
  const grady = (await api('GlobalReader', c.org.id, 'GET', `/v1.0/users/${c.org.users.gradya.id}`)).body;
  expect(grady.assignedLicenses).toEqual([{ skuId: SKU.E3, disabledPlans: [] }]);
  await page.keyboard.press('Escape');
  await panel.waitFor({ state: 'detached' });
  await page.close();
});
