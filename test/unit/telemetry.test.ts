import { startTelemetry } from '../../shared/telemetry';

test('no connection string: no telemetry is started', () => {
  expect(startTelemetry({ APPLICATIONINSIGHTS_CONNECTION_STRING: undefined }, {})).toBe(false);
  expect(startTelemetry({ APPLICATIONINSIGHTS_CONNECTION_STRING: '  ' }, {})).toBe(false);
});

test('with a connection string OpenTelemetry starts, once', async () => {
  const connection = 'InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=http://127.0.0.1:9/';
  expect(startTelemetry({ APPLICATIONINSIGHTS_CONNECTION_STRING: connection }, {})).toBe(true);
  expect(startTelemetry({ APPLICATIONINSIGHTS_CONNECTION_STRING: connection }, {})).toBe(false); // already running
  const { shutdownAzureMonitor } = await import('@azure/monitor-opentelemetry');
  await shutdownAzureMonitor();
});
