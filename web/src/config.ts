/**
 * How this console signs in and where the API is, read at start from `console-config.json` next to
 * index.html: one build runs everywhere. The local host answers it with `{ signIn: "dev" }` (same origin
 * API); in Azure the deployment writes it from the azd environment (infra/console-config.mjs).
 */
export interface ConsoleConfig {
  signIn: 'dev' | 'msal';
  /** The API's base URL, ending in /api. Default: this origin's /api (the local host serves both). */
  apiBaseUrl?: string;
  /** Entra ID sign-in (Azure): the console's app registration and the API's scope. */
  msal?: { clientId: string; authority: string; scopes: string[] };
}

export async function loadConfig(): Promise<ConsoleConfig> {
  const res = await fetch('console-config.json', { cache: 'no-store' });
  if (!res.ok) throw new Error(`console-config.json could not be read (HTTP ${res.status}). The host serving the console must provide it.`);
  const config = (await res.json()) as ConsoleConfig;
  if (config.signIn === 'msal' && !config.msal?.clientId) throw new Error('console-config.json asks for Entra ID sign-in but names no msal.clientId.');
  return config;
}

export const apiBaseUrl = (config: ConsoleConfig) => new URL(config.apiBaseUrl ?? 'api', document.baseURI).href.replace(/\/$/, '');
