/**
 * Foyer's SAML connector on its own (no server around it) and a real SAML IdP (samlify) that
 * trusts it from the connector's metadata: what the connector's tests drive a browser through.
 */
import { samlIdpSchema, type SamlIdpConfig } from '../../src/config/identity-providers-schema.js';
import type { Connector } from '../../src/federation/connector.js';
import { createConnector } from '../../src/federation/create-connector.js';
import { createLogger } from '../../src/logging/logger.js';
import { createKeyPair } from '../support/certs.js';
import { startSamlIdp, type SamlIdp, type SamlIdpOptions } from '../support/saml-idp.js';

/** `entry` changes the identityProviders entry (as an admin would write it) for this IdP. */
export async function startSamlConnector(
  foyerIssuer: string,
  entry: (idp: SamlIdp) => Record<string, unknown> = () => ({}),
  idpOptions: SamlIdpOptions = {},
): Promise<{ idp: SamlIdp; connector: Connector; config: SamlIdpConfig }> {
  const idp = await startSamlIdp(idpOptions);
  try {
    const sp = await createKeyPair('foyer-sp');
    const config = samlIdpSchema.parse({
      type: 'saml',
      id: 'contoso',
      displayName: 'Contoso',
      idpEntityId: idp.entityId,
      ssoUrl: idp.ssoUrl,
      idpCertificates: [idp.certificate],
      spPrivateKey: sp.privateKey,
      spCertificate: sp.certificate,
      domains: ['contoso.example'],
      ...entry(idp),
    });
    const connector = createConnector(config, { issuer: foyerIssuer, logger: createLogger('silent') });
    idp.trustServiceProvider(await connector.metadata!());
    return { idp, connector, config };
  } catch (err) {
    await idp.close();
    throw err;
  }
}
