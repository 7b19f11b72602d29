import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase } from '../../src/db/connect.js';
import { hashTicket } from '../../src/invitations/redeem-ticket.js';
import { ensureBuilt, runCli, tempConfig, type TempConfig } from './cli-harness.js';

const APP = 'http://127.0.0.1:9999/';

describe.sequential('foyer invite and foyer invitations', () => {
  let cfg: TempConfig;
  let outbox: string;
  beforeAll(async () => {
    await ensureBuilt();
    cfg = tempConfig((raw) => {
      (raw.apps as Record<string, unknown>[])[0]!.launchUrl = APP;
      outbox = join(dirname((raw.storage as { databaseUrl: string }).databaseUrl.slice('sqlite:'.length)), 'outbox');
      raw.mail = { outboxDir: outbox };
    });
  });
  afterAll(() => cfg.remove());

  let invitationId = '';
  let firstUrl = '';

  it('invites a guest and prints a redeem URL whose ticket is stored only as a hash', async () => {
    const res = await runCli(['invite', 'alice@partner.example', '--redirect', APP, '--name', 'Alice', '--message', 'Hi Alice', '--send'], { config: cfg.file });
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const url = res.stdout.trim().split('\n').at(-1)!;
    expect(url).toMatch(/\/redeem\?t=[A-Za-z0-9_-]{43}$/);
    invitationId = /invitation ([0-9a-f-]{36})/.exec(res.stdout)![1]!;
    firstUrl = url;
    const ticket = new URL(url).searchParams.get('t')!;
    const db = connectDatabase(cfg.databaseUrl);
    try {
      const row = await db('invitations').where({ id: invitationId }).first();
      expect(row.ticket_hash).toBe(hashTicket(ticket));
      expect(JSON.stringify(row)).not.toContain(ticket);
      expect(row.sent_count).toBe(1);
    } finally {
      await db.destroy();
    }
    const mails = readdirSync(outbox);
    expect(mails).toHaveLength(1);
    const mail = readFileSync(join(outbox, mails[0]!), 'utf8');
    expect(mail).toContain('Hi Alice');
  });

  it('lists it, resends it with a new link, and revokes it', async () => {
    const list = await runCli(['invitations', 'list', '--json'], { config: cfg.file });
    expect(JSON.parse(list.stdout)).toMatchObject([{ id: invitationId, status: 'PendingAcceptance', invitedUserEmailAddress: 'alice@partner.example' }]);
    const resent = await runCli(['invitations', 'resend', invitationId], { config: cfg.file });
    expect(resent.code).toBe(0);
    const newUrl = resent.stdout.trim().split('\n').at(-1)!;
    expect(newUrl).toMatch(/\/redeem\?t=/);
    expect(newUrl).not.toBe(firstUrl);
    const revoked = await runCli(['invitations', 'revoke', invitationId], { config: cfg.file });
    expect([revoked.code, revoked.stdout.trim()]).toEqual([0, `${invitationId}: Revoked`]);
    const again = await runCli(['invitations', 'revoke', invitationId], { config: cfg.file });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('invitationNotPending');
  });

  it('refuses a foreign redirect, a bad email and a bad status filter with exit 2, and writes nothing', async () => {
    const foreign = await runCli(['invite', 'bob@partner.example', '--redirect', 'https://evil.example/'], { config: cfg.file });
    expect([foreign.code, foreign.stderr]).toEqual([2, expect.stringContaining('redirectUrlNotRegistered')]);
    const bad = await runCli(['invite', 'not-an-email', '--redirect', APP], { config: cfg.file });
    expect([bad.code, bad.stderr]).toEqual([2, expect.stringContaining('invitedUserEmailAddress')]);
    const status = await runCli(['invitations', 'list', '--status', 'Nope'], { config: cfg.file });
    expect(status.code).toBe(2);
    const list = await runCli(['invitations', 'list', '--json'], { config: cfg.file });
    expect(JSON.parse(list.stdout)).toHaveLength(1);
  });
});
