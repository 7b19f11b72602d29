/**
 * The IdP labels of foyer_sign_ins_total follow a config reload: an IdP added by the reload is
 * reported (at 0) at once, and one the reload removed stops being reported, whatever it counted.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { useWorld } from '../support/world.js';

describe('sign-in metrics across a config reload', () => {
  const world = useWorld({ oidc: true });
  const metrics = async () => (await fetch(`${world.issuer}/metrics`)).text();
  const series = (text: string, idp: string) => text.split('\n').filter((l) => l.startsWith(`foyer_sign_ins_total{idp="${idp}",`));

  it('reports a new IdP at once and drops a removed one', async () => {
    const raw = parse(readFileSync(world.foyer.configFile, 'utf8')) as Record<string, unknown>;
    const idps = raw.identityProviders as Record<string, unknown>[];
    const oldId = String(idps[0]!.id);
    // Known from the start, before any sign-in through it.
    expect(series(await metrics(), oldId)).toEqual([`foyer_sign_ins_total{idp="${oldId}",result="success"} 0`, `foyer_sign_ins_total{idp="${oldId}",result="failure"} 0`, `foyer_sign_ins_total{idp="${oldId}",result="throttled"} 0`]);
    // A callback nobody started fails, and is counted against the IdP.
    const callback = await fetch(`${world.issuer}/federation/${oldId}/callback?code=forged&state=forged`, { redirect: 'manual' });
    expect(callback.status).toBeGreaterThanOrEqual(400);
    expect(series(await metrics(), oldId)).toContain(`foyer_sign_ins_total{idp="${oldId}",result="failure"} 1`);

    idps[0]!.id = 'renamed-partner';
    writeFileSync(world.foyer.configFile, stringify(raw));
    expect((await world.foyer.foyer.reload()).result).toBe('applied');

    const after = await metrics();
    expect(series(after, oldId)).toEqual([]);
    expect(series(after, 'renamed-partner')).toEqual(['foyer_sign_ins_total{idp="renamed-partner",result="success"} 0', 'foyer_sign_ins_total{idp="renamed-partner",result="failure"} 0', 'foyer_sign_ins_total{idp="renamed-partner",result="throttled"} 0']);
    // The old IdP's callback is now an unknown route for the metrics: it is not counted under any IdP label.
    await fetch(`${world.issuer}/federation/${oldId}/callback?code=forged&state=forged`, { redirect: 'manual' });
    expect(series(await metrics(), oldId)).toEqual([]);
  });
});
