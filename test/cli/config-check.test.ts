import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/lib/project-root.js';
import { ensureBuilt, runCli, tempConfig, type TempConfig } from './cli-harness.js';

const fixtures = join(projectRoot, 'test/fixtures/config');

describe('foyer config check', () => {
  let good: TempConfig;
  beforeAll(async () => {
    await ensureBuilt();
    good = tempConfig();
  });
  afterAll(() => good.remove());

  it('succeeds on a good config and says what it found', async () => {
    const result = await runCli(['config', 'check'], { config: good.file });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/configuration is valid \(1 file\(s\)\): issuer http:\/\/localhost:3000, 1 app\(s\)/);
  });

  it('checks ./config (the example) when neither --config nor FOYER_CONFIG is given', async () => {
    const result = await runCli(['config', 'check'], { cwd: projectRoot });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/configuration is valid/);
  });

  it('exits non-zero on a bad config and prints the file, the key path and the problem, without a stack trace', async () => {
    const result = await runCli(['config', 'check'], { config: join(fixtures, 'invalid-redirect-uri.yaml') });
    expect(result.code).not.toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/invalid-redirect-uri\.yaml: apps\[1\]\.redirectUris\[0\]: is not a valid URL/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('takes --config over FOYER_CONFIG', async () => {
    const result = await runCli(['--config', join(fixtures, 'unknown-key.yaml'), 'config', 'check'], { config: good.file });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/unknown-key\.yaml: server\.trustProxies: unknown key/);
  });

  it('reports a YAML syntax error with its line', async () => {
    const result = await runCli(['config', 'check'], { config: join(fixtures, 'yaml-syntax-error.yaml') });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/yaml-syntax-error\.yaml: line 7, column 3: YAML syntax error/);
  });

  it('reports an environment override that breaks the config by its variable name', async () => {
    const result = await runCli(['config', 'check'], { config: good.file, env: { PORT: 'http' } });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/environment variable PORT: server\.port: must be a number/);
  });
});
