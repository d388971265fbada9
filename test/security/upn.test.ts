/**
 * Finding 2 (high): user principal names were checked with a quadratic pattern, run even after the length
 * check failed, and with no cap in CSV imports. The check is now a linear scan behind a length check
 * that stops validation; these tests count steps and issues, never time.
 */
import fc from 'fast-check';
import { isUserPrincipalName, MAX_UPN_LENGTH } from '../../shared/domain/upn';
import { createLicenseJobBody, createUserBody, userPrincipalName } from '../../shared/schemas/contracts';
import { MAX_CSV_RECORD_CHARS } from '../../shared/usecases/licenseJobs';
import { call, newTenant, TestTenant } from '../helpers';
import { TEST_API } from '../env';

const steps = (s: string) => {
  let n = 0;
  isUserPrincipalName(s, () => n++);
  return n;
};

describe('the user principal name check (unit, property-based)', () => {
  test('reads each character at most once, for any input up to the 8 MB body limit', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 2000, unit: fc.constantFrom('a', '@', '.', ' ', '-', 'é', '\t') }), (s) => steps(s) <= s.length),
      { numRuns: 500 },
    );
    // the inputs that made the old pattern quadratic, at the size of a whole job body
    for (const hostile of ['a@' + 'a'.repeat(8_000_000), 'a@' + 'a.'.repeat(1_000_000) + '@', '@'.repeat(1_000_000), 'a'.repeat(1_000_000)]) {
      expect(steps(hostile)).toBeLessThanOrEqual(hostile.length);
    }
  });

  test('accepts what Entra ID accepts and refuses what it does not', () => {
    for (const ok of ['adele@contoso.dev', 'pradeep_fabrikam.com#EXT#@contoso.dev', 'a.b-c@sub.example.co.uk']) expect(isUserPrincipalName(ok)).toBe(true);
    for (const bad of ['', 'adele', '@contoso.dev', 'adele@', 'adele@contoso', 'a@b@c.d', 'a b@c.d', 'a@.c.d', 'a@c..d', 'a@c.d.', 'a@.'])
      expect(isUserPrincipalName(bad)).toBe(false);
  });

  test('the schemas check the length first and stop: a 60 KB name gets one issue, the pattern never runs', () => {
    const long = 'a@' + 'a'.repeat(60_000);
    const r = userPrincipalName.safeParse(long);
    expect(r.success).toBe(false);
    expect(r.error!.issues).toEqual([expect.objectContaining({ code: 'too_big', maximum: MAX_UPN_LENGTH })]);
    const job = createLicenseJobBody.safeParse({ mode: 'add', userPrincipalNames: [long], addLicenses: [] });
    expect(job.error!.issues.map((i) => i.code)).toEqual(['too_big']);
    expect(createUserBody.safeParse({ displayName: 'x', userPrincipalName: long }).error!.issues.map((i) => i.code)).toEqual(['too_big']);
  });
});

describe('through HTTP', () => {
  let t: TestTenant;
  beforeAll(async () => {
    t = await newTenant('UPN org');
  });

  test('a 60 KB name in a job selection: 400 naming the length', async () => {
    const r = await call('POST', '/v1.0/licenseJobs', {
      token: t.tokens.global,
      body: { mode: 'add', userPrincipalNames: ['a@' + 'a'.repeat(60_000)], addLicenses: [] },
    });
    expect(r.status).toBe(400);
    expect(r.body.error.target).toBe('userPrincipalNames[0]');
    expect(r.body.error.message).toMatch(/at most 113 characters/);
  });

  test('names shaped to make the old pattern backtrack (60 KB of "a." and a second @), 20 in one selection: 400 on each name\'s length at once', async () => {
    // the old check ran its pattern (quadratic on this shape: seconds per name) even after the length check
    // had failed; the deadline is the failure bound, the answer needs milliseconds
    const hostile = 'a@' + 'a.'.repeat(30_000) + '@';
    const r = await fetch(`${TEST_API}/v1.0/licenseJobs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.tokens.global}`, 'content-type': 'application/json' },
      body: JSON.stringify({ mode: 'add', userPrincipalNames: Array(20).fill(hostile), addLicenses: [] }),
      signal: AbortSignal.timeout(20_000),
    });
    const body = await r.json();
    expect(r.status).toBe(400);
    expect(body.error.details.map((d: any) => d.target)).toEqual(Array.from({ length: 20 }, (_, i) => `userPrincipalNames[${i}]`));
    expect(body.error.details.every((d: any) => /at most 113 characters/.test(d.message))).toBe(true);
  });

  test('a CSV cell longer than a row may be: the import is refused with the line, nothing is stored', async () => {
    const csv = `userPrincipalName,licenses\r\na@${'a'.repeat(MAX_CSV_RECORD_CHARS + 10)},ENTERPRISEPACK\r\n`;
    const r = await call('POST', '/v1.0/licenseJobs/import', { token: t.tokens.global, rawBody: csv, headers: { 'content-type': 'text/csv' } });
    expect(r.status).toBe(400);
    expect(r.body.error.message).toMatch(/longer than 4096 characters/);
    expect((await call('GET', '/v1.0/licenseJobs', { token: t.tokens.reader })).body.value).toEqual([]);
  });

  test('a long but legal row: its bad name is reported, quoted short', async () => {
    const csv = `userPrincipalName,licenses\r\nb@${'b'.repeat(2000)},ENTERPRISEPACK\r\n`;
    const r = await call('POST', '/v1.0/licenseJobs/import?dryRun=true', { token: t.tokens.global, rawBody: csv, headers: { 'content-type': 'text/csv' } });
    expect(r.status).toBe(202);
    let results: any;
    for (let i = 0; i < 200; i++) {
      results = await call('GET', `/v1.0/licenseJobs/${r.body.id}/results`, { token: t.tokens.reader });
      if (results.body.value.length) break;
      await new Promise((res) => setTimeout(res, 100));
    }
    expect(results.body.value[0]).toMatchObject({ status: 'failed', code: 'invalidRequest' });
    expect(results.body.value[0].message.length).toBeLessThan(400);
  });
});
