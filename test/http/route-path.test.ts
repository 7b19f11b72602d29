/**
 * routePath keeps its last answer (every budget and path-bound middleware asks for the same
 * request's path in turn): the kept answer must never leak into another path's.
 */
import { describe, expect, it } from 'vitest';
import { routePath } from '../../src/http/route-path.js';

describe('routePath', () => {
  it('lowers the path and drops one trailing slash, whatever was asked before', () => {
    const cases: [string, string][] = [
      ['/AUTH/', '/auth'],
      ['/token', '/token'],
      ['/AUTH/', '/auth'],
      ['/auth', '/auth'],
      ['/Interaction/Abc/', '/interaction/abc'],
      ['/', '/'],
      ['/Federation/Partner/Callback', '/federation/partner/callback'],
      ['/token/', '/token'],
      ['/token//', '/token/'],
      ['/TOKEN', '/token'],
    ];
    // Twice over, so each path is asked right after a different one and right after itself.
    for (const [path, expected] of [...cases, ...cases.map((c) => c)]) {
      expect(routePath(path)).toBe(expected);
      expect(routePath(path)).toBe(expected);
    }
  });
});
