/** The tour, part 1: Licenses, a product, Assign licenses, Active users and its panels (see tour.ts). */
import { api, open } from './harness';
import { tour } from './tour';

jest.setTimeout(180_000);
const t = tour();

test('Licenses, a product, Assign licenses, Active users, Licenses and apps, Manage product licenses: accessible, on one origin', async () => {
  // products in every state: Teams Phone expired (Warning), Project Plan 3 disabled (Suspended)
  for (const [skuId, states] of [
    ['e43b5b99-8dfb-405f-9987-dc307f34bcbd', ['Warning']],
    ['53818b1b-4a27-454b-8896-0dba576410e6', ['Warning', 'Suspended']],
  ] as const) {
    for (const status of states)
      expect((await api('BillingAdministrator', t.org.id, 'PATCH', `/v1.0/directory/subscriptions/${t.org.id}_${skuId}`, { status })).status).toBe(200);
  }
  let page = await open(t.admin, '/licenses', 'Licenses');
  // a state is said with what it means
  await page
    .getByRole('row', { name: /Microsoft Teams Phone Standard/ })
    .getByText('Users keep working; no new assignments. Renew it.')
    .waitFor();
  await page
    .getByRole('row', { name: /Project Plan 3/ })
    .getByText('Users have lost access; nothing can be assigned. Renew it.')
    .waitFor();
  await t.check(page, 'licenses');
  await page.getByRole('link', { name: 'Office 365 E3' }).click();
  await page.getByRole('button', { name: 'Apps and services of Adele Vance' }).waitFor();
  await t.check(page, 'product');
  await page.getByRole('button', { name: 'Assign licenses', exact: true }).click();
  await page.getByRole('dialog').getByRole('combobox', { name: 'Users' }).pressSequentially('Is');
  await page.getByRole('option', { name: /Isaiah Langer/ }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Assign', exact: true }).click();
  await page.getByRole('dialog').getByText('The user has no usage location. Set one, then assign the license.').waitFor();
  await t.check(page, 'assign-no-location');
  await page.close();

  page = await open(t.admin, '/users', 'Active users');
  await page.getByRole('button', { name: 'Adele Vance' }).waitFor();
  await t.check(page, 'active-users');
  await page.getByRole('button', { name: 'Adele Vance' }).click();
  await page.getByRole('dialog', { name: 'Adele Vance' }).getByTestId('license-ENTERPRISEPACK').waitFor();
  await t.check(page, 'user-licenses-panel');
  await page.keyboard.press('Escape');
  await page.getByRole('checkbox', { name: 'Select Alex Wilber' }).check();
  await page.getByRole('button', { name: 'Manage product licenses' }).click();
  await page.getByRole('dialog', { name: 'Manage product licenses' }).getByRole('button', { name: 'Next' }).waitFor();
  await t.check(page, 'manage-licenses-mode');
  await page.close();

  t.expectClean();
});
