/**
 * The load client for multi-step flows, run as its own process: N virtual users, each a fresh
 * browser (cookie jar) per sign-in, looping for a bounded time (or count), timing whole flows.
 *
 * Flows:
 *  - foyer-guest:   the full guest sign-in (authorize → home-realm discovery from login_hint →
 *                   partner IdP authorize+auto-login → callback (code exchange with the partner,
 *                   ID token validation) → identity lookup → /continue → code → token exchange);
 *                   with `mfa`, the TOTP step after login (enrolment the first time a guest meets it);
 *  - baseline-code: the same client against the bare provider (authorize → in-process login →
 *                   code → token exchange);
 *  - invite-redeem: POST /v1.0/invitations, then the redeem link: consent page → accept → portal
 *                   sign-in → partner → callback → redemption → inviteRedirectUrl;
 *  - sso-sweep:     prompt=none authorizations presenting existing session cookies (memory scenario).
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { generate } from 'otplib';
import { serveChild } from '../lib/rpc.js';
import { LoadBrowser, createTransport, firstForm, type Transport, type TransportName } from './browser.js';
import { summarize, type LatencySummary } from '../lib/stats.js';
import { BENCH_APP_URL, BENCH_REDIRECT_URI, BENCH_SECRET } from '../servers/bench-config.js';

export interface FlowJob {
  flow: 'foyer-guest' | 'baseline-code' | 'invite-redeem' | 'sso-sweep';
  issuer: string;
  clientId?: string;
  vus: number;
  /** Measured window; the run also stops after maxFlows measured flows. */
  durationMs?: number;
  maxFlows?: number;
  warmupMs?: number;
  /** Guests to sign in as: `${prefix}${0..count-1}@partner.example`. */
  guestPrefix?: string;
  guestCount?: number;
  /** Index of the first guest (default 0). */
  guestStart?: number;
  /** random (default): any guest each time; sequential: flow n signs in guest n (each once per pass). */
  guestOrder?: 'random' | 'sequential';
  /** Answer a TOTP prompt (enrolling when asked) with otplib. */
  mfa?: boolean;
  apiToken?: string;
  /** Keep the refresh tokens of the flows (to seed the refresh-token scenario). */
  keepRefreshTokens?: boolean;
  cookieKey?: string;
  sessionIds?: string[];
  /** The HTTP client (see browser.ts); fetch unless told otherwise. */
  transport?: TransportName;
}

export interface FlowResult {
  /** Flows that ended (successfully) inside the measured window. */
  flows: number;
  errors: number;
  /** Every flow that ended during the call, warm-up and stragglers after the window included (for CPU per flow). */
  ended: number;
  errorSamples: string[];
  seconds: number;
  flowsPerSec: number;
  requests: number;
  requestsPerFlow: number;
  requestsPerSec: number;
  latency: LatencySummary;
  /** Every measured flow's duration (ms), so segments of one scenario can be pooled. */
  latencies: number[];
  refreshTokens?: string[];
  mfaPrompts: number;
  mfaEnrolments: number;
}

const basic = (id: string) => `Basic ${Buffer.from(`${id}:${BENCH_SECRET}`).toString('base64')}`;
const rand = (n = 16) => randomBytes(n).toString('base64url');

/** TOTP secrets learned at enrolment, and the last step used per guest (a used step cannot be replayed). */
const totp = new Map<string, { secret: string; lastStep: number }>();

async function run(job: FlowJob): Promise<FlowResult> {
  const warmupMs = job.warmupMs ?? 0;
  const durationMs = job.durationMs ?? 10_000;
  const maxFlows = job.maxFlows ?? Number.MAX_SAFE_INTEGER;
  const t0 = Date.now();
  const measureFrom = t0 + warmupMs;
  const measureTo = measureFrom + durationMs;
  const latencies: number[] = [];
  const errorSamples: string[] = [];
  const refreshTokens: string[] = [];
  let errors = 0;
  let ended = 0;
  let requests = 0;
  let started = 0;
  let mfaPrompts = 0;
  let mfaEnrolments = 0;
  let sweepIndex = 0;
  const runTag = rand(4).replace(/[^A-Za-z0-9]/g, 'x');
  const transport = transportFor(job.transport);

  const one = async (seq: number): Promise<number> => {
    const browser = new LoadBrowser(transport);
    switch (job.flow) {
      case 'baseline-code':
      case 'foyer-guest': {
        const count = job.guestCount ?? 1;
        const index = job.guestOrder === 'sequential' ? seq % count : Math.floor(Math.random() * count);
        const email = `${job.guestPrefix ?? 'g'}${(job.guestStart ?? 0) + index}@partner.example`;
        const tokens = await authorizationCode(browser, job, email);
        if (job.keepRefreshTokens && tokens.refresh_token) refreshTokens.push(tokens.refresh_token);
        break;
      }
      case 'invite-redeem': {
        const email = `r${runTag}n${seq}@partner.example`;
        const res = await browser.send(`${job.issuer}/v1.0/invitations`, {
          method: 'POST',
          headers: { authorization: `Bearer ${job.apiToken}`, 'content-type': 'application/json' },
          body: JSON.stringify({ invitedUserEmailAddress: email, inviteRedirectUrl: BENCH_APP_URL, sendInvitationMessage: true }),
        });
        const invitation = JSON.parse(res.body) as { inviteRedeemUrl?: string };
        if (res.status !== 201 || !invitation.inviteRedeemUrl) throw new Error(`invitation: ${res.status} ${JSON.stringify(invitation).slice(0, 200)}`);
        const page = await browser.navigate(invitation.inviteRedeemUrl, BENCH_APP_URL);
        const form = firstForm(page.body);
        if (!form) throw new Error(`redeem page ${page.status}: ${page.body.slice(0, 200)}`);
        const done = await browser.navigate(new URL(form.action || page.url, page.url).href, BENCH_APP_URL, {
          method: 'POST',
          body: new URLSearchParams(form.fields).toString(),
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        });
        if (!done.stoppedAt) throw new Error(`redemption ended at ${done.url} (${done.status}): ${done.body.slice(0, 300)}`);
        break;
      }
      case 'sso-sweep': {
        const ids = job.sessionIds ?? [];
        const id = ids[sweepIndex++ % ids.length]!;
        const origin = new URL(job.issuer).origin;
        browser.setCookie(origin, '_session', id);
        browser.setCookie(origin, '_session.sig', sign(`_session=${id}`, job.cookieKey!));
        const { url } = authorizeUrl(job, undefined, { prompt: 'none' });
        const done = await browser.navigate(url, BENCH_REDIRECT_URI);
        const params = done.stoppedAt ? new URL(done.stoppedAt).searchParams : undefined;
        if (!params?.get('code')) throw new Error(`silent sign-in on a stored session failed: ${done.stoppedAt ?? `${done.status} ${done.url}`}`);
        break;
      }
    }
    return browser.requests;
  };

  async function authorizationCode(browser: LoadBrowser, j: FlowJob, email: string) {
    const { url, verifier } = authorizeUrl(j, email);
    let step = await browser.navigate(url, BENCH_REDIRECT_URI);
    for (let i = 0; i < 4 && !step.stoppedAt && j.mfa; i++) step = await answerMfa(browser, step, email);
    if (!step.stoppedAt) throw new Error(`sign-in stopped at ${step.url} (${step.status}): ${step.body.replace(/\s+/g, ' ').slice(0, 300)}`);
    const code = new URL(step.stoppedAt).searchParams.get('code');
    if (!code) throw new Error(`no code: ${step.stoppedAt}`);
    const res = await browser.send(`${j.issuer}/token`, {
      method: 'POST',
      headers: { authorization: basic(j.clientId ?? 'web-app'), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: BENCH_REDIRECT_URI, code_verifier: verifier }).toString(),
    });
    const tokens = JSON.parse(res.body) as { id_token?: string; refresh_token?: string; error?: string };
    if (res.status !== 200 || !tokens.id_token) throw new Error(`token: ${res.status} ${JSON.stringify(tokens).slice(0, 200)}`);
    return tokens;
  }

  /**
   * A TOTP page: enrolment shows the secret (otpauth URI or manual key), verification only asks for
   * the code; a page with a form but no code field (the recovery codes shown once after enrolment)
   * is submitted as it is.
   */
  async function answerMfa(browser: LoadBrowser, page: { status: number; body: string; url: string }, email: string) {
    const form = firstForm(page.body);
    if (!form || page.status !== 200) throw new Error(`expected a TOTP page at ${page.url} (${page.status}): ${page.body.replace(/\s+/g, ' ').slice(0, 300)}`);
    const post = (fields: Record<string, string>) =>
      browser.navigate(new URL(form.action || page.url, page.url).href, BENCH_REDIRECT_URI, {
        method: 'POST',
        body: new URLSearchParams(fields).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
    const codeField = form.inputs.find((n) => /code|otp|totp|token/i.test(n));
    if (!codeField) return post(form.fields);
    mfaPrompts++;
    // Enrolment pages carry the otpauth:// URI (QR code link); verification pages do not.
    const shown = /otpauth:\/\/totp\/[^"'\s]*?[?&](?:amp;)?secret=([A-Z2-7]+)/i.exec(page.body)?.[1];
    let state = totp.get(email);
    if (shown && shown.toUpperCase() !== state?.secret) {
      state = { secret: shown.toUpperCase(), lastStep: 0 };
      totp.set(email, state);
      mfaEnrolments++;
    }
    if (!state) throw new Error(`TOTP asked for ${email} but no secret is known (was it enrolled outside this run?)`);
    // ±1 step is accepted and a used step cannot be replayed: take the first unused step from now-1.
    const now = Math.floor(Date.now() / 1000 / 30);
    const stepUsed = Math.max(now - 1, state.lastStep + 1);
    if (stepUsed > now + 1) throw new Error(`guest ${email} has used every TOTP step in the window; use more guests`);
    state.lastStep = stepUsed;
    const code = await generate({ secret: state.secret, epoch: stepUsed * 30 });
    return post({ ...form.fields, [codeField]: code });
  }

  const vu = async () => {
    // A count-bounded run starts no more flows than it asked for (a sequential pass must not wrap
    // around to guests it already signed in).
    while (Date.now() < measureTo && latencies.length < maxFlows && started < maxFlows) {
      const seq = started++;
      const begin = Date.now();
      const hr = process.hrtime.bigint();
      void begin;
      try {
        const n = await one(seq);
        const ms = Number(process.hrtime.bigint() - hr) / 1e6;
        const end = Date.now();
        // Throughput counts the flows that finish inside the window, whenever they started.
        if (end >= measureFrom && end <= measureTo && latencies.length < maxFlows) {
          latencies.push(ms);
          requests += n;
        }
      } catch (err) {
        if (Date.now() >= measureFrom) {
          errors++;
          if (errorSamples.length < 5) errorSamples.push((err as Error).message.slice(0, 500));
        }
      } finally {
        ended++;
      }
    }
  };
  await Promise.all(Array.from({ length: job.vus }, vu));
  const seconds = job.maxFlows !== undefined && latencies.length >= maxFlows ? Math.max(0.001, (Date.now() - measureFrom) / 1000) : durationMs / 1000;
  return {
    flows: latencies.length,
    errors,
    ended,
    errorSamples,
    seconds,
    flowsPerSec: latencies.length / seconds,
    requests,
    requestsPerFlow: latencies.length ? requests / latencies.length : 0,
    requestsPerSec: requests / seconds,
    latency: summarize(latencies),
    latencies,
    ...(job.keepRefreshTokens ? { refreshTokens } : {}),
    mfaPrompts,
    mfaEnrolments,
  };
}

const transports = new Map<TransportName, Transport>();
/** One transport (and so one keep-alive pool) per kind for the life of the process. */
function transportFor(name: TransportName = 'fetch'): Transport {
  let t = transports.get(name);
  if (!t) transports.set(name, (t = createTransport(name)));
  return t;
}

function authorizeUrl(job: FlowJob, loginHint?: string, extra: Record<string, string> = {}) {
  const verifier = rand(32);
  const url = new URL(`${job.issuer}/auth`);
  url.search = new URLSearchParams({
    client_id: job.clientId ?? 'web-app',
    response_type: 'code',
    scope: 'openid email profile',
    redirect_uri: BENCH_REDIRECT_URI,
    state: rand(),
    nonce: rand(),
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    ...(loginHint ? { login_hint: loginHint } : {}),
    ...extra,
  }).toString();
  return { url: url.href, verifier };
}

/** keygrip's signature (Koa's signed cookies): HMAC-SHA1, base64 made URL-safe. */
function sign(data: string, key: string): string {
  return createHmac('sha1', key).update(data).digest('base64').replace(/\/|\+|=/g, (c) => (c === '/' ? '_' : c === '+' ? '-' : ''));
}

serveChild({ pid: process.pid }, { run: (payload) => run(payload as FlowJob) }, async () => {});
