import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { Browser, csrfTokenOf } from '../support/browserless.js';
import { openPasswordForm, webAppClient } from '../support/oidc-client.js';
import { startFoyer } from '../support/start-foyer.js';

const EMAIL = 'rupert@contoso.example';
const PASSWORD = 'finish what you started 8';

/** Resolves with the error code of a fresh TCP connection attempt, or 'connected'. */
function tryConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

describe('graceful shutdown', () => {
  it('lets an in-flight sign-in finish with its normal response, and refuses new connections', async () => {
    const running = await startFoyer((raw) => {
      (raw.server as Record<string, unknown>).shutdownGraceSeconds = 10;
    });
    let stopped: Promise<void> | undefined;
    try {
      await running.createMember(EMAIL, PASSWORD);
      const browser = new Browser();
      const { page, uid } = await openPasswordForm(browser, await webAppClient(running.issuer), EMAIL);

      // Know when the password POST is inside Foyer (it then spends ~0.3 s in scrypt).
      const users = running.foyer.users;
      const original = users.passwordHashFor.bind(users);
      let arrived!: () => void;
      const inside = new Promise<void>((resolve) => (arrived = resolve));
      users.passwordHashFor = async (id) => {
        arrived();
        return original(id);
      };

      const inFlight = browser.request(`${running.issuer}/interaction/${uid}/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: csrfTokenOf(page.body), email: EMAIL, password: PASSWORD }).toString(),
      });
      await inside;
      const started = Date.now();
      stopped = running.stop();

      expect(await tryConnect(running.port)).toBe('ECONNREFUSED');

      const res = await inFlight;
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe(`${running.issuer}/auth/${uid}`);
      // Node keeps the finished request's keep-alive connection open until the client drops it
      // (undici after ~4 s) or the grace period ends, so stop() resolves some seconds later.
      await stopped;
      expect(Date.now() - started).toBeLessThan(10_000 + 2_000);
      expect(await tryConnect(running.port)).toBe('ECONNREFUSED');
    } finally {
      await (stopped ?? running.stop());
    }
  });
});
