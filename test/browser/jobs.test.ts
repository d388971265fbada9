/**
 * Bulk jobs and groups in the browser: a CSV with bad rows, previewed then imported, its failures shown
 * and downloaded as CSV to fix; a running job cancelled from its page; a group member whose inherited
 * license fails, shown with the reason, and reprocessed once the cause is gone.
 */
import { readFileSync } from 'node:fs';
import { QueueServiceClient } from '@azure/storage-queue';
import { testStackEnv } from '../env';
import { api, consoleFor, inError, open, screenshot, SKU, until } from './harness';
import { storeOf } from '../helpers';

jest.setTimeout(180_000);
const c = consoleFor('LicenseAdministrator');

const userOf = async (id: string) => (await api('GlobalReader', c.org.id, 'GET', `/v1.0/users/${id}`)).body;

test('a CSV with bad rows: previewed row by row, imported, and its failed rows downloaded as CSV', async () => {
  const csv = [
    'userPrincipalName,licenses,disabledPlans,usageLocation',
    'debrab@contoso.dev,ENTERPRISEPACK,,',
    'christiec@contoso.dev,STANDARDPACK,TEAMS1,',
    'cameronw@contoso.dev,NOSUCHPRODUCT,,',
    'nobody@contoso.dev,ENTERPRISEPACK,,',
  ].join('\n');
  const page = await open(c.admin, '/jobs', 'Bulk license jobs');
  await page.getByRole('button', { name: 'Import from CSV' }).click();
  const panel = page.getByRole('dialog', { name: 'Import licenses from a CSV file' });
  await panel.getByLabel('CSV file').setInputFiles({ name: 'licenses.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await panel.getByRole('button', { name: 'Preview' }).click();
  await panel.getByText('2 users would be changed, 2 would fail, 0 have nothing to change.').waitFor();
  await panel.getByTestId('job-result').filter({ hasText: "unknown product 'NOSUCHPRODUCT'" }).waitFor();
  await screenshot(page, 'import-preview');
  // the preview changed nothing
  expect((await userOf(c.org.users.debrab.id)).assignedLicenses).toEqual([]);

  await panel.getByRole('button', { name: 'Start the import' }).click();
  await page.getByRole('heading', { level: 1, name: 'Bulk license job: Add licenses' }).waitFor();
  await page.getByText('Completed with errors').waitFor({ timeout: 60_000 });
  await page.getByTestId('job-counts').getByText('2 failed').waitFor();
  await page.getByRole('switch', { name: 'Show failed only' }).click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="job-result"]').length === 2);
  const failedShown = await page.getByTestId('job-result').allInnerTexts();
  expect(failedShown.join('\n')).toMatch(/cameronw@contoso\.dev/);
  expect(failedShown.join('\n')).toMatch(/nobody@contoso\.dev/);
  await screenshot(page, 'import-job');

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download failed rows' }).click()]);
  expect(download.suggestedFilename()).toMatch(/^license-job-.*-failed\.csv$/);
  const rows = readFileSync(await download.path(), 'utf8')
    .trim()
    .split(/\r?\n/);
  expect(rows[0]).toMatch(/^userPrincipalName,licenses,disabledPlans,usageLocation,.*errorCode,errorMessage/);
  expect(rows).toHaveLength(3);
  expect(
    rows
      .slice(1)
      .map((r) => r.split(',')[0])
      .sort(),
  ).toEqual(['cameronw@contoso.dev', 'nobody@contoso.dev']);

  expect((await userOf(c.org.users.debrab.id)).assignedLicenses).toEqual([{ skuId: SKU.E3, disabledPlans: [] }]);
  expect((await userOf(c.org.users.christiec.id)).assignedLicenses).toEqual([{ skuId: SKU.E1, disabledPlans: ['57ff2da0-773e-42df-b2af-ffb7a2317929'] }]);
  await page.close();
});

test('Cancel job: a running job stops; what was done stays done, the rest is shown skipped', async () => {
  // 500 users on Project (bought up to 600 seats). The first chunk (users 0-99) holds a broken user document,
  // so it cannot finish, and the fifth chunk is queued only when the first finishes: whatever the
  // machine's speed, chunks 2-4 are done and chunk 5 has not started when Cancel is clicked.
  const subscription = `${c.org.id}_${SKU.PROJECT}`;
  const consumed = async () => (await api('GlobalReader', c.org.id, 'GET', `/v1.0/subscribedSkus/${subscription}`)).body.consumedUnits as number;
  const heldBefore = await consumed(); // the demo's own Project holders
  expect((await api('GlobalAdministrator', c.org.id, 'PATCH', `/v1.0/directory/subscriptions/${subscription}`, { totalLicenses: 600 })).status).toBe(200);
  const ids: string[] = [];
  for (let i = 0; i < 500; i += 25) {
    const made = await Promise.all(
      Array.from({ length: Math.min(25, 500 - i) }, (_, k) =>
        api('UserAdministrator', c.org.id, 'POST', '/v1.0/users', {
          accountEnabled: true,
          displayName: `Cancel test ${i + k}`,
          mailNickname: `cancel${i + k}`,
          userPrincipalName: `cancel${i + k}@contoso.dev`,
          usageLocation: 'NL',
        }),
      ),
    );
    ids.push(...made.map((r) => r.body.id as string));
  }
  const store = storeOf();
  try {
    const directory = store.container('directory');
    const good = (await directory.item(ids[50], c.org.id).read()).resource;
    await directory.item(ids[50], c.org.id).replace({ ...good, licenseAssignments: 'corrupt' });
  } finally {
    store.dispose();
  }
  const created = await api('LicenseAdministrator', c.org.id, 'POST', '/v1.0/licenseJobs', {
    mode: 'add',
    userIds: ids,
    addLicenses: [{ skuId: SKU.PROJECT, disabledPlans: [] }],
  });
  expect(created.status).toBe(202);
  const jobId = created.body.id as string;
  const job = async () => (await api('GlobalReader', c.org.id, 'GET', `/v1.0/licenseJobs/${jobId}`)).body;
  await until('chunks 2-4 done', async () => (await job()).counts.succeeded === 300);

  const page = await open(c.admin, `/jobs/${jobId}`, 'Bulk license job: Add licenses');
  await page.getByTestId('job-counts').getByText('300 succeeded').waitFor();
  await page.getByRole('button', { name: 'Cancel job' }).click();
  await page.getByText('Cancelling', { exact: true }).waitFor();
  expect(await page.getByRole('button', { name: 'Cancel job' }).isDisabled()).toBe(true);
  expect((await job()).cancelRequested).toBe(true);

  // the first chunk gives up (as the queue does after its retries: to the poison queue), and the fifth runs, cancelled
  const queues = QueueServiceClient.fromConnectionString(testStackEnv.AzureWebJobsStorage);
  await queues
    .getQueueClient('license-jobs-poison')
    .sendMessage(Buffer.from(JSON.stringify({ tenantId: c.org.id, jobId, chunk: 0, phase: 'apply' })).toString('base64'));
  await page.getByText('Cancelled', { exact: true }).waitFor({ timeout: 60_000 });
  const counts = page.getByTestId('job-counts');
  for (const text of ['500 in total', '300 succeeded', '100 failed', '100 skipped']) await counts.getByText(text).waitFor();
  expect(await page.getByRole('button', { name: 'Cancel job' }).count()).toBe(0);
  await screenshot(page, 'job-cancelled');
  expect((await job()).counts).toMatchObject({ total: 500, succeeded: 300, failed: 100, skipped: 100 });
  expect(await consumed()).toBe(heldBefore + 300);
  await page.close();
});

test('a group member whose inherited license fails is listed with the reason, and Reprocess clears it once the cause is gone', async () => {
  const groups = (await api('GlobalReader', c.org.id, 'GET', '/v1.0/groups')).body.value;
  const sales = groups.find((g: { displayName: string }) => g.displayName === 'Sales team');
  // Adele has E3 directly: Office 365 E1 from Sales team would give her two Exchange plans
  const added = await api('UserAdministrator', c.org.id, 'POST', `/v1.0/groups/${sales.id}/members/$ref`, {
    '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${c.org.users.adelev.id}`,
  });
  expect(added.status).toBe(204);
  // processed in the background: the pages are opened once the service has recorded her error
  await until("Adele's license from Sales team in error", () => inError(c.org.id, c.org.users.adelev.id));

  const page = await open(c.admin, '/groups', 'Groups');
  await page.getByRole('combobox', { name: 'Filter' }).click();
  await page.getByRole('option', { name: 'Groups with license errors' }).click();
  await page.getByRole('link', { name: 'Sales team' }).click();
  await page.getByRole('tab', { name: 'Members with license errors' }).click();
  const adele = page.getByTestId('group-member').filter({ hasText: 'Adele Vance' });
  await adele.getByText('Office 365 E1: Conflicting apps and services').waitFor();
  expect(await adele.innerText()).toMatch(/Exchange Online \(Plan 1\).*conflicts with Exchange Online \(Plan 2\)/s);
  await screenshot(page, 'group-errors');

  // the cause goes away: Adele's direct E3 is removed; Reprocess gives her the group's E1
  expect(
    (await api('LicenseAdministrator', c.org.id, 'POST', `/v1.0/users/${c.org.users.adelev.id}/assignLicense`, { addLicenses: [], removeLicenses: [SKU.E3] }))
      .status,
  ).toBe(200);
  await adele.getByRole('button', { name: 'Reprocess the licenses of Adele Vance' }).click();
  await adele.waitFor({ state: 'detached', timeout: 60_000 });
  await page.getByText('No member has a license error.').waitFor();
  const states = (await userOf(c.org.users.adelev.id)).licenseAssignmentStates;
  expect(states).toEqual([expect.objectContaining({ skuId: SKU.E1, assignedByGroup: sales.id, state: 'Active' })]);
  await page.close();
});
