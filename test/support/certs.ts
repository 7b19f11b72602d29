/**
 * Key pairs with self-signed certificates for SAML tests, made by the `openssl` CLI (what an
 * admin would use), in a temporary folder that is removed again.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface KeyPair {
  privateKey: string;
  certificate: string;
}

export async function createKeyPair(commonName: string): Promise<KeyPair> {
  const dir = await mkdtemp(join(tmpdir(), 'foyer-cert-'));
  try {
    const keyFile = join(dir, 'key.pem');
    const certFile = join(dir, 'cert.pem');
    await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '2', '-subj', `/CN=${commonName}`, '-keyout', keyFile, '-out', certFile]);
    return { privateKey: await readFile(keyFile, 'utf8'), certificate: await readFile(certFile, 'utf8') };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
