import type { Registry } from 'prom-client';

/** One (method, route, status) as counted; the latency histogram's series is (method, route). */
interface Counted {
  labels: { method: string; route: string; status: string };
  count: number;
}
interface Timed {
  labels: { method: string; route: string };
  /** Observations per bucket (not cumulative), the last slot for those above every bound. */
  buckets: Float64Array;
  sum: number;
  count: number;
}

export interface RequestMetrics {
  /** Counts one finished request and its duration in seconds. */
  observe(method: string, route: string, status: number, seconds: number): void;
}

/** Series kept per metric at most, against odd methods (the route is a template, the status bounded). */
const MAX_SERIES = 2000;
/** Requests of any series beyond the cap are counted here, so totals stay true and the overflow shows. */
const OVERFLOW = { method: 'other', route: 'overflow', status: 'other' } as const;
const OVERFLOW_KEY = '\0overflow';

/**
 * `foyer_http_requests_total` and `foyer_http_request_duration_seconds` with prom-client's names,
 * types and exposition, counted in plain numbers. prom-client's counter and histogram normalise,
 * validate and hash the labels on every `inc`/`observe`, even through a labelled child; on a token
 * request that was the largest part of the metrics' cost (docs/benchmarks.md). Here a request adds
 * to the numbers of its series, found by one string key; prom-client's shape is built at scrape time.
 */
export function requestMetrics(registry: Registry, buckets: readonly number[]): RequestMetrics {
  const counted = new Map<string, Counted>();
  const timed = new Map<string, Timed>();
  const bounds = [...buckets].sort((a, b) => a - b);

  const counter = {
    name: 'foyer_http_requests_total',
    help: 'HTTP requests by method, route template and status code.',
    type: 'counter',
    aggregator: 'sum',
    labelNames: ['method', 'route', 'status'],
    async get() {
      return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values: [...counted.values()].map((c) => ({ labels: { ...c.labels }, value: c.count })) };
    },
    reset: () => counted.clear(),
  };
  const histogram = {
    name: 'foyer_http_request_duration_seconds',
    help: 'HTTP request latency by method and route template.',
    type: 'histogram',
    aggregator: 'sum',
    labelNames: ['method', 'route'],
    // For the text exposition; get() gives every value its series' labels too (JSON, as prom-client's does).
    async get() {
      const data = await this.getForPromString();
      return { ...data, values: data.values.map(({ sharedLabels, ...v }) => ({ ...v, labels: { ...v.labels, ...sharedLabels } })) };
    },
    async getForPromString() {
      const values: { labels: Record<string, string | number>; value: number; metricName: string; exemplar?: null; sharedLabels?: Record<string, string> }[] = [];
      for (const t of timed.values()) {
        // The same values, in the same order, as prom-client's histogram: cumulative buckets, +Inf, sum, count.
        let acc = 0;
        bounds.forEach((le, i) => {
          acc += t.buckets[i]!;
          values.push({ labels: { le }, value: acc, metricName: `${this.name}_bucket`, exemplar: null, sharedLabels: t.labels });
        });
        values.push({ labels: { le: '+Inf' }, value: t.count, metricName: `${this.name}_bucket`, exemplar: null, sharedLabels: t.labels });
        values.push({ labels: {}, value: t.sum, metricName: `${this.name}_sum`, sharedLabels: t.labels });
        values.push({ labels: {}, value: t.count, metricName: `${this.name}_count`, sharedLabels: t.labels });
      }
      return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
    },
    reset: () => timed.clear(),
  };
  // The registry renders any metric with a name, a type and get(); these two are not prom-client classes.
  registry.registerMetric(counter as never);
  registry.registerMetric(histogram as never);

  return {
    observe(method, route, status, seconds) {
      const seriesKey = `${method} ${route}`;
      const countKey = `${seriesKey} ${status}`;
      // The closures are made only for a series not seen yet (after ??), never on the hot path.
      const c = counted.get(countKey) ?? addSeries(counted, countKey, (overflow) => ({ labels: overflow ? { ...OVERFLOW } : { method, route, status: String(status) }, count: 0 }));
      c.count++;
      const t =
        timed.get(seriesKey) ??
        addSeries(timed, seriesKey, (overflow) => ({ labels: overflow ? { method: OVERFLOW.method, route: OVERFLOW.route } : { method, route }, buckets: new Float64Array(bounds.length + 1), sum: 0, count: 0 }));
      let i = 0;
      while (i < bounds.length && seconds > bounds[i]!) i++;
      t.buckets[i]!++;
      t.sum += seconds;
      t.count++;
    },
  };
}

/** A new series under `key`, or, once the map holds MAX_SERIES, the one overflow series (made at its first use). */
function addSeries<T>(series: Map<string, T>, key: string, make: (overflow: boolean) => T): T {
  const overflow = series.size >= MAX_SERIES;
  const at = overflow ? OVERFLOW_KEY : key;
  let found = series.get(at);
  if (!found) series.set(at, (found = make(overflow)));
  return found;
}
