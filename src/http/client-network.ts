import { isIPv6 } from 'node:net';

/**
 * The key a per-address budget counts a client under. An IPv4 address is itself; an IPv6 address
 * counts as its /64, because one customer is routinely given a whole /64 and could otherwise open a
 * fresh budget for every request. IPv4-mapped IPv6 (`::ffff:192.0.2.1`, what a dual-stack socket
 * reports) counts as the IPv4 address it maps.
 */
export function clientNetwork(ip: string): string {
  const bare = ip.replace(/%.*$/, '');
  if (!isIPv6(bare)) return bare;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  if (mapped) return mapped[1]!;
  const groups = expandIPv6(bare);
  return `${groups.slice(0, 4).join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address, lower-case, without leading zeros. */
function expandIPv6(address: string): string[] {
  const [head = '', tail] = address.split('::');
  const part = (s: string) => (s === '' ? [] : s.split(':').flatMap((g) => (g.includes('.') ? ipv4Groups(g) : [g])));
  const left = part(head);
  const right = tail === undefined ? [] : part(tail);
  const zeros = tail === undefined ? [] : new Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...zeros, ...right].map((g) => parseInt(g, 16).toString(16));
}

/** An embedded dotted IPv4 tail (`::1.2.3.4`) as the two groups it stands for. */
function ipv4Groups(dotted: string): string[] {
  const [a = 0, b = 0, c = 0, d = 0] = dotted.split('.').map(Number);
  return [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
}
