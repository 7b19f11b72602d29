/**
 * The test world itself: what it starts answers, stop() leaves nothing listening or running, a
 * start that fails half-way stops what it had started, and asking for a peer the world was not
 * started with says how to ask for it.
 */
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startWorld } from './world.js';

/** Whether anything accepts a TCP connection on 127.0.0.1:port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const portOf = (url: string) => Number(new URL(url).port);

describe('the test world', () => {
  it('starts Foyer, an OIDC and a SAML partner, the SMTP sink and the demo app, and stop() ends all of them', async () => {
    const world = await startWorld({ oidc: true, saml: [{ id: 'fabrikam', domains: ['fabrikam.example'] }], smtp: true, demoApp: true, portal: true, members: ['mia@contoso.example'] });
    const ports = [world.foyer.port, portOf(world.partner.issuer), portOf(world.saml.fabrikam!.ssoUrl), world.smtp.port, portOf(world.appUrl)];
    try {
      const discovery = (await (await fetch(`${world.issuer}/.well-known/openid-configuration`)).json()) as { issuer: string };
      expect(discovery.issuer).toBe(world.issuer);
      expect(await Promise.all(ports.map(listening))).toEqual([true, true, true, true, true]);
      // The invitation goes out through the real SMTP server and its link is read from the mail.
      const invited = await world.invite('alice@partner.example');
      expect(invited.redeemUrl).toMatch(new RegExp(`^${world.issuer}/redeem\\?t=`));
      expect(world.smtp.messages.map((m) => m.to)).toEqual([['alice@partner.example']]);
      expect(Object.keys(world.members)).toEqual(['mia@contoso.example']);
    } finally {
      await world.stop();
    }
    expect(await Promise.all(ports.map(listening))).toEqual([false, false, false, false, false]);
  }, 60_000);

  it('stops the peers it had started when a later step fails', async () => {
    const seen: { partner?: string; smtp?: number } = {};
    const starting = startWorld({
      oidc: true,
      smtp: true,
      customize: (config) => {
        seen.partner = ((config.identityProviders as { issuer: string }[])[0]!).issuer;
        seen.smtp = (config.mail as { smtp: { port: number } }).smtp.port;
        throw new Error('a config the test got wrong');
      },
    });
    await expect(starting).rejects.toThrow('a config the test got wrong');
    expect(await Promise.all([listening(portOf(seen.partner!)), listening(seen.smtp!)])).toEqual([false, false]);
  });

  it('says how to ask for a peer the world was started without', async () => {
    const world = await startWorld();
    try {
      expect(() => world.smtp).toThrow('this test world has no SMTP server; start it with { smtp: true }');
      expect(() => world.partner).toThrow('{ oidc: true }');
      await expect(world.invite('x@partner.example')).rejects.toThrow('{ portal: true }');
    } finally {
      await world.stop();
    }
  });
});
