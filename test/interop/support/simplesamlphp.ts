/**
 * SimpleSAMLphp (Debian's simplesamlphp, 1.19) as a partner's SAML IdP, under PHP's built-in web
 * server on loopback, with its own config folder (SIMPLESAMLPHP_CONFIG_DIR): users from
 * exampleauth:UserPass, a persistent NameID made from `uid` (SimpleSAMLphp sends a transient one
 * unless told otherwise), Foyer registered as an SP whose signed AuthnRequests it verifies.
 * `useCertificate` switches the IdP's signing key (a certificate rollover); PHP reads the config on
 * every request (opcache is off: it would serve a config file up to 2 seconds old), so the next
 * sign-in and metadata fetch see it.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KeyPair } from '../../support/certs.js';
import { peerDir, startPeer } from './peers.js';

export interface SspUser {
  uid: string;
  password: string;
  mail: string;
  displayName: string;
}

export interface SimpleSamlPhp {
  url: string;
  entityId: string;
  metadataUrl: string;
  /** Signs with this key pair from now on (and publishes only its certificate). */
  useCertificate(keys: KeyPair): Promise<void>;
  /** Releases a transient NameID instead of the persistent one, as SimpleSAMLphp does by default. */
  sendTransientNameId(on: boolean): Promise<void>;
  /** Encrypts its assertions to the SP's encryption certificate (`assertion.encryption`), as many AD FS and Shibboleth IdPs do. */
  encryptAssertions(on: boolean): Promise<void>;
  output: () => string;
  stop: () => Promise<void>;
}

const PERSISTENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent';
const TRANSIENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient';
/** A PHP string literal, and a PHP array made from JSON (the config files are PHP). */
const php = (text: string): string => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const phpArray = (value: unknown): string => `json_decode(${php(JSON.stringify(value))}, true)`;
const pemBody = (pem: string) => pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');

export async function startSimpleSamlPhp(opts: {
  port: number;
  keys: KeyPair;
  users: SspUser[];
  /** The SP's signing certificate, and the one it decrypts with (published with use="encryption"). */
  sp: { entityId: string; acsUrl: string; certificate: string; encryptionCertificate: string };
}): Promise<SimpleSamlPhp> {
  const { dir, remove } = await peerDir('simplesamlphp');
  const url = `http://127.0.0.1:${opts.port}`;
  const entityId = `${url}/saml2/idp/metadata.php`;
  for (const sub of ['config', 'metadata', 'cert', 'tmp', 'sessions', 'log']) await mkdir(join(dir, sub), { recursive: true });

  await writeFile(
    join(dir, 'config/config.php'),
    `<?php
$config = [
  'baseurlpath' => ${php(`${url}/`)},
  'certdir' => ${php(join(dir, 'cert'))},
  'metadatadir' => ${php(join(dir, 'metadata'))},
  'tempdir' => ${php(join(dir, 'tmp'))},
  'loggingdir' => ${php(join(dir, 'log'))},
  'logging.handler' => 'file',
  'logging.level' => SimpleSAML\\Logger::WARNING,
  'secretsalt' => ${php(`interop-${Math.random().toString(36).slice(2)}`)},
  'auth.adminpassword' => ${php(`admin-${Math.random().toString(36).slice(2)}`)},
  'technicalcontact_email' => 'interop@ssp.example',
  'timezone' => 'UTC',
  'enable.saml20-idp' => true,
  'module.enable' => ['exampleauth' => true, 'core' => true, 'saml' => true, 'admin' => false],
  'store.type' => 'phpsession',
  'session.phpsession.savepath' => ${php(join(dir, 'sessions'))},
  'session.cookie.secure' => false,
  'language.available' => ['en'],
];
`,
  );
  await writeFile(
    join(dir, 'config/authsources.php'),
    `<?php
$config = [
  'admin' => ['core:AdminPassword'],
  'example-userpass' => array_merge(['exampleauth:UserPass'], ${phpArray(Object.fromEntries(opts.users.map((u) => [`${u.uid}:${u.password}`, { uid: [u.uid], mail: [u.mail], displayName: [u.displayName] }])))}),
];
`,
  );
  let encrypt = false;
  const writeSpRemote = () =>
    writeFile(
      join(dir, 'metadata/saml20-sp-remote.php'),
      `<?php
$metadata[${php(opts.sp.entityId)}] = [
  'AssertionConsumerService' => ${php(opts.sp.acsUrl)},
  'NameIDFormat' => ${php(PERSISTENT)},
  'keys' => [
    ['type' => 'X509Certificate', 'signing' => true, 'encryption' => false, 'X509Certificate' => ${php(pemBody(opts.sp.certificate))}],
    ['type' => 'X509Certificate', 'signing' => false, 'encryption' => true, 'X509Certificate' => ${php(pemBody(opts.sp.encryptionCertificate))}],
  ],
  'validate.authnrequest' => true,
  'saml20.sign.assertion' => true,
  'assertion.encryption' => ${encrypt ? 'true' : 'false'},
];
`,
    );
  await writeSpRemote();

  let keys = opts.keys;
  let transient = false;
  const writeHosted = async () => {
    await writeFile(join(dir, 'cert/idp.key'), keys.privateKey, { mode: 0o600 });
    await writeFile(join(dir, 'cert/idp.crt'), keys.certificate);
    const nameId = transient
      ? `'NameIDFormat' => ${php(TRANSIENT)},`
      : `'NameIDFormat' => ${php(PERSISTENT)},
  'authproc' => [90 => ['class' => 'saml:AttributeNameID', 'attribute' => 'uid', 'Format' => ${php(PERSISTENT)}]],`;
    await writeFile(
      join(dir, 'metadata/saml20-idp-hosted.php'),
      `<?php
$metadata[${php(entityId)}] = [
  'host' => '__DEFAULT__',
  'privatekey' => 'idp.key',
  'certificate' => 'idp.crt',
  'auth' => 'example-userpass',
  ${nameId}
];
`,
    );
  };
  await writeHosted();

  const www = '/usr/share/simplesamlphp/www';
  const peer = await startPeer('/usr/bin/php', ['-d', 'opcache.enable=0', '-d', 'opcache.enable_cli=0', '-d', `session.save_path=${join(dir, 'sessions')}`, '-S', `127.0.0.1:${opts.port}`, '-t', www], opts.port, {
    SIMPLESAMLPHP_CONFIG_DIR: join(dir, 'config'),
  });
  return {
    url,
    entityId,
    metadataUrl: entityId,
    useCertificate: async (next) => {
      keys = next;
      await writeHosted();
    },
    sendTransientNameId: async (on) => {
      transient = on;
      await writeHosted();
    },
    encryptAssertions: async (on) => {
      encrypt = on;
      await writeSpRemote();
    },
    output: () => peer.output(),
    stop: async () => {
      await peer.stop();
      await remove();
    },
  };
}
