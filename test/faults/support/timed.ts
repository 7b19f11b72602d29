/** How long a call took and what it ended with, so a test can say "failed cleanly within N ms". */
export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value?: T; error?: unknown }> {
  const start = Date.now();
  try {
    const value = await fn();
    return { ms: Date.now() - start, value };
  } catch (error) {
    return { ms: Date.now() - start, error };
  }
}

/** Retries `check` until it passes or `timeoutMs` is over (then throws its last error). */
export async function eventually<T>(check: () => Promise<T>, timeoutMs: number, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, everyMs));
    }
  }
}

export async function readyStatus(url: string): Promise<number> {
  const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(5_000) });
  await res.body?.cancel();
  return res.status;
}

/** A refresh-token grant for the web app as raw HTTP (openid-client hides the body of a 5xx). */
export async function rawRefresh(issuer: string, refreshToken: string, secret: string): Promise<{ status: number; body: Record<string, unknown>; retryAfter: string | null }> {
  const res = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`web-app:${secret}`).toString('base64')}` },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }),
    signal: AbortSignal.timeout(20_000),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, retryAfter: res.headers.get('retry-after') };
}
