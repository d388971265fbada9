/**
 * Settings > Provisioning in the browser: a Global Administrator sees the SCIM base URL, creates a SCIM
 * credential whose secret is shown once (and works: a provisioning request with it shows up as the last
 * request seen), revokes it (after a confirmation; the secret stops working); a Global Reader reads the
 * page without a write control; other admins have no such page in the navigation; Dutch; axe-core on the
 * page and the dialog.
 */
import { TEST_API } from '../env';
import { scimCall } from '../scim';
import { consoleFor, open, screenshot, seriousViolations, signedIn } from './harness';

jest.setTimeout(180_000);
const c = consoleFor('GlobalAdministrator');

test('a Global Administrator creates a credential (shown once), sees its last request, and revokes it', async () => {
  const page = await open(c.admin, '/settings/provisioning', 'Provisioning');
  await page.getByRole('navigation').getByRole('link', { name: 'Provisioning' }).waitFor();
  await page
    .getByTestId('Tenant URL (SCIM base URL)')
    .filter({ hasText: /\/api\/scim\/v2$/ })
    .waitFor();
  await page.getByText('No SCIM credentials yet.').waitFor();
  expect(await seriousViolations(page)).toEqual([]);

  await page.getByRole('textbox', { name: 'New credential' }).fill('Entra ID provisioning');
  await page.getByRole('combobox', { name: 'Expires after' }).selectOption('12');
  await page.getByRole('button', { name: 'Create credential' }).click();
  const shown = page.getByTestId('new-secret');
  await shown.getByText('Credential Entra ID provisioning created').waitFor();
  const secret = await shown.getByTestId('secret token').innerText();
  expect(secret).toMatch(new RegExp(`^scim_${c.org.id.replace(/-/g, '')}_[A-Za-z0-9_-]{43}$`));
  const row = page.getByRole('row', { name: /Entra ID provisioning/ });
  await row.getByText(`…${secret.slice(-4)}`).waitFor();
  await row.getByText('Not used yet').waitFor();
  expect(await seriousViolations(page)).toEqual([]);

  // the secret works for SCIM, and the request shows as the last one seen
  expect((await scimCall(secret, 'GET', '/Users?count=1', undefined, TEST_API)).status).toBe(200);
  await page.reload();
  await page
    .getByRole('row', { name: /Entra ID provisioning/ })
    .getByText(/GET \/api\/scim\/v2\/Users \(200\)/)
    .waitFor();
  // shown once: after the reload the secret is nowhere on the page
  expect(await page.getByText(secret).count()).toBe(0);
  await screenshot(page, 'provisioning');

  await page.getByRole('button', { name: 'Revoke the credential Entra ID provisioning' }).click();
  const dialog = page.getByRole('dialog', { name: 'Revoke Entra ID provisioning?' });
  await dialog.getByText('Provisioning with this credential stops at once').waitFor();
  expect(await seriousViolations(page)).toEqual([]);
  await dialog.getByRole('button', { name: 'Revoke' }).click();
  await page.getByText('No SCIM credentials yet.').waitFor();
  expect((await scimCall(secret, 'GET', '/Users?count=1', undefined, TEST_API)).status).toBe(401);
});

test("the domain a plain userName gets: the first member user's until one is set", async () => {
  const page = await open(c.admin, '/settings/provisioning', 'Provisioning');
  // the demo organization's first member is a contoso.dev user
  await page.getByTestId('effective-domain').getByText('Plain user names get @contoso.dev now.').waitFor();
  await page.getByRole('textbox', { name: 'Domain' }).fill('Fabrikam.Example');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByText('Domain saved.').waitFor();
  await page.getByTestId('effective-domain').getByText('Plain user names get @fabrikam.example now.').waitFor();
  await page.getByRole('textbox', { name: 'Domain' }).fill('not a domain');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByText(/must be a domain name/).waitFor();
});

test('a Global Reader reads the page without write controls; a License Administrator has no Settings in the navigation; Dutch', async () => {
  const reader = await signedIn(c.browser, 'GlobalReader', c.org.id);
  const page = await open(reader, '/settings/provisioning', 'Provisioning');
  await page.getByText('Only a Global Administrator can create and revoke SCIM credentials.').waitFor();
  expect(await page.getByRole('button', { name: /Create credential|Revoke|Save/ }).count()).toBe(0);
  expect(await page.getByRole('textbox').count()).toBe(0);
  expect(await seriousViolations(page)).toEqual([]);

  const license = await signedIn(c.browser, 'LicenseAdministrator', c.org.id);
  const licensePage = await open(license, '/licenses', 'Licenses');
  await licensePage.getByRole('navigation').getByRole('link', { name: 'Licensing reports' }).waitFor();
  expect(await licensePage.getByRole('navigation').getByRole('link', { name: 'Provisioning' }).count()).toBe(0);

  const dutch = await signedIn(c.browser, 'GlobalAdministrator', c.org.id, { locale: 'nl-NL' });
  const nl = await open(dutch, '/settings/provisioning', 'Inrichting');
  await nl.getByRole('button', { name: 'Referentie maken' }).waitFor();
  await nl.getByText('Nog geen SCIM-referenties.').waitFor();
  expect(await seriousViolations(nl)).toEqual([]);
});
