import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MissingEnvError, substituteEnv } from '../../src/config/env-substitution.js';
import { loadConfig } from '../../src/config/load-config.js';
import { projectRoot } from '../../src/lib/project-root.js';

const fixture = join(projectRoot, 'test/fixtures/config/env-substitution.yaml');
const SECRET = 'intranet-secret-0123456789-abcdefghij';

describe('${VAR} and ${VAR:-default} substitution', () => {
  it('uses the defaults when the variables are unset, and drops a value that is only an empty default', () => {
    const config = loadConfig(fixture, { INTRANET_CLIENT_SECRET: SECRET });
    expect(config.tenant.displayName).toBe('Contoso');
    expect(config.tenant.memberDomains).toEqual(['contoso.example']);
    expect(config.apps[0]).toMatchObject({
      displayName: 'Intranet at intranet.contoso.example',
      clientSecret: SECRET,
      redirectUris: ['https://intranet.contoso.example/callback'],
    });
    // `redisUrl: ${REDIS_URL_IN_FILE:-}` disappears instead of failing the redis:// check.
    expect(config.storage.redisUrl).toBeUndefined();
    expect(config.issuer).toBe('http://localhost:3000');
  });

  it('uses the variables when they are set, also inside longer strings', () => {
    const config = loadConfig(fixture, {
      INTRANET_CLIENT_SECRET: SECRET,
      TENANT_NAME: 'Fabrikam',
      MEMBER_DOMAIN: 'Fabrikam.example',
      INTRANET_HOST: 'intranet.fabrikam.example:8443',
      REDIS_URL_IN_FILE: 'redis://127.0.0.1:6380',
      FOYER_ISSUER: 'https://id.fabrikam.example',
    });
    expect(config.tenant.displayName).toBe('Fabrikam');
    expect(config.tenant.memberDomains).toEqual(['fabrikam.example']);
    expect(config.apps[0]?.displayName).toBe('Intranet at intranet.fabrikam.example:8443');
    expect(config.apps[0]?.redirectUris).toEqual(['https://intranet.fabrikam.example:8443/callback']);
    expect(config.apps[0]?.postLogoutRedirectUris).toEqual(['https://intranet.fabrikam.example:8443/']);
    expect(config.storage.redisUrl).toBe('redis://127.0.0.1:6380');
    expect(config.issuer).toBe('https://id.fabrikam.example');
  });

  it('substitutes a secret containing YAML syntax verbatim, without changing the structure', () => {
    const tricky = 'abc": [x] # not a comment\n- {apps: []} &anchor *alias ${NOT_EXPANDED} \'q\'';
    const config = loadConfig(fixture, { INTRANET_CLIENT_SECRET: tricky });
    expect(config.apps[0]?.clientSecret).toBe(tricky);
    expect(config.apps.map((a) => a.id)).toEqual(['intranet', 'portal']);
    expect(config.apps[0]?.redirectUris).toEqual(['https://intranet.contoso.example/callback']);
    expect(config.apps[1]?.clientSecret).toBe('portal-secret-0123456789-abcdefghijklmnop');
  });

  it('works on parsed values: keys, numbers and booleans are left alone, lists and nesting are walked', () => {
    const out = substituteEnv(
      { '${KEY}': 'x', n: 3, b: true, list: ['${A}', { deep: 'pre-${B:-dflt}-post' }], none: null },
      { A: 'a', KEY: 'k' },
    );
    expect(out).toEqual({ '${KEY}': 'x', n: 3, b: true, list: ['a', { deep: 'pre-dflt-post' }], none: null });
  });

  it('an unset variable without a default reports the variable and where it is used', () => {
    let caught: unknown;
    try {
      substituteEnv({ apps: [{ clientSecret: '${NOPE}' }] }, {});
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(MissingEnvError);
    expect(caught).toMatchObject({ variable: 'NOPE', path: ['apps', 0, 'clientSecret'] });
  });
});

describe('environment overrides', () => {
  const env = { INTRANET_CLIENT_SECRET: SECRET };

  it('PORT wins over server.port, and the default issuer follows it', () => {
    const config = loadConfig(fixture, { ...env, PORT: '8088' });
    expect(config.server.port).toBe(8088);
    expect(config.issuer).toBe('http://localhost:8088');
  });

  it('DATABASE_URL wins over storage.databaseUrl', () => {
    expect(loadConfig(fixture, env).storage.databaseUrl).toBe('sqlite:data/from-file.sqlite');
    const config = loadConfig(fixture, { ...env, DATABASE_URL: 'postgres://foyer@db.internal/foyer' });
    expect(config.storage.databaseUrl).toBe('postgres://foyer@db.internal/foyer');
  });

  it('REDIS_URL and LOG_LEVEL override their keys too', () => {
    const config = loadConfig(fixture, { ...env, REDIS_URL: 'redis://cache:6379', LOG_LEVEL: 'warn' });
    expect(config.storage.redisUrl).toBe('redis://cache:6379');
    expect(config.server.logLevel).toBe('warn');
  });

  it('an empty override is ignored', () => {
    const config = loadConfig(fixture, { ...env, PORT: '', DATABASE_URL: '' });
    expect(config.server.port).toBe(3000);
    expect(config.storage.databaseUrl).toBe('sqlite:data/from-file.sqlite');
  });

  it('an override creates its section when the file has none', () => {
    // This file has tenant and server but no storage section.
    const config = loadConfig(join(projectRoot, 'test/fixtures/config/split-valid/foyer.yaml'), { DATABASE_URL: 'sqlite::memory:' });
    expect(config.storage.databaseUrl).toBe('sqlite::memory:');
  });
});
