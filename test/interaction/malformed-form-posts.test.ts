import type * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, csrfTokenOf, leakedInternals, refusalOf, type Refusal } from '../support/browserless.js';
import { openSignIn, webAppClient } from '../support/oidc-client.js';
import { startFoyer, type RunningFoyer } from '../support/start-foyer.js';

function expectRefused(refusal: Refusal, status: number, code?: string): void {
  expect(refusal.status, refusal.body.slice(0, 300)).toBe(status);
  if (code) expect(refusal.code).toBe(code);
  expect(leakedInternals(refusal.body)).toBeUndefined();
}

describe('malformed posts to the interaction routes get a 4xx with an error code, never a 5xx or internals', () => {
  let foyer: RunningFoyer;
  let config: client.Configuration;

  beforeAll(async () => {
    foyer = await startFoyer();
    await foyer.createMember('peggy@contoso.example', 'peggy password 1');
    config = await webAppClient(foyer.issuer);
  });
  afterAll(() => foyer?.stop());

  const postLogin = (uid: string, body: string, headers: Record<string, string>, browser = new Browser()) =>
    browser.request(`${foyer.issuer}/interaction/${uid}/login`, { method: 'POST', body, headers }).then(refusalOf);

  it('the leak check recognises a real stack trace (so the assertions below can fail)', () => {
    expect(leakedInternals(new Error('boom').stack!)).toBeDefined();
    expect(leakedInternals('We could not complete that request. Try again at any time.')).toBeUndefined();
  });

  it('a 100 kB form body → 413 requestTooLarge', async () => {
    const body = `email=${'a'.repeat(100 * 1024)}&password=x`;
    const res = await postLogin('x', body, { 'content-type': 'application/x-www-form-urlencoded' });
    expectRefused(res, 413, 'requestTooLarge');
    expect(res.body).toContain('The request body is too large.');
  });

  it('a 100 kB JSON body → 413 requestTooLarge (as JSON for a JSON client)', async () => {
    const res = await postLogin('x', JSON.stringify({ email: 'a'.repeat(100 * 1024) }), { 'content-type': 'application/json', accept: 'application/json' });
    expectRefused(res, 413, 'requestTooLarge');
  });

  it('JSON garbage → 400 badRequest, as JSON or as a page depending on Accept', async () => {
    const json = await postLogin('x', '{"email": nope', { 'content-type': 'application/json', accept: 'application/json' });
    expectRefused(json, 400, 'badRequest');
    const page = await postLogin('x', '{"email": nope', { 'content-type': 'application/json' });
    expectRefused(page, 400, 'badRequest');
    expect(page.body).toContain('<h1>We could not complete that request</h1>');
  });

  it('an unsupported content type is refused (no CSRF token can be read from it)', async () => {
    expectRefused(await postLogin('x', '<login/>', { 'content-type': 'application/xml' }), 403, 'csrfTokenInvalid');
  });

  it('fields of the wrong type, with a valid CSRF token, → 400 with the form shown again', async () => {
    const browser = new Browser();
    const { page, uid } = await openSignIn(browser, config);
    const body = JSON.stringify({ _csrf: csrfTokenOf(page.body), email: { $ne: null }, password: ['a', 'b'] });
    const res = await postLogin(uid, body, { 'content-type': 'application/json' }, browser);
    expectRefused(res, 400);
    expect(res.body).toContain('Enter your email address and your password.');
  });

  it('an over-long password, with a valid CSRF token, → 400 with the form shown again', async () => {
    const browser = new Browser();
    const { page, uid } = await openSignIn(browser, config);
    const body = new URLSearchParams({ _csrf: csrfTokenOf(page.body), email: 'peggy@contoso.example', password: 'p'.repeat(2000) });
    const res = await postLogin(uid, body.toString(), { 'content-type': 'application/x-www-form-urlencoded' }, browser);
    expectRefused(res, 400);
    expect(res.body).toContain('Enter your email address and your password.');
  });

  it('a valid CSRF token for an interaction that does not exist → 400 interactionExpired', async () => {
    const browser = new Browser();
    const { page } = await openSignIn(browser, config);
    const body = new URLSearchParams({ _csrf: csrfTokenOf(page.body), email: 'peggy@contoso.example', password: 'x' });
    expectRefused(await postLogin('no-such-uid', body.toString(), { 'content-type': 'application/x-www-form-urlencoded' }, browser), 400, 'interactionExpired');
  });

  it('a GET of an unknown interaction action → 404 or 405, not 5xx', async () => {
    const res = await new Browser().request(`${foyer.issuer}/interaction/x/login`);
    expect([404, 405]).toContain(res.status);
    expect(leakedInternals(await res.text())).toBeUndefined();
  });
});
