/** The local stack (emulators + the local Functions host) in this process, on a benchmark's own ports. */
import type { Stack } from '../../local/stack';
import { stopChildren } from './child';
import { ROOT, type BenchPorts } from './env';

/**
 * Starts the stack (settings must already be applied, see env.ts). Ctrl-C or a kill stops it and this
 * script's helper processes too, as they are separate processes that would otherwise outlive it.
 */
export async function startBenchStack(ports: BenchPorts): Promise<Stack> {
  const { startStack } = await import('../../local/stack');
  const stack = await startStack({ port: ports.host, quiet: true, root: ROOT });
  const interrupted = (signal: string) => {
    console.error(`${signal}: stopping the stack`);
    void Promise.allSettled([stopChildren(), stack.stop()]).then(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  return stack;
}
