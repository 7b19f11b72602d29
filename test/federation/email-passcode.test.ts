import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emailPasscodeSchema } from '../../src/config/identity-providers-schema.js';
import { mailSchema } from '../../src/config/mail-schema.js';
import { tenantSchema } from '../../src/config/tenant-schema.js';
import { createEmailPasscode, type EmailPasscode } from '../../src/federation/email-passcode.js';
import type { FederationError } from '../../src/federation/federation-error.js';
import { createRenderer } from '../../src/http/render.js';
import { createLogger } from '../../src/logging/logger.js';
import { createMailer, type Mailer } from '../../src/mail/mailer.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';

const logger = createLogger('silent');
const renderer = createRenderer(tenantSchema.parse({ displayName: 'Contoso & Partners' }), false);
const IP = '203.0.113.7';

let sink: SmtpSink;
let mailer: Mailer;
let clock = Date.now();

beforeAll(async () => {
  sink = await startSmtpSink();
  mailer = createMailer(mailSchema.parse({ from: 'Contoso <no-reply@contoso.test>', smtp: { host: sink.host, port: sink.port } }), logger);
});
afterAll(async () => {
  mailer.close();
  await sink.close();
});

function passcodes(settings: Record<string, unknown> = {}, deps: { mailer?: Mailer; secret?: () => Buffer[] } = {}): EmailPasscode {
  return createEmailPasscode({ config: emailPasscodeSchema.parse(settings), mailer: deps.mailer ?? mailer, renderer, secret: deps.secret ?? 'test-server-secret', logger, now: () => clock });
}

async function codeFromMail(to: string): Promise<string> {
  const mail = await sink.waitForMessage(to);
  const code = /sign-in page: (\d+)/.exec(mail.text)?.[1];
  if (!code) throw new Error(`no code in mail:\n${mail.text}`);
  return code;
}

const failure = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as FederationError);

describe('email one-time passcode', () => {
  it('mails a code through SMTP, keeps only its hash, and signs the guest in with it once', async () => {
    const otp = passcodes();
    const pending = await otp.send({ email: '  Guest@Fabrikam.Example ', ip: IP });
    const mail = await sink.waitForMessage('guest@fabrikam.example');
    const code = /sign-in page: (\d+)/.exec(mail.text)?.[1] ?? '';
    expect(code).toMatch(/^\d{6}$/);
    expect(mail.subject).toBe('Your sign-in code');
    expect(mail.from).toBe('no-reply@contoso.test');
    expect(mail.text).toContain('Contoso & Partners');
    expect(mail.html).toContain(code);
    expect(mail.html).toContain('Contoso &amp; Partners');
    expect(JSON.stringify(pending)).not.toContain(code);
    expect(pending).toMatchObject({ kind: 'email-otp', email: 'guest@fabrikam.example' });

    const identity = await otp.verify({ pending, code: ` ${code.slice(0, 3)} ${code.slice(3)} `, ip: IP });
    expect(identity).toEqual({
      idpId: 'email-otp',
      issuer: 'urn:foyer:email-otp',
      subject: 'guest@fabrikam.example',
      email: 'guest@fabrikam.example',
      emailVerified: true,
      // The code proves the address whatever its domain (email-authority.ts).
      emailVerifiedGlobally: true,
      amr: ['otp'],
    });
    expect(await failure(otp.verify({ pending, code, ip: IP }))).toMatchObject({ code: 'too_many_attempts' });
  });

  it('follows a secret rotation: a code sent before it still works once, and a code hashed under a secret no node holds any more does not', async () => {
    const oldSecret = Buffer.from('secret-before-rotation');
    const newSecret = Buffer.from('secret-after-rotation');
    let current = [oldSecret];
    const otp = passcodes({}, { secret: () => current });
    const pending = await otp.send({ email: 'rotation@fabrikam.example', ip: IP });
    const code = await codeFromMail('rotation@fabrikam.example');
    current = [newSecret, oldSecret];
    expect(await otp.verify({ pending, code, ip: IP })).toMatchObject({ subject: 'rotation@fabrikam.example' });

    // A code sent after the rotation is hashed with the newest secret; once the old secret is gone it still works.
    const later = await otp.send({ email: 'rotation2@fabrikam.example', ip: IP });
    const laterCode = await codeFromMail('rotation2@fabrikam.example');
    const stale = await otp.send({ email: 'rotation3@fabrikam.example', ip: IP });
    const staleCode = await codeFromMail('rotation3@fabrikam.example');
    current = [newSecret];
    expect(await otp.verify({ pending: later, code: laterCode, ip: IP })).toMatchObject({ subject: 'rotation2@fabrikam.example' });
    // Hashed under the new secret, checked only under a secret that never made it: refused as wrong.
    current = [oldSecret];
    expect(await failure(otp.verify({ pending: stale, code: staleCode, ip: IP }))).toMatchObject({ code: 'invalid_code' });
  });

  it('uses the configured code length', async () => {
    const otp = passcodes({ codeLength: 8 });
    await otp.send({ email: 'eight@fabrikam.example', ip: IP });
    expect(await codeFromMail('eight@fabrikam.example')).toMatch(/^\d{8}$/);
  });

  it('counts wrong codes and locks the code after maxAttempts, even against the right code', async () => {
    const otp = passcodes({ maxAttempts: 3 });
    const pending = await otp.send({ email: 'typo@fabrikam.example', ip: IP });
    const code = await codeFromMail('typo@fabrikam.example');
    const wrong = code === '000000' ? '111111' : '000000';
    expect(await failure(otp.verify({ pending, code: wrong, ip: IP }))).toMatchObject({ code: 'invalid_code', status: 400 });
    expect(await failure(otp.verify({ pending, code: wrong, ip: IP }))).toMatchObject({ code: 'invalid_code' });
    expect(await failure(otp.verify({ pending, code: wrong, ip: IP }))).toMatchObject({ code: 'too_many_attempts', status: 429 });
    expect(await failure(otp.verify({ pending, code, ip: IP }))).toMatchObject({ code: 'too_many_attempts' });
  });

  it('refuses a code after it expires', async () => {
    const otp = passcodes({ ttlSeconds: 300 });
    const pending = await otp.send({ email: 'slow@fabrikam.example', ip: IP });
    const code = await codeFromMail('slow@fabrikam.example');
    clock += 301_000;
    try {
      expect(await failure(otp.verify({ pending, code, ip: IP }))).toMatchObject({ code: 'code_expired' });
    } finally {
      clock -= 301_000;
    }
  });

  it('limits codes sent to one address per hour, whatever the IP', async () => {
    const otp = passcodes({ perAddressPerHour: 2 });
    await otp.send({ email: 'target@fabrikam.example', ip: '198.51.100.1' });
    await otp.send({ email: 'target@fabrikam.example', ip: '198.51.100.2' });
    const err = await failure(otp.send({ email: 'TARGET@fabrikam.example', ip: '198.51.100.3' }));
    expect(err).toMatchObject({ code: 'rate_limited', status: 429 });
    expect(err!.details.retryAfterSeconds).toBeGreaterThan(0);
    await otp.send({ email: 'someone-else@fabrikam.example', ip: '198.51.100.3' });
    expect(sink.messages.filter((m) => m.to.includes('target@fabrikam.example'))).toHaveLength(2);
  });

  it('limits requests and wrong codes from one IP per hour', async () => {
    const otp = passcodes({ perIpPerHour: 3 });
    const pending = await otp.send({ email: 'ip1@fabrikam.example', ip: '192.0.2.9' });
    await otp.send({ email: 'ip2@fabrikam.example', ip: '192.0.2.9' });
    const code = await codeFromMail('ip1@fabrikam.example');
    expect(await failure(otp.verify({ pending, code: code === '000000' ? '111111' : '000000', ip: '192.0.2.9' }))).toMatchObject({ code: 'invalid_code' });
    expect(await failure(otp.send({ email: 'ip3@fabrikam.example', ip: '192.0.2.9' }))).toMatchObject({ code: 'rate_limited' });
    expect(await failure(otp.verify({ pending, code, ip: '192.0.2.9' }))).toMatchObject({ code: 'rate_limited' });
    // The same code still works from the guest's own network.
    expect((await otp.verify({ pending, code, ip: '192.0.2.10' })).subject).toBe('ip1@fabrikam.example');
  });

  it('rejects an address that is not an email, and reports a mail server that refuses delivery', async () => {
    const otp = passcodes();
    expect(await failure(otp.send({ email: 'not-an-email', ip: IP }))).toMatchObject({ code: 'invalid_email', status: 400 });
    const deadMailer = createMailer(mailSchema.parse({ smtp: { host: '127.0.0.1', port: 9 } }), logger);
    const err = await failure(passcodes({}, { mailer: deadMailer }).send({ email: 'lost@fabrikam.example', ip: IP }));
    expect(err).toMatchObject({ code: 'delivery_failed', status: 502 });
    deadMailer.close();
  });
});
