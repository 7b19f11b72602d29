import { describe, expect, it } from 'vitest';
import { FederationError } from '../../src/federation/federation-error.js';
import { upstreamFailureDetail } from '../../src/interaction/upstream-failure.js';
import { api, appToken } from '../support/api-client.js';
import { Browser, errorCodeOf } from '../support/browserless.js';
import { WEB_APP, startAuthorization, webAppClient } from '../support/oidc-client.js';
import { signInAtPartner } from '../support/partner-idp.js';
import { daemonApp, useWorld } from '../support/world.js';

// `misconfigured` is a real partner IdP whose secret at Foyer is wrong: its token endpoint refuses Basic auth.
const world = useWorld({
  oidc: [{ id: 'partner' }, { id: 'misconfigured', entry: { clientSecret: 'not-the-secret-the-partner-knows' } }],
  apps: [daemonApp('audit-app', ['AuditLog.Read.All'])],
});

/** Signs `login` in at the IdP `idpId` is sent to for `email`, and delivers the answer to Foyer. */
async function signInThrough(idpId: string, email: string, login: string) {
  const browser = new Browser();
  const pending = await startAuthorization(await webAppClient(world.issuer), { login_hint: email });
  const partnerForm = await browser.navigate(pending.url.toString(), { stopAt: [WEB_APP.redirectUri] });
  const params = await signInAtPartner(browser, partnerForm.url, login, world.callback(idpId));
  return browser.navigate(`${world.callback(idpId)}?${new URLSearchParams(params)}`, { stopAt: [WEB_APP.redirectUri] });
}

const rowsFor = (idpId: string) => world.foyer.foyer.db('sign_ins').where({ identity_provider: idpId, result: 'failure' }).orderBy('created_at', 'desc');

describe("an upstream failure's underlying reason reaches the admin, not the browser", () => {
  it('stores the library error of a forged ID token signature in the sign-in log, and the page shows only the code', async () => {
    world.partner.tamperIdTokens({ foreignKey: true });
    let page;
    try {
      page = await signInThrough('partner', 'alice@partner.example', 'alice');
    } finally {
      world.partner.tamperIdTokens(undefined);
    }
    expect(page.status).toBe(400);
    expect(errorCodeOf(page.body)).toBe('invalid_signature');
    const [row] = await rowsFor('partner');
    expect(row).toMatchObject({ error_code: 'invalid_signature' });
    // The detail is the library's own words, not Foyer's message again.
    expect(row.failure_detail).toBeTruthy();
    expect(row.failure_detail).not.toBe(row.failure_reason);
    expect(page.body).not.toContain(row.failure_detail);

    const token = await appToken(world.issuer, 'audit-app');
    const listed = await api(world.issuer, token, 'GET', `/auditLogs/signIns/${row.id}`);
    expect(listed.status).toBe(200);
    expect((listed.body as { status: Record<string, unknown> }).status).toMatchObject({ errorCode: 'invalid_signature', additionalDetails: row.failure_detail });
  });

  it('suggests client_secret_post when the token endpoint refuses the client credentials', async () => {
    const page = await signInThrough('misconfigured', 'bob@misconfigured.example', 'bob');
    expect(errorCodeOf(page.body)).toBe('upstream_error');
    expect(page.body).not.toContain('client_secret_post');
    const [row] = await rowsFor('misconfigured');
    expect(row.failure_detail).toContain('upstream error invalid_client');
    expect(row.failure_detail).toContain('clientAuth: client_secret_post');
  });

  it('keeps terminal control characters from an upstream error description out of the detail', () => {
    const err = new FederationError('upstream_error', 'Partner refused the sign-in.', { idpId: 'partner', upstreamError: 'access_denied', upstreamErrorDescription: 'nope\u001b[2J\u001b[31mrun: curl evil\r\nfake line' });
    const detail = upstreamFailureDetail(err);
    expect(detail).toBe('upstream error access_denied: nope [2J [31mrun: curl evil fake line');
    expect([...detail].some((c) => c.charCodeAt(0) < 0x20)).toBe(false);
  });

  it('names the cause chain of a library error and caps its length', () => {
    const inner = Object.assign(new Error('unexpected JWT "alg" header parameter'), { code: 'OAUTH_UNSUPPORTED_OPERATION' });
    const err = new FederationError('invalid_id_token', 'Partner sent an ID token Foyer cannot accept.', { idpId: 'partner' }, { cause: new Error('x'.repeat(5000), { cause: inner }) });
    const detail = upstreamFailureDetail(err);
    expect(detail.length).toBe(1000);
    const short = upstreamFailureDetail(new FederationError('invalid_id_token', 'm', {}, { cause: new Error('outer', { cause: inner }) }));
    expect(short).toBe('outer; unexpected JWT "alg" header parameter (OAUTH_UNSUPPORTED_OPERATION)');
  });
});
