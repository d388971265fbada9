/**
 * Finding 5 (medium): CSVs the service writes returned cells like `=HYPERLINK(...)`, `+cmd|...`, `@SUM(1)`
 * unchanged. Every cell that a spreadsheet would run as a formula now starts with `'`.
 */
import { parse } from 'csv-parse/sync';
import { csvCell, csvLine } from '../../shared/csv';
import { call, newTenant, SKU, TestTenant } from '../helpers';

const FORMULA = /^[=+\-@\t\r]/;

test('csvCell: formula starts are neutralised, quoting as RFC 4180', () => {
  expect(csvCell('=HYPERLINK("http://evil","x")')).toBe(`"'=HYPERLINK(""http://evil"",""x"")"`);
  expect(csvCell("+cmd|' /C calc'!A0")).toBe(`'+cmd|' /C calc'!A0`);
  expect(csvCell('-1+1')).toBe(`'-1+1`);
  expect(csvCell('@SUM(1)')).toBe(`'@SUM(1)`);
  expect(csvCell('\tx')).toBe(`'\tx`);
  expect(csvCell('\rx')).toBe(`"'\rx"`);
  expect(csvCell('adele@contoso.dev')).toBe('adele@contoso.dev');
  expect(csvCell(null)).toBe('');
  expect(csvLine(['a', 'b,c'])).toBe('a,"b,c"\r\n');
});

async function finished(t: TestTenant, id: string) {
  for (let i = 0; i < 300; i++) {
    const job = (await call('GET', `/v1.0/licenseJobs/${id}`, { token: t.tokens.reader })).body;
    if (['completed', 'completedWithErrors', 'failed'].includes(job.status)) return job;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('job did not finish');
}

const cells = (csv: string): string[] => parse(csv, { relax_column_count: true }).flat();

test('the failed-rows CSV of an import never hands a formula to a spreadsheet', async () => {
  const t = await newTenant('CSV injection org');
  await t.buy(SKU.E3, 5);
  const csv = [
    'userPrincipalName,licenses,displayName,usageLocation',
    '"=HYPERLINK(""http://evil"")@evil.dev",ENTERPRISEPACK,x,NL',
    "nobody@evil.dev,+cmd|' /C calc'!A0,y,NL",
    'other@evil.dev,ENTERPRISEPACK,@SUM(1),-2+3',
  ].join('\r\n');
  const job = await call('POST', '/v1.0/licenseJobs/import', { token: t.tokens.global, rawBody: csv, headers: { 'content-type': 'text/csv' } });
  expect(job.status).toBe(202);
  expect((await finished(t, job.body.id)).counts.failed).toBe(3);
  const out = await fetch(job.body.failedRowsUrl, { headers: { authorization: `Bearer ${t.tokens.reader}` } });
  expect(out.headers.get('content-type')).toMatch(/text\/csv/);
  const all = cells(await out.text());
  expect(all.filter((c) => FORMULA.test(c))).toEqual([]);
  expect(all).toEqual(expect.arrayContaining([`'=HYPERLINK("http://evil")@evil.dev`, `'+cmd|' /C calc'!A0`, `'@SUM(1)`, `'-2+3`]));
});

test('the failed-rows CSV of a selection job too', async () => {
  const t = await newTenant('CSV injection selection org');
  await t.buy(SKU.E3, 5);
  const job = await call('POST', '/v1.0/licenseJobs', {
    token: t.tokens.global,
    body: { mode: 'add', userPrincipalNames: ['=1+1@evil.dev', '@x@evil.dev'.slice(1)], addLicenses: [{ skuId: SKU.E3, disabledPlans: [] }] },
  });
  expect(job.status).toBe(202);
  await finished(t, job.body.id);
  const out = await (await fetch(job.body.failedRowsUrl, { headers: { authorization: `Bearer ${t.tokens.reader}` } })).text();
  const all = cells(out);
  expect(all.filter((c) => FORMULA.test(c))).toEqual([]);
  expect(all).toContain(`'=1+1@evil.dev`);
});
