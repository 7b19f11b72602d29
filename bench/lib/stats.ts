export interface LatencySummary {
  p50: number;
  p90: number;
  p99: number;
  mean: number;
  max: number;
}

/** Percentiles (nearest rank) of latencies in ms, rounded to 0.1 ms. */
export function summarize(values: number[]): LatencySummary {
  if (!values.length) return { p50: 0, p90: 0, p99: 0, mean: 0, max: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
  const r = (n: number) => Math.round(n * 10) / 10;
  return { p50: r(at(50)), p90: r(at(90)), p99: r(at(99)), mean: r(sorted.reduce((a, b) => a + b, 0) / sorted.length), max: r(sorted.at(-1)!) };
}
