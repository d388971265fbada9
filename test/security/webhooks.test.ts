/**
 * Finding 4 (medium): webhook SSRF. Registration checked only the scheme; internal addresses were reachable,
 * redirects were followed (re-sending body and signature elsewhere), lastError told readers the remote
 * status, URLs (often carrying a receiver's token) were shown to every reader, and their number was
 * unbounded.
 */
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { isPublicAddress } from '../../shared/net/addresses';
import { postPinned, resolveDestination, UnsafeDestination } from '../../shared/net/webhookPost';
import { ABANDONED_WEBHOOK_SLOT_MS, MAX_WEBHOOKS_PER_TENANT } from '../../shared/usecases/alerts';
import { addBody, call, newTenant, SKU, storeOf, TestTenant } from '../helpers';

describe('which addresses a webhook may reach (unit)', () => {
  test.each([
    '127.0.0.1',
    '127.8.9.10',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '::1',
    '::',
    'fd00::1',
    'fc00::5',
    'fe80::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:169.254.169.254',
    '64:ff9b::a9fe:a9fe',
    '2002:7f00:1::',
    'not an address',
    // second read: IPv4-compatible and IPv4-translated forms, and the newer special-purpose blocks
    '::127.0.0.1',
    '::7f00:1',
    '::a9fe:a9fe',
    '::ffff:0:7f00:1',
    '::ffff:0:169.254.169.254',
    '3fff::1',
    '5f00::1',
    // third read: the Azure platform address, and the rest of the reserved ::/8
    '168.63.129.16',
    '::ffff:ffff:7f00:1',
    '0:1::1',
    'ff::1',
  ])('%s is not public', (a) => expect(isPublicAddress(a)).toBe(false));

  test.each(['20.112.52.29', '8.8.8.8', '2603:1030:20c:3::3f6', '172.32.0.1', '100.128.0.1', '168.63.129.17', '2a01:111::1'])('%s is public', (a) =>
    expect(isPublicAddress(a)).toBe(true),
  );

  test.each([
    'https://127.0.0.1/hook',
    'https://localhost/hook',
    'https://[::1]/hook',
    'https://[::ffff:7f00:1]/hook',
    'https://0x7f000001/hook',
    'https://2130706433/hook',
    'https://169.254.169.254/latest/meta-data',
    'https://10.0.0.5/hook',
    'https://[fd00::1]/hook',
    'http://20.112.52.29/hook',
    'https://user:pw@20.112.52.29/hook',
    'ftp://20.112.52.29/',
    'https://[::127.0.0.1]/hook',
    'https://[::ffff:0:169.254.169.254]/latest/meta-data',
  ])('%s is refused in Azure (no loopback allowance)', async (url) => {
    await expect(resolveDestination(url, false)).rejects.toBeInstanceOf(UnsafeDestination);
  });

  test('a name that does not resolve and one that resolves inside are refused alike (no map of internal names)', async () => {
    const message = async (url: string) => (await resolveDestination(url, false).catch((e: Error) => e)) as Error;
    const unresolved = await message('https://no-such-host.invalid/hook');
    const internal = await message('https://10.0.0.5/hook');
    expect(unresolved).toBeInstanceOf(UnsafeDestination);
    expect(internal).toBeInstanceOf(UnsafeDestination);
    expect(unresolved.message).toBe(internal.message);
    expect(unresolved.message).not.toMatch(/no-such-host|resolved\./);
  });

  test('the local allowance admits plain http to loopback only', async () => {
    await expect(resolveDestination('http://127.0.0.1:9/x', true)).resolves.toMatchObject({ address: '127.0.0.1' });
    await expect(resolveDestination('http://localhost:9/x', true)).resolves.toMatchObject({ address: expect.stringMatching(/^(127\.\d+\.\d+\.\d+|::1)$/) });
    await expect(resolveDestination('http://10.0.0.1/x', true)).rejects.toBeInstanceOf(UnsafeDestination);
    await expect(resolveDestination('https://169.254.169.254/x', true)).rejects.toBeInstanceOf(UnsafeDestination);
  });

  test('a receiver that never ends its answer, or trickles its headers, does not hold the delivery: the status is read and the call hangs up, within the deadline', async () => {
    const sockets = new Set<import('node:net').Socket>();
    const slow = createServer((req, res) => {
      if (req.url === '/endless') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('x'); // and never ends
      } else {
        // the status line and then one header byte every 100 ms, for ever: an idle timeout never fires
        const socket = res.socket!;
        socket.write('HTTP/1.1 200 OK\r\nX-Slow: ');
        const drip = setInterval(() => (socket.destroyed ? clearInterval(drip) : socket.write('a')), 100);
      }
    });
    slow.on('connection', (s) => sockets.add(s));
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', () => r()));
    const port = (slow.address() as AddressInfo).port;
    try {
      const endless = await resolveDestination(`http://127.0.0.1:${port}/endless`, true);
      await expect(postPinned(endless, '{}', { 'content-type': 'application/json' }, 3000)).resolves.toBe(200);
      const trickle = await resolveDestination(`http://127.0.0.1:${port}/trickle`, true);
      await expect(postPinned(trickle, '{}', { 'content-type': 'application/json' }, 1000)).rejects.toThrow(/no answer within 1000 ms/);
    } finally {
      for (const s of sockets) s.destroy();
      slow.close();
    }
  });

  test('a public address over https passes, and the delivery connects to the address that was checked', async () => {
    await expect(resolveDestination('https://20.112.52.29/hook', false)).resolves.toMatchObject({ address: '20.112.52.29', family: 4 });
  });
});

describe('through HTTP', () => {
  let t: TestTenant;
  let server: Server;
  let base = '';
  const hits: { path: string; body: string }[] = [];
  beforeAll(async () => {
    t = await newTenant('Webhook rules org');
    await t.buy(SKU.E3, 2);
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        hits.push({ path: req.url ?? '', body });
        if (req.url?.startsWith('/redirect')) res.writeHead(307, { location: `${base}/elsewhere` }).end();
        else if (req.url === '/teapot') res.writeHead(418).end();
        else res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => server.close());

  const register = (url: string, token = t.tokens.billing) =>
    call('POST', '/v1.0/alerts/webhooks', { token, body: { url, events: ['lowSeats'], lowSeatThresholds: { [SKU.E3]: 1 } } });

  test.each([
    'https://169.254.169.254/latest/meta-data',
    'https://10.0.0.1/hook',
    'https://192.168.0.10/hook',
    'https://[fd00::1]/hook',
    'https://100.64.1.1/hook',
    'https://0.0.0.0/hook',
  ])('registering %s: 400 on url', async (url) => {
    const r = await register(url);
    expect(r.status).toBe(400);
    expect(r.body.error.target).toBe('url');
  });

  test('a redirect is not followed, a failure tells readers nothing about the remote, the URL is shown whole only to who manages webhooks', async () => {
    const redirect = await register(`${base}/redirect?token=s3cret`);
    expect(redirect.status).toBe(201);
    const teapot = await register(`${base}/teapot`);
    expect(teapot.status).toBe(201);
    const readerView = (await call('GET', '/v1.0/alerts/webhooks', { token: t.tokens.reader })).body.value;
    expect(readerView.map((w: any) => w.url).sort()).toEqual([`${base}/…`, `${base}/…`]);
    const adminView = (await call('GET', '/v1.0/alerts/webhooks', { token: t.tokens.global })).body.value;
    expect(adminView.map((w: any) => w.url)).toContain(`${base}/redirect?token=s3cret`);

    const [a, b] = [await t.createUser(), await t.createUser()];
    expect((await t.assign(a.id, addBody(SKU.E3))).status).toBe(200); // 1 left: both webhooks alerted
    let deliveries: any[] = [];
    for (let i = 0; i < 300 && !(deliveries.length === 2 && deliveries.every((d) => d.attempts >= 1)); i++) {
      deliveries = (await call('GET', '/v1.0/alerts/deliveries', { token: t.tokens.reader })).body.value;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(deliveries).toHaveLength(2);
    for (const d of deliveries) {
      expect(d.status).toBe('retrying');
      expect(d.lastError).not.toMatch(/307|418|HTTP|ECONN|127\.0\.0\.1/);
    }
    expect(hits.some((h) => h.path.startsWith('/redirect'))).toBe(true);
    expect(hits.some((h) => h.path === '/elsewhere')).toBe(false);
    void b;
  });

  test(`at most ${MAX_WEBHOOKS_PER_TENANT} webhooks per organization, and a deleted one frees its place`, async () => {
    const org = await newTenant('Many hooks org');
    const made = await Promise.all(
      Array.from({ length: MAX_WEBHOOKS_PER_TENANT + 3 }, (_, i) =>
        call('POST', '/v1.0/alerts/webhooks', { token: org.tokens.billing, body: { url: `${base}/h${i}`, events: ['lowSeats'] } }),
      ),
    );
    expect(made.filter((r) => r.status === 201)).toHaveLength(MAX_WEBHOOKS_PER_TENANT);
    // every other one a 409 (an every() over the 409s alone would pass with none of them)
    expect(made.filter((r) => r.status !== 201).map((r) => [r.status, r.body.error.code])).toEqual(Array(3).fill([409, 'webhookLimitReached']));
    expect((await call('GET', '/v1.0/alerts/webhooks', { token: org.tokens.reader })).body.value).toHaveLength(MAX_WEBHOOKS_PER_TENANT);
    const one = made.find((r) => r.status === 201)!.body.id;
    expect((await call('DELETE', `/v1.0/alerts/webhooks/${one}`, { token: org.tokens.billing })).status).toBe(204);
    expect((await call('POST', '/v1.0/alerts/webhooks', { token: org.tokens.billing, body: { url: `${base}/again`, events: ['lowSeats'] } })).status).toBe(201);
  });

  test('a place taken by a registration still under way is not taken from it; one abandoned long ago is', async () => {
    // The last place is held by a registration between taking its place and storing its webhook (written
    // here as that moment looks in the store): a second registration must not count it free (a race that
    // let an organization go past the limit, one webhook at a time).
    const org = await newTenant('Racing hooks org');
    for (let i = 0; i < MAX_WEBHOOKS_PER_TENANT - 1; i++)
      expect((await call('POST', '/v1.0/alerts/webhooks', { token: org.tokens.billing, body: { url: `${base}/r${i}`, events: ['lowSeats'] } })).status).toBe(
        201,
      );
    const store = storeOf();
    try {
      const directory = store.container('directory');
      const slot = (takenMsAgo: number) => ({
        id: `webhookSlot-${MAX_WEBHOOKS_PER_TENANT - 1}`,
        tenantId: org.id,
        type: 'slot',
        holder: 'a-registration-under-way',
        takenDateTime: new Date(Date.now() - takenMsAgo).toISOString(),
      });
      await directory.items.upsert(slot(0));
      const refused = await call('POST', '/v1.0/alerts/webhooks', { token: org.tokens.billing, body: { url: `${base}/late`, events: ['lowSeats'] } });
      expect([refused.status, refused.body.error?.code]).toEqual([409, 'webhookLimitReached']);
      await directory.items.upsert(slot(ABANDONED_WEBHOOK_SLOT_MS + 60_000));
      expect((await call('POST', '/v1.0/alerts/webhooks', { token: org.tokens.billing, body: { url: `${base}/late`, events: ['lowSeats'] } })).status).toBe(
        201,
      );
    } finally {
      store.dispose();
    }
    const listed = (await call('GET', '/v1.0/alerts/webhooks', { token: org.tokens.reader })).body.value;
    expect(listed).toHaveLength(MAX_WEBHOOKS_PER_TENANT);
  });
});
