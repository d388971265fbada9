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
    child.stdout!.on('data', (d: Buffer) => {
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
