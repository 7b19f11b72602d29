// A stand-in for a partner organisation's own identity provider ("Fabrikam"), so Foyer's guest
// sign-in can be tried on one machine: a real oidc-provider with three demo people and a login
// form without passwords. Never run this anywhere but your laptop.
import { createServer } from 'node:http';
import { URLSearchParams } from 'node:url';
import Provider from 'oidc-provider';

const port = Number(process.env.PORT ?? 3002);
const issuer = process.env.PARTNER_ISSUER ?? `http://localhost:${port}`;
const foyer = process.env.FOYER_ISSUER ?? 'http://localhost:3000';
const clientSecret = process.env.PARTNER_CLIENT_SECRET ?? 'partner-demo-secret-please-change-0123456789';

const people = {
  alice: { sub: 'fabrikam-alice', email: 'alice@partner.example', email_verified: true, name: 'Alice (Fabrikam)', amr: ['pwd'] },
  bob: { sub: 'fabrikam-bob', email: 'bob@partner.example', email_verified: true, name: 'Bob (Fabrikam, signed in with MFA)', amr: ['pwd', 'mfa'] },
  carol: { sub: 'fabrikam-carol', email: 'carol@partner.example', email_verified: false, name: 'Carol (email not verified)', amr: ['pwd'] },
};

const store = new Map();
class MemoryAdapter {
  constructor(model) {
    this.model = model;
  }
  key(id) {
    return `${this.model}:${id}`;
  }
  async upsert(id, payload, expiresIn) {
    store.set(this.key(id), { payload, expires: Date.now() + expiresIn * 1000 });
  }
  async find(id) {
    const hit = store.get(this.key(id));
    return hit && hit.expires > Date.now() ? hit.payload : undefined;
  }
  async findByUid(uid) {
    for (const { payload } of store.values()) if (payload.uid === uid) return payload;
    return undefined;
  }
  async findByUserCode() {
    return undefined;
  }
  async consume(id) {
    const hit = store.get(this.key(id));
    if (hit) hit.payload.consumed = Math.floor(Date.now() / 1000);
  }
  async destroy(id) {
    store.delete(this.key(id));
  }
  async revokeByGrantId(grantId) {
    for (const [k, { payload }] of store) if (payload.grantId === grantId) store.delete(k);
  }
}

const provider = new Provider(issuer, {
  adapter: MemoryAdapter,
  clients: [
    {
      client_id: 'foyer',
      client_secret: clientSecret,
      redirect_uris: [`${foyer}/federation/partner/callback`],
      grant_types: ['authorization_code'],
      response_types: ['code'],
    },
  ],
  // amr rides on openid so Foyer sees how the person signed in (bob: mfa), as a real IdP would say.
  claims: { openid: ['sub', 'amr'], email: ['email', 'email_verified'], profile: ['name'] },
  conformIdTokenClaims: false,
  features: { devInteractions: { enabled: false } },
  pkce: { required: () => true },
  interactions: { url: (_ctx, interaction) => `/login/${interaction.uid}` },
  // Own cookie names: browsers share cookies across ports, and Foyer on localhost:3000 uses the
  // oidc-provider defaults (_session, _interaction) too.
  cookies: { keys: ['partner-demo-cookie-key'], names: { session: 'fabrikam_session', interaction: 'fabrikam_interaction', resume: 'fabrikam_resume' } },
  ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 600, Session: 3600, Grant: 3600 },
  findAccount: (_ctx, sub) => {
    const person = Object.values(people).find((p) => p.sub === sub);
    return person && { accountId: sub, claims: () => ({ sub, email: person.email, email_verified: person.email_verified, name: person.name }) };
  },
});

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const page = (uid) => `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Sign in · Fabrikam</title>
<style>
  body{margin:0;font:16px/1.5 system-ui,sans-serif;background:#f3f0ea;color:#222}
  header{background:#7a3b12;color:#fff;padding:1rem 1.5rem;font-weight:700;font-size:1.2rem;letter-spacing:.02em}
  main{max-width:30rem;margin:2rem auto;padding:1.5rem 2rem;background:#fff;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.15)}
  h1{font-size:1.4rem;margin:.25rem 0 .5rem}
  button{display:block;width:100%;margin:.6rem 0;padding:.75rem 1rem;font:inherit;text-align:left;background:#fff;color:#222;border:1px solid #8a6a50;border-radius:6px;cursor:pointer}
  button:hover,button:focus{border-color:#7a3b12;outline:3px solid #e0b48f;outline-offset:1px}
  .note{font-size:.9rem;color:#555}
  @media (max-width:32rem){main{margin:0;border-radius:0;box-shadow:none}}
</style></head><body>
<header>Fabrikam</header>
<main>
<h1>Sign in to your Fabrikam account</h1>
<p class="note">This is the partner organisation's own sign-in page (a stand-in for its real IdP). Choose who you are:</p>
<form method="post" action="/login/${escape(uid)}">
${Object.entries(people).map(([id, p]) => `<button type="submit" name="login" value="${escape(id)}"><strong>${escape(p.name)}</strong><br><span class="note">${escape(p.email)}</span></button>`).join('\n')}
</form></main></body></html>`;

provider.use(async (ctx, next) => {
  const match = /^\/login\/([^/]+)$/.exec(ctx.path);
  if (!match) return next();
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  if (ctx.method === 'GET') {
    ctx.type = 'html';
    ctx.body = page(details.uid);
    return;
  }
  const body = await new Promise((resolve) => {
    let data = '';
    ctx.req.on('data', (c) => (data += c));
    ctx.req.on('end', () => resolve(new URLSearchParams(data)));
  });
  const person = people[body.get('login')];
  if (!person) ctx.throw(400, 'unknown person');
  const grant = new provider.Grant({ accountId: person.sub, clientId: String(details.params.client_id) });
  grant.addOIDCScope(String(details.params.scope));
  const grantId = await grant.save();
  const returnTo = await provider.interactionResult(ctx.req, ctx.res, { login: { accountId: person.sub, amr: person.amr }, consent: { grantId } });
  ctx.status = 303;
  ctx.redirect(returnTo);
});

createServer(provider.callback()).listen(port, process.env.HOST ?? '127.0.0.1', () => {
  console.log(`Partner IdP (Fabrikam) on ${issuer}: people alice, bob (MFA), carol (unverified email) @partner.example`);
});
