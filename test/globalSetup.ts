/**
 * Starts the local stack once for all test files, as a separate process: `node dist/local/start.js`
 * (emulators + local Functions host) on the test ports, without demo data. `npm test` builds dist first.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { testStackEnv } from './env';

export default async function globalSetup() {
  const root = join(__dirname, '..');
  const child = spawn(process.execPath, [join(root, 'dist', 'local', 'start.js'), '--no-seed', '--quiet'], {
    cwd: root,
    env: { ...process.env, ...testStackEnv },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  (globalThis as Record<string, unknown>).__TEST_STACK__ = child;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('test stack did not become ready within 60s')), 60_000);
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('READY ')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`test stack exited early with code ${code}:\n${out}`));
    });
  });
  child.stdout.resume();
}
