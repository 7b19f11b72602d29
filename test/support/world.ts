/**
 * The one place a test starts its world: a real Foyer (in this process, from a real YAML file, on
 * a free loopback port) and, as the test asks for them, partner organisations' IdPs (real second
 * oidc-providers, real SAML IdPs built with samlify, a fake GitHub), a real SMTP server that gets
 * Foyer's mail, members with passwords, and the demo app (examples/demo-app, a child process)
 * signing in with Foyer. stop() stops all of it in reverse order, also when starting failed half-way.
 *
 * Named presets over this (startGuestWorld, startAppWorld, startMyAppsWorld, startDirectoryWorld,
 * …) only choose options. `useWorld(options)` starts one world per test file or describe block.
 */
import type { Clock } from '../../src/lib/clock.js';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import type { ConnectorTestOverrides } from '../../src/federation/create-connector.js';
import { api, appToken } from './api-client.js';
import { createKeyPair } from './certs.js';
import { startDemoApp } from './demo-app-process.js';
import { startFakeGithub, type FakeGithub } from './fake-github.js';
import { PARTNER_USERS, startPartnerIdp, type PartnerIdp, type PartnerUser } from './partner-idp.js';
import { startSamlIdp, type SamlIdp, type SamlIdpOptions } from './saml-idp.js';
import { startSmtpSink, type SmtpSink } from './smtp-sink.js';
import { DEMO_SECRET, freePort, startFoyer, type RunningFoyer } from './start-foyer.js';

/** The web app's home (its redirect URI is APP_URL + 'callback'); invitations land here. */
export const APP_URL = 'http://127.0.0.1:9999/';
/** The secret Foyer uses at every test partner IdP. */
export const PARTNER_SECRET = 'partner-client-secret-0123456789abcdef';
export const PASSWORD = 'correct horse battery staple';

/** An app entry for a service that calls the API as itself (client credentials) with these application permissions. */
export const daemonApp = (id: string, permissions: string[], displayName = id) => ({ id, displayName, clientSecret: DEMO_SECRET, grantTypes: ['client_credentials'], permissions });

/** The sign-up portal: an app that invites guests and reads users. */
export const PORTAL_APP = daemonApp('portal-app', ['User.Invite.All', 'User.Read.All'], 'Sign-up portal');

/** A partner user whose verified email is <login>@<domain>, signing in with a password. */
export const partnerUser = (login: string, domain = 'partner.example'): PartnerUser => ({ sub: `${login}-sub`, email: `${login}@${domain}`, emailVerified: true, name: login, amr: ['pwd'] });

export interface OidcPartner {
  /** The IdP's id at Foyer (its callback is /federation/<id>/callback). Default `partner`. */
  id?: string;
  displayName?: string;
  /** Default: partner.example for `partner`, else <id>.example. */
  domains?: string[];
  /** Default PARTNER_USERS. */
  users?: Record<string, PartnerUser>;
  /** Foyer counts the partner's MFA (amr). */
  trustMfa?: boolean;
  /** The partner keeps a session, so a second sign-in there is silent unless Foyer asks for a fresh one. */
  rememberLogins?: boolean;
  /** Every ID token the partner issues says when the person authenticated (auth_time). */
  requireAuthTime?: boolean;
  /** More fields of Foyer's identityProviders entry (trustedForDomains, …). */
  entry?: Record<string, unknown>;
}

export interface SamlPartner {
  id: string;
  displayName?: string;
  domains: string[];
  idp?: SamlIdpOptions;
  /** More fields of Foyer's identityProviders entry (wantAssertionsSigned, …). */
  entry?: Record<string, unknown>;
}

export interface DemoAppSpec {
  /** Its client id at Foyer. Default `demo-app`. */
  id?: string;
  /** Where My Apps opens it, after its home URL (`login` signs in straight away). */
  launchPath?: string;
  /** Registers its /initiate-login endpoint as the app's initiateLoginUri (third-party initiated login after redemption). */
  initiateLogin?: boolean;
  /** More fields of its app entry. */
  entry?: Record<string, unknown>;
}

export interface WorldOptions {
  /** `localhost` for real browsers: partners answer on 127.0.0.1, and browsers keep cookies per host, not per port. */
  foyerHost?: 'localhost' | '127.0.0.1';
  /** OIDC partner IdPs, federated for their domains; `true` is the one partner.example IdP. */
  oidc?: true | OidcPartner[];
  saml?: SamlPartner[];
  /** A fake GitHub (OAuth + API) as the `github` IdP. */
  github?: boolean;
  /** A real SMTP server receives Foyer's mail (otherwise it goes to the outbox folder). */
  smtp?: boolean;
  /** The demo app as a child process, registered at Foyer; `launchPath` is where My Apps opens it, `entry` changes its app entry. */
  demoApp?: boolean | DemoAppSpec;
  /** Adds the sign-up portal app (PORTAL_APP), which world.invite() uses. */
  portal?: boolean;
  /** More app entries. */
  apps?: Record<string, unknown>[];
  /** Members who sign in with a password (default PASSWORD). */
  members?: (string | { email: string; password?: string; admin?: boolean; name?: string })[];
  /** The last word on the config, after everything above. */
  customize?: (config: Record<string, unknown>) => void;
  databaseUrl?: string;
  redisUrl?: string;
  connectorOverrides?: Record<string, ConnectorTestOverrides>;
  /** Foyer's port, when a peer started before the world must know Foyer's callback URLs (default: a free one). */
  port?: number;
  /** What `${NAME}` in the config file reads (secrets kept out of the YAML). */
  env?: NodeJS.ProcessEnv;
  /** A controllable clock for the lifecycle (expiry, inactivity, reviews); deployment-wide jobs then run only through foyer.jobs.runDue(). */
  clock?: Clock;
}

export interface World {
  foyer: RunningFoyer;
  issuer: string;
  /** The first OIDC partner (throws when the world has none). */
  partner: PartnerIdp;
  oidc: Record<string, PartnerIdp>;
  saml: Record<string, SamlIdp>;
  /** Throws when the world has none. */
  github: FakeGithub;
  /** Throws when the world has none. */
  smtp: SmtpSink;
  /** The demo app's home page, e.g. http://localhost:41234/ (throws when the world has none). */
  appUrl: string;
  /** Member ids by email. */
  members: Record<string, string>;
  /** Where an upstream IdP sends the browser back: /federation/<id>/callback (OIDC, GitHub) or /acs (SAML). */
  callback(idpId: string): string;
  /** The portal invites `email` (with a mail unless the body says otherwise); the redeem link is read from the mail. */
  invite(email: string, body?: Record<string, unknown>): Promise<{ id: string; userId: string; redeemUrl: string }>;
  /** The newest mail to `to` (SMTP sink) or the newest file in the outbox, as raw text. */
  latestMail(to?: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startWorld(opts: WorldOptions = {}): Promise<World> {
  const stops: (() => Promise<unknown>)[] = [];
  const stop = async () => {
    for (const s of stops.splice(0).reverse()) await s().catch(() => {});
  };
  try {
    return await build(opts, stops, stop);
  } catch (err) {
    await stop();
    throw err;
  }
}

async function build(opts: WorldOptions, stops: (() => Promise<unknown>)[], stop: () => Promise<void>): Promise<World> {
  // Foyer's address goes into the partners' client registrations, so it is chosen first.
  const port = opts.port ?? (await freePort());
  const issuer = `http://${opts.foyerHost ?? '127.0.0.1'}:${port}`;
  const idps: Record<string, unknown>[] = [];

  const oidc: Record<string, PartnerIdp> = {};
  for (const spec of opts.oidc === true ? [{}] : (opts.oidc ?? [])) {
    const { id, idp, entry } = await startOidcPartner(issuer, spec);
    stops.push(() => idp.close());
    oidc[id] = idp;
    idps.push(entry);
  }

  const saml: Record<string, SamlIdp> = {};
  if (opts.saml?.length) {
    // One SP key for every SAML partner, as an operator would have it.
    const sp = await createKeyPair('foyer-sp');
    const started = await Promise.allSettled(opts.saml.map((spec) => startSamlIdp(spec.idp)));
    for (const s of started) if (s.status === 'fulfilled') stops.push(() => s.value.close());
    for (const [i, spec] of opts.saml.entries()) {
      const s = started[i]!;
      if (s.status === 'rejected') throw s.reason;
      const idp = s.value;
      saml[spec.id] = idp;
      idps.push({ type: 'saml', id: spec.id, displayName: spec.displayName ?? spec.id, idpEntityId: idp.entityId, ssoUrl: idp.ssoUrl, sloUrl: idp.sloUrl, idpCertificates: [idp.certificate], spPrivateKey: sp.privateKey, spCertificate: sp.certificate, domains: spec.domains, ...spec.entry });
    }
  }

  let github: FakeGithub | undefined;
  const connectorOverrides = { ...opts.connectorOverrides };
  if (opts.github) {
    const gh = await startFakeGithub();
    github = gh;
    stops.push(() => gh.close());
    idps.push({ type: 'github', clientId: gh.clientId, clientSecret: gh.clientSecret });
    connectorOverrides.github = { githubBaseUrlOverride: gh.baseUrl, ...connectorOverrides.github };
  }

  let smtp: SmtpSink | undefined;
  if (opts.smtp) {
    const sink = await startSmtpSink();
    smtp = sink;
    stops.push(() => sink.close());
  }

  const demoSpec: DemoAppSpec = typeof opts.demoApp === 'object' ? opts.demoApp : {};
  const demo = opts.demoApp ? { ...demoSpec, id: demoSpec.id ?? 'demo-app', port: await freePort() } : undefined;
  const appUrl = demo ? `http://${opts.foyerHost ?? '127.0.0.1'}:${demo.port}/` : undefined;

  const foyer = await startFoyer(
    (config) => {
      config.issuer = issuer;
      const apps = config.apps as Record<string, unknown>[];
      apps[0]!.launchUrl = APP_URL;
      if (opts.portal) apps.push({ ...PORTAL_APP });
      if (demo) {
        apps.push({
          id: demo.id,
          displayName: 'Demo app',
          clientSecret: DEMO_SECRET,
          redirectUris: [`${appUrl}callback`],
          postLogoutRedirectUris: [appUrl],
          grantTypes: ['authorization_code', 'refresh_token'],
          firstParty: true,
          launchUrl: `${appUrl}${demo.launchPath ?? ''}`,
          ...(demo.initiateLogin ? { initiateLoginUri: `${appUrl}initiate-login` } : {}),
          ...demo.entry,
        });
      }
      apps.push(...(opts.apps ?? []));
      if (idps.length) config.identityProviders = idps;
      if (smtp) config.mail = { smtp: { host: smtp.host, port: smtp.port } };
      opts.customize?.(config);
    },
    { port, databaseUrl: opts.databaseUrl, redisUrl: opts.redisUrl, connectorOverrides, env: opts.env, clock: opts.clock },
  );
  stops.push(() => foyer.stop());

  // Each SAML IdP trusts Foyer from the metadata Foyer serves, as a partner's admin would set it up.
  for (const [id, idp] of Object.entries(saml)) {
    const metadata = await fetch(`http://127.0.0.1:${port}/federation/${id}/metadata`);
    if (!metadata.ok) throw new Error(`Foyer serves no SAML metadata for ${id}: ${metadata.status}`);
    idp.trustServiceProvider(await metadata.text());
  }

  if (demo) {
    const child: ChildProcess = await startDemoApp({ port: demo.port, appUrl: appUrl!, issuer, clientId: demo.id });
    stops.push(async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
    });
  }

  const members: Record<string, string> = {};
  for (const m of opts.members ?? []) {
    const member = typeof m === 'string' ? { email: m } : m;
    members[member.email] = await foyer.createMember(member.email, member.password ?? PASSWORD, { admin: member.admin, name: member.name });
  }

  const missing = (what: string, option: string) => new Error(`this test world has no ${what}; start it with ${option}`);
  let portalToken: Promise<string> | undefined;
  const latestMail = async (to?: string) => {
    if (smtp) {
      if (!to) throw new Error('latestMail(to) needs the recipient when mail goes to the SMTP sink');
      return (await smtp.waitForMessage(to)).raw;
    }
    return latestOutboxMail(foyer);
  };

  return {
    foyer,
    // What Foyer answers as, after the test's own changes to the config.
    issuer: foyer.issuer,
    get partner() {
      const first = Object.values(oidc)[0];
      if (!first) throw missing('OIDC partner', '{ oidc: true }');
      return first;
    },
    oidc,
    saml,
    get github() {
      if (!github) throw missing('GitHub', '{ github: true }');
      return github;
    },
    get smtp() {
      if (!smtp) throw missing('SMTP server', '{ smtp: true }');
      return smtp;
    },
    get appUrl() {
      if (!appUrl) throw missing('demo app', '{ demoApp: true }');
      return appUrl;
    },
    members,
    callback: (idpId) => `${foyer.issuer}/federation/${idpId}/${saml[idpId] ? 'acs' : 'callback'}`,
    async invite(email, body = {}) {
      if (!opts.portal) throw missing('sign-up portal app', '{ portal: true }');
      portalToken ??= appToken(foyer.issuer, PORTAL_APP.id);
      const input = { invitedUserEmailAddress: email, inviteRedirectUrl: APP_URL, sendInvitationMessage: true, ...body };
      const res = await api(foyer.issuer, await portalToken, 'POST', '/invitations', input);
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      const redeemUrl = input.sendInvitationMessage ? redeemUrlIn(await latestMail(email)) : String(res.body.inviteRedeemUrl);
      return { id: String(res.body.id), userId: (res.body.invitedUser as { id: string }).id, redeemUrl };
    },
    latestMail,
    stop,
  };
}

/**
 * A partner organisation's OIDC IdP (a real second oidc-provider) that knows Foyer at `foyerIssuer`
 * as its client, and the identityProviders entry that federates it at Foyer.
 */
export async function startOidcPartner(foyerIssuer: string, spec: OidcPartner = {}): Promise<{ id: string; idp: PartnerIdp; entry: Record<string, unknown> }> {
  const id = spec.id ?? 'partner';
  const idp = await startPartnerIdp({
    users: spec.users ?? PARTNER_USERS,
    conformIdTokenClaims: false,
    rememberLogins: spec.rememberLogins,
    clients: [{ clientId: 'foyer', clientSecret: PARTNER_SECRET, authMethod: 'client_secret_basic', requireAuthTime: spec.requireAuthTime, redirectUris: [`${foyerIssuer}/federation/${id}/callback`] }],
  });
  const domains = spec.domains ?? [id === 'partner' ? 'partner.example' : `${id}.example`];
  const entry = { id, type: 'oidc', displayName: spec.displayName ?? (id === 'partner' ? 'Partner Org' : id), issuer: idp.issuer, clientId: 'foyer', clientSecret: PARTNER_SECRET, domains, trustMfa: spec.trustMfa ?? false, ...spec.entry };
  return { id, idp, entry };
}

/**
 * Starts a world before the tests of the enclosing file or describe block and stops it after them.
 * The returned handle reads through to the running world, so use it inside hooks and tests only.
 */
export function useWorld(opts: WorldOptions | (() => WorldOptions) = {}): World {
  return useStarted(() => startWorld(typeof opts === 'function' ? opts() : opts), 'world');
}

/** useWorld for tests that need only Foyer itself: the handle reads through to the running Foyer. */
export function useFoyer(opts: WorldOptions | (() => WorldOptions) = {}): RunningFoyer {
  const world = useWorld(opts);
  return later(() => world.foyer, 'foyer');
}

/**
 * Runs `start` (a world preset) before the tests of the enclosing file or describe block and its
 * stop() after them; returns a handle that reads through to what `start` returned.
 */
export function useStarted<T extends { stop(): Promise<void> }>(start: () => Promise<T>, name = 'world'): T {
  let started: T | undefined;
  beforeAll(async () => {
    started = await start();
  }, 120_000);
  afterAll(() => started?.stop());
  return later(() => started, name);
}

/**
 * A handle for something that exists only while the tests run (made in a beforeAll): reading it
 * earlier says so instead of reading `undefined`.
 */
export function later<T extends object>(current: () => T | undefined, name = 'value'): T {
  const running = (key: PropertyKey) => {
    const target = current();
    if (!target) throw new Error(`the test ${name} is not running (use ${name}.${String(key)} inside a hook or test)`);
    return target;
  };
  return new Proxy({} as T, {
    get: (_t, key) => {
      const target = running(key);
      return Reflect.get(target, key, target) as unknown;
    },
    set: (_t, key, value) => Reflect.set(running(key), key, value),
    has: (_t, key) => Reflect.has(running(key), key),
    ownKeys: () => Reflect.ownKeys(running('keys')),
    getOwnPropertyDescriptor: (_t, key) => {
      const found = Reflect.getOwnPropertyDescriptor(running(key), key);
      return found && { ...found, configurable: true };
    },
  });
}

/** The newest message in the outbox (no SMTP configured), as raw text. */
export function latestOutboxMail(foyer: RunningFoyer): string {
  const dir = join(foyer.dir, 'outbox');
  const files = readdirSync(dir).sort();
  return readFileSync(join(dir, files.at(-1)!), 'utf8');
}

/** The redeem link in a mail (text part), unfolding quoted-printable soft breaks. */
export function redeemUrlIn(raw: string): string {
  const unfolded = raw.replace(/=\r?\n/g, '').replace(/=3D/g, '=');
  const match = /(https?:\/\/[^\s"<>]+\/redeem\?t=[A-Za-z0-9_-]{43})/.exec(unfolded);
  if (!match) throw new Error(`no redeem link in mail:\n${raw.slice(0, 2000)}`);
  return match[1]!;
}
