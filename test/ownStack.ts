/**
 * A stack of its own for a test file that needs settings the shared test stack cannot have (fault
 * injection, tiny budgets) or that kills parts of it: emulators + local host on the test ports moved by
 * `offset`, started by `node dist/local/start.js`, stopped (emulators included) by `stop()`.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { testStackEnv, TEST_PORTS } from './env';

export interface OwnStack {
  api: string;
  /** The first host process (it started the emulators). */
  host: ChildProcess;
  ports: { host: number; cosmos: number; queue: number };
  env: Record<string, string | undefined>;
  /** Every line the stack printed (stdout and stderr), for tests of logging. */
  lines: string[];
  emulatorPids: number[];
  /** Starts another host process on the same emulators (`--attach`), e.g. a second worker. */
  attach(extraEnv?: Record<string, string>): Promise<ChildProcess>;
  stop(): Promise<void>;
}

const root = join(__dirname, '..');

export function ownStackEnv(offset: number, extra: Record<string, string> = {}) {
  const ports = { host: TEST_PORTS.host + offset, cosmos: TEST_PORTS.cosmos + offset, queue: TEST_PORTS.queue + offset };
  const env: Record<string, string | undefined> = {
    ...process.env,
    ...testStackEnv,
    LOCAL_HTTP_PORT: String(ports.host),
    LOCAL_HTTPS_PORT: String(ports.host + 1),
    COSMOS_ENDPOINT: `http://127.0.0.1:${ports.cosmos}`,
    AzureWebJobsStorage: testStackEnv.AzureWebJobsStorage.replace(/:\d+\/devstoreaccount1/, `:${ports.queue}/devstoreaccount1`),
    AUTH_JWKS_URI: `http://127.0.0.1:${ports.host}/.well-known/dev-jwks.json`,
    ...extra,
  };
  return { ports, env };
}

export async function startOwnStack(offset: number, extra: Record<string, string> = {}, args: string[] = []): Promise<OwnStack> {
  const { ports, env } = ownStackEnv(offset, extra);
  const lines: string[] = [];
  const children: ChildProcess[] = [];
  let emulatorPids: number[] = [];

  const spawnHost = (hostArgs: string[], extraEnv: Record<string, string> = {}) =>
    new Promise<ChildProcess>((resolve, reject) => {
      const child = spawn(process.execPath, [join(root, 'dist', 'local', 'start.js'), '--no-seed', '--quiet', ...hostArgs], {
        cwd: root,
        env: { ...env, ...extraEnv },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(child);
      let buffer = '';
      const onData = (d: Buffer) => {
        buffer += d.toString();
        const parts = buffer.split('\n');
        buffer = parts.pop()!;
        for (const line of parts) {
          lines.push(line);
          const pids = /EMULATOR_PIDS ([\d,]+)/.exec(line);
          if (pids) emulatorPids.push(...pids[1].split(',').map(Number));
          if (line.startsWith('READY ')) resolve(child);
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.once('exit', (code) => reject(new Error(`stack exited ${code}:\n${lines.slice(-40).join('\n')}`)));
    });

  const host = await spawnHost(['--print-pids', ...args]);
  return {
    api: `http://localhost:${ports.host}/api`,
    host,
    ports,
    env,
    lines,
    get emulatorPids() {
      return emulatorPids;
    },
    attach: (extraEnv) => spawnHost(['--attach'], extraEnv),
    async stop() {
      for (const c of children) if (c.exitCode === null && !c.signalCode) c.kill('SIGTERM');
      await Promise.all(children.map((c) => (c.exitCode === null && !c.signalCode ? new Promise((r) => c.once('exit', r)) : Promise.resolve())));
      for (const pid of emulatorPids) {
        try {
          process.kill(pid, 'SIGTERM');
        } catch {
          /* already gone */
        }
      }
      emulatorPids = [];
    },
  };
}
