import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultConfigPath, loadConfig } from '../../src/config/load-config.js';
import { projectRoot } from '../../src/lib/project-root.js';

const fixtures = join(projectRoot, 'test/fixtures/config');
const example = join(projectRoot, 'config/foyer.yaml');

describe('the example configuration', () => {
  it('loads with no environment at all, as `npm start` does on a fresh clone', () => {
    const config = loadConfig(example, {});
    expect(config.tenant.displayName).toBe('Contoso');
    expect(config.tenant.memberDomains).toEqual(['contoso.example']);
    expect(config.server.port).toBe(3000);
    expect(config.storage.databaseUrl).toBe('sqlite:data/foyer.sqlite');
    expect(config.storage.redisUrl).toBeUndefined();
    expect(config.issuer).toBe('http://localhost:3000');
    expect(config.sourceFiles).toEqual([example]);
  });

  it('describes the demo app that examples/demo-app expects', () => {
    const [demo, ...others] = loadConfig(example, {}).apps;
    expect(others).toEqual([]);
    expect(demo).toMatchObject({
      id: 'demo-app',
      clientSecret: 'demo-app-secret-please-change-0123456789',
      redirectUris: ['http://localhost:3001/callback'],
      postLogoutRedirectUris: ['http://localhost:3001/'],
      grantTypes: ['authorization_code', 'refresh_token'],
      firstParty: true,
    });
  });

  it('takes the demo secret and the issuer from the environment when they are set', () => {
    const config = loadConfig(example, {
      DEMO_APP_SECRET: 'from-the-environment-0123456789abcdef',
      FOYER_ISSUER: 'https://id.contoso.example',
    });
    expect(config.apps[0]?.clientSecret).toBe('from-the-environment-0123456789abcdef');
    expect(config.issuer).toBe('https://id.contoso.example');
  });

  it('is what the default path (./config, or $FOYER_CONFIG) points at', () => {
    expect(defaultConfigPath({ FOYER_CONFIG: example })).toBe(example);
    const fromDirectory = loadConfig(join(projectRoot, 'config'), {});
    expect(fromDirectory.apps.map((a) => a.id)).toEqual(['demo-app']);
  });
});

describe('a configuration directory', () => {
  it('merges the top-level keys of every .yaml file and ignores other files', () => {
    const dir = join(fixtures, 'split-valid');
    const config = loadConfig(dir, {});
    expect(config.tenant.displayName).toBe('Contoso');
    expect(config.apps.map((a) => a.id)).toEqual(['intranet']);
    expect(config.sourceFiles).toEqual([join(dir, 'apps.yaml'), join(dir, 'foyer.yaml')]);
    expect(config.issuer).toBe('http://localhost:3100');
  });
});

describe('defaults', () => {
  it('fill in everything a minimal file leaves out', () => {
    const config = loadConfig(join(fixtures, 'split-valid/foyer.yaml'), {});
    expect(config.apps).toEqual([]);
    expect(config.resourceServers).toEqual([]);
    expect(config.server).toMatchObject({ host: '0.0.0.0', trustProxy: false, logLevel: 'info' });
    expect(config.storage).toMatchObject({ databaseUrl: 'sqlite:data/foyer.sqlite', autoMigrate: true });
    expect(config.keys).toMatchObject({ algorithm: 'ES256', retiredKeyTtlSeconds: 14 * 24 * 3600 });
    expect(config.tenant.branding).toMatchObject({ primaryColor: '#1f4e9c', backgroundColor: '#f5f6f8' });
  });

  it('make the issuer http://localhost:PORT when none is configured', () => {
    expect(loadConfig(join(fixtures, 'split-valid/foyer.yaml'), {}).issuer).toBe('http://localhost:3100');
    expect(loadConfig(join(fixtures, 'split-valid/foyer.yaml'), { PORT: '4321' }).issuer).toBe('http://localhost:4321');
  });
});
