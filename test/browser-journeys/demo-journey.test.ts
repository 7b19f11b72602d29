/**
 * `npm run demo` as a new user meets it: the real examples/demo/run-demo.mjs starts Foyer, the
 * partner IdP, the demo app, the mailbox and the sign-up portal (on free ports, with a throwaway
 * data folder); the test runs the invite command the demo prints, then walks the whole guest
 * journey in headless Chromium: mail → redeem → partner sign-in → MFA enrolment with a TOTP
 * computed here → the demo app showing the claims. Stopping the demo leaves no process behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'otplib';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { projectRoot } from '../../src/lib/project-root.js';
import { ensureBuilt, runProcess } from '../cli/cli-harness.js';
import { freePort } from '../support/start-foyer.js';
import { clickAndWait, HAS_CHROMIUM, describeInChromium, launchChromium, recordedPage } from '../support/chromium.js';

interface RunningDemo {
  child: ChildProcess;
  output: () => string;
  urls: { foyer: string; app: string; partner: string; mailbox: string; portal: string };
}

let demo: RunningDemo;
let browser: Browser;
let dataDir: string;

beforeAll(async () => {
  if (!HAS_CHROMIUM) return;
  dataDir = mkdtempSync(join(tmpdir(), 'foyer-demo-'));
  // The demo runs dist/ (as npm start does); build it here under the CLI tests' lock, so the
  // demo finds it fresh and two test files never run tsc into dist/ at once.
  await ensureBuilt();
  [demo, browser] = await Promise.all([startDemo(dataDir), launchChromium()]);
}, 240_000);

afterAll(async () => {
  await browser?.close();
  if (demo?.child.exitCode === null) {
    demo.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 2000));
    // Belt and braces: nothing of the demo may outlive the test run.
    killGroup(demo.child, 'SIGKILL');
  }
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describeInChromium('npm run demo', () => {
  it('invite with the printed command, read the mail, redeem, sign in at the partner, set up MFA, land in the app', async (ctx) => {
    const rec = await recordedPage(browser, ctx);
    const { page } = rec;

    // 1. The invite command, exactly as the demo printed it.
    const printed = /^\s+((?:DEMO_\w+=\S+ )*)npx foyer (.+ --send)$/m.exec(demo.output());
    expect(printed, demo.output()).toBeTruthy();
    const env = Object.fromEntries(printed![1]!.trim().split(/\s+/).filter(Boolean).map((kv) => kv.split('=') as [string, string]));
    const invite = await runProcess(process.execPath, [join(projectRoot, 'bin/foyer.js'), ...shellWords(printed![2]!)], {
      cwd: projectRoot,
      env: { ...process.env, ...env },
      timeoutMs: 60_000,
    });
    expect(invite.code, invite.stderr).toBe(0);
    expect(invite.stdout).toContain('invitation mail sent');

    // 2. The demo mailbox lists the invitation; open it and accept from inside the mail.
    await page.goto(demo.urls.mailbox);
    await rec.shot('mailbox');
    await clickAndWait(page, () => page.getByRole('link', { name: /alice@partner\.example/ }).click(), /\/mail\//);
    await rec.shot('mail');
    await clickAndWait(page, () => page.frameLocator('iframe.body').getByRole('link', { name: 'Accept invitation' }).click(), /\/redeem\?t=/);

    // 3. Foyer's redemption page names the inviter and the app.
    expect(await page.locator('h1').textContent()).toBe('Review permissions');
    expect(await page.locator('main').innerText()).toContain('alice@partner.example');
    await rec.shot('redeem');
    await clickAndWait(page, () => page.getByRole('button', { name: 'Accept and sign in' }).click(), (u) => u.origin === demo.urls.partner);

    // 4. The partner organisation's own sign-in page.
    await rec.shot('partner');
    await clickAndWait(page, () => page.getByRole('button', { name: /Alice/ }).click(), (u) => u.origin === demo.urls.foyer && u.pathname.startsWith('/interaction/'));

    // 5. The demo app requires MFA: enrol an authenticator with the key on the page.
    await page.getByRole('heading', { name: 'Set up your authenticator app' }).waitFor();
    await rec.shot('mfa-enrol');
    const secret = (await page.locator('#totp-key').textContent())!.replace(/\s+/g, '');
    await page.getByLabel('Code from the app').fill(await generate({ secret }));
    await page.getByRole('button', { name: 'Verify and continue' }).click();
    await page.getByRole('heading', { name: 'Save your recovery codes' }).waitFor();
    await rec.shot('recovery-codes');
    await clickAndWait(page, () => page.getByRole('button', { name: /continue/i }).click(), (u) => u.origin === demo.urls.app && u.pathname === '/');

    // 6. Signed in to the demo app, which shows the claims of Foyer's ID token.
    await page.locator('#claims').waitFor();
    await rec.shot('demo-app');
    expect(await page.locator('#user-name').textContent()).toBe('Alice');
    const claims = Object.fromEntries(
      await page.locator('#claims tbody tr').evaluateAll((trs) => trs.map((tr) => [tr.querySelector('th')!.textContent!.trim(), tr.querySelector('td')!.textContent!.trim()])),
    ) as Record<string, string>;
    expect(claims).toMatchObject({ email: 'alice@partner.example', user_type: 'Guest', iss: demo.urls.foyer, aud: 'demo-app' });
    expect(JSON.parse(claims.amr!)).toEqual(expect.arrayContaining(['mfa', 'otp']));
  });

  it('lets a partner user ask for access on the sign-up portal, and the invitation arrives', async (ctx) => {
    const rec = await recordedPage(browser, ctx);
    const { page } = rec;
    await page.goto(demo.urls.portal);
    await rec.shot('portal');
    await page.getByLabel('Work email address').fill('carol@partner.example');
    await page.getByLabel(/Your name/).fill('Carol');
    await page.getByRole('button', { name: 'Request access' }).click();
    await page.getByRole('heading', { name: 'Check your email' }).waitFor();
    await rec.shot('requested');

    await page.goto(demo.urls.mailbox);
    await page.getByRole('link', { name: /carol@partner\.example/ }).waitFor();
    await rec.shot('mailbox');
    expect(await page.getByRole('link', { name: /carol@partner\.example/ }).innerText()).toContain('Partner sign-up portal invited you');
  });

  it('stops every process it started on Ctrl-C', async () => {
    expect(demo.child.exitCode).toBeNull();
    const exited = new Promise<number | null>((resolve) => demo.child.once('exit', (code) => resolve(code)));
    demo.child.kill('SIGINT');
    expect(await exited).toBe(0);
    // run-demo.mjs leads its own process group: nothing in it may be left running.
    expect(groupAlive(demo.child)).toBe(false);
    for (const url of Object.values(demo.urls)) {
      await expect(fetch(url).then((r) => r.status)).rejects.toThrow();
    }
  });
});

async function startDemo(data: string): Promise<RunningDemo> {
  const ports = await Promise.all([1, 2, 3, 4, 5].map(() => freePort()));
  const [foyer, app, partner, mailbox, portal] = ports as [number, number, number, number, number];
  const env: NodeJS.ProcessEnv = { ...process.env, DEMO_FOYER_PORT: String(foyer), DEMO_APP_PORT: String(app), DEMO_PARTNER_PORT: String(partner), DEMO_MAILBOX_PORT: String(mailbox), DEMO_PORTAL_PORT: String(portal), DEMO_DATA_DIR: data };
  for (const name of ['PORT', 'DATABASE_URL', 'REDIS_URL', 'LOG_LEVEL', 'FOYER_CONFIG', 'FOYER_ISSUER']) delete env[name];
  // Its own process group, so the test can check that nothing of it survives.
  const child = spawn(process.execPath, [join(projectRoot, 'examples/demo/run-demo.mjs')], { cwd: projectRoot, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (output += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (output += d));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the demo did not start within 200 s:\n${output}`)), 200_000);
    const check = () => {
      if (output.includes('Foyer demo is running')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the demo exited (${code}) before it was ready:\n${output}`));
    });
  });
  const url = (p: number) => `http://localhost:${p}`;
  return { child, output: () => output, urls: { foyer: url(foyer), app: url(app), partner: url(partner), mailbox: url(mailbox), portal: url(portal) } };
}

/** Splits a printed command line into arguments (double quotes only, as the demo prints them). */
function shellWords(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
}

function groupAlive(child: ChildProcess): boolean {
  try {
    process.kill(-child.pid!, 0);
    return true;
  } catch {
    return false;
  }
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    /* already gone */
  }
}
