import type { ChildProcess } from 'node:child_process';

export default async function globalTeardown() {
  const child = (globalThis as Record<string, unknown>).__TEST_STACK__ as ChildProcess | undefined;
  if (!child || child.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 5000).unref();
  });
}
