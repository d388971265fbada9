/**
 * Reads local.settings.json (or, on a fresh clone, local.settings.sample.json) the way Core Tools would:
 * its Values become environment variables, without overriding ones already set.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { corsSettings, CorsSettings } from './cors';

export interface LocalHostSettings {
  file: string;
  /** http (curl, scripts). */
  port: number;
  /** https (Graph SDKs and the console): LOCAL_HTTPS_PORT, else the http port + 1. */
  httpsPort: number;
  /** Host.CORS (comma-separated origins, `*` for any) and Host.CORSCredentials; LOCAL_HOST_CORS and LOCAL_HOST_CORS_CREDENTIALS override them. */
  cors: CorsSettings;
}

export function applyLocalSettings(root = process.cwd()): LocalHostSettings {
  const own = join(root, 'local.settings.json');
  const file = existsSync(own) ? own : join(root, 'local.settings.sample.json');
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as {
    Values?: Record<string, string>;
    Host?: { LocalHttpPort?: number; CORS?: string; CORSCredentials?: boolean | string };
  };
  for (const [k, v] of Object.entries(parsed.Values ?? {})) if (process.env[k] === undefined) process.env[k] = String(v);
  const port = Number(process.env.LOCAL_HTTP_PORT ?? parsed.Host?.LocalHttpPort ?? 7071);
  const cors = corsSettings(process.env.LOCAL_HOST_CORS ?? parsed.Host?.CORS, process.env.LOCAL_HOST_CORS_CREDENTIALS ?? parsed.Host?.CORSCredentials);
  return { file, port, httpsPort: Number(process.env.LOCAL_HTTPS_PORT ?? port + 1), cors };
}
