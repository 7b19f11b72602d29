/**
 * The request counter and latency histogram are counted in plain numbers (src/ops/request-metrics.ts)
 * instead of through prom-client's classes: a scrape must read exactly what prom-client's own
 * Counter and Histogram gave for the same requests.
 */
import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { requestMetrics } from '../../src/ops/request-metrics.js';

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const requests: [string, string, number, number][] = [
  ['POST', '/token', 200, 0.0012],
  ['POST', '/token', 200, 0.005], // on a bucket's bound: counted in that bucket
  ['POST', '/token', 400, 0.03],
  ['GET', '/interaction/:uid', 200, 0.2],
  ['GET', 'unmatched', 404, 12], // above every bound: only in +Inf, sum and count
  ['GET', 'other', 500, 0.7],
  ['POST', '/token', 200, 0.0001],
  ['GET', 'we"ird\\route\n', 200, 0.01], // label values escaped as prom-client escapes them
];

function withPromClient(): Registry {
  const registry = new Registry();
  const counter = new Counter({ name: 'foyer_http_requests_total', help: 'HTTP requests by method, route template and status code.', labelNames: ['method', 'route', 'status'], registers: [registry] });
  const histogram = new Histogram({ name: 'foyer_http_request_duration_seconds', help: 'HTTP request latency by method and route template.', labelNames: ['method', 'route'], buckets: BUCKETS, registers: [registry] });
  for (const [method, route, status, seconds] of requests) {
    counter.inc({ method, route, status: String(status) });
    histogram.observe({ method, route }, seconds);
  }
  return registry;
}

function withRequestMetrics(): Registry {
  const registry = new Registry();
  const metrics = requestMetrics(registry, BUCKETS);
  for (const [method, route, status, seconds] of requests) metrics.observe(method, route, status, seconds);
  return registry;
}

describe('request metrics', () => {
  it('scrape as prom-client\'s Counter and Histogram do, line for line', async () => {
    const ours = await withRequestMetrics().metrics();
    expect(ours).toBe(await withPromClient().metrics());
    expect(ours).toContain('foyer_http_requests_total{method="POST",route="/token",status="200"} 3');
    expect(ours).toContain('foyer_http_request_duration_seconds_bucket{le="0.005",method="POST",route="/token"} 3');
  });

  it('give the same JSON, and start again from nothing when the registry is reset', async () => {
    const ours = withRequestMetrics();
    expect(await ours.getMetricsAsJSON()).toEqual(await withPromClient().getMetricsAsJSON());
    ours.resetMetrics();
    expect(await ours.metrics()).toBe(await withEmpty());
    expect(await ours.metrics()).not.toContain('route=');
  });

  it('in OpenMetrics format too', async () => {
    const ours = withRequestMetrics();
    const theirs = withPromClient();
    const openMetrics = Registry.OPENMETRICS_CONTENT_TYPE as unknown as typeof Registry.PROMETHEUS_CONTENT_TYPE;
    ours.setContentType(openMetrics);
    theirs.setContentType(openMetrics);
    expect(await ours.metrics()).toBe(await theirs.metrics());
  });
});

async function withEmpty(): Promise<string> {
  const registry = new Registry();
  requestMetrics(registry, BUCKETS);
  return registry.metrics();
}

describe('the series cap', () => {
  it('counts requests of series beyond it in one overflow series, so the totals stay true', async () => {
    const registry = new Registry();
    const metrics = requestMetrics(registry, BUCKETS);
    // 2,000 series fill the cap; 5 more distinct ones (and a repeat of one) land in the overflow series.
    for (let i = 0; i < 2005; i++) metrics.observe(`M${i}`, '/x', 200, 0.001);
    metrics.observe('M2003', '/x', 200, 0.001);
    const counted = (await registry.getSingleMetric('foyer_http_requests_total')!.get()).values;
    expect(counted).toHaveLength(2001);
    expect(counted.reduce((sum, v) => sum + v.value, 0)).toBe(2006);
    expect(counted.find((v) => v.labels.route === 'overflow')).toMatchObject({ labels: { method: 'other', route: 'overflow', status: 'other' }, value: 6 });
    const text = await registry.metrics();
    expect(text).toContain('foyer_http_request_duration_seconds_count{method="other",route="overflow"} 6');
  });
});
