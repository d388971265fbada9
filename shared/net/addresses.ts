/**
 * Which network addresses an outbound call of the service (an alert webhook) may reach: public ones only.
 * Loopback, private, link-local (169.254.169.254 is the cloud's metadata service), shared, documentation,
 * multicast and reserved ranges, their IPv6 counterparts (unique local fc00::/7, link-local fe80::/10), and
 * the IPv6 forms that embed an IPv4 address (mapped ::ffff:a.b.c.d, compatible ::a.b.c.d, translated
 * ::ffff:0:a.b.c.d, NAT64, 6to4) are refused: a tenant's webhook must never become a way into the
 * service's own network. Node's BlockList does the matching.
 */
import { BlockList, isIP } from 'node:net';

const internal = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
  // Azure's platform address (DNS, DHCP, the host agent's wireserver): reachable from every VM and app
  ['168.63.129.16', 32],
] as const)
  internal.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [
  ['::', 128],
  ['::1', 128],
  // IPv4-compatible ::a.b.c.d (deprecated, RFC 4291; some stacks tunnel it to the IPv4 address) and
  // IPv4-translated ::ffff:0:a.b.c.d (SIIT, RFC 2765): IPv4-embedding forms like the mapped one
  ['::', 96],
  ['::ffff:0:0:0', 96],
  ['64:ff9b::', 96],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001::', 23],
  ['2001:db8::', 32],
  ['2002::', 16],
  ['3fff::', 20], // documentation (RFC 9637)
  ['5f00::', 16], // SRv6 SIDs (RFC 9602), not globally routable
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const)
  internal.addSubnet(net, bits, 'ipv6');

// (IPv4-mapped addresses are turned into IPv4 first, by unmapped(): BlockList itself would test every
// IPv4 address against an IPv6 ::ffff:0:0/96 rule too, so that rule cannot be listed above.)
const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

/** An IPv4-mapped IPv6 address (::ffff:7f00:1, ::ffff:127.0.0.1) as the IPv4 address it is. */
function unmapped(address: string): string {
  const lower = address.toLowerCase().replace(/^\[|\]$/g, '');
  const dotted = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (dotted) return dotted[1];
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (hex) {
    const [a, b] = [parseInt(hex[1], 16), parseInt(hex[2], 16)];
    return `${a >> 8}.${a & 255}.${b >> 8}.${b & 255}`;
  }
  return lower;
}

const family = (address: string) => (isIP(address) === 6 ? 'ipv6' : 'ipv4');

/**
 * IPv6 ::/8 (reserved, RFC 4291): the rest of it beside the forms listed above. Not a BlockList rule, as
 * it holds ::ffff:0:0/96 (see above); tested here on the first 16 bits, after mapped addresses are unmapped.
 */
const inReservedV6 = (a: string) => isIP(a) === 6 && (a.startsWith('::') || parseInt(a.split(':')[0], 16) < 0x100);

/** A public address: none of the ranges above. Anything that is not an IP address is not public. */
export function isPublicAddress(address: string): boolean {
  const a = unmapped(address);
  if (!isIP(a)) return false;
  return !inReservedV6(a) && !internal.check(a, family(a));
}

export function isLoopbackAddress(address: string): boolean {
  const a = unmapped(address);
  return isIP(a) !== 0 && loopback.check(a, family(a));
}
