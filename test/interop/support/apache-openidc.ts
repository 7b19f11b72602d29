/**
 * mod_auth_openidc under Apache as a relying app of Foyer: its own httpd.conf in a temporary
 * folder, Apache in the foreground on loopback. `/protected/` needs a sign-in; the redirect URI's
 * info hook (`?info=json`) shows the session (ID token claims, whether a refresh token is held) and
 * refreshes the access token on request; `?logout=` is RP-initiated logout.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { peerDir, startPeer } from './peers.js';

export interface ApacheApp {
  url: string;
  redirectUri: string;
  postLogoutUri: string;
  stop: () => Promise<void>;
  /** Apache's error log, where mod_auth_openidc writes: for the assertion message when a step fails. */
  errorLog: () => Promise<string>;
}

export async function startApacheOpenidc(opts: { port: number; issuer: string; clientId: string; clientSecret: string; scope: string }): Promise<ApacheApp> {
  const { dir, remove } = await peerDir('apache');
  const url = `http://127.0.0.1:${opts.port}`;
  const redirectUri = `${url}/protected/redirect_uri`;
  await mkdir(join(dir, 'htdocs/protected'), { recursive: true, mode: 0o755 });
  await writeFile(join(dir, 'htdocs/protected/index.html'), '<!doctype html><h1>Protected by mod_auth_openidc</h1>\n', { mode: 0o644 });
  await writeFile(join(dir, 'htdocs/index.html'), '<!doctype html><h1>Signed out</h1>\n', { mode: 0o644 });
  const modules = ['mpm_event', 'authn_core', 'authz_core', 'authz_user', 'mime', 'dir', 'auth_openidc'];
  const conf = `
ServerRoot "${dir}"
ServerName 127.0.0.1
Listen 127.0.0.1:${opts.port}
PidFile "${dir}/httpd.pid"
ErrorLog "${dir}/error.log"
LogLevel warn auth_openidc:info
${modules.map((m) => `LoadModule ${m === 'auth_openidc' ? 'auth_openidc_module' : `${m}_module`} /usr/lib/apache2/modules/mod_${m}.so`).join('\n')}
User nobody
Group nogroup
DocumentRoot "${dir}/htdocs"
DirectoryIndex index.html
TypesConfig /etc/mime.types

OIDCProviderMetadataURL ${opts.issuer}/.well-known/openid-configuration
OIDCClientID ${opts.clientId}
OIDCClientSecret ${opts.clientSecret}
OIDCRedirectURI ${redirectUri}
OIDCCryptoPassphrase interop-${Math.random().toString(36).slice(2)}
OIDCScope "${opts.scope}"
OIDCPKCEMethod S256
OIDCSSLValidateServer Off
OIDCProviderTokenEndpointAuth client_secret_basic
OIDCInfoHook iat access_token access_token_expires id_token userinfo refresh_token session

<Location /protected/>
  AuthType openid-connect
  # Node's fetch always says Sec-Fetch-Mode: cors, which mod_auth_openidc takes for an XHR and answers
  # 401; with an expression set it sends every unauthenticated request to sign in, as for a browser.
  OIDCUnAuthAction auth true
  Require valid-user
</Location>
`;
  await writeFile(join(dir, 'httpd.conf'), conf, { mode: 0o644 });
  const peer = await startPeer('/usr/sbin/apache2', ['-f', join(dir, 'httpd.conf'), '-DFOREGROUND', '-e', 'info'], opts.port);
  return {
    url,
    redirectUri,
    postLogoutUri: `${url}/`,
    errorLog: async () => `${peer.output()}\n${await readFile(join(dir, 'error.log'), 'utf8').catch(() => '')}`,
    stop: async () => {
      await peer.stop();
      await remove();
    },
  };
}
