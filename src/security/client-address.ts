// client address: what the per-address limits count by. An IPv4 address is
// one client (or one NAT), but an IPv6 host is routinely given a whole /64:
// counted address by address, it could pick a fresh one for every guess. So
// IPv6 addresses count by their first 64 bits, and an IPv4 address written
// as IPv6 (::ffff:192.0.2.1, as a dual-stack socket reports it) counts as
// the IPv4 address it is.
import { isIPv4, isIPv6 } from 'node:net';

/** The eight 16-bit groups of a valid IPv6 address. */
function ipv6Groups(address: string): number[] {
  // a zone (fe80::1%eth0) names the local interface, not part of the address
  let text = address.split('%')[0] ?? '';
  // a dotted IPv4 tail (::ffff:192.0.2.1) is the last two groups
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const groups = (part: string) => (part === '' ? [] : part.split(':').map((hex) => parseInt(hex, 16)));
  // "::" stands for as many zero groups as are missing (at most one "::")
  const [head = '', tail] = text.split('::');
  if (tail === undefined) return groups(head);
  const before = groups(head);
  const after = groups(tail);
  return [...before, ...Array<number>(8 - before.length - after.length).fill(0), ...after];
}

/**
 * The key a client address is counted under: an IPv4 address as it is, an
 * IPv6 address as its /64 ("2001:db8:0:1::/64"), an IPv4-mapped IPv6 address
 * as its IPv4 address. Anything else (Express has no address for the
 * client) is returned unchanged.
 */
export function addressKey(ip: string): string {
  if (isIPv4(ip) || !isIPv6(ip)) return ip;
  const g = ipv6Groups(ip);
  const mapped = g.slice(0, 5).every((group) => group === 0) && g[5] === 0xffff;
  if (mapped) {
    const [hi = 0, lo = 0] = g.slice(6);
    return [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff].join('.');
  }
  return `${g
    .slice(0, 4)
    .map((group) => group.toString(16))
    .join(':')}::/64`;
}
