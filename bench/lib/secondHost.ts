/**
 * A second local Functions host on the benchmark's running emulators (`start.js --attach`), with settings
 * of its own on top of the bench's: two engine modes served side by side on the same data, so that calls
 * to them can alternate and the machine's drift falls on both alike.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './env';

export interface SecondHost {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

export async function startSecondHost(port: number, env: Record<string, string>, timeoutMs = 60_000): Promise<SecondHost> {
  const child: ChildProcess = spawn(process.execPath, [join(ROOT, 'dist', 'local', 'start.js'), '--attach', '--no-seed', '--quiet'], {
    env: { ...process.env, ...env, LOCAL_HTTP_PORT: String(port), LOCAL_HTTPS_PORT: String(port + 1) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode) return resolve();
      const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
      child.once('exit', () => (clearTimeout(kill), resolve()));
      child.kill('SIGINT');
    });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`the second host did not say READY within ${timeoutMs / 1000} s`)), timeoutMs);
      child.stdout!.on('data', (c: Buffer) => {
        out += c.toString('utf8');
        const m = /READY (\S+)/.exec(out);
        if (!m) return;
        clearTimeout(timer);
        resolve(m[1]);
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the second host exited with code ${code} before it was ready`));
      });
    });
    child.stdout!.resume();
    return { url, pid: child.pid!, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
