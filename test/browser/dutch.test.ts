/**
 * The console in Dutch all the way: the service's refusals (English, as Graph's) are written by the
 * console from each detail's code and parameters, in Dutch, with product and plan names and never an id,
 * and where the way out is a switch the console can flip, it is a button that flips it and tries again.
 * A conflict, a missing usage location, no seats, a guest (License admin), a member's group error.
 */
import type { Browser, BrowserContext, Locator } from 'playwright-core';
import { api, inError, launch, open, Org, PLAN, screenshot, seedOrg, signedIn, SKU, until } from './harness';

jest.setTimeout(120_000);
let browser: Browser;
let org: Org;
let global: BrowserContext;
let licenseAdmin: BrowserContext;

beforeAll(async () => {
  [browser, org] = await Promise.all([launch(), seedOrg()]);
  global = await signedIn(browser, 'GlobalAdministrator', org.id, { locale: 'nl-NL' });
  licenseAdmin = await signedIn(browser, 'LicenseAdministrator', org.id, { locale: 'nl-NL' });
});
afterAll(async () => {
  await browser?.close();
});

const GUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

/** The text of the refusal shown in `where`, once it is there; it never shows an id. */
async function refusalText(where: Locator): Promise<string> {
  const text = where.getByTestId('refusal-text').first();
  await text.waitFor();
  const shown = await text.innerText();
  expect(shown).not.toMatch(GUID);
  return shown;
}

const userOf = async (id: string) => (await api('GlobalReader', org.id, 'GET', `/v1.0/users/${id}`)).body;

async function openAssign(context: BrowserContext, skuId: string, product: string) {
  const page = await open(context, `/licenses/${skuId}`, product);
  await page.getByRole('button', { name: 'Licenties toewijzen', exact: true }).click();
  return { page, panel: page.getByRole('dialog', { name: `${product}-licenties toewijzen aan gebruikers` }) };
}

async function pick(panel: Locator, typed: string, name: string) {
  await panel.getByRole('combobox', { name: 'Gebruikers' }).pressSequentially(typed);
  await panel
    .page()
    .getByRole('option', { name: new RegExp(name) })
    .click();
  await panel
    .getByRole('listbox', { name: 'Geselecteerde gebruikers' })
    .getByRole('option', { name: new RegExp(name) })
    .waitFor();
}

test('a conflict in Dutch with names, and the button that switches the plan off and assigns again', async () => {
  const { page, panel } = await openAssign(global, SKU.E3, 'Office 365 E3');
  await pick(panel, 'Alex', 'Alex Wilber');
  await panel.getByRole('button', { name: 'Toewijzen', exact: true }).click();

  const alex = panel.getByTestId(`assign-user-${org.users.alexw.userPrincipalName}`);
  expect(await refusalText(alex)).toBe(
    'Exchange Online (Plan 2) in Office 365 E3 conflicteert met Exchange Online (Plan 1) in Office 365 E1, dat de gebruiker al heeft. ' +
      'Schakel een van beide uit, of trek eerst Office 365 E1 in bij de gebruiker.',
  );
  expect(await alex.locator('[data-code]').getAttribute('data-code')).toBe('MutuallyExclusiveViolation');
  expect((await userOf(org.users.alexw.id)).assignedLicenses.map((l: { skuId: string }) => l.skuId)).toEqual([SKU.E1]);
  const fix = alex.getByRole('button', { name: 'Exchange Online (Plan 2) uitschakelen en opnieuw toewijzen' });
  await screenshot(page, 'assign-conflict-nl');

  await fix.click();
  await panel.getByText('Office 365 E3 toegewezen aan 1 gebruiker.').waitFor();
  // the switch the button flipped is off in the panel, and in what the service assigned
  expect(await panel.getByRole('switch', { name: 'Exchange Online (Plan 2)' }).isChecked()).toBe(false);
  expect((await userOf(org.users.alexw.id)).assignedLicenses).toEqual(expect.arrayContaining([{ skuId: SKU.E3, disabledPlans: [PLAN.EXO2] }]));
  await page.close();
});

test('Licenses and apps: a conflict with a product from a group, in Dutch, and the button that switches the plan off and saves again', async () => {
  const page = await open(global, '/users', 'Actieve gebruikers');
  await page.getByRole('searchbox', { name: 'Lijst met actieve gebruikers doorzoeken' }).fill('Lidia');
  await page.getByRole('button', { name: 'Lidia Holloway' }).click();
  const panel = page.getByRole('dialog', { name: 'Lidia Holloway' });
  await panel.getByTestId('license-ENTERPRISEPACK').getByRole('checkbox', { name: 'Office 365 E3' }).check();
  await panel.getByRole('button', { name: 'Wijzigingen opslaan' }).click();
  // Office 365 E1 comes from Sales team: the same conflict, the way out the same switch
  expect(await refusalText(panel)).toBe(
    'Exchange Online (Plan 2) in Office 365 E3 conflicteert met Exchange Online (Plan 1) in Office 365 E1, dat de gebruiker al heeft. ' +
      'Schakel een van beide uit, of trek eerst Office 365 E1 in bij de gebruiker.',
  );
  await panel.getByRole('button', { name: 'Exchange Online (Plan 2) uitschakelen en opnieuw toewijzen' }).click();
  await panel.getByText('Licenties en apps opgeslagen.').waitFor();
  expect((await userOf(org.users.lidiah.id)).assignedLicenses).toEqual(
    expect.arrayContaining([
      { skuId: SKU.E3, disabledPlans: [PLAN.EXO2] },
      { skuId: SKU.E1, disabledPlans: [] },
    ]),
  );
  await page.close();
});

test('a missing usage location in Dutch, set right there, then the license is assigned', async () => {
  const { page, panel } = await openAssign(global, SKU.E1, 'Office 365 E1');
  await pick(panel, 'Isaiah', 'Isaiah Langer');
  await panel.getByRole('button', { name: 'Toewijzen', exact: true }).click();
  const isaiah = panel.getByTestId(`assign-user-${org.users.isaiahl.userPrincipalName}`);
  expect(await refusalText(isaiah)).toBe('De gebruiker heeft geen gebruikslocatie. Stel er een in en wijs de licentie daarna toe.');
  expect(await isaiah.locator('[data-code]').getAttribute('data-code')).toBe('usageLocationRequired');

  await isaiah.getByRole('combobox', { name: 'Gebruikslocatie van Isaiah Langer' }).click();
  await page.getByRole('option', { name: 'Nederland' }).click();
  await isaiah.getByRole('button', { name: 'Locatie opslaan' }).click();
  await isaiah.getByRole('button', { name: 'Locatie opslaan' }).waitFor({ state: 'detached' });
  await panel.getByRole('button', { name: 'Toewijzen', exact: true }).click();
  await panel.getByText('Office 365 E1 toegewezen aan 1 gebruiker.').waitFor();
  const user = await userOf(org.users.isaiahl.id);
  expect([user.usageLocation, user.assignedLicenses.map((l: { skuId: string }) => l.skuId)]).toEqual(['NL', [SKU.E1]]);
  await page.close();
});

test('no seats in Dutch: how many are needed and available, by the product’s name', async () => {
  // Exchange Online (Plan 1): 2 bought, Nestor holds one
  const { page, panel } = await openAssign(global, SKU.EXO1, 'Exchange Online (Plan 1)');
  await pick(panel, 'Emily', 'Emily Braun');
  await pick(panel, 'Johanna', 'Johanna Lorenz');
  await panel.getByRole('button', { name: 'Toewijzen', exact: true }).click();
  expect(await refusalText(panel)).toBe(
    'Niet genoeg licenties voor Exchange Online (Plan 1): 2 nodig, 1 beschikbaar (1 van 2 toegewezen). ' +
      'Koop meer licenties, of trek Exchange Online (Plan 1) in bij gebruikers die het niet meer nodig hebben.',
  );
  expect(await panel.locator('[data-code]').first().getAttribute('data-code')).toBe('CountViolation');
  // all or nothing: neither got it
  for (const u of [org.users.emilyb, org.users.johannal]) expect((await userOf(u.id)).assignedLicenses).toEqual([]);
  await page.close();
});

test('a guest, for a License Administrator: said before assigning, and the service’s refusal in Dutch next to the guest', async () => {
  const { page, panel } = await openAssign(licenseAdmin, SKU.E3, 'Office 365 E3');
  await pick(panel, 'Pradeep', 'Pradeep Gupta');
  await panel.getByText('Pradeep Gupta (Fabrikam) is een gastgebruiker: alleen een globale beheerder kan licenties toewijzen aan gasten.').waitFor();
  expect(await panel.getByRole('button', { name: 'Toewijzen', exact: true }).getAttribute('aria-disabled')).toBe('true');
  await page.close();

  // Manage product licenses does not judge guests itself: the service refuses, and the console says it in Dutch
  const users = await open(licenseAdmin, '/users', 'Actieve gebruikers');
  for (const name of ['Pradeep Gupta (Fabrikam)', 'Grady Archie']) {
    await users.getByRole('searchbox', { name: 'Lijst met actieve gebruikers doorzoeken' }).fill(name.split(' ')[0]);
    await users.getByRole('checkbox', { name: `${name} selecteren` }).check();
  }
  await users.getByRole('button', { name: 'Productlicenties beheren' }).click();
  const manage = users.getByRole('dialog', { name: 'Productlicenties beheren' });
  await manage.getByRole('button', { name: 'Volgende' }).click();
  await manage.getByRole('switch', { name: 'Office 365 E3' }).click();
  await manage.getByRole('button', { name: 'Wijzigingen opslaan' }).click();
  const outcomes = manage.getByRole('list', { name: 'Resultaat per gebruiker' });
  const pradeep = outcomes.getByRole('listitem').filter({ hasText: 'Pradeep Gupta (Fabrikam)' });
  expect(await refusalText(pradeep)).toBe(
    'Deze gebruiker is een gastgebruiker. Alleen een globale beheerder kan licenties toewijzen aan of intrekken bij gasten. ' +
      'Vraag een globale beheerder om deze wijziging te doen.',
  );
  expect(await pradeep.locator('[data-code]').getAttribute('data-code')).toBe('Authorization_RequestDenied');
  await manage.getByText('Licenties gewijzigd voor 1 gebruiker.').waitFor();
  expect((await userOf(org.users['pradeep_fabrikam.com#EXT#'].id)).assignedLicenses).toEqual([]);
  await users.close();
});

test("a member's group license error on the Groups page in Dutch", async () => {
  const groups = (await api('GlobalReader', org.id, 'GET', '/v1.0/groups')).body.value;
  const sales = groups.find((g: { displayName: string }) => g.displayName === 'Sales team');
  // Adele has E3 directly: Office 365 E1 from Sales team would give her two Exchange plans
  const added = await api('UserAdministrator', org.id, 'POST', `/v1.0/groups/${sales.id}/members/$ref`, {
    '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${org.users.adelev.id}`,
  });
  expect(added.status).toBe(204);
  await until("Adele's license from Sales team in error", () => inError(org.id, org.users.adelev.id));

  const page = await open(global, `/groups/${sales.id}`, 'Sales team');
  await page.getByRole('tab', { name: 'Leden met licentiefouten' }).click();
  const adele = page.getByTestId('group-member').filter({ hasText: 'Adele Vance' });
  await adele.getByText('Office 365 E1: Conflicterende apps en services').waitFor();
  await adele
    .getByText(
      'Exchange Online (Plan 1) in Office 365 E1 conflicteert met Exchange Online (Plan 2) in Office 365 E3, dat de gebruiker al heeft. ' +
        'Schakel een van beide uit, of trek eerst Office 365 E3 in bij de gebruiker.',
    )
    .waitFor();
  expect(await adele.innerText()).not.toMatch(GUID);
  await page.close();
});
