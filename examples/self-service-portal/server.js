// Runs the self-service sign-up portal (portal.js) with settings from the environment.
// `npm run demo` starts it on http://localhost:3004; see README.md beside this file.
import { createPortal } from './portal.js';

const env = process.env;
const PORT = Number(env.PORT || 3004);
const HOST = env.HOST || '127.0.0.1';
const ISSUER = (env.FOYER_ISSUER || 'http://localhost:3000').replace(/\/$/, '');

const settings = {
  portalUrl: (env.PORTAL_URL || `http://localhost:${PORT}`).replace(/\/$/, ''),
  issuer: ISSUER,
  clientId: env.CLIENT_ID || 'self-service-portal',
  // The demo secret of examples/demo/config/foyer.yaml; anywhere but a laptop it comes from the environment.
  clientSecret: env.CLIENT_SECRET || 'self-service-portal-secret-please-change-0123',
  allowedDomains: (env.ALLOWED_DOMAINS || 'partner.example').split(','),
  inviteRedirectUrl: env.INVITE_REDIRECT_URL || 'http://localhost:3001/',
  organisationName: env.ORGANISATION_NAME || 'Contoso',
  appName: env.APP_NAME || 'Demo app',
  primaryColor: env.PRIMARY_COLOR || '#1f4e9c',
  requestsPerIpPerHour: Number(env.REQUESTS_PER_IP_PER_HOUR || 20),
};

const server = createPortal(settings);
server.listen(PORT, HOST, () => {
  console.log(`self-service sign-up portal on ${settings.portalUrl} (Foyer at ${ISSUER}, app ${settings.clientId}, domains ${settings.allowedDomains.join(', ')})`);
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
