import { describe, expect, it } from 'vitest';
import { requireFreshAuthentication } from '../../src/federation/upstream-freshness.js';

const idp = { id: 'partner', displayName: 'Partner' };
const now = Date.parse('2026-12-02T12:00:00Z');
const s = (ms: number) => Math.floor(ms / 1000);
const refused = (fn: () => void) => {
  try {
    fn();
    return undefined;
  } catch (err) {
    return (err as { code?: string }).code;
  }
};

describe('the freshness an app asked for, checked against the upstream authentication time', () => {
  it('asks nothing when the app asked nothing', () => {
    expect(refused(() => requireFreshAuthentication(undefined, undefined, idp, now))).toBeUndefined();
  });

  it('prompt=login: the upstream must have authenticated after Foyer sent the browser there', () => {
    const reauth = { force: true, startedAt: now - 5_000 };
    expect(refused(() => requireFreshAuthentication(reauth, s(now - 2_000), idp, now))).toBeUndefined();
    expect(refused(() => requireFreshAuthentication(reauth, s(now - 3_600_000), idp, now))).toBe('reauthentication_missing');
    expect(refused(() => requireFreshAuthentication(reauth, undefined, idp, now))).toBe('reauthentication_missing');
  });

  it('max_age: no older than asked (with a minute of clock skew)', () => {
    const reauth = { force: false, maxAgeSeconds: 300, startedAt: now };
    expect(refused(() => requireFreshAuthentication(reauth, s(now - 200_000), idp, now))).toBeUndefined();
    expect(refused(() => requireFreshAuthentication(reauth, s(now - 400_000), idp, now))).toBe('reauthentication_missing');
  });

  it('refuses an authentication time in the future (a broken or lying clock)', () => {
    expect(refused(() => requireFreshAuthentication({ force: true, startedAt: now }, s(now + 3_600_000), idp, now))).toBe('reauthentication_missing');
  });
});
