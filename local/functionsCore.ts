/**
 * The `@azure/functions-core` module the Functions worker normally provides. With it, `@azure/functions`
 * leaves "test mode" and hands every `app.http / app.storageQueue / app.timer` registration (trigger
 * metadata + handler) to `registerFunction`, exactly as in Azure; the local host serves what it collects.
 */
import Module from 'node:module';

type Handler = (...args: unknown[]) => unknown;
interface Binding {
  type: string;
  direction: 'in' | 'out';
  name: string;
  route?: string;
  methods?: string[];
  queueName?: string;
  connection?: string;
  schedule?: string;
  runOnStartup?: boolean;
}
export interface Registration {
  name: string;
  trigger: Binding;
  bindings: Record<string, Binding>;
  handler: Handler;
}

const registrations: Registration[] = [];
const CORE_ID = '@azure/functions-core';

/** Installs the worker's core API module, before any `app.*` registration runs. */
function installFunctionsCore(): void {
  const M = Module as unknown as { _resolveFilename: (req: string, ...rest: unknown[]) => string; _cache: Record<string, unknown> };
  if (M._cache[CORE_ID]) return;
  const original = M._resolveFilename;
  M._resolveFilename = function (request: string, ...rest: unknown[]) {
    return request === CORE_ID ? CORE_ID : original.call(this, request, ...rest);
  };
  const coreApi = {
    version: 'local',
    hostVersion: '4.0.0-local',
    setProgrammingModel: () => undefined,
    getProgrammingModel: () => undefined,
    registerHook: () => ({ dispose: () => undefined }),
    log: (level: string, _category: string, message: string) => {
      if (level === 'error' || level === 'critical') process.stderr.write(`${message}\n`);
    },
    registerFunction(metadata: { name: string; bindings: Record<string, Binding> }, handler: Handler) {
      const trigger = Object.values(metadata.bindings).find((b) => b.direction === 'in' && /trigger$/i.test(b.type));
      if (!trigger) throw new Error(`function ${metadata.name} has no trigger`);
      registrations.push({ name: metadata.name, trigger, bindings: metadata.bindings, handler });
      return { dispose: () => undefined };
    },
  };
  M._cache[CORE_ID] = { id: CORE_ID, filename: CORE_ID, loaded: true, exports: coreApi, children: [], paths: [] };
}

/**
 * Loads an entry module the way the Functions worker does and returns every registration it made: what
 * the Functions host in Azure would serve from it (the host below, and the test that the deployed entry
 * has no development-only route).
 */
export function loadRegistrations(entry: string): Registration[] {
  installFunctionsCore();
  // load the library only now, so it finds the core API above
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('@azure/functions');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require(entry);
  return registrations;
}
