/** Alert webhooks: signed deliveries for low seats and group-licensing failures, retried, listable. */
import { createHmac } from 'node:crypto';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { addBody, call, newTenant, SKU } from '../helpers';

let server: Server;
let url = '';
const received: { headers: Record<string, string | string[] | undefined>; body: string }[] = [];
let failNext = 0;
/** When set, the next delivery that is not failed waits for it before it is answered. */
let holdNext: Promise<void> | undefined;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      if (failNext > 0) {
        failNext--;
        res.writeHead(500).end();
        return;
      }
      const hold = holdNext ?? Promise.resolve();
      holdNext = undefined;
      void hold.then(() => {
        received.push({ headers: req.headers, body });
        res.writeHead(200).end();
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
});
afterAll(() => server.close());

async function until<T>(probe: () => Promise<T> | T, ok: (v: T) => boolean, ms = 45_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = await probe();
    if (ok(v) || Date.now() - start > ms) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('a low-seat alert is delivered once when a product falls to its threshold, signed with the webhook secret; a failed delivery is retried', async () => {
  const t = await newTenant('Alert org');
  await t.buy(SKU.E3, 3);
  const bad = await call('POST', '/v1.0/alerts/webhooks', { token: t.tokens.billing, body: { url: 'http://example.com/hook', events: ['lowSeats'] } });
  expect(bad.status).toBe(400);
  expect(bad.body.error.target).toBe('url');
  const hook = await call('POST', '/v1.0/alerts/webhooks', {
    token: t.tokens.billing,
    body: { url, events: ['lowSeats', 'groupLicensingFailure'], lowSeatThresholds: { [SKU.E3]: 1 } },
  });
  expect(hook.status).toBe(201);
  expect(hook.body.secret).toBeTruthy();
  const listed = await call('GET', '/v1.0/alerts/webhooks', { token: t.tokens.billing });
  expect(listed.body.value).toEqual([expect.objectContaining({ id: hook.body.id, url })]);
  expect(listed.body.value[0].secret).toBeUndefined();

  failNext = 1; // the receiver is down for the first attempt
  // and answers the second only once the test has seen the delivery waiting to be retried: the state is
  // looked at while it lasts, not within the 5 s until the retry (the delivery's 10 s deadline bounds it)
  let answerRetry!: () => void;
  holdNext = new Promise<void>((resolve) => (answerRetry = resolve));
  const users = [await t.createUser(), await t.createUser(), await t.createUser()];
  expect((await t.assign(users[0].id, addBody(SKU.E3))).status).toBe(200); // 2 left: no alert
  expect((await t.assign(users[1].id, addBody(SKU.E3))).status).toBe(200); // 1 left: alert
  expect((await t.assign(users[2].id, addBody(SKU.E3))).status).toBe(200); // 0 left: already alerted
  const deliveries = async () => (await call('GET', '/v1.0/alerts/deliveries', { token: t.tokens.reader })).body.value;
  const retrying = await until(deliveries, (d) => d.length === 1 && d[0].status === 'retrying');
  expect(retrying[0]).toMatchObject({ event: 'lowSeats', attempts: 1 });
  expect(retrying[0].lastError).toMatch(/did not accept the delivery/);
  answerRetry();
  const delivered = await until(deliveries, (d) => d[0]?.status === 'delivered');
  expect(delivered).toHaveLength(1);
  expect(delivered[0].attempts).toBe(2);

  const got = received.filter((r) => JSON.parse(r.body).tenantId === t.id);
  expect(got).toHaveLength(1);
  const payload = JSON.parse(got[0].body);
  expect(payload).toMatchObject({ event: 'lowSeats', data: { skuId: SKU.E3, availableUnits: 1, totalLicenses: 3 } });
  const [, ts, sig] = /^t=(\d+),v1=([0-9a-f]+)$/.exec(String(got[0].headers['x-license-alert-signature']))!;
  expect(sig).toBe(createHmac('sha256', hook.body.secret).update(`${ts}.${got[0].body}`).digest('hex'));
});

test('a group-licensing failure is alerted', async () => {
  const t = await newTenant('Group alert org');
  await t.buy(SKU.EXO1, 1);
  await call('POST', '/v1.0/alerts/webhooks', { token: t.tokens.global, body: { url, events: ['groupLicensingFailure'] } });
  const g = (await call('POST', '/v1.0/groups', { token: t.tokens.global, body: { displayName: 'Two for one seat' } })).body;
  const [a, b] = [await t.createUser(), await t.createUser()];
  for (const u of [a, b])
    await call('POST', `/v1.0/groups/${g.id}/members/$ref`, {
      token: t.tokens.global,
      body: { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${u.id}` },
    });
  await call('POST', `/v1.0/groups/${g.id}/assignLicense`, { token: t.tokens.global, body: addBody(SKU.EXO1) });
  const got = await until(
    () => received.map((r) => JSON.parse(r.body)).filter((p) => p.tenantId === t.id),
    (p) => p.length >= 1,
  );
  expect(got).toEqual([
    expect.objectContaining({ event: 'groupLicensingFailure', data: expect.objectContaining({ groupId: g.id, userId: b.id, error: 'CountViolation' }) }),
  ]);
});
