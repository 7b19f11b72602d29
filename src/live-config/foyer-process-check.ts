import { readFileSync, statSync } from 'node:fs';

/** Linux's USER_HZ: /proc/<pid>/stat counts a process's start in these ticks since boot. */
const CLOCK_TICKS_PER_SECOND = 100;
/** The boot time in /proc/stat has whole seconds; a process may start that much "later" than it did. */
const START_TIME_SLACK_MS = 1_500;
/** How the server is run: `node dist/src/main.js` (npm start), or its source through a TypeScript loader. */
const FOYER_ENTRY = /(^|\/)src\/main\.(js|ts)$/;

/**
 * Whether `pid`, read from `pidFile`, is still the Foyer server that wrote it, so a reload signal
 * never reaches whatever process got the number after the server died without removing its file
 * (SIGKILL, a power cut). Two checks, from /proc: the process runs Foyer's entry point, and it
 * started before the pid file was written (a process given a reused pid starts after). Returns why
 * not, or undefined when it is.
 */
export function whyNotTheFoyerServer(pid: number, pidFile: string): string | undefined {
  let cmdline: string[];
  let stat: string;
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return readable('/proc/self/stat') ? `no process ${pid} is running (a stale pid file)` : 'this system has no /proc to check that the process is Foyer: send SIGHUP to the server yourself';
    return `cannot inspect process ${pid}: ${err instanceof Error ? err.message : String(err)}`;
  }
  if (!cmdline.some((arg) => FOYER_ENTRY.test(arg))) return `process ${pid} is not a Foyer server (it runs "${cmdline.join(' ').slice(0, 120)}"): the pid file is stale`;
  const startedAt = processStartMs(stat);
  const writtenAt = statSync(pidFile).mtimeMs;
  if (startedAt === undefined) return `cannot tell when process ${pid} started`;
  if (startedAt > writtenAt + START_TIME_SLACK_MS) return `process ${pid} started after the pid file was written, so it is not the server that wrote it: the pid file is stale`;
  return undefined;
}

function processStartMs(stat: string): number | undefined {
  // Field 2 (the command name) is in parentheses and may hold spaces: count fields after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[19]); // field 22, starttime
  const btime = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1];
  if (!Number.isFinite(ticks) || !btime) return undefined;
  return Number(btime) * 1000 + (ticks / CLOCK_TICKS_PER_SECOND) * 1000;
}

function readable(path: string): boolean {
  try {
    readFileSync(path);
    return true;
  } catch {
    return false;
  }
}
