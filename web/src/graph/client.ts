/**
 * The console's only way to the service: the Microsoft Graph JavaScript SDK, pointed at this API instead
 * of graph.microsoft.com. It is the proof that a Graph-based portal works against the API unchanged:
 * standard `authProvider`, `customHosts` (the SDK attaches the bearer token only to https hosts it knows),
 * its retry handler (429/503 with Retry-After) and its error type.
 */
import { Client } from '@microsoft/microsoft-graph-client';
import { createContext, useContext } from 'react';

export function createGraphClient(apiBaseUrl: string, getToken: () => Promise<string>): Client {
  const base = new URL(apiBaseUrl);
  return Client.init({
    baseUrl: base.href.replace(/\/$/, ''),
    defaultVersion: 'v1.0',
    customHosts: new Set([base.hostname]),
    authProvider: (done) => {
      getToken().then(
        (token) => done(null, token),
        (error: unknown) => done(error, null),
      );
    },
  });
}

export const GraphContext = createContext<Client | null>(null);

export function useGraph(): Client {
  const client = useContext(GraphContext);
  if (!client) throw new Error('useGraph outside the signed-in console');
  return client;
}
