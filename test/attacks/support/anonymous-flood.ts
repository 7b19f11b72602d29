/**
 * The anonymous flooder's tools: a browser that always comes from one client address (Foyer trusts
 * X-Forwarded-For in these worlds, so each test floods from an address of its own), counts of what
 * Foyer stored, and the check that a refusal is clear and leaks nothing.
 */
import { expect } from 'vitest';
import type { Database } from '../../../src/db/connect.js';
import { Browser, leakedInternals, refusalOf } from '../../support/browserless.js';

export class BrowserAt extends Browser {
  constructor(readonly ip: string) {
    super();
  }

  override request(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set('x-forwarded-for', this.ip);
    return super.request(url, { ...init, headers });
  }
}

/** One request from `ip`, as a browser sends it, redirects not followed. */
export function requestFrom(ip: string, url: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set('x-forwarded-for', ip);
  if (!headers.has('accept')) headers.set('accept', 'text/html');
  return fetch(url, { ...init, headers, redirect: 'manual' });
}

/** Rows of one oidc-provider model (Interaction, Session, FederationState, …) in the SQL store. */
export async function storedCount(db: Database, model: string): Promise<number> {
  const row = await db('oidc_payloads').where({ model }).count({ n: '*' }).first();
  return Number(row?.n ?? 0);
}

export async function auditCount(db: Database): Promise<number> {
  const row = await db('audit_log').count({ n: '*' }).first();
  return Number(row?.n ?? 0);
}

/** The stored row of one model instance: its payload and when the store drops it. */
export async function storedRow(db: Database, model: string, id: string): Promise<{ payload: Record<string, unknown>; expiresInSeconds: number }> {
  const row = (await db('oidc_payloads').where({ model, id }).first()) as { payload: string; expires_at: number | string } | undefined;
  if (!row) throw new Error(`no ${model} ${id} stored`);
  return { payload: JSON.parse(row.payload) as Record<string, unknown>, expiresInSeconds: (Number(row.expires_at) - Date.now()) / 1000 };
}

/** A refusal with this status and code, readable by a person, without internals. */
export async function expectRefused(res: Response, status: number, code: string): Promise<void> {
  const refusal = await refusalOf(res);
  expect({ status: refusal.status, code: refusal.code }).toEqual({ status, code });
  expect(leakedInternals(refusal.body)).toBeUndefined();
  if (status === 429) expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
}

/** The `expires` of a Set-Cookie for `name`, in seconds from now. */
export function cookieLifetimeSeconds(res: Response, name: string): number | undefined {
  const header = res.headers.getSetCookie().find((c) => c.startsWith(`${name}=`));
  const expires = header && /; expires=([^;]+)/i.exec(header)?.[1];
  return expires ? (Date.parse(expires) - Date.now()) / 1000 : undefined;
}
