/**
 * Licenses > Requests and Auto-claim policy in the browser: users' requests approved several at once with
 * an outcome per request (a conflict refused with the service's way out, the request still pending),
 * one denied with the keyboard alone, requests switched off with the organization's message; the
 * auto-claim policy switched on with a product, a claim listed and downloaded as CSV. axe on both tabs.
 */
import { readFileSync } from 'node:fs';
import { api, consoleFor, open, PLAN, screenshot, seriousViolations, signedIn, SKU, tabTo } from './harness';
import { call, tokenFor } from '../helpers';

jest.setTimeout(120_000);
const c = consoleFor('GlobalAdministrator');

/** A demo user asks for a product with their own token (no admin role). */
async function ask(alias: string, skuId: string, justification: string) {
  const token = await tokenFor('User', c.org.id, { objectId: c.org.users[alias].id });
  const r = await call('POST', '/v1.0/me/licenseRequests', { token, body: { skuId, justification } });
  expect(r.status).toBe(201);
  return r.body.id as string;
}

const requestOf = async (id: string) => (await api('GlobalReader', c.org.id, 'GET', `/v1.0/licenseRequests/${id}`)).body;

test('approving two requests at once: one gets the product, the other is refused with the conflict and stays pending; one denied with the keyboard alone', async () => {
  const diego = await ask('diegos', SKU.E3, 'Board presentations');
  const alex = await ask('alexw', SKU.E3, 'Bigger mailbox');
  const emily = await ask('emilyb', SKU.PROJECT, 'Planning the move');
  const page = await open(c.admin, '/licenses/requests', 'Licenses');
  await page.getByRole('tab', { name: 'Requests', selected: true }).waitFor();
  await page.getByTestId(`request-${c.org.users.emilyb.userPrincipalName}`).waitFor();
  expect(await seriousViolations(page)).toEqual([]);

  await page.getByRole('checkbox', { name: 'Select the request of Diego Siciliani for Office 365 E3' }).check();
  await page.getByRole('checkbox', { name: 'Select the request of Alex Wilber for Office 365 E3' }).check();
  await page.getByRole('button', { name: 'Approve 2 requests' }).click();
  const outcomes = page.getByTestId('request-outcomes');
  await outcomes.getByText('Diego Siciliani got Office 365 E3.').waitFor();
  await outcomes.getByText('Alex Wilber did not get Office 365 E3; the request stays pending.').waitFor();
  await outcomes.getByText(/Exchange Online \(Plan 2\) in Office 365 E3 conflicts with Exchange Online \(Plan 1\)/).waitFor();
  await screenshot(page, 'license-requests');
  expect((await requestOf(diego)).status).toBe('approved');
  expect(await requestOf(alex)).toMatchObject({ status: 'pending', lastApprovalError: { code: 'MutuallyExclusiveViolation' } });
  const diegoUser = (await api('GlobalReader', c.org.id, 'GET', `/v1.0/users/${c.org.users.diegos.id}`)).body;
  expect(diegoUser.assignedLicenses.map((l: { skuId: string }) => l.skuId)).toContain(SKU.E3);
  // the approved one has left the pending list; Alex's shows why the last approval was refused
  await page.getByTestId(`request-${c.org.users.diegos.userPrincipalName}`).waitFor({ state: 'detached' });
  await page
    .getByTestId(`request-${c.org.users.alexw.userPrincipalName}`)
    .getByText(/Last approval refused: Exchange Online/)
    .waitFor();

  // keyboard only: select Emily's request, give a reason, deny
  const box = page.getByRole('checkbox', { name: 'Select the request of Emily Braun for Planner and Project Plan 3' });
  await tabTo(page, box);
  await page.keyboard.press('Space');
  await box.isChecked().then((v) => expect(v).toBe(true));
  const reason = page.getByRole('textbox', { name: 'Reason for denying (the user sees it)' });
  await tabTo(page, reason);
  await page.keyboard.type('Project licenses are for the PMO');
  await tabTo(page, page.getByRole('button', { name: 'Deny 1 request' }));
  await page.keyboard.press('Enter');
  await outcomes.getByText('The request of Emily Braun for Planner and Project Plan 3 was denied.').waitFor();
  expect(await requestOf(emily)).toMatchObject({
    status: 'denied',
    decisionReason: 'Project licenses are for the PMO',
    decidedBy: { displayName: 'Kat Larsson' },
  });

  // every request, whatever its state
  await page.getByRole('combobox', { name: 'Status' }).click();
  await page.getByRole('option', { name: 'All requests' }).click();
  await page.getByTestId(`request-${c.org.users.diegos.userPrincipalName}`).getByText('Approved').waitFor();
  await page.close();
});

test('approving through a group: offered to Global and User admins, who add the user as a member; a License admin is not offered it (issue 19, item 2)', async () => {
  const grady = await ask('gradya', SKU.E1, 'Joining the sales team');
  const approveBy = (page: import('playwright-core').Page) => page.getByRole('combobox', { name: 'Approve by' });
  const select = (page: import('playwright-core').Page) => page.getByRole('checkbox', { name: 'Select the request of Grady Archie for Office 365 E1' }).check();

  // a License admin decides requests, but adding a member is not theirs: no group choice, direct approval only
  const licenseAdmin = await signedIn(c.browser, 'LicenseAdministrator', c.org.id);
  const asLicense = await open(licenseAdmin, '/licenses/requests', 'Licenses');
  await select(asLicense);
  await asLicense.getByRole('button', { name: 'Approve 1 request' }).waitFor();
  expect(await approveBy(asLicense).count()).toBe(0);
  await licenseAdmin.close();

  // a User admin (and a Global admin) is offered the groups that give the product
  const userAdmin = await signedIn(c.browser, 'UserAdministrator', c.org.id);
  const page = await open(userAdmin, '/licenses/requests', 'Licenses');
  await select(page);
  await approveBy(page).click();
  await page.getByRole('option', { name: 'Assigning the license directly' }).waitFor();
  await page.getByRole('option', { name: 'Adding the user to Sales team' }).click();
  expect(await seriousViolations(page)).toEqual([]);
  await page.getByRole('button', { name: 'Approve 1 request' }).click();
  await page.getByTestId('request-outcomes').getByText('Grady Archie got Office 365 E1.').waitFor();
  expect(await requestOf(grady)).toMatchObject({ status: 'approved', approvedVia: { groupId: expect.any(String) } });
  const sales = (await requestOf(grady)).approvedVia.groupId;
  const members = (await api('GlobalReader', c.org.id, 'GET', `/v1.0/groups/${sales}/members`)).body.value.map((m: { id: string }) => m.id);
  expect(members).toContain(c.org.users.gradya.id);
  await userAdmin.close();

  // and the Global admin of this file sees the choice too
  const admin = await open(c.admin, '/licenses/requests', 'Licenses');
  await admin.getByRole('button', { name: /Approve \d+ request/ }).waitFor();
  await approveBy(admin).waitFor();
  await admin.close();
});

test("requests switched off by a Global admin: members get the organization's message and link instead", async () => {
  const page = await open(c.admin, '/licenses/requests', 'Licenses');
  const form = page.getByRole('form', { name: 'License request policy' });
  await form.getByRole('switch', { name: 'Users can ask for licenses' }).click();
  await form.getByRole('textbox', { name: 'What users see instead' }).fill('Licenses are requested in the IT portal.');
  await form.getByRole('textbox', { name: 'Link to your own process' }).fill('https://it.contoso.dev/licenses');
  expect(await seriousViolations(page)).toEqual([]);
  await form.getByRole('button', { name: 'Save' }).click();
  await form.getByText('Request policy saved.').waitFor();
  const token = await tokenFor('User', c.org.id, { objectId: c.org.users.leeg.id });
  const refused = await call('POST', '/v1.0/me/licenseRequests', { token, body: { skuId: SKU.E3 } });
  expect(refused.status).toBe(403);
  expect(refused.body.error.message).toBe('Licenses are requested in the IT portal. https://it.contoso.dev/licenses');
  // back on, from the page
  await form.getByRole('switch', { name: 'Users can ask for licenses' }).click();
  await form.getByRole('button', { name: 'Save' }).click();
  await form.getByText('Request policy saved.').waitFor();
  expect((await api('GlobalReader', c.org.id, 'GET', '/v1.0/licenseRequests/policy')).body.enabled).toBe(true);
  await page.close();
});

test('the auto-claim policy switched on with a product; a claim is listed, and the list downloads as CSV', async () => {
  const page = await open(c.admin, '/licenses', 'Licenses');
  await page.getByRole('tab', { name: 'Auto-claim policy' }).click();
  const form = page.getByRole('form', { name: 'Auto-claim policy' });
  await form.getByText('No products yet.', { exact: false }).waitFor();
  await form.getByRole('combobox', { name: 'Product' }).click();
  await page.getByRole('option', { name: 'Office 365 E1' }).click();
  await form.getByRole('button', { name: 'Add product' }).click();
  await form.getByRole('switch', { name: 'Viva Engage (Yammer Enterprise)' }).click();
  await form.getByRole('switch', { name: 'Auto-claim is on' }).click();
  expect(await seriousViolations(page)).toEqual([]);
  await form.getByRole('button', { name: 'Save' }).click();
  await form.getByText('Auto-claim policy saved.').waitFor();
  const policy = (await api('GlobalReader', c.org.id, 'GET', '/v1.0/licensePolicies/autoClaim')).body;
  expect(policy).toEqual({ enabled: true, app: 'Teams', products: [{ skuId: SKU.E1, disabledPlans: [PLAN.YAMMER] }], availableApps: ['Teams'] });

  // Johanna opens Teams: her identity provider's hook reports the sign-in
  const hook = await tokenFor('SignInEvents', c.org.id);
  const signIn = await call('POST', '/v1.0/signInEvents', {
    token: hook,
    body: { userId: c.org.users.johannal.id, app: 'Teams', dateTime: new Date().toISOString() },
  });
  expect(signIn.body.claim).toMatchObject({ outcome: 'claimed', skuId: SKU.E1 });
  await page.reload();
  const row = page.getByTestId(`claim-${c.org.users.johannal.userPrincipalName}`);
  await row.getByText('Claimed').waitFor();
  await row.getByText('Office 365 E1').waitFor();
  await screenshot(page, 'auto-claim');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download CSV' }).click()]);
  expect(download.suggestedFilename()).toBe('auto-claims-7d.csv');
  const csv = readFileSync(await download.path(), 'utf8');
  expect(csv.split('\r\n')[0]).toBe('dateTime,outcome,userPrincipalName,userId,app,skuPartNumber,skuId,reason');
  expect(csv).toContain(`claimed,${c.org.users.johannal.userPrincipalName},${c.org.users.johannal.id},Teams,STANDARDPACK,${SKU.E1}`);
  await page.close();
});
