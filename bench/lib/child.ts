/**
 * A benchmark's helper processes: the same script forked with `--<role>` (the load generator, a set-up, one
 * mode's run), spoken to over IPC. The parent hands it one task at a time, `{ type, ... }`, and the child
 * answers each with one message of the same type (or `error`). Load and set-up run in a process of their
 * own so that generating them costs the measured process's event loop, CPU and memory nothing.
 */
import { fork } from 'node:child_process';

export interface Task {
  type: string;
}
type Protocol<From> = From | { type: 'ready' } | { type: 'error'; message: string };

export interface Child<To extends Task, From extends Task> {
  pid: number;
  /** Hands the child one task and waits for its answer (one task at a time). */
  run<T extends To>(task: T): Promise<Extract<From, { type: T['type'] }>>;
  /** Disconnects (the child exits on it), SIGKILL after 3 s. */
  stop(): Promise<void>;
}

/** Children still running, stopped by stopChildren() (on Ctrl-C, say). */
const running = new Set<Child<Task, Task>>();
export const stopChildren = () => Promise.allSettled([...running].map((c) => c.stop()));

/** Forks `script --<role>` (inheriting this process's environment, plus `env`) and waits until it is ready. */
export async function startChild<To extends Task, From extends Task>(script: string, role: string, env?: Record<string, string>): Promise<Child<To, From>> {
  const child = fork(script, [`--${role}`], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: env ? { ...process.env, ...env } : process.env });
  let pending: { resolve: (m: From) => void; reject: (e: Error) => void } | undefined;
  // assigned once ready, read by the exit handler before that (so not a const)
  // eslint-disable-next-line prefer-const
  let handle: Child<To, From> | undefined;
  let ready!: () => void;
  const isReady = new Promise<void>((resolve, reject) => {
    ready = resolve;
    child.once('exit', (code) => reject(new Error(`${role} process exited with code ${code} before it was ready`)));
  });
  child.on('message', (m: Protocol<From>) => {
    if (m.type === 'ready') return ready();
    const p = pending;
    pending = undefined;
    if (m.type === 'error') p?.reject(new Error(`${role}: ${(m as { message: string }).message}`));
    else p?.resolve(m as From);
  });
  child.on('exit', (code) => {
    if (handle) running.delete(handle);
    pending?.reject(new Error(`${role} process exited with code ${code}`));
  });
  await isReady;
  handle = {
    pid: child.pid!,
    run<T extends To>(task: T): Promise<Extract<From, { type: T['type'] }>> {
      if (pending) throw new Error(`${role} process busy`);
      return new Promise((resolve, reject) => {
        pending = { resolve: resolve as (m: From) => void, reject };
        child.send(task);
      });
    },
    stop(): Promise<void> {
      if (child.exitCode !== null || child.signalCode) return Promise.resolve();
      return new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.disconnect();
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      });
    },
  };
  running.add(handle);
  return handle;
}

export type Handlers<To extends Task, From extends Task> = { [K in To['type']]: (task: Extract<To, { type: K }>) => Promise<From> };

/**
 * The child's side: answers each task with its handler's result. When the parent goes away (it stopped
 * the child, or died), `onDisconnect` runs (default: nothing) and the child exits.
 */
export async function serveChild<To extends Task, From extends Task>(handlers: Handlers<To, From>, onDisconnect?: () => Promise<unknown>): Promise<void> {
  const send = (m: Protocol<From>) => new Promise<void>((resolve) => process.send!(m, () => resolve()));
  process.on('disconnect', () => {
    void Promise.resolve(onDisconnect?.())
      .catch(() => undefined)
      .then(() => process.exit(0));
  });
  process.on('message', (m: To) => {
    const handler = (handlers as unknown as Record<string, (t: To) => Promise<From>>)[m.type];
    (handler ? handler(m) : Promise.reject(new Error(`no handler for ${m.type}`))).then(send, (e) =>
      send({ type: 'error', message: String((e as Error)?.stack ?? e) }),
    );
  });
  await send({ type: 'ready' });
}

/**
 * The script's entry: the child role named on its command line (`--<role>`), else main, whose result is
 * the exit code (an exception: FAIL, 1). Nothing runs when the script is imported rather than run.
 */
export function runScript(mod: NodeJS.Module, main: () => Promise<number>, roles: Record<string, () => Promise<void>> = {}): void {
  if (require.main !== mod) return;
  const role = Object.keys(roles).find((r) => process.argv.includes(`--${r}`));
  if (role) {
    roles[role]().catch((e) => {
      console.error(`${role}: ${(e as Error)?.stack ?? e}`);
      process.exit(1);
    });
    return;
  }
  main().then(
    (code) => process.exit(code),
    (e) => {
      console.error(`FAIL: ${(e as Error)?.stack ?? e}`);
      process.exit(1);
    },
  );
}
