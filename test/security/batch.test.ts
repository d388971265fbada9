/**
 * Second read, findings A2-A3 (`$batch`): what a request inside a batch could do that a direct call cannot.
 * - A2 (medium): the "no batch inside a batch" rule looked at the URL's spelling, so `/%24batch`,
 *   `/v1.0/./$batch` or `v1.0//$batch` ran a nested batch (20 x 20 x ... requests from one); `..` segments
 *   reached paths outside the API; a header name or value that HTTP does not allow, or a URL with broken
 *   percent-encoding, answered 500 (and the path was percent-decoded twice).
 * - A3 (medium): a streamed answer (a job's failed rows as CSV, up to 100,000 rows of 4 KB) was read whole
 *   into the batch's answer, 20 of them per batch.
 */
import { randomUUID } from 'node:crypto';
import { MAX_BATCH_STREAMED_BYTES } from '../../shared/http/batch';
import { MAX_BODY_BYTES } from '../../shared/http/body';
import { call, newTenant, TestTenant } from '../helpers';

let t: TestTenant;
beforeAll(async () => {
  t = await newTenant('Batch rules org');
});

const batch = (requests: unknown[], token = t.tokens.global) => call('POST', '/v1.0/$batch', { token, body: { requests } });

test.each(['/$batch', '/%24batch', '/v1.0/%24batch', '/v1.0/./$batch', 'v1.0//$batch', '/users/../$batch', '/%24BATCH'])(
  'a batch inside a batch is refused however its URL is spelled: %s',
  async (url) => {
    const upn = `nested-${randomUUID().slice(0, 8)}@batch.dev`;
    const inner = { requests: [{ id: 'inner', method: 'POST', url: '/users', body: { displayName: 'Nested', userPrincipalName: upn, usageLocation: 'NL' } }] };
    const r = await batch([{ id: 'outer', method: 'POST', url, body: inner }]);
    expect(r.status).toBe(200);
    const [answer] = r.body.responses;
    expect([answer.status, answer.body.error.code, answer.body.error.message]).toEqual([400, 'BadRequest', 'A batch cannot contain another $batch.']);
    expect((await call('GET', `/v1.0/users/${upn}`, { token: t.tokens.reader })).status).toBe(404);
  },
);

test('a URL whose .. segments leave the API is refused, not resolved elsewhere', async () => {
  const r = await batch([
    { id: '1', method: 'GET', url: '/../../health' },
    { id: '2', method: 'GET', url: '/users/../../../admin/host/status' },
  ]);
  expect(r.body.responses.map((x: any) => [x.status, x.body.error.code])).toEqual([
    [400, 'BadRequest'],
    [400, 'BadRequest'],
  ]);
});

test('broken percent-encoding is an ordinary answer (400 on the id), not a 500; a path is decoded once, as for a direct call', async () => {
  const r = await batch([
    { id: '1', method: 'GET', url: '/users/%E0%A4%A' },
    // %2540 is "%40" once decoded: no such user either way, but decoded twice it would read as "@" and pass the UPN check
    { id: '2', method: 'GET', url: '/users/someone%2540batch.dev' },
  ]);
  const direct = await call('GET', '/v1.0/users/someone%2540batch.dev', { token: t.tokens.global });
  expect(r.body.responses.map((x: any) => x.status)).toEqual([400, direct.status]);
  expect(direct.status).toBe(400);
});

test.each([
  ['a header value with a line break', { 'client-request-id': 'a\r\nInjected: 1' }, 'requests[0].headers.client-request-id'],
  ['a header value beyond Latin-1', { 'client-request-id': 'caf\u20ac' }, 'requests[0].headers.client-request-id'],
  ['a header name with a space', { 'bad name': 'x' }, 'requests[0].headers.bad name'],
])('%s: the batch is a 400 naming it, never a 500 inside', async (_name, headers, target) => {
  const r = await batch([{ id: '1', method: 'GET', url: '/organization', headers }]);
  expect(r.status).toBe(400);
  expect(r.body.error.code).toBe('invalidRequest');
  expect(r.body.error.target).toBe(target);
});

test(`a streamed answer larger than ${MAX_BATCH_STREAMED_BYTES} bytes is not held in the batch's answer (400 inside); called directly it streams whole`, async () => {
  // 400 rows for users that do not exist, each with a 3,000-character name: about 1.2 MB of failed rows
  const rows = ['userPrincipalName,licenses,displayName'];
  for (let i = 0; i < 400; i++) rows.push(`ghost${i}@nowhere.dev,ENTERPRISEPACK,${'n'.repeat(3000)}`);
  const job = await call('POST', '/v1.0/licenseJobs/import', { token: t.tokens.global, rawBody: rows.join('\r\n'), headers: { 'content-type': 'text/csv' } });
  expect(job.status).toBe(202);
  let status = '';
  for (let i = 0; i < 600 && !['completed', 'completedWithErrors', 'failed'].includes(status); i++) {
    status = (await call('GET', `/v1.0/licenseJobs/${job.body.id}`, { token: t.tokens.reader })).body.status;
    if (!['completed', 'completedWithErrors', 'failed'].includes(status)) await new Promise((r) => setTimeout(r, 100));
  }
  expect(status).toBe('completedWithErrors');
  const direct = await call('GET', `/v1.0/licenseJobs/${job.body.id}/failedRows`, { token: t.tokens.reader });
  expect(direct.status).toBe(200);
  expect(Buffer.byteLength(direct.body as string)).toBeGreaterThan(MAX_BATCH_STREAMED_BYTES);
  expect((direct.body as string).trim().split('\r\n')).toHaveLength(401);

  const r = await batch(
    [
      { id: 'csv', method: 'GET', url: `/licenseJobs/${job.body.id}/failedRows` },
      { id: 'small', method: 'GET', url: `/licenseJobs/${job.body.id}` },
    ],
    t.tokens.reader,
  );
  expect(r.status).toBe(200);
  const [csv, small] = r.body.responses;
  expect([csv.status, csv.body.error.code]).toEqual([400, 'BadRequest']);
  expect(csv.body.error.message).toMatch(/call it on its own/);
  expect(small.status).toBe(200);
});

test(`a request inside a batch gets its route's body limit (${MAX_BODY_BYTES} bytes) whatever length it declares`, async () => {
  // third read: an item's own Content-Length was trusted, and the whole item read: the batch's 4 MB limit
  // applied instead of the route's 1 MB
  const upn = `big-${randomUUID().slice(0, 8)}@batch.dev`;
  const body = { displayName: 'x'.repeat(MAX_BODY_BYTES + 10), userPrincipalName: upn, usageLocation: 'NL' };
  for (const headers of [{ 'content-length': '10' }, {}]) {
    const r = await batch([{ id: 'big', method: 'POST', url: '/users', headers: { 'content-type': 'application/json', ...headers }, body }]);
    expect(r.status).toBe(200);
    const [answer] = r.body.responses;
    expect([answer.status, answer.body.error.code]).toEqual([413, 'requestTooLarge']);
  }
  expect((await call('GET', `/v1.0/users/${upn}`, { token: t.tokens.reader })).status).toBe(404);
});
