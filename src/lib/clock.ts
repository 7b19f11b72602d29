/** ISO-8601 timestamps are stored as text so SQLite and PostgreSQL compare them the same way. */
export function nowIso(): string {
  return new Date().toISOString();
}

export function isoIn(seconds: number): string {
  return new Date(Date.now() + seconds * 1000).toISOString();
}
