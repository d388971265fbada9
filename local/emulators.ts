/**
 * The emulators the local host runs on, as child processes: @vercel/cosmosdb-server (Cosmos DB REST API,
 * spoken to by the real @azure/cosmos SDK), started through cosmosEmulator.ts (keep-alive connections,
 * patch conditions evaluated on the patched document as on Cosmos DB), and Azurite's queue service
 * (telemetry off, in memory).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';

const bin = (name: string) => join(__dirname, '..', '..', 'node_modules', '.bin', name);
/** The Cosmos DB emulator launcher, compiled next to this file (dist/local/cosmosEmulator.js). */
const cosmosLauncher = join(__dirname, 'cosmosEmulator.js');

export interface Emulators {
  pids: number[];
  stop(): Promise<void>;
}

async function waitForPort(port: number, what: string, child: ChildProcess, timeoutMs = 30_000): Promise<void> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (child.exitCode !== null) throw new Error(`${what} exited with code ${child.exitCode} before it was ready (is port ${port} already in use?)`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not start listening on port ${port} within ${timeoutMs / 1000}s`);
}

export async function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

export async function startEmulators(o: { cosmosPort: number; queuePort: number; quiet?: boolean }): Promise<Emulators> {
  for (const [port, what] of [
    [o.cosmosPort, 'Cosmos DB emulator'],
    [o.queuePort, 'Azurite'],
  ] as const) {
    if (await portInUse(port)) throw new Error(`Port ${port} for the ${what} is already in use. Stop what listens there (another npm start?) and try again.`);
  }
  if (!existsSync(cosmosLauncher)) throw new Error(`${cosmosLauncher} is missing: build first (npx tsc -p tsconfig.build.json)`);
  const stdio = o.quiet ? 'ignore' : 'inherit';
  // COSMOS_EMULATOR_FAULTS=1: the emulator accepts injected faults (tests of failure handling only)
  const faults = process.env.COSMOS_EMULATOR_FAULTS === '1' ? ['--faults'] : [];
  const cosmos = spawn(process.execPath, [cosmosLauncher, '--port', String(o.cosmosPort), '--host', '127.0.0.1', ...faults], {
    stdio: ['ignore', 'ignore', stdio],
  });
  const azurite = spawn(
    process.execPath,
    [
      bin('azurite-queue'),
      '--queuePort',
      String(o.queuePort),
      '--queueHost',
      '127.0.0.1',
      '--silent',
      '--disableTelemetry',
      '--inMemoryPersistence',
      '--skipApiVersionCheck',
    ],
    { stdio: ['ignore', 'ignore', stdio] },
  );
  const children = [cosmos, azurite];
  const stop = async () => {
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null || c.signalCode) return resolve();
            c.once('exit', () => resolve());
            c.kill('SIGTERM');
            setTimeout(() => c.kill('SIGKILL'), 3000).unref();
          }),
      ),
    );
  };
  try {
    await waitForPort(o.cosmosPort, 'Cosmos DB emulator', cosmos);
    await waitForPort(o.queuePort, 'Azurite', azurite);
  } catch (e) {
    await stop();
    throw e;
  }
  return { pids: children.map((c) => c.pid!), stop };
}
