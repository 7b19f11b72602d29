/**
 * What a V8 heap snapshot holds, by kind of object: the memory scenario's answer to "what is in
 * the heap" (self sizes summed by node type and constructor/name; strings and code by type).
 */
import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

export function summarizeHeapSnapshot(file: string, top = 15): { totalMb: number; top: { what: string; count: number; mb: number }[] } {
  const snap = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const [iType, iName, iSize] = [fields.indexOf('type'), fields.indexOf('name'), fields.indexOf('self_size')];
  const by = new Map<string, { count: number; bytes: number }>();
  let total = 0;
  for (let i = 0; i < snap.nodes.length; i += fields.length) {
    const type = types[snap.nodes[i + iType]!]!;
    const size = snap.nodes[i + iSize]!;
    total += size;
    // Objects by constructor; everything else (strings, code, arrays, closures…) by type.
    const what = type === 'object' ? `object ${snap.strings[snap.nodes[i + iName]!]}` : type;
    const e = by.get(what) ?? { count: 0, bytes: 0 };
    e.count++;
    e.bytes += size;
    by.set(what, e);
  }
  const mb = (n: number) => Math.round((n / 1048576) * 10) / 10;
  const sorted = [...by].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, top);
  return { totalMb: mb(total), top: sorted.map(([what, e]) => ({ what, count: e.count, mb: mb(e.bytes) })) };
}
