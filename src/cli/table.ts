/**
 * List output of the `foyer` command: a header line, then one line per row, columns aligned by
 * padding (the last column is not padded, so lines carry no trailing spaces). Every list also has
 * --json for scripts; this is for people.
 */
export function formatTable(headers: string[], rows: (string | number | null | undefined)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => (c === null || c === undefined || c === '' ? '-' : String(c))))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n');
}

export function printTable(headers: string[], rows: (string | number | null | undefined)[][], empty = 'none'): void {
  console.log(rows.length ? formatTable(headers, rows) : empty);
}
