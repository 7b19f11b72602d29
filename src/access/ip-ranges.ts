import { isIP } from 'node:net';

/**
 * IPv4 and IPv6 addresses and CIDR ranges as numbers, for named locations. Pure and synchronous so
 * that `evaluate()` stays a pure function. IPv4-mapped IPv6 addresses (`::ffff:203.0.113.9`, what a
 * dual-stack socket reports for an IPv4 client) are treated as the IPv4 address they carry.
 */
export interface IpAddress {
  family: 4 | 6;
  value: bigint;
}

export interface IpRange extends IpAddress {
  prefix: number;
}

const WIDTH = { 4: 32, 6: 128 } as const;
const MAPPED_PREFIX = 0xffffn << 32n;

export function parseIp(text: string | undefined): IpAddress | undefined {
  if (!text) return undefined;
  const address = text.trim().replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const family = isIP(address);
  if (family === 4) return { family: 4, value: ipv4(address) };
  if (family !== 6) return undefined;
  const value = ipv6(address);
  if (value === undefined) return undefined;
  if (value >> 32n === MAPPED_PREFIX >> 32n) return { family: 4, value: value & 0xffffffffn };
  return { family: 6, value };
}

/** `203.0.113.0/24`, `2001:db8::/32`, or a single address (a /32 or /128). */
export function parseCidr(text: string): IpRange | undefined {
  const [address = '', prefixText, extra] = text.trim().split('/');
  if (extra !== undefined) return undefined;
  const ip = parseIp(address);
  if (!ip) return undefined;
  // An IPv4-mapped range is written with an IPv6 prefix (::ffff:10.0.0.0/104); count it in IPv4 bits.
  const mapped = ip.family === 4 && isIP(address) === 6;
  const width = WIDTH[ip.family];
  let prefix = width;
  if (prefixText !== undefined) {
    if (!/^\d{1,3}$/.test(prefixText)) return undefined;
    prefix = Number(prefixText) - (mapped ? 96 : 0);
    if (prefix < 0 || prefix > width) return undefined;
  }
  return { ...ip, prefix, value: network(ip.value, prefix, width) };
}

export function rangeContains(range: IpRange, ip: IpAddress): boolean {
  if (range.family !== ip.family) return false;
  return network(ip.value, range.prefix, WIDTH[range.family]) === range.value;
}

function network(value: bigint, prefix: number, width: number): bigint {
  const hostBits = BigInt(width - prefix);
  return (value >> hostBits) << hostBits;
}

function ipv4(text: string): bigint {
  return text.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
}

/** Expands `::`, and an embedded dotted IPv4 tail; the caller has checked the syntax with isIP. */
function ipv6(text: string): bigint | undefined {
  let s = text;
  if (s.includes('.')) {
    const cut = s.lastIndexOf(':');
    const v4 = Number(ipv4(s.slice(cut + 1)));
    s = `${s.slice(0, cut + 1)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}
