/** The email-passcode "IdP" id, used for identities proven by a one-time code. */
export const PASSCODE_IDP = 'email-otp';

export interface DiscoverableIdp {
  id: string;
  type: string;
  displayName: string;
  /** Email domains this IdP is authoritative for (work/school federation). */
  domains: string[];
}

export interface DiscoveryInput {
  email?: string;
  domainHint?: string;
  /** The directory user with that email, if any. */
  user?: { hasPassword: boolean };
  /** IdP ids of the identities already linked to that user. */
  linkedIdpIds: string[];
  memberDomains: string[];
  idps: DiscoverableIdp[];
  passcodeEnabled: boolean;
  /**
   * The IdPs the address's partner organisation signs in with (partners[].identityProviders), in its
   * redemption order: only these are offered. Undefined: no partner rule for this address.
   */
  partnerIdps?: string[];
  /** The members' own IdP (tenant.memberIdentityProvider): member-domain addresses go there, break-glass admins to the password form. */
  memberIdp?: { idpId: string; isBreakGlass(email: string): boolean };
}

export type Discovery =
  | { kind: 'askEmail' }
  | { kind: 'password' }
  | { kind: 'idp'; idpId: string }
  | { kind: 'choose'; options: { id: string; displayName: string }[] }
  | { kind: 'unavailable'; reason: 'idpRemoved' | 'noMethod' };

const SOCIAL_DOMAINS: Record<string, string[]> = {
  google: ['gmail.com', 'googlemail.com'],
  microsoft: ['outlook.com', 'hotmail.com', 'live.com', 'msn.com', 'passport.com'],
};

const PASSCODE_OPTION = { id: PASSCODE_IDP, displayName: 'Email me a one-time passcode' };

/**
 * Home-realm discovery, in Entra's redemption order: a member's password; the IdPs the user already
 * signed in with; a federated IdP that owns the email domain; a social IdP by domain (gmail.com →
 * Google); then the IdPs open to any domain, with the email passcode as the fallback. A chooser only
 * when more than one fits. Pure: the caller gathers the inputs.
 */
export function discoverHomeRealm(input: DiscoveryInput): Discovery {
  const choose = (options: { id: string; displayName: string }[]): Discovery => {
    if (options.length === 0) return { kind: 'unavailable', reason: 'noMethod' };
    if (options.length === 1) return options[0]!.id === PASSCODE_IDP ? { kind: 'idp', idpId: PASSCODE_IDP } : { kind: 'idp', idpId: options[0]!.id };
    return { kind: 'choose', options };
  };
  const option = (idp: DiscoverableIdp) => ({ id: idp.id, displayName: idp.displayName });

  if (input.domainHint) {
    const hint = input.domainHint.toLowerCase();
    const hinted = input.idps.filter((i) => i.id === hint || i.domains.includes(hint));
    if (hinted.length) return choose(hinted.map(option));
  }
  if (!input.email) return { kind: 'askEmail' };
  const domain = input.email.slice(input.email.lastIndexOf('@') + 1).toLowerCase();

  if (input.memberDomains.includes(domain)) {
    return input.memberIdp && !input.memberIdp.isBreakGlass(input.email) ? { kind: 'idp', idpId: input.memberIdp.idpId } : { kind: 'password' };
  }
  if (input.user?.hasPassword) return { kind: 'password' };

  if (input.partnerIdps) {
    const available = input.partnerIdps.filter((id) => (id === PASSCODE_IDP ? input.passcodeEnabled : input.idps.some((i) => i.id === id)));
    // The partner's IdPs this account already uses come first; the others only when it uses none of them.
    const linked = available.filter((id) => input.linkedIdpIds.includes(id));
    return choose((linked.length ? linked : available).map((id) => (id === PASSCODE_IDP ? PASSCODE_OPTION : option(input.idps.find((i) => i.id === id)!))));
  }

  if (input.linkedIdpIds.length) {
    const usable = input.linkedIdpIds.filter((id) => (id === PASSCODE_IDP ? input.passcodeEnabled : input.idps.some((i) => i.id === id)));
    if (usable.length === 0) return { kind: 'unavailable', reason: 'idpRemoved' };
    return choose(usable.map((id) => (id === PASSCODE_IDP ? PASSCODE_OPTION : option(input.idps.find((i) => i.id === id)!))));
  }

  const federated = input.idps.filter((i) => i.domains.includes(domain));
  if (federated.length) return choose(federated.map(option));

  const social = input.idps.filter((i) => SOCIAL_DOMAINS[i.type]?.includes(domain));
  if (social.length) return choose(social.map(option));

  const open = input.idps.filter((i) => i.domains.length === 0).map(option);
  return choose(input.passcodeEnabled ? [...open, PASSCODE_OPTION] : open);
}
