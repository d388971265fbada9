/**
 * Second read, finding A7 (low): the waiting list's $skiptoken was JSON.parse'd as it came: a token that is
 * not JSON (`{bad`, `+abc`) was a 500, and one of another shape gave positions like "x1". Every list's
 * $skiptoken is input: a token the service did not write is a 400, never a 500.
 */
import { call, newTenant, SKU, TestTenant } from '../helpers';

let t: TestTenant;
let groupId: string;
beforeAll(async () => {
  t = await newTenant('Skiptoken org');
  await t.buy(SKU.E1, 1);
  groupId = (await call('POST', '/v1.0/groups', { token: t.tokens.global, body: { displayName: 'Paged group' } })).body.id;
});

const token = (raw: string) => Buffer.from(raw).toString('base64url');
const HOSTILE = [
  '{bad',
  '+abc',
  '[1]',
  'null',
  '{"c":5,"o":"x"}',
  '{"c":"x","o":-1}',
  '{"c":"x","o":1.5}',
  '{"c":{"a":1},"o":0}',
  '{"token":1,"range":{"min":1}}',
];

test.each(HOSTILE)("the waiting list's $skiptoken %s: 400 on $skiptoken", async (raw) => {
  const r = await call('GET', `/v1.0/subscribedSkus/${SKU.E1}/waitingList?$skiptoken=${token(raw)}`, { token: t.tokens.reader });
  expect([r.status, r.body.error.code, r.body.error.target]).toEqual([400, 'invalidRequest', '$skiptoken']);
});

test('every list answers a hostile $skiptoken with 200 or 400, never 500', async () => {
  const lists = [
    '/v1.0/users',
    '/v1.0/groups',
    `/v1.0/groups/${groupId}/members`,
    `/v1.0/groups/${groupId}/membersWithLicenseErrors`,
    `/v1.0/subscribedSkus/${SKU.E1}/assignments`,
    `/v1.0/subscribedSkus/${SKU.E1}/waitingList`,
    '/v1.0/licenseJobs',
    '/v1.0/auditLogs/licenseChanges',
    '/v1.0/alerts/deliveries',
    '/v1.0/reconciliations',
  ];
  const answers: [string, string, number][] = [];
  for (const path of lists)
    for (const raw of HOSTILE) answers.push([path, raw, (await call('GET', `${path}?$skiptoken=${token(raw)}`, { token: t.tokens.reader })).status]);
  expect(answers.filter(([, , status]) => status !== 200 && status !== 400)).toEqual([]);
  expect(answers).toHaveLength(lists.length * HOSTILE.length);
});
