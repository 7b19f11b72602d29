import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load-config.js';
import { projectRoot } from '../../src/lib/project-root.js';

const fixtures = join(projectRoot, 'test/fixtures/config');

/** The problem lines for a fixture that must not load. */
function problemsOf(fixture: string, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    loadConfig(join(fixtures, fixture), env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems;
    // The message printed at start and by `config check` carries every problem.
    for (const line of problems) expect((err as ConfigError).message).toContain(line);
    return problems;
  }
  throw new Error(`${fixture} loaded, but it should have been rejected`);
}

/**
 * One problem line must name the file, the key path and the problem, in that order, because an
 * operator reads it as "go to this file, find this key, fix this".
 */
function expectProblem(problems: string[], want: { file: string; path: string; problem: RegExp }): void {
  const line = problems.find((p) => p.includes(want.file) && p.includes(`: ${want.path}: `));
  expect(line, `no problem for ${want.file} ${want.path} in:\n${problems.join('\n')}`).toBeDefined();
  expect(line).toMatch(want.problem);
  expect(line!.indexOf(want.file)).toBeLessThan(line!.indexOf(want.path));
}

describe('a configuration that cannot be used is rejected with a message a person can act on', () => {
  it('YAML syntax error: names the file and the line', () => {
    const problems = problemsOf('yaml-syntax-error.yaml');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('yaml-syntax-error.yaml');
    expect(problems[0]).toMatch(/line 7, column 3/);
    expect(problems[0]).toMatch(/YAML syntax error/);
    expect(problems[0]).toMatch(/colon after a key missing/);
  });

  it('unknown key: names the full key path and says it is unknown', () => {
    const problems = problemsOf('unknown-key.yaml');
    expect(problems).toHaveLength(1);
    expectProblem(problems, { file: 'unknown-key.yaml', path: 'server.trustProxies', problem: /unknown key "trustProxies"/ });
  });

  it('wrong type: port "abc" is not reported as missing, and the bad value is shown', () => {
    const problems = problemsOf('wrong-type-port.yaml');
    expectProblem(problems, { file: 'wrong-type-port.yaml', path: 'server.port', problem: /must be a number, not the text "abc"/ });
    expect(problems.join('\n')).not.toMatch(/required|NaN/);
  });

  it('invalid URL in apps[1].redirectUris[0]', () => {
    const problems = problemsOf('invalid-redirect-uri.yaml');
    expect(problems).toHaveLength(1);
    expectProblem(problems, { file: 'invalid-redirect-uri.yaml', path: 'apps[1].redirectUris[0]', problem: /is not a valid URL/ });
  });

  it('duplicate app ids: names the second one and where the first is', () => {
    const problems = problemsOf('duplicate-app-ids.yaml');
    expect(problems).toHaveLength(1);
    expectProblem(problems, { file: 'duplicate-app-ids.yaml', path: 'apps[1].id', problem: /duplicate app id "payroll" \(apps\[0\] already uses it\)/ });
  });

  it('a client_credentials app without clientSecret', () => {
    const problems = problemsOf('client-credentials-without-secret.yaml');
    expectProblem(problems, { file: 'client-credentials-without-secret.yaml', path: 'apps[0].clientSecret', problem: /client_credentials needs a clientSecret/ });
  });

  it('a clientSecret that is too short, without printing the secret', () => {
    const problems = problemsOf('short-client-secret.yaml');
    expectProblem(problems, { file: 'short-client-secret.yaml', path: 'apps[0].clientSecret', problem: /must be at least 32 characters/ });
    expect(problems.join('\n')).not.toContain('too-short');
  });

  it('missing tenant: says it is required instead of zod\'s "expected object, received undefined"', () => {
    const problems = problemsOf('missing-tenant.yaml');
    expect(problems).toHaveLength(1);
    expectProblem(problems, { file: 'missing-tenant.yaml', path: 'tenant', problem: /is required \(a mapping of settings\)/ });
    expect(problems[0]).not.toMatch(/received undefined/);
  });

  it('${VAR} without a default that is not set: names the variable and the key path', () => {
    const problems = problemsOf('missing-env.yaml');
    expect(problems).toHaveLength(1);
    expectProblem(problems, { file: 'missing-env.yaml', path: 'apps[0].clientSecret', problem: /environment variable INTRANET_CLIENT_SECRET is not set/ });
    // An empty value counts as unset, as in a shell's ${VAR:-default}.
    expect(problemsOf('missing-env.yaml', { INTRANET_CLIENT_SECRET: '' })[0]).toMatch(/INTRANET_CLIENT_SECRET is not set/);
  });

  it('a colour that is not #rrggbb', () => {
    const problems = problemsOf('bad-colour.yaml');
    expectProblem(problems, { file: 'bad-colour.yaml', path: 'tenant.branding.primaryColor', problem: /must be a colour like #[0-9a-f]{6}/ });
  });

  it('a directory where two files define the same top-level key: names both files', () => {
    const problems = problemsOf('split-duplicate-key');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/split-duplicate-key\/foyer\.yaml: apps: already defined in .*split-duplicate-key\/apps\.yaml/);
    expect(problems[0]).toMatch(/one file only/);
  });

  it('in a directory, a bad value is blamed on the file it came from', () => {
    const problems = problemsOf('split-bad-value');
    expectProblem(problems, { file: 'split-bad-value/apps.yml', path: 'apps[0].redirectUris[0]', problem: /is not a valid URL/ });
  });

  it('a bad value from an environment override names the variable, not the file', () => {
    const problems = problemsOf('split-valid/foyer.yaml', { PORT: 'eighty' });
    expectProblem(problems, { file: 'environment variable PORT', path: 'server.port', problem: /must be a number, not the text "eighty"/ });
  });

  it('several problems are all reported at once, one line each', () => {
    const problems = problemsOf('invalid-redirect-uri.yaml', { PORT: 'x', LOG_LEVEL: 'loud' });
    expect(problems).toHaveLength(3);
    expectProblem(problems, { file: 'environment variable LOG_LEVEL', path: 'server.logLevel', problem: /must be one of fatal, error, warn, info, debug, trace, silent/ });
  });

  it('a path that does not exist says how to point Foyer at its config', () => {
    const problems = problemsOf('no-such-file.yaml');
    expect(problems[0]).toMatch(/no-such-file\.yaml: no such file or directory \(set FOYER_CONFIG/);
  });

  it.each([
    ['apps: {}', 'apps', /^must be a list, not a mapping$/],
    ['keys: { algorithm: HS256 }', 'keys.algorithm', /^must be one of ES256, RS256$/],
    ['limits: { lockoutSeconds: 0 }', 'limits.lockoutSeconds', /^must be at least 1$/],
    ['server: { trustProxy: "yes" }', 'server.trustProxy', /^must be true or false, not the text "yes"$/],
    ['server: { shutdownGraceSeconds: 1.5 }', 'server.shutdownGraceSeconds', /^must be a whole number, not 1.5$/],
    ['server:', 'server', /^is empty; it must be a mapping of settings$/],
    ['tenant: { displayName: "" }', 'tenant.displayName', /^must not be empty$/],
    ['tenant: { displayName: C, branding: { supportEmail: it-at-contoso } }', 'tenant.branding.supportEmail', /^is not a valid email address$/],
    ['apps: [{ id: x1y, displayName: X, clientSecret: 12345, redirectUris: [https://x.example/cb] }]', 'apps[0].clientSecret', /^must be text, not a number$/],
    ['tenent: { displayName: Contoso }', 'tenent', /^unknown key "tenent"/],
    ['apps: [{ id: x1y, displayName: X, redirectUris: [https://x.example/cb], backchannelLogoutUri: "ftp://x.example/logout" }]', 'apps[0].backchannelLogoutUri', /^must be an http\(s\) URL without a fragment$/],
    ['directoryRoles: { allowGuests: "yes" }', 'directoryRoles.allowGuests', /^must be true or false, not the text "yes"$/],
  ])('%s → %s: %s', (yaml, path, problem) => {
    const dir = mkdtempSync(join(tmpdir(), 'foyer-config-'));
    try {
      const file = join(dir, 'case.yaml');
      writeFileSync(file, yaml.startsWith('tenant') ? yaml : `tenant: { displayName: Contoso }\n${yaml}\n`);
      let problems: string[] = [];
      try {
        loadConfig(file, {});
      } catch (err) {
        problems = (err as ConfigError).problems;
      }
      const line = problems.find((p) => p.startsWith(`${file}: ${path}: `));
      expect(line, problems.join('\n')).toBeDefined();
      expect(line!.slice(`${file}: ${path}: `.length)).toMatch(problem);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
