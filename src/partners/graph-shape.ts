import type { PartnerTarget, TargetConfiguration } from '../config/partners-schema.js';
import type { PartnerDirectory, PartnerSettings } from './partner-directory.js';

/**
 * Partner settings in Graph's shapes: crossTenantAccessPolicyConfigurationPartner and
 * crossTenantAccessPolicyConfigurationDefault. As in Graph, a partner's section it inherits from
 * the defaults is null. Foyer's additions (partner display name, domains, identity providers,
 * invitation defaults, the MFA age and values it accepts) are named as such in docs/api.md; what
 * Foyer has no equivalent of (outbound settings, direct connect, tenant restrictions, device
 * trust) is null or false.
 */
export function toGraphPartner(partner: PartnerSettings, issuer: string) {
  const inherits = (section: PartnerSettings['inherited'][number]) => partner.inherited.includes(section);
  const usersInherited = inherits('usersAndGroups');
  const appsInherited = inherits('applications');
  return {
    '@odata.context': `${issuer}/v1.0/$metadata#policies/crossTenantAccessPolicy/partners/$entity`,
    tenantId: partner.id,
    displayName: partner.displayName,
    isServiceProvider: false,
    isInMultiTenantOrganization: false,
    inboundTrust: inherits('inboundTrust') ? null : graphTrust(partner),
    b2bCollaborationInbound:
      usersInherited && appsInherited
        ? null
        : { usersAndGroups: usersInherited ? null : graphTargets(partner.usersAndGroups), applications: appsInherited ? null : graphTargets(partner.applications) },
    b2bCollaborationOutbound: null,
    b2bDirectConnectInbound: null,
    b2bDirectConnectOutbound: null,
    automaticUserConsentSettings: inherits('automaticUserConsentSettings') ? null : { inboundAllowed: partner.autoRedeem, outboundAllowed: false },
    tenantRestrictions: null,
    domains: partner.domains,
    identityProviders: partner.identityProviders,
    invitationDefaults: {
      ticketTtlDays: partner.invitations.ticketTtlDays ?? null,
      sponsor: partner.invitations.sponsor ?? null,
      message: partner.invitations.message ?? null,
    },
  };
}

export function toGraphDefault(directory: PartnerDirectory, issuer: string, passcodeEnabled: boolean) {
  const d = directory.defaults;
  return {
    '@odata.context': `${issuer}/v1.0/$metadata#policies/crossTenantAccessPolicy/default/$entity`,
    isServiceDefault: directory.defaultsAreBuiltIn,
    inboundTrust: graphTrust(d),
    b2bCollaborationInbound: { usersAndGroups: graphTargets(d.usersAndGroups), applications: graphTargets(d.applications) },
    b2bCollaborationOutbound: null,
    b2bDirectConnectInbound: null,
    b2bDirectConnectOutbound: null,
    automaticUserConsentSettings: { inboundAllowed: d.autoRedeem, outboundAllowed: false },
    tenantRestrictions: null,
    // Home-realm discovery's order for an organisation with no partner entry (docs: README, "Identity providers").
    invitationRedemptionIdentityProviderConfiguration: {
      primaryIdentityProviderPrecedenceOrder: ['externalFederation', 'socialIdentityProviders'],
      fallbackIdentityProvider: passcodeEnabled ? 'emailOneTimePasscode' : 'defaultConfiguredIdp',
    },
  };
}

function graphTrust(p: PartnerSettings) {
  const t = p.inboundTrust;
  return {
    isMfaAccepted: t.isMfaAccepted,
    isCompliantDeviceAccepted: false,
    isHybridAzureADJoinedDeviceAccepted: false,
    mfaMaxAgeMinutes: t.isMfaAccepted ? (t.mfaMaxAgeMinutes ?? null) : null,
    mfaAmrValues: t.isMfaAccepted ? (t.mfaAmrValues ?? ['mfa']) : [],
    mfaAcrValues: t.mfaAcrValues ?? [],
  };
}

function graphTargets(c: TargetConfiguration) {
  return { accessType: c.accessType, targets: c.targets.map(graphTarget) };
}

function graphTarget(t: PartnerTarget) {
  return { target: t.target, targetType: t.targetType, ...(t.claim ? { claim: t.claim } : {}) };
}
