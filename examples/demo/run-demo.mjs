// `npm run demo`: Foyer and everything around it on this machine, for a five-minute walkthrough.
//
//   Foyer                     http://localhost:3000   (examples/demo/config, data under data/demo/)
//   demo app                  http://localhost:3001   (examples/demo-app, signs in with Foyer)
//   Fabrikam, a partner IdP   http://localhost:3002   (examples/partner-idp: alice, bob, carol)
//   demo mailbox              http://localhost:3003   (the mails Foyer writes to its outbox)
//   self-service portal       http://localhost:3004   (examples/self-service-portal)
//
// Ports come from DEMO_FOYER_PORT, DEMO_APP_PORT, DEMO_PARTNER_PORT, DEMO_MAILBOX_PORT and
// DEMO_PORTAL_PORT; the data folder from DEMO_DATA_DIR. The data folder starts empty on every run
// unless --keep is given. Ctrl-C stops everything.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, relative, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  console.log('usage: npm run demo [-- --keep]\n  --keep  keep the demo\'s data (users, invitations) from the last run');
  process.exit(0);
}
const keep = args.includes('--keep');

const env = process.env;
const port = (name, fallback) => Number(env[name] || fallback);
const ports = {
  foyer: port('DEMO_FOYER_PORT', 3000),
  app: port('DEMO_APP_PORT', 3001),
  partner: port('DEMO_PARTNER_PORT', 3002),
  mailbox: port('DEMO_MAILBOX_PORT', 3003),
  portal: port('DEMO_PORTAL_PORT', 3004),
};
const dataDir = resolve(root, env.DEMO_DATA_DIR || 'data/demo');
const configDir = join(root, 'examples/demo/config');
const url = (p) => `http://localhost:${p}`;
const urls = { foyer: url(ports.foyer), app: url(ports.app), partner: url(ports.partner), mailbox: url(ports.mailbox), portal: url(ports.portal) };

const ADMIN_EMAIL = 'admin@contoso.example';
const ADMIN_PASSWORD = 'contoso-demo-admin';

/** The variables the demo config reads; children get these and none of the caller's config overrides. */
const demoEnv = {
  DEMO_FOYER_PORT: String(ports.foyer),
  DEMO_APP_PORT: String(ports.app),
  DEMO_PARTNER_PORT: String(ports.partner),
  DEMO_DATA_DIR: dataDir,
  DEMO_LOG_LEVEL: env.DEMO_LOG_LEVEL || 'warn',
};
const OVERRIDES = ['PORT', 'HOST', 'DATABASE_URL', 'REDIS_URL', 'LOG_LEVEL', 'FOYER_CONFIG', 'FOYER_ISSUER', 'APP_URL', 'CLIENT_ID', 'CLIENT_SECRET', 'PARTNER_ISSUER', 'PARTNER_CLIENT_SECRET', 'PORTAL_URL'];
function childEnv(extra) {
  const out = { ...env };
  for (const name of OVERRIDES) delete out[name];
  return { ...out, ...demoEnv, ...extra };
}

/** A path as the person reads it: relative to where they are, unless it lies outside. */
const shown = (p) => {
  const rel = relative(process.cwd(), p);
  return rel === '' ? '.' : rel.startsWith('..') ? p : rel;
};
const cliConfig = shown(configDir);
// The CLI reads the same config, so it needs the same DEMO_* values when they are not the defaults.
const defaults = { DEMO_FOYER_PORT: '3000', DEMO_APP_PORT: '3001', DEMO_PARTNER_PORT: '3002', DEMO_DATA_DIR: resolve(root, 'data/demo') };
const cliEnv = Object.entries(defaults)
  .filter(([name, value]) => demoEnv[name] !== value)
  .map(([name]) => `${name}=${demoEnv[name]} `)
  .join('');
const inviteCommand = `${cliEnv}npx foyer --config ${cliConfig} invite alice@partner.example --name "Alice" --redirect ${urls.app}/ --send`;

// ---- the children ----

/** @type {{ name: string, child: import('node:child_process').ChildProcess }[]} */
const children = [];
let stopping = false;

function start(name, script, extraEnv) {
  const child = spawn(process.execPath, [script], { cwd: root, env: childEnv(extraEnv), stdio: ['ignore', 'pipe', 'pipe'] });
  const prefix = `[${name}]`.padEnd(10);
  for (const stream of [child.stdout, child.stderr]) {
    let buffered = '';
    stream.setEncoding('utf8').on('data', (chunk) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop();
      for (const line of lines) if (line.trim()) console.log(`${prefix} ${line}`);
    });
  }
  child.on('exit', (code, signal) => {
    if (stopping) return;
    console.error(`\n${name} stopped unexpectedly (${signal ?? `exit code ${code}`}); stopping the demo.`);
    void stop(1);
  });
  children.push({ name, child });
  return child;
}

async function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  const running = children.filter(({ child }) => child.exitCode === null && child.signalCode === null);
  await Promise.all(
    running.map(
      ({ child }) =>
        new Promise((resolveExit) => {
          child.once('exit', resolveExit);
          child.kill('SIGTERM');
          // A child that does not stop in time is killed, so nothing outlives the demo.
          setTimeout(() => child.kill('SIGKILL'), 5000).unref();
        }),
    ),
  );
  process.exit(code);
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    if (!stopping) console.log('\nstopping the demo…');
    void stop(0);
  });
}

// ---- steps ----

async function ensurePortsFree() {
  const names = { foyer: 'DEMO_FOYER_PORT', app: 'DEMO_APP_PORT', partner: 'DEMO_PARTNER_PORT', mailbox: 'DEMO_MAILBOX_PORT', portal: 'DEMO_PORTAL_PORT' };
  for (const [key, p] of Object.entries(ports)) {
    const free = await new Promise((done) => {
      const srv = createServer();
      srv.once('error', () => done(false));
      srv.listen(p, '127.0.0.1', () => srv.close(() => done(true)));
    });
    if (!free) fail(`port ${p} is in use (is another demo or npm start running?). Stop it, or choose another port: ${names[key]}=${p + 10} npm run demo`);
  }
}

/** Foyer and its CLI run from dist/ (as `npm start` does): rebuild when a source file is newer. */
function ensureBuilt() {
  const newest = (dir) => {
    if (!existsSync(dir)) return 0;
    let t = 0;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, entry.name);
      t = Math.max(t, entry.isDirectory() ? newest(p) : statSync(p).mtimeMs);
    }
    return t;
  };
  const sources = Math.max(newest(join(root, 'src')), newest(join(root, 'migrations')));
  // A stamp (dated when a build started) also counts.
  const stamp = join(root, 'dist/.demo-build');
  const built = existsSync(join(root, 'dist/src/main.js'))
    ? Math.max(newest(join(root, 'dist/src')), statSafe(stamp), statSafe(join(root, 'dist/.cli-test-build')))
    : 0;
  if (built >= sources) return;
  // The bundle alone (scripts/bundle.mjs): `npm run build` also typechecks, which the demo does not need.
  console.log('Building Foyer (scripts/bundle.mjs)…');
  const started = new Date();
  const result = spawnSync(process.execPath, ['scripts/bundle.mjs'], { cwd: root, encoding: 'utf8' });
  if (existsSync(join(root, 'dist/src/main.js'))) {
    writeFileSync(stamp, '');
    utimesSync(stamp, started, started);
  }
  if (result.status !== 0 || !existsSync(join(root, 'dist/src/main.js'))) fail(`the build failed:\n${result.stdout}${result.stderr}`);
}

function statSafe(p) {
  try {
    return statSync(p).mtimeMs;
  } catch {
    return 0;
  }
}

/** The demo's admin, through the real CLI (which also creates the database and applies migrations). */
function createAdmin() {
  const result = spawnSync(
    process.execPath,
    [join(root, 'bin/foyer.js'), '--config', configDir, 'users', 'create', '--email', ADMIN_EMAIL, '--name', 'Contoso Admin', '--admin'],
    { cwd: root, env: childEnv({}), input: `${ADMIN_PASSWORD}\n`, encoding: 'utf8' },
  );
  if (result.status !== 0 && !/already/i.test(result.stderr)) fail(`could not create the demo admin:\n${result.stderr}`);
}

async function waitFor(name, target, child) {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) return;
    try {
      const res = await fetch(target, { redirect: 'manual' });
      await res.arrayBuffer();
      if (res.status < 500) return;
    } catch {
      /* not listening yet */
    }
    await sleep(150);
  }
  await fail(`${name} did not answer at ${target} within 30 s`);
}

/** Says why and stops: at once before any child runs, otherwise after stopping the children. */
function fail(message) {
  console.error(`\nThe demo cannot start: ${message}`);
  if (children.length) return stop(1);
  process.exit(1);
}

function banner() {
  const b = (s) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
  console.log(`
${b('Foyer demo is running.')} Everything is on this machine; Ctrl-C stops it all.

  Foyer (Contoso's sign-in)      ${urls.foyer}
  Demo app                       ${urls.app}
  Fabrikam (partner's own IdP)   ${urls.partner}
  Demo mailbox                   ${urls.mailbox}
  Self-service sign-up portal    ${urls.portal}

  Admin member: ${ADMIN_EMAIL} / ${ADMIN_PASSWORD}   (data in ${shown(dataDir)}${keep ? ', kept' : ', fresh on every run'})

${b('Walkthrough: a partner user gets access to the demo app')}
  1. Invite a guest. In another terminal, in this folder:
       ${inviteCommand}
     or, as the admin, at ${urls.foyer}/myapps/admin/guests ("Invite a guest"),
     or let the guest ask for access: open ${urls.portal} and enter alice@partner.example.
  2. Open the demo mailbox, ${urls.mailbox}, and the invitation mail to alice; choose "Accept invitation".
  3. Foyer shows who invites you to what: choose "Accept and sign in".
  4. Foyer sends alice to her own organisation's sign-in (Fabrikam): choose Alice.
  5. The demo app requires MFA: scan the QR code with an authenticator app (or type the key
     into one), then enter the 6-digit code. Keep the recovery codes.
  6. You land in the demo app, signed in: it shows the claims of Foyer's ID token (amr, user_type…).
     "Sign out" ends the Foyer session too.

  Try also: invite bob@partner.example (his IdP asserted MFA, so Foyer does not ask again);
  carol@partner.example (her IdP does not vouch for her email: she proves it with a code);
  or sign in to the demo app as the admin member with the password above.
`);
}

// ---- main ----

await ensurePortsFree();
ensureBuilt();
if (!keep) rmSync(dataDir, { recursive: true, force: true });
mkdirSync(join(dataDir, 'outbox'), { recursive: true });
createAdmin();

const foyer = start('foyer', join(root, 'dist/src/main.js'), { FOYER_CONFIG: configDir });
const partner = start('fabrikam', join(root, 'examples/partner-idp/server.js'), {
  PORT: String(ports.partner),
  HOST: '127.0.0.1',
  PARTNER_ISSUER: urls.partner,
  FOYER_ISSUER: urls.foyer,
});
const app = start('demo-app', join(root, 'examples/demo-app/server.js'), {
  PORT: String(ports.app),
  HOST: '127.0.0.1',
  APP_URL: urls.app,
  FOYER_ISSUER: urls.foyer,
});
const mailbox = start('mailbox', join(root, 'examples/demo/mailbox.mjs'), {
  PORT: String(ports.mailbox),
  HOST: '127.0.0.1',
  OUTBOX_DIR: join(dataDir, 'outbox'),
  MAILBOX_HINT: inviteCommand,
});
const portal = start('portal', join(root, 'examples/self-service-portal/server.js'), {
  PORT: String(ports.portal),
  HOST: '127.0.0.1',
  PORTAL_URL: urls.portal,
  FOYER_ISSUER: urls.foyer,
  ALLOWED_DOMAINS: 'partner.example',
  INVITE_REDIRECT_URL: `${urls.app}/`,
});

await Promise.all([
  waitFor('Foyer', `${urls.foyer}/readyz`, foyer),
  waitFor('the partner IdP', `${urls.partner}/.well-known/openid-configuration`, partner),
  waitFor('the demo app', `${urls.app}/`, app),
  waitFor('the mailbox', `${urls.mailbox}/`, mailbox),
  waitFor('the portal', `${urls.portal}/`, portal),
]);
if (!stopping) banner();
