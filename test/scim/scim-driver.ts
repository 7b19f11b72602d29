/**
 * A SCIM client as provisioning services drive one: plain HTTP with a bearer token and
 * application/scim+json, and the request shapes Entra's and Okta's provisioning send (Entra:
 * capitalised ops, "True"/"False" strings, members removed by value; Okta: path-less replace,
 * members[value eq "…"] paths).
 */
import { createHash, randomBytes } from 'node:crypto';

export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';

export function scimToken(): { token: string; sha256: string } {
  const token = `foyer_scim_${randomBytes(32).toString('base64url')}`;
  return { token, sha256: createHash('sha256').update(token).digest('hex') };
}

export interface ScimAnswer {
  status: number;
  headers: Headers;
  body: Record<string, unknown> & { Resources?: Record<string, unknown>[]; id?: string; detail?: string; scimType?: string };
}

export class ScimDriver {
  constructor(
    private readonly issuer: string,
    private readonly token: string,
  ) {}

  async send(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ScimAnswer> {
    const res = await fetch(`${this.issuer}/scim/v2${path}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, accept: 'application/scim+json', ...(body !== undefined ? { 'content-type': 'application/scim+json' } : {}), ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as ScimAnswer['body']) : {} };
  }

  findUser(userName: string) {
    return this.send('GET', `/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`);
  }

  createUser(userName: string, extra: Record<string, unknown> = {}) {
    return this.send('POST', '/Users', { schemas: [USER], userName, name: { givenName: userName.split('@')[0], familyName: 'Test' }, emails: [{ value: userName, type: 'work', primary: true }], active: true, ...extra });
  }

  patch(path: string, operations: unknown[], headers?: Record<string, string>) {
    return this.send('PATCH', path, { schemas: [PATCH_OP], Operations: operations }, headers);
  }
}
