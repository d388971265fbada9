/**
 * Settings > Org settings (new apps and services in the organization's products: on, as Microsoft does,
 * or kept off), the catalog changes announced for its products, and a product page marking the plans the
 * catalog added in the last 30 days; in English and Dutch, with axe on each.
 */
import { randomUUID } from 'node:crypto';
import { call, operatorToken } from '../helpers';
import { api, consoleFor, open, screenshot, seriousViolations, signedIn } from './harness';

const c = consoleFor('GlobalAdministrator');
const sku = randomUUID();
const [A, B, C] = [randomUUID(), randomUUID(), randomUUID()];
const plan = (id: string, name: string, displayName: string) => ({ servicePlanId: id, servicePlanName: name, displayName });
const product = (...plans: ReturnType<typeof plan>[]) => ({
  skuPartNumber: `CONSOLE_${sku.slice(0, 8).toUpperCase()}`,
  displayName: 'Contoso Field Service',
  servicePlans: plans,
});
let scheduledId = '';

beforeAll(async () => {
  const operator = await operatorToken();
  expect((await call('PUT', `/v1.0/catalog/products/${sku}`, { token: operator, body: product(plan(A, 'FIELD_CORE', 'Field Service core')) })).status).toBe(
    201,
  );
  expect((await call('POST', `/v1.0/tenants/${c.org.id}/subscriptions`, { token: operator, body: { skuId: sku, totalLicenses: 5 } })).status).toBe(201);
  // the catalog adds a plan to the product: new in the last 30 days
  expect(
    (
      await call('PUT', `/v1.0/catalog/products/${sku}`, {
        token: operator,
        body: product(plan(A, 'FIELD_CORE', 'Field Service core'), plan(B, 'FIELD_MAPS', 'Field Service maps')),
      })
    ).status,
  ).toBe(200);
  // and announces another for tomorrow
  const when = new Date(Date.now() + 86_400_000).toISOString();
  const later = await call('PUT', `/v1.0/catalog/products/${sku}?effectiveDateTime=${when}`, {
    token: operator,
    body: product(plan(A, 'FIELD_CORE', 'Field Service core'), plan(B, 'FIELD_MAPS', 'Field Service maps'), plan(C, 'FIELD_COPILOT', 'Field Service Copilot')),
  });
  expect(later.status).toBe(202);
  scheduledId = later.body.id;
});

afterAll(async () => {
  if (scheduledId) await call('DELETE', `/v1.0/catalog/upcomingChanges/${scheduledId}`, { token: await operatorToken() });
});

test('a Global admin keeps new apps and services off; the service says so; the announced change is listed', async () => {
  const page = await open(c.admin, '/settings', 'Org settings');
  const on = page.getByRole('radio', { name: /Turn them on for everyone/ });
  const off = page.getByRole('radio', { name: /Keep them off until someone turns them on/ });
  await on.waitFor();
  expect(await on.isChecked()).toBe(true);
  const announced = page.getByRole('list', { name: 'Announced changes to your products' });
  await announced.getByText('Contoso Field Service: new Field Service Copilot.').waitFor();
  expect(await seriousViolations(page)).toEqual([]);
  await off.check();
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByText('Your organization settings are saved.').waitFor();
  expect((await api('GlobalReader', c.org.id, 'GET', '/v1.0/admin/licenseSettings')).body).toMatchObject({ newServicePlans: 'disabled' });
  await page.getByText(/Last changed by/).waitFor();
  await screenshot(page, 'org-settings');
  expect(await seriousViolations(page)).toEqual([]);
  await page.close();
});

test('a License admin sees the setting, and that only a Global Administrator can change it', async () => {
  const context = await signedIn(c.browser, 'LicenseAdministrator', c.org.id);
  const page = await open(context, '/settings', 'Org settings');
  await page.getByText('Only a Global Administrator can change this.').waitFor();
  expect(await page.getByRole('radio', { name: /Keep them off/ }).isDisabled()).toBe(true);
  expect(await page.getByRole('button', { name: 'Save' }).count()).toBe(0);
  expect(await seriousViolations(page)).toEqual([]);
  await context.close();
});

test("a product's page marks the apps and services the catalog added in the last 30 days, and says what the setting does with them", async () => {
  const page = await open(c.admin, `/licenses/${sku}`, 'Contoso Field Service');
  const maps = page.getByTestId(`plan-${B}`);
  await maps.getByText('New', { exact: true }).waitFor();
  await maps.getByText(/Added on/).waitFor();
  expect(await page.getByTestId(`plan-${A}`).getByText('New', { exact: true }).count()).toBe(0);
  await page.getByText(/New apps and services in your products stay off until someone turns them on/).waitFor();
  await screenshot(page, 'product-new-plans');
  expect(await seriousViolations(page)).toEqual([]);
  await page.close();
});

test('in Dutch', async () => {
  const context = await signedIn(c.browser, 'GlobalAdministrator', c.org.id, { locale: 'nl-NL' });
  const page = await open(context, '/settings', 'Organisatie-instellingen');
  await page.getByRole('radio', { name: /Uitgeschakeld laten tot iemand ze inschakelt/ }).waitFor();
  await page.getByText('Contoso Field Service: nieuw Field Service Copilot.').waitFor();
  expect(await seriousViolations(page)).toEqual([]);
  const product = await open(context, `/licenses/${sku}`, 'Contoso Field Service');
  await product.getByTestId(`plan-${B}`).getByText('Nieuw', { exact: true }).waitFor();
  expect(await seriousViolations(product)).toEqual([]);
  await context.close();
});
