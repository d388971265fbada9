/**
 * OpenTelemetry to Application Insights (@azure/monitor-opentelemetry) when
 * APPLICATIONINSIGHTS_CONNECTION_STRING is set; nothing at all when it is not (locally, in tests).
 * In Azure the exporter signs in with the app's managed identity when the authentication string asks for
 * Entra ID (`Authorization=AAD`), as infra/ sets it: local auth is off on the Application Insights resource.
 */
import { DefaultAzureCredential } from '@azure/identity';
import { Settings } from './config';

let started = false;

export function startTelemetry(s: Pick<Settings, 'APPLICATIONINSIGHTS_CONNECTION_STRING'>, env: NodeJS.ProcessEnv = process.env): boolean {
  const connectionString = s.APPLICATIONINSIGHTS_CONNECTION_STRING?.trim();
  if (started || !connectionString) return false;
  const auth = env.APPLICATIONINSIGHTS_AUTHENTICATION_STRING ?? '';
  const clientId = /ClientId=([^;]+)/i.exec(auth)?.[1] ?? env.AZURE_CLIENT_ID;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { useAzureMonitor } = require('@azure/monitor-opentelemetry') as typeof import('@azure/monitor-opentelemetry');
  useAzureMonitor({
    azureMonitorExporterOptions: {
      connectionString,
      ...(/Authorization=AAD/i.test(auth) ? { credential: new DefaultAzureCredential(clientId ? { managedIdentityClientId: clientId } : {}) } : {}),
    },
  });
  started = true;
  return true;
}
