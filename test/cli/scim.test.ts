import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runCli } from './cli-harness.js';

describe('foyer scim new-token', () => {
  beforeAll(() => ensureBuilt());

  it('prints a fresh 256-bit token and the hash config takes, never the same twice', async () => {
    const tokens = [];
    for (let i = 0; i < 2; i++) {
      const result = await runCli(['scim', 'new-token', '--client', 'workday']);
      expect(result.code).toBe(0);
      const token = /: (foyer_scim_[A-Za-z0-9_-]{43})$/m.exec(result.stdout)?.[1];
      const hash = /tokenSha256: ([0-9a-f]{64})$/m.exec(result.stdout)?.[1];
      expect(token).toBeDefined();
      expect(hash).toBe(createHash('sha256').update(token!).digest('hex'));
      expect(result.stdout).toMatch(/- id: workday$/m);
      tokens.push(token);
    }
    expect(tokens[0]).not.toBe(tokens[1]);
  });
});
