/** Test helpers for what the service sends out: a local webhook receiver, and waiting (bounded) for what arrives in the background. */
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';

export interface Received {
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** An HTTP receiver on a loopback port that answers 200 and keeps every delivery; started before the file's tests, closed after. */
export function webhookReceiver(): { url: () => string; received: Received[] } {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(200).end();
    });
  });
  let url = '';
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });
  afterAll(() => server.close());
  return { url: () => url, received };
}

/** Probes until `ok` holds or `ms` pass (a bound on a failure, never an assertion on speed); answers the last value. */
export async function until<T>(probe: () => Promise<T> | T, ok: (v: T) => boolean, ms = 45_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = await probe();
    if (ok(v) || Date.now() - start > ms) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}
