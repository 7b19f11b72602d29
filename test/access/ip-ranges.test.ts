import { describe, expect, it } from 'vitest';
import { parseCidr, parseIp, rangeContains } from '../../src/access/ip-ranges.js';

const inRange = (cidr: string, ip: string) => rangeContains(parseCidr(cidr)!, parseIp(ip)!);

describe('IP ranges for named locations', () => {
  it('parses IPv4 and IPv6 addresses, including :: shorthand, zones, brackets and embedded IPv4', () => {
    expect(parseIp('203.0.113.9')).toEqual({ family: 4, value: 0xcb007109n });
    expect(parseIp('::1')).toEqual({ family: 6, value: 1n });
    expect(parseIp('2001:db8::')?.value).toBe(0x20010db8n << 96n);
    expect(parseIp('[2001:db8::1]')?.value).toBe((0x20010db8n << 96n) | 1n);
    expect(parseIp('fe80::1%eth0')?.value).toBe((0xfe80n << 112n) | 1n);
    expect(parseIp('64:ff9b::192.0.2.33')?.value).toBe((0x64ff9bn << 96n) | 0xc0000221n);
  });

  it('reads IPv4-mapped IPv6 (what dual-stack sockets report) as IPv4', () => {
    expect(parseIp('::ffff:203.0.113.9')).toEqual({ family: 4, value: 0xcb007109n });
    expect(parseIp('::ffff:cb00:7109')).toEqual({ family: 4, value: 0xcb007109n });
    expect(inRange('203.0.113.0/24', '::ffff:203.0.113.200')).toBe(true);
  });

  it('refuses what is not an address or a range', () => {
    for (const bad of ['', 'x', '256.1.1.1', '1.2.3', '1::2::3', '203.0.113.0/33', '2001:db8::/129', '10.0.0.0/', '10.0.0.0/8/8', '10.0.0.0/-1', '10.0.0.0/ 8']) {
      expect(parseCidr(bad), bad).toBeUndefined();
    }
    expect(parseIp(undefined)).toBeUndefined();
  });

  it.each([
    ['203.0.113.0/24', '203.0.113.0', true],
    ['203.0.113.0/24', '203.0.113.255', true],
    ['203.0.113.0/24', '203.0.114.0', false],
    ['203.0.113.77/24', '203.0.113.1', true],
    ['10.0.0.0/8', '10.255.255.255', true],
    ['0.0.0.0/0', '198.51.100.1', true],
    ['198.51.100.7', '198.51.100.7', true],
    ['198.51.100.7', '198.51.100.8', false],
    ['2001:db8::/32', '2001:db8:ffff:1::1', true],
    ['2001:db8::/32', '2001:db9::1', false],
    ['2001:db8:abcd:12::/64', '2001:db8:abcd:12:ffff:ffff:ffff:ffff', true],
    ['2001:db8:abcd:12::/64', '2001:db8:abcd:13::', false],
    ['::/0', '2001:db8::1', true],
    ['::/0', '203.0.113.1', false],
    ['0.0.0.0/0', '2001:db8::1', false],
    ['::ffff:10.0.0.0/104', '10.1.2.3', true],
    ['::ffff:10.0.0.0/104', '11.1.2.3', false],
  ])('%s contains %s: %s', (cidr, ip, expected) => {
    expect(inRange(cidr, ip)).toBe(expected);
  });
});
