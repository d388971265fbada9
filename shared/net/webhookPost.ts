/**
 * Posting to a tenant's webhook without letting the URL reach inside: the host name is resolved, every
 * address it resolves to must be public (shared/net/addresses.ts), and the connection goes to the address
 * that was checked (the socket's lookup is pinned to it), so a DNS answer that changes between the check
 * and the connection (rebinding) cannot redirect it. Redirects are never followed (a 3xx is a failed
 * delivery: following one would re-send the body and its signature elsewhere). The caller learns only
 * whether it worked; the reason is logged for the operator.
 */
import { lookup } from 'node:dns/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { isLoopbackAddress, isPublicAddress } from './addresses';

export interface Destination {
  url: URL;
  address: string;
  family: 4 | 6;
}

export class UnsafeDestination extends Error {}

/**
 * One answer for a host that does not resolve and one that resolves to an internal address: two would
 * tell a caller which internal names exist (a map of the service's network, one registration at a time).
 */
const NOT_PUBLIC = 'The webhook URL must name a host that resolves to public internet addresses only (not private, loopback, link-local or reserved ones).';

/**
 * Checks a webhook URL and resolves it to the address to connect to. https only; `allowLoopbackHttp`
 * (local development and tests) also admits http to a loopback address, and nothing else that is internal.
 */
export async function resolveDestination(raw: string, allowLoopbackHttp: boolean): Promise<Destination> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UnsafeDestination('The webhook URL is not a valid URL.');
  }
  if (url.username || url.password) throw new UnsafeDestination('The webhook URL must not carry a user name or password.');
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new UnsafeDestination('The webhook URL must use https://.');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: { address: string; family: number }[];
  if (isIP(host)) addresses = [{ address: host, family: isIP(host) }];
  else {
    try {
      addresses = await lookup(host, { all: true, verbatim: true });
    } catch {
      throw new UnsafeDestination(NOT_PUBLIC);
    }
  }
  if (!addresses.length) throw new UnsafeDestination(NOT_PUBLIC);
  const allLoopback = addresses.every((a) => isLoopbackAddress(a.address));
  const devLoopback = allowLoopbackHttp && allLoopback;
  if (!devLoopback && !addresses.every((a) => isPublicAddress(a.address))) throw new UnsafeDestination(NOT_PUBLIC);
  if (url.protocol !== 'https:' && !devLoopback) throw new UnsafeDestination('The webhook URL must use https://.');
  const first = addresses[0];
  return { url, address: first.address, family: first.family === 6 ? 6 : 4 };
}

/**
 * POSTs the body to the checked address; resolves to the HTTP status (a redirect is just a status) as soon
 * as the status line and headers are in, and hangs up: the answer's body is never read. `timeoutMs` bounds
 * the whole exchange, from connecting to the headers (a socket idle timeout alone would let a receiver that
 * trickles a byte now and then, or never ends its body, hold the delivery and its worker indefinitely).
 */
export function postPinned(d: Destination, body: string, headers: Record<string, string>, timeoutMs: number): Promise<number> {
  const send = d.url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<number>((resolve, reject) => {
    const deadline = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    const settle = () => clearTimeout(deadline);
    const req = send(
      d.url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        // the connection goes to the address that was checked, whatever DNS says now (TLS still checks the name)
        lookup: (_host, opts, cb) => {
          const done = cb as (e: null, a: string | { address: string; family: number }[], f?: number) => void;
          if ((opts as { all?: boolean }).all) done(null, [{ address: d.address, family: d.family }]);
          else done(null, d.address, d.family);
        },
        timeout: timeoutMs,
      },
      (res) => {
        settle();
        resolve(res.statusCode ?? 0);
        res.on('error', () => undefined); // the hang-up below may surface as an aborted answer
        req.destroy(); // only the status matters: the answer's body is not read
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (e) => {
      settle();
      reject(e);
    });
    req.end(body);
  });
}
