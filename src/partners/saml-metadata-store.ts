import { Counter, Gauge, type Registry } from 'prom-client';
import { registeredOnce } from '../ops/metrics.js';
import { DEFAULT_METADATA_REFRESH_MINUTES, type SamlIdpConfig } from '../config/identity-providers-schema.js';
import type { Job } from '../core/scheduler.js';
import { FederationError } from '../federation/federation-error.js';
import { nodeHttpFetch } from '../federation/node-http-fetch.js';
import type { SamlIdpTrust } from '../federation/saml-connector.js';
import type { Logger } from '../logging/logger.js';
import { fingerprint, MetadataError, parseIdpMetadata, type SamlIdpMetadata } from './saml-metadata.js';

export type RefreshResult = 'changed' | 'unchanged' | 'failed';

export interface MetadataStatus {
  idpId: string;
  metadataUrl: string;
  loaded?: { ssoUrl: string; certificates: string[]; at: string };
  lastError?: { message: string; at: string };
}

interface Entry {
  idp: SamlIdpConfig & { metadataUrl: string };
  current?: SamlIdpMetadata & { at: string };
  lastError?: { message: string; at: string };
  /** The fetch in flight, so a sign-in and the schedule never fetch twice at once. */
  inFlight?: Promise<RefreshResult>;
}

/**
 * SAML IdPs configured by `metadataUrl`: their metadata is fetched at start (in the background) and
 * every `metadataRefreshMinutes` by the scheduler, and the SAML connector reads the SSO URL and
 * signing certificates from here at every sign-in, so a partner's certificate rollover (a new
 * certificate published beside the old one, then the old one dropped) reaches Foyer without an
 * edit or a restart. A refresh that fails (unreachable, not XML, another entity, expired, no
 * certificate) keeps the last good metadata, logs a warning and counts in
 * `foyer_saml_metadata_refreshes_total{result="failed"}`; the age of what is in use is in
 * `foyer_saml_metadata_last_success_timestamp_seconds`.
 */
export class SamlMetadataStore {
  private readonly entries = new Map<string, Entry>();
  private readonly refreshes: Counter<'idp' | 'result'>;
  private readonly lastSuccess: Gauge<'idp'>;

  constructor(
    idps: SamlIdpConfig[],
    private readonly deps: { logger: Logger; registry: Registry; timeoutMs?: number },
  ) {
    for (const idp of idps) if (idp.metadataUrl) this.entries.set(idp.id, { idp: idp as Entry['idp'] });
    this.refreshes = registeredOnce(deps.registry, 'foyer_saml_metadata_refreshes_total', () => new Counter({
      name: 'foyer_saml_metadata_refreshes_total',
      help: 'Fetches of SAML IdP metadata (metadataUrl) by IdP and result: changed, unchanged, failed (the last good metadata stays in use).',
      labelNames: ['idp', 'result'] as const,
      registers: [deps.registry],
    }));
    this.lastSuccess = registeredOnce(deps.registry, 'foyer_saml_metadata_last_success_timestamp_seconds', () => new Gauge({
      name: 'foyer_saml_metadata_last_success_timestamp_seconds',
      help: 'When the SAML metadata in use for an IdP was last fetched successfully (Unix time).',
      labelNames: ['idp'] as const,
      registers: [deps.registry],
    }));
  }

  /** The live trust of an IdP configured by metadataUrl; undefined for the others (their config is the trust). */
  trustFor(idpId: string): SamlIdpTrust | undefined {
    const entry = this.entries.get(idpId);
    if (!entry) return undefined;
    return {
      current: async () => {
        // Never loaded yet (a sign-in right after start): wait for the fetch rather than fail.
        if (!entry.current) await this.refresh(idpId);
        if (entry.current) return { ssoUrl: entry.current.ssoUrl, certificates: entry.current.certificates };
        if (entry.idp.ssoUrl && entry.idp.idpCertificates) return { ssoUrl: entry.idp.ssoUrl, certificates: entry.idp.idpCertificates };
        throw new FederationError('upstream_unreachable', `Foyer could not load the sign-in details (SAML metadata) of ${entry.idp.displayName}. Try again in a few minutes; if it keeps happening, tell the host's administrator.`, { idpId });
      },
    };
  }

  /** One scheduled job per IdP, at its own interval. */
  jobs(): Job[] {
    return [...this.entries.values()].map((e) => ({
      name: `refresh SAML metadata of ${e.idp.id}`,
      everyMs: (e.idp.metadataRefreshMinutes ?? DEFAULT_METADATA_REFRESH_MINUTES) * 60_000,
      run: () => this.refresh(e.idp.id),
    }));
  }

  /** Fetches now (at start, from the schedule, or from `foyer`'s tests); never throws. */
  refresh(idpId: string): Promise<RefreshResult> {
    const entry = this.entries.get(idpId);
    if (!entry) return Promise.resolve('failed');
    entry.inFlight ??= this.load(entry).finally(() => {
      entry.inFlight = undefined;
    });
    return entry.inFlight;
  }

  async refreshAll(): Promise<Record<string, RefreshResult>> {
    const ids = [...this.entries.keys()];
    const results = await Promise.all(ids.map((id) => this.refresh(id)));
    return Object.fromEntries(ids.map((id, i) => [id, results[i]!]));
  }

  status(): MetadataStatus[] {
    return [...this.entries.values()].map((e) => ({
      idpId: e.idp.id,
      metadataUrl: e.idp.metadataUrl,
      ...(e.current ? { loaded: { ssoUrl: e.current.ssoUrl, certificates: e.current.certificates.map(fingerprint), at: e.current.at } } : {}),
      ...(e.lastError ? { lastError: e.lastError } : {}),
    }));
  }

  private async load(entry: Entry): Promise<RefreshResult> {
    const { idp } = entry;
    let fresh: SamlIdpMetadata;
    try {
      fresh = parseIdpMetadata(await this.fetchText(idp.metadataUrl), idp.idpEntityId);
    } catch (err) {
      const message = err instanceof MetadataError ? err.message : `fetching ${idp.metadataUrl} failed: ${describe(err)}`;
      entry.lastError = { message, at: new Date().toISOString() };
      this.refreshes.inc({ idp: idp.id, result: 'failed' });
      this.deps.logger.warn(
        { idpId: idp.id, metadataUrl: idp.metadataUrl, err: message, keeping: entry.current ? entry.current.certificates.map(fingerprint) : 'nothing loaded yet' },
        'SAML metadata refresh failed; the last good metadata stays in use',
      );
      return 'failed';
    }
    const before = entry.current;
    const changed = !before || before.ssoUrl !== fresh.ssoUrl || before.certificates.join() !== fresh.certificates.join();
    entry.current = { ...fresh, at: new Date().toISOString() };
    entry.lastError = undefined;
    this.refreshes.inc({ idp: idp.id, result: changed ? 'changed' : 'unchanged' });
    this.lastSuccess.set({ idp: idp.id }, Math.floor(Date.now() / 1000));
    if (changed) {
      const was = new Set(before?.certificates.map(fingerprint) ?? []);
      const now = fresh.certificates.map(fingerprint);
      this.deps.logger.info(
        { idpId: idp.id, ssoUrl: fresh.ssoUrl, certificates: now, added: now.filter((f) => !was.has(f)), removed: [...was].filter((f) => !now.includes(f)) },
        before ? 'SAML metadata changed: the new signing certificates and SSO URL are in use' : 'SAML metadata loaded',
      );
    }
    return changed ? 'changed' : 'unchanged';
  }

  private async fetchText(url: string): Promise<string> {
    const res = await nodeHttpFetch(url, {
      method: 'GET',
      headers: { accept: 'application/samlmetadata+xml, application/xml;q=0.9, text/xml;q=0.8' },
      body: undefined,
      redirect: 'manual',
      signal: AbortSignal.timeout(this.deps.timeoutMs ?? 10_000),
    });
    if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
    return res.text();
  }
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as { cause?: unknown }).cause;
  return cause instanceof Error ? `${err.message} (${cause.message})` : err.message;
}
