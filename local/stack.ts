/**
 * The whole local stack in one call: emulators, database and containers, the demo's catalog when the store
 * has none, the local Functions host with the app's registrations and the dev JWKS. Used by `npm start`, the tests and the benchmarks.
 * Settings must already be in process.env (see settingsFile.ts).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { RunningHost } from './host';

export interface Stack {
  host: RunningHost;
  url: string;
  /** The https base URL and the CA file a Node client trusts it with (NODE_EXTRA_CA_CERTS). */
  httpsUrl: string;
  caFile: string;
  /** The admin console's address (https, same origin as the API), when the console is built (dist/web). */
  consoleUrl?: string;
  /** Process ids of the emulators this stack started (none when attached to running ones). */
  emulatorPids: number[];
  stop(): Promise<void>;
}

/** `attach`: use emulators that are already running on the configured ports (a second host on the same data). */
export async function startStack(o: {
  port: number;
  httpsPort?: number;
  quiet?: boolean;
  root?: string;
  attach?: boolean;
  cors?: import('./cors').CorsSettings;
}): Promise<Stack> {
  const root = o.root ?? join(__dirname, '..', '..');
  const { settings, tokenIssuer } = await import('../shared/config');
  const s = settings();
  const cosmosPort = Number(new URL(s.COSMOS_ENDPOINT).port || 8081);
  const storage = process.env.AzureWebJobsStorage ?? '';
  const queuePort = storage === 'UseDevelopmentStorage=true' ? 10001 : Number(/QueueEndpoint=https?:\/\/[^:/]+:(\d+)/.exec(storage)?.[1] ?? 10001);
  const { startEmulators } = await import('./emulators');
  const emulators = o.attach ? { pids: [], stop: async () => undefined } : await startEmulators({ cosmosPort, queuePort, quiet: o.quiet });
  let host: RunningHost | undefined;
  let caFile!: string;
  let consoleBuilt!: boolean;
  try {
    const { ensureDatabase } = await import('../shared/storage/cosmos');
    await ensureDatabase();
    const { ensureQueues } = await import('../shared/storage/queues');
    await ensureQueues();
    // the demo's catalog, through the import use-case, when the store has none yet (never over an operator's)
    await (await import('./demoCatalog')).loadDemoCatalogIfEmpty();
    const { devJwks, devKey } = await import('./devTokens');
    await devKey(); // created before anyone mints a token against this host
    const { startHost } = await import('./host');
    (await import('./chaos')).installChaos(); // tests of failure only (off unless its setting is there)
    const { ensureDevCertificate } = await import('./tls');
    const tls = await ensureDevCertificate(join(root, '.local', 'tls'));
    caFile = tls.caFile;
    const { devSignInRoutes } = await import('./devSignIn');
    const { DEMO_TENANT_ID } = await import('./seed');
    const consoleRoot = join(root, 'dist', 'web');
    consoleBuilt = existsSync(join(consoleRoot, 'index.html'));
    const httpsPort = o.httpsPort ?? o.port + 1;
    host = await startHost({
      port: o.port,
      https: { port: httpsPort, key: tls.key, cert: tls.cert },
      bind: process.env.LOCAL_HOST_BIND || undefined,
      entry: join(root, 'dist', 'functions', 'index.js'),
      hostJson: join(root, 'host.json'),
      extraRoutes: {
        '/.well-known/dev-jwks.json': devJwks,
        // the console's dev sign-in: local only, like the dev JWKS (never in functions/)
        ...devSignInRoutes({
          tenantId: (process.env.DEV_SIGNIN_TENANT_ID || DEMO_TENANT_ID).toLowerCase(),
          issuer: tokenIssuer(s),
          audience: s.AUTH_AUDIENCE[0],
          httpsPort,
        }),
      },
      staticRoot: consoleBuilt ? consoleRoot : undefined,
      quiet: o.quiet,
      cors: o.cors,
    });
  } catch (e) {
    await emulators.stop();
    throw e;
  }
  const running = host;
  return {
    host: running,
    url: running.url,
    httpsUrl: running.httpsUrl!,
    caFile,
    consoleUrl: consoleBuilt ? `${new URL(running.httpsUrl!).origin}/` : undefined,
    emulatorPids: emulators.pids,
    async stop() {
      await running.close().catch(() => undefined);
      await emulators.stop();
    },
  };
}
