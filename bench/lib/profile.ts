/**
 * Summarises a V8 .cpuprofile (from node --cpu-prof): where the CPU went by package / Foyer
 * folder (self time), the hottest functions, and how much time ran beneath each Foyer source file
 * (samples attributed to the nearest Foyer frame on the stack).
 */
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileSummary {
  totalMs: number;
  busyMs: number;
  byCategory: { name: string; ms: number; pct: number }[];
  topFunctions: { name: string; where: string; ms: number; pct: number }[];
  underFoyerFile: { file: string; ms: number; pct: number }[];
}

/** Which bucket a frame's URL belongs to: a package, a Foyer folder, node internals, or V8 pseudo-frames. */
export function categoryOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (!url) {
    if (functionName.startsWith('(')) return functionName; // (garbage collector), (idle), (program)
    return '(native)';
  }
  const nm = url.lastIndexOf('node_modules/');
  if (nm !== -1) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return `npm:${rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]}`;
  }
  const src = /\/(src|bench|migrations)\/(.+)$/.exec(url);
  if (src) return `foyer:${src[1]}/${src[2]!.split('/').slice(0, -1).join('/') || '.'}`;
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  return url;
}

/** `fromUs`: ignore samples taken before this point of the profile's clock (start-up, seeding). */
export function summarizeProfile(path: string, opts: { top?: number; fromUs?: number } = {}): ProfileSummary {
  const top = opts.top ?? 15;
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map<number, number>();
  const from = Math.max(opts.fromUs ?? 0, profile.startTime);
  let t = profile.startTime;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    t += delta;
    if (t >= from) selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
  });
  const totalUs = profile.endTime - from;

  const cat = new Map<string, number>();
  const fn = new Map<string, { name: string; where: string; us: number }>();
  const foyerFile = new Map<string, number>();
  const nearestFoyer = new Map<number, string>();
  const foyerFrameOf = (id: number): string => {
    const cached = nearestFoyer.get(id);
    if (cached !== undefined) return cached;
    const node = byId.get(id)!;
    const m = /\/(src\/.+)$/.exec(node.callFrame.url);
    const p = parent.get(id);
    const found = m ? m[1]! : p === undefined ? '(no Foyer frame on the stack)' : foyerFrameOf(p);
    nearestFoyer.set(id, found);
    return found;
  };
  let idleUs = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id)!;
    const c = categoryOf(node.callFrame);
    if (c === '(idle)') idleUs += us;
    cat.set(c, (cat.get(c) ?? 0) + us);
    const where = node.callFrame.url ? `${node.callFrame.url.replace(/^.*\/(node_modules|src|bench)\//, '$1/')}:${node.callFrame.lineNumber + 1}` : '';
    const key = `${node.callFrame.functionName}|${where}`;
    const entry = fn.get(key) ?? { name: node.callFrame.functionName || '(anonymous)', where, us: 0 };
    entry.us += us;
    fn.set(key, entry);
    if (c !== '(idle)') {
      const f = foyerFrameOf(id);
      foyerFile.set(f, (foyerFile.get(f) ?? 0) + us);
    }
  }
  const busyUs = totalUs - idleUs;
  const ms = (us: number) => Math.round(us / 100) / 10;
  const pct = (us: number) => Math.round((us / busyUs) * 1000) / 10;
  return {
    totalMs: ms(totalUs),
    busyMs: ms(busyUs),
    byCategory: [...cat].filter(([n]) => n !== '(idle)').sort((a, b) => b[1] - a[1]).slice(0, top).map(([name, us]) => ({ name, ms: ms(us), pct: pct(us) })),
    topFunctions: [...fn.values()].filter((f) => f.name !== '(idle)').sort((a, b) => b.us - a.us).slice(0, top).map((f) => ({ name: f.name, where: f.where, ms: ms(f.us), pct: pct(f.us) })),
    underFoyerFile: [...foyerFile].sort((a, b) => b[1] - a[1]).slice(0, top).map(([file, us]) => ({ file, ms: ms(us), pct: pct(us) })),
  };
}

export function formatProfile(s: ProfileSummary): string {
  const lines = [`busy ${s.busyMs} ms of ${s.totalMs} ms profiled (percentages are of busy time)`, '', 'self time by package / Foyer folder:'];
  for (const c of s.byCategory) lines.push(`  ${c.pct.toFixed(1).padStart(5)}%  ${c.name}`);
  lines.push('', 'hottest functions (self time):');
  for (const f of s.topFunctions) lines.push(`  ${f.pct.toFixed(1).padStart(5)}%  ${f.name}  ${f.where}`);
  lines.push('', 'synchronous time beneath the nearest Foyer frame (work resumed after an await has no Foyer frame below it):');
  for (const f of s.underFoyerFile) lines.push(`  ${f.pct.toFixed(1).padStart(5)}%  ${f.file}`);
  return lines.join('\n');
}

// `tsx bench/lib/profile.ts file.cpuprofile` prints a summary of any profile.
if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\/bench\//, '/bench/'))) {
  const file = process.argv[2];
  if (file) console.log(formatProfile(summarizeProfile(file, { top: 25 })));
}
