/**
 * The per-request line is written from a template (src/logging/request-log.ts) instead of through
 * pino: it must stay the line pino wrote for it, so log pipelines that parse it see no change.
 */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createLogs } from '../../src/logging/logger.js';
import { preformattedRequestLog, type RequestLine } from '../../src/logging/request-log.js';

function capture() {
  const lines: string[] = [];
  return { lines, stream: { write: (chunk: string) => void lines.push(chunk) } };
}

/** What pino wrote for a request line before: Foyer's logger options, `info(fields, 'request')`. */
function pinoLine(line: RequestLine): string {
  const out = capture();
  pino({ level: 'info', base: { service: 'foyer' }, timestamp: pino.stdTimeFunctions.isoTime }, out.stream).info(line, 'request');
  return out.lines[0]!;
}

const withoutTime = (line: string) => {
  const { time, ...rest } = JSON.parse(line) as Record<string, unknown>;
  return { time, rest };
};

describe('the request log line', () => {
  const requests: RequestLine[] = [
    { requestId: '3f2b8c1e-6d0a-4c4e-9a51-0d1f2e3a4b5c', method: 'POST', path: '/token', status: 200, ms: 1.3 },
    // A client sends any path and method: quotes, backslashes, control characters, non-ASCII.
    { requestId: 'abc.DEF_123-x', method: 'M"ETH\\OD', path: '/a"b\\c\u0001\n/é/\u2028', status: 404, ms: 0 },
    { requestId: 'r1234567', method: 'GET', path: '/', status: 500, ms: 12345.6 },
  ];

  it('has the fields, order and values of the line pino wrote, with an ISO time', () => {
    for (const line of requests) {
      const out = capture();
      preformattedRequestLog('info', out.stream).write(line);
      expect(out.lines).toHaveLength(1);
      expect(out.lines[0]!.endsWith('}\n')).toBe(true);
      const ours = withoutTime(out.lines[0]!);
      const theirs = withoutTime(pinoLine(line));
      expect(ours.rest).toEqual(theirs.rest);
      expect(Object.keys(JSON.parse(out.lines[0]!) as object)).toEqual(Object.keys(JSON.parse(pinoLine(line)) as object));
      expect(ours.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(Math.abs(Date.parse(ours.time as string) - Date.now())).toBeLessThan(60_000);
    }
  });

  it('cannot be split or forged by what the client sent: one line, one JSON object', () => {
    const out = capture();
    preformattedRequestLog('info', out.stream).write({ requestId: 'r1234567', method: 'GET', path: '/x"}\n{"level":60,"msg":"forged', status: 200, ms: 1 });
    expect(out.lines[0]!.split('\n')).toHaveLength(2); // the line and the empty rest after its newline
    expect((JSON.parse(out.lines[0]!) as { path: string; level: number }).path).toBe('/x"}\n{"level":60,"msg":"forged');
    expect((JSON.parse(out.lines[0]!) as { level: number }).level).toBe(30);
  });

  it('follows the log level: nothing above info, lines again once info is back', () => {
    const out = capture();
    const log = preformattedRequestLog('warn', out.stream);
    log.write(requests[0]!);
    expect(out.lines).toHaveLength(0);
    log.level = 'debug';
    expect(log.level).toBe('debug');
    log.write(requests[0]!);
    log.level = 'silent';
    log.write(requests[0]!);
    expect(out.lines).toHaveLength(1);
  });

  it('goes to the same stream as the other logger, in the order written', () => {
    const out = capture();
    const logs = createLogs('info', out.stream as unknown as pino.DestinationStream);
    logs.logger.info({ user: { password: 'hunter2' } }, 'before');
    logs.requests.write(requests[0]!);
    logs.logger.info('after');
    expect(out.lines.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(['before', 'request', 'after']);
    expect(out.lines[0]).not.toContain('hunter2');
  });
});
