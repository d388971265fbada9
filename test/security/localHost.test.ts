/** Finding 11 (low): the local host listened on every interface, with its unauthenticated admin calls. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { testStackEnv, TEST_PORTS } from '../env';

const run = (env: Record<string, string>) =>
  new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, [join(__dirname, '..', 'fixtures', 'triggerApp', 'run.js')], {
      env: { ...process.env, ...testStackEnv, FIXTURE_PORT: String(TEST_PORTS.host + 6), FIXTURE_QUEUE: `fixture-bind-${Date.now()}`, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child.stdout.on('data', (d: Buffer) => {
      const m = /READY (\S+)/.exec(d.toString());
      if (m) {
        child.kill('SIGTERM');
        resolve(m[1]);
      }
    });
    child.once('exit', (code) => reject(new Error(`fixture host exited ${code}`)));
  });

test('the local host listens on 127.0.0.1 unless told otherwise', async () => {
  expect(await run({})).toBe('127.0.0.1');
});

test('LOCAL_HOST_BIND chooses another address, on purpose', async () => {
  expect(await run({ LOCAL_HOST_BIND: '::1' })).toBe('::1');
});

describe('second read, finding A6 (low): the unauthenticated admin call is not for web pages', () => {
  const port = TEST_PORTS.host + 7;
  let child: import('node:child_process').ChildProcess;
  beforeAll(async () => {
    child = spawn(process.execPath, [join(__dirname, '..', 'fixtures', 'triggerApp', 'run.js')], {
      env: { ...process.env, ...testStackEnv, FIXTURE_PORT: String(port), FIXTURE_QUEUE: `fixture-admin-${Date.now()}` },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => d.toString().includes('READY') && resolve());
      child.once('exit', (code) => reject(new Error(`fixture host exited ${code}`)));
    });
  });
  afterAll(() => child?.kill('SIGTERM'));

  const admin = (input: string, headers: Record<string, string> = {}) =>
    fetch(`http://127.0.0.1:${port}/admin/functions/echo`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', ...headers },
      body: JSON.stringify({ input }),
    });
  const seen = async () => ((await (await fetch(`http://127.0.0.1:${port}/fx/seen`)).json()) as { queue: { message: unknown }[] }).queue.map((q) => q.message);

  test('a request a browser sends (it carries Origin: a cross-site no-cors POST, or a DNS-rebound page) is refused and runs nothing; a plain client runs the function', async () => {
    const fromPage = await admin('from a page', { origin: 'https://evil.example' });
    expect(fromPage.status).toBe(403);
    const rebound = await admin('from a rebound page', { origin: `http://127.0.0.1:${port}` });
    expect(rebound.status).toBe(403);
    expect((await admin('from a script')).status).toBe(202);
    let messages: unknown[] = [];
    for (let i = 0; i < 100 && !messages.includes('from a script'); i++) {
      messages = await seen();
      if (!messages.includes('from a script')) await new Promise((r) => setTimeout(r, 100));
    }
    // the refused calls came first: had either run, it would be here before the script's
    expect(messages).toEqual(['from a script']);
  });

  test('a request target starting with // is a path on this host; a Host header that is no host is not a 500', async () => {
    const { requestUrl } = await import('../../local/host');
    expect(requestUrl('//evil.example/fx/seen?x=1', 'http', `localhost:${port}`).toString()).toBe(`http://localhost:${port}//evil.example/fx/seen?x=1`);
    expect(requestUrl('/fx/seen', 'https', 'a b').toString()).toBe('https://localhost/fx/seen');
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/fx/seen', headers: { host: '[' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(200);
  });
});
