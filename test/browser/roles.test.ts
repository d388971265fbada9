/**
 * Who sees what, and in which language: the local sign-in page (the real dev-token route of the local
 * host, for the demo organization), a Global Reader offered no write control anywhere, the guest rule
 * and the License admin's usage location, a Billing admin's take-over; Dutch when the browser asks for it.
 * Read-only in the demo organization: nothing here changes it.
 */
import type { Browser, Page } from 'playwright-core';
import { DEMO_TENANT_ID } from '../../local/seed';
import { CONSOLE_URL, launch, open, screenshot, seriousViolations, signedIn, SKU } from './harness';

jest.setTimeout(180_000);
let browser: Browser;

beforeAll(async () => {
  const { seedDemo } = await import('../../local/seed');
  [browser] = await Promise.all([launch(), seedDemo()]);
});
afterAll(async () => {
  await browser?.close();
});

async function signInOnPage(role: string, locale = 'en-US'): Promise<Page> {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, locale, viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  await page.goto(CONSOLE_URL);
  await page.getByRole('radio', { name: new RegExp(role) }).check();
  await page.getByRole('button', { name: /^(Sign in|Aanmelden)$/ }).click();
  await page.getByRole('heading', { level: 1, name: /^(Licenses|Licenties)$/ }).waitFor();
  return page;
}

const WRITE =
  /^(Assign licenses|Unassign licenses|Manage product licenses|Save|Save changes|Save location|Take over.*|Reprocess.*|Import from CSV|Run now|Cancel job|Add webhook|Remove.*|Reduce.*|Start.*|Assign|Preview|Approve.*|Deny.*|Add product|Up|Down)$/;

/** Write controls on the page as it is now: buttons that change something, and enabled selection boxes or switches. */
async function writeControls(page: Page): Promise<string[]> {
  const buttons = await page.getByRole('button', { name: WRITE }).allInnerTexts();
  const toggles = await page
    .locator('main input[type=checkbox]:not([disabled]), main [role=switch]:not([disabled]), [role=dialog] input[type=checkbox]:not([disabled])')
    .count();
  return [...buttons, ...(toggles ? [`${toggles} enabled checkboxes or switches`] : [])];
}

test('the sign-in page signs a Global Reader in to the demo organization, and a Global Reader is offered no write control anywhere', async () => {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, locale: 'en-US', viewport: { width: 1400, height: 900 } });
  const first = await context.newPage();
  await first.goto(CONSOLE_URL);
  await first.getByRole('heading', { name: 'Sign in' }).waitFor();
  expect(await seriousViolations(first)).toEqual([]);
  await screenshot(first, 'sign-in');
  await context.close();

  const page = await signInOnPage('Global Reader');
  await page.getByTestId('signed-in-as').getByText('Eva Smit (Global Reader)').waitFor();
  await page.getByText('Contoso (demo)').waitFor();
  const seen: Record<string, string[]> = {};

  await page.getByRole('link', { name: 'Power BI Pro' }).waitFor();
  seen.licenses = await writeControls(page);
  await page.getByRole('link', { name: 'Office 365 E3' }).click();
  await page.getByRole('button', { name: 'Apps and services of Adele Vance' }).click();
  await page.getByRole('dialog', { name: 'Adele Vance' }).getByRole('switch', { name: 'Microsoft Teams' }).waitFor();
  seen.productAndUserApps = await writeControls(page);
  await page.keyboard.press('Escape');

  for (const [tab, name, heading] of [
    ['requests', 'Requests', 'License requests'],
    ['autoclaim', 'Auto-claim policy', 'Claims'],
  ]) {
    await page.goto(`${CONSOLE_URL}#/licenses/${tab}`);
    await page.getByRole('tab', { selected: true, name }).waitFor();
    await page.getByRole('heading', { name: heading }).waitFor();
    seen[`licenses-${tab}`] = await writeControls(page);
  }

  await page.goto(`${CONSOLE_URL}#/users`);
  await page.getByRole('button', { name: 'Adele Vance' }).click();
  await page.getByRole('dialog', { name: 'Adele Vance' }).getByTestId('license-ENTERPRISEPACK').waitFor();
  seen.activeUsersAndLicensesPanel = await writeControls(page);
  await page.keyboard.press('Escape');

  await page.goto(`${CONSOLE_URL}#/groups`);
  await page.getByRole('link', { name: 'Sales team' }).click();
  await page.getByTestId('group-member').first().waitFor();
  seen.group = await writeControls(page);

  await page.goto(`${CONSOLE_URL}#/jobs`);
  await page.getByRole('heading', { level: 1, name: 'Bulk license jobs' }).waitFor();
  seen.jobs = await writeControls(page);

  for (const tab of ['reconciliation', 'audit', 'planner', 'waiting', 'alerts']) {
    await page.goto(`${CONSOLE_URL}#/reports/${tab}`);
    await page.getByRole('tab', { selected: true }).waitFor();
    if (tab === 'planner') {
      await page.getByRole('combobox', { name: /Product/ }).click();
      await page.getByRole('option', { name: 'Office 365 E3' }).click();
      await page.getByRole('spinbutton').fill('1');
      await page.keyboard.press('Enter');
      await page.getByText(/would be over the line/).waitFor();
    }
    if (tab === 'alerts') await page.getByRole('heading', { name: 'Deliveries' }).waitFor();
    seen[`reports-${tab}`] = await writeControls(page);
  }
  expect(seen).toEqual(Object.fromEntries(Object.keys(seen).map((k) => [k, []])));

  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
});

test('a guest needs a Global Administrator; a License Administrator may set the usage location; a Billing Administrator may take over, not assign', async () => {
  const license = await signInOnPage('License Administrator');
  await license.goto(`${CONSOLE_URL}#/users`);
  await license.getByRole('searchbox', { name: 'Search active users list' }).fill('Pradeep');
  await license.getByRole('button', { name: 'Pradeep Gupta (Fabrikam)' }).click();
  const panel = license.getByRole('dialog', { name: 'Pradeep Gupta (Fabrikam)' });
  await panel.getByText('is a guest user: only a Global Administrator can assign licenses to guests', { exact: false }).waitFor();
  expect(await panel.getByRole('button', { name: 'Save changes' }).count()).toBe(0);
  expect(await panel.getByRole('checkbox', { name: 'Office 365 E3' }).isDisabled()).toBe(true);
  // the one user property a License Administrator may change
  await panel.getByRole('button', { name: 'Save location' }).waitFor();
  await license.keyboard.press('Escape');

  await license.goto(`${CONSOLE_URL}#/licenses/${SKU.E3}`);
  await license.getByRole('button', { name: 'Assign licenses', exact: true }).click();
  const assign = license.getByRole('dialog', { name: /Assign Office 365 E3 licenses/ });
  await assign.getByRole('combobox', { name: 'Users' }).pressSequentially('Pradeep');
  await license.getByRole('option', { name: /Pradeep Gupta/ }).click();
  await assign.getByText('Pradeep Gupta (Fabrikam) is a guest user: only a Global Administrator can assign licenses to guests.').waitFor();
  expect(await assign.getByRole('button', { name: 'Assign', exact: true }).getAttribute('aria-disabled')).toBe('true');
  await screenshot(license, 'assign-guest');

  const billing = await signInOnPage('Billing Administrator');
  await billing.getByRole('button', { name: 'Take over Power BI Pro' }).waitFor();
  await billing.getByRole('link', { name: 'Office 365 E3' }).click();
  await billing.getByRole('heading', { level: 1, name: 'Office 365 E3' }).waitFor();
  expect(await billing.getByRole('button', { name: /Assign licenses|Unassign licenses/ }).count()).toBe(0);
});

test('Dutch when the browser asks for it, and switchable (the choice is remembered)', async () => {
  const context = await signedIn(browser, 'GlobalAdministrator', DEMO_TENANT_ID, { locale: 'nl-NL' });
  const page = await open(context, '/licenses', 'Licenties');
  expect(await page.evaluate(() => document.documentElement.lang)).toBe('nl');
  await page.getByRole('columnheader', { name: 'Beschikbare licenties' }).waitFor();
  await page.getByRole('tab', { name: 'Aanvragen' }).click();
  await page.getByRole('switch', { name: 'Gebruikers kunnen licenties aanvragen' }).waitFor();
  await page.getByRole('tab', { name: 'Beleid voor automatisch claimen' }).click();
  await page.getByRole('switch', { name: 'Automatisch claimen staat aan' }).waitFor();
  await page.getByRole('tab', { name: 'Producten' }).click();
  await page.getByRole('navigation', { name: 'Navigatie van het beheercentrum' }).getByRole('link', { name: 'Actieve gebruikers' }).waitFor();
  await page.getByRole('link', { name: 'Office 365 E3' }).click();
  await page.getByRole('button', { name: 'Licenties toewijzen', exact: true }).click();
  await page.getByRole('dialog', { name: 'Office 365 E3-licenties toewijzen aan gebruikers' }).getByText('Apps en services in- of uitschakelen').waitFor();
  await screenshot(page, 'assign-nl');
  await page.keyboard.press('Escape');

  await page.getByRole('button', { name: 'Taal: Nederlands' }).click();
  await page.getByRole('menuitemradio', { name: 'English' }).click();
  await page.getByRole('heading', { level: 1, name: 'Office 365 E3' }).waitFor();
  await page.getByRole('button', { name: 'Assign licenses', exact: true }).waitFor();
  await page.reload();
  await page.getByRole('button', { name: 'Assign licenses', exact: true }).waitFor();
  expect(await page.evaluate(() => document.documentElement.lang)).toBe('en');
});
