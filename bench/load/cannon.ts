/**
 * Single-request scenarios through autocannon, in their own process: client-credentials grants,
 * refresh-token grants with rotation (each response's new refresh token is the next request's),
 * `GET /jwks` and discovery (unconditional GETs, as a client without a cache sends them), and
 * invitation creation through the API (a new address per request).
 */
import autocannon, { type Options, type Request } from 'autocannon';
import { serveChild } from '../lib/rpc.js';
import { BENCH_API_RESOURCE, BENCH_APP_URL, BENCH_SECRET } from '../servers/bench-config.js';

export interface CannonJob {
  kind: 'cc' | 'refresh' | 'invite' | 'jwks' | 'discovery';
  issuer: string;
  connections: number;
  durationSec: number;
  warmupSec?: number;
  refreshTokens?: string[];
  apiToken?: string;
}

export interface CannonResult {
  requests: number;
  seconds: number;
  rps: number;
  latency: { p50: number; p90: number; p99: number; mean: number; max: number };
  non2xx: number;
  errors: number;
  samples: string[];
}

const form = { 'content-type': 'application/x-www-form-urlencoded' };
/** Refresh tokens per issuer, kept between calls. */
const queues = new Map<string, string[]>();
const basic = (id: string) => `Basic ${Buffer.from(`${id}:${BENCH_SECRET}`).toString('base64')}`;

function requestsFor(job: CannonJob, samples: string[]): Request[] {
  const keep = (status: number, body: string) => {
    if ((status < 200 || status >= 300) && samples.length < 5) samples.push(`${status} ${body.slice(0, 300)}`);
  };
  switch (job.kind) {
    case 'cc':
      return [{
        method: 'POST',
        path: '/token',
        headers: { ...form, authorization: basic('daemon-app') },
        body: new URLSearchParams({ grant_type: 'client_credentials', resource: BENCH_API_RESOURCE, scope: 'read' }).toString(),
        onResponse: keep,
      }];
    case 'jwks':
      return [{ method: 'GET', path: '/jwks', onResponse: keep }];
    case 'discovery':
      return [{ method: 'GET', path: '/.well-known/openid-configuration', onResponse: keep }];
    case 'refresh': {
      // A shared queue rather than per-connection state (autocannon resets a connection's context
      // after every request): each request takes a token, each response gives back its successor.
      // The queue outlives one call, so a scenario can be measured in several segments.
      let queue = queues.get(job.issuer);
      if (!queue) queues.set(job.issuer, (queue = [...(job.refreshTokens ?? [])]));
      if (queue.length <= job.connections) throw new Error(`need more refresh tokens (${queue.length}) than connections (${job.connections})`);
      const q = queue;
      return [{
        method: 'POST',
        path: '/token',
        headers: { ...form, authorization: basic('web-app') },
        setupRequest: (req) => {
          // Out of tokens (refreshes kept failing): the request still goes out, and fails, so the
          // run ends with its errors counted instead of a crash.
          const token = q.shift() ?? 'no-refresh-token-left';
          return { ...req, body: `grant_type=refresh_token&refresh_token=${encodeURIComponent(token)}` };
        },
        onResponse: (status, body) => {
          keep(status, body);
          if (status === 200) q.push((JSON.parse(body) as { refresh_token: string }).refresh_token);
        },
      }];
    }
    case 'invite': {
      let n = 0;
      const tag = `${process.pid}x${Date.now().toString(36)}`;
      return [{
        method: 'POST',
        path: '/v1.0/invitations',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${job.apiToken}` },
        setupRequest: (req) => ({
          ...req,
          body: JSON.stringify({ invitedUserEmailAddress: `i${tag}n${n++}@partner.example`, inviteRedirectUrl: BENCH_APP_URL, sendInvitationMessage: true }),
        }),
        onResponse: keep,
      }];
    }
  }
}

async function run(job: CannonJob): Promise<CannonResult> {
  const samples: string[] = [];
  const requests = requestsFor(job, samples);
  const base: Options = { url: job.issuer, connections: job.connections, pipelining: 1, timeout: 20, requests };
  if (job.warmupSec) await autocannon({ ...base, duration: job.warmupSec });
  samples.length = 0;
  const result = await autocannon({ ...base, duration: job.durationSec });
  const seconds = result.duration;
  const total = result.requests.total;
  return {
    requests: total,
    seconds,
    rps: total / seconds,
    latency: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, mean: result.latency.mean, max: result.latency.max },
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    samples,
  };
}

serveChild({ pid: process.pid }, { run: (payload) => run(payload as CannonJob) }, async () => {});
