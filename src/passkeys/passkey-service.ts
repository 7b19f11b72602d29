import type {
  AuthenticationResponseJSON,
  AuthenticatorTransportFuture,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { lazyModule } from '../lib/lazy-module.js';
import { isUniqueViolation } from '../db/unique-violation.js';
import type { FoyerAdapter } from '../provider/adapters/index.js';
import type { Passkey, PasskeyRepository } from './passkey-repository.js';

/** Why a WebAuthn response was refused; each is a 400 with a stable code (passkey-errors.ts). */
export type PasskeyRefusal = 'challengeMissing' | 'responseInvalid' | 'unknownCredential' | 'counterRegressed' | 'alreadyRegistered';

export type Verified<T> = { ok: true; value: T } | { ok: false; reason: PasskeyRefusal };

/** How long a page's challenge stays valid: the browser prompt plus a person taking their time. */
const CHALLENGE_TTL_SECONDS = 5 * 60;

/** The WebAuthn library costs about half a second to load: loaded at the first passkey page, not at start. */
const webauthn = lazyModule(() => import('@simplewebauthn/server'));

/**
 * Passkeys (WebAuthn) with @simplewebauthn/server: options for the browser and verification of its
 * answers. Attestation `none` (Foyer trusts no authenticator vendor list, and asks for no device
 * data it does not need), user verification required (a passkey then is two factors: the device
 * and its PIN or biometric), the RP ID and origin derived from the issuer.
 *
 * Every challenge is stored under a scope (one sign-in, or one My Apps session) and taken exactly
 * once: an answer to another scope's challenge, or the same answer sent twice, finds nothing.
 */
export class PasskeyService {
  readonly rpId: string;
  readonly origin: string;

  constructor(
    private readonly deps: {
      passkeys: PasskeyRepository;
      challenges: FoyerAdapter;
      issuer: string;
      rpName: string;
    },
  ) {
    const url = new URL(deps.issuer);
    // The RP ID is the issuer's host: passkeys work for Foyer's own origin and nowhere else.
    this.rpId = url.hostname;
    this.origin = url.origin;
  }

  get repository(): PasskeyRepository {
    return this.deps.passkeys;
  }

  /** Options to create a passkey for `user`; its existing passkeys are excluded (one per authenticator). */
  async registrationOptions(scope: string, user: { id: string; mail: string; displayName?: string | null }): Promise<PublicKeyCredentialCreationOptionsJSON> {
    const existing = await this.deps.passkeys.listFor(user.id);
    const { generateRegistrationOptions } = await webauthn();
    const options = await generateRegistrationOptions({
      rpName: this.deps.rpName,
      rpID: this.rpId,
      userName: user.mail,
      userDisplayName: user.displayName ?? user.mail,
      // The user handle is the account id: a passwordless sign-in names its account by it.
      userID: new TextEncoder().encode(user.id),
      attestationType: 'none',
      excludeCredentials: existing.map((p) => ({ id: p.credentialId, transports: p.transports as AuthenticatorTransportFuture[] })),
      authenticatorSelection: { residentKey: 'preferred', userVerification: 'required' },
    });
    await this.saveChallenge(scope, options.challenge, user.id);
    return options;
  }

  /** Checks a registration answer against this scope's challenge and stores the new passkey. */
  async register(scope: string, userId: string, response: RegistrationResponseJSON, name: string): Promise<Verified<Passkey>> {
    const challenge = await this.takeChallenge(scope, userId);
    if (!challenge) return { ok: false, reason: 'challengeMissing' };
    // Outside the try: a library that fails to load is a 500, not a refused passkey.
    const { verifyRegistrationResponse } = await webauthn();
    let info;
    try {
      const verified = await verifyRegistrationResponse({ response, expectedChallenge: challenge, expectedOrigin: this.origin, expectedRPID: this.rpId, requireUserVerification: true });
      if (!verified.verified || !verified.registrationInfo) return { ok: false, reason: 'responseInvalid' };
      info = verified.registrationInfo;
    } catch {
      return { ok: false, reason: 'responseInvalid' };
    }
    try {
      const passkey = await this.deps.passkeys.insert({
        userId,
        credentialId: info.credential.id,
        publicKey: Buffer.from(info.credential.publicKey).toString('base64url'),
        signCount: info.credential.counter,
        transports: info.credential.transports ?? [],
        deviceType: info.credentialDeviceType,
        backedUp: info.credentialBackedUp,
        name,
      });
      return { ok: true, value: passkey };
    } catch (err) {
      if (isUniqueViolation(err)) return { ok: false, reason: 'alreadyRegistered' };
      throw err;
    }
  }

  /**
   * Options to sign in with a passkey. With a user (the MFA step): only that user's passkeys are
   * allowed. Without (passwordless): any discoverable passkey; the answer names its account.
   */
  async authenticationOptions(scope: string, userId?: string): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const allow = userId ? await this.deps.passkeys.listFor(userId) : [];
    const { generateAuthenticationOptions } = await webauthn();
    const options = await generateAuthenticationOptions({
      rpID: this.rpId,
      userVerification: 'required',
      allowCredentials: allow.map((p) => ({ id: p.credentialId, transports: p.transports as AuthenticatorTransportFuture[] })),
    });
    await this.saveChallenge(scope, options.challenge, userId);
    return options;
  }

  /**
   * Checks a sign-in answer against this scope's challenge. `userId`: the account that must own the
   * passkey (the MFA step); undefined for passwordless, where the passkey's owner signs in and the
   * answer's user handle must name that same owner.
   */
  async authenticate(scope: string, response: AuthenticationResponseJSON, userId?: string): Promise<Verified<Passkey>> {
    const challenge = await this.takeChallenge(scope, userId);
    if (!challenge) return { ok: false, reason: 'challengeMissing' };
    const passkey = typeof response?.id === 'string' ? await this.deps.passkeys.findByCredentialId(response.id) : undefined;
    if (!passkey || (userId !== undefined && passkey.userId !== userId)) return { ok: false, reason: 'unknownCredential' };
    const handle = response.response?.userHandle;
    if (handle && Buffer.from(handle, 'base64url').toString('utf8') !== passkey.userId) return { ok: false, reason: 'unknownCredential' };
    // Outside the try: a library that fails to load is a 500, not a refused passkey.
    const { verifyAuthenticationResponse } = await webauthn();
    let info;
    try {
      const verified = await verifyAuthenticationResponse({
        response,
        expectedChallenge: challenge,
        expectedOrigin: this.origin,
        expectedRPID: this.rpId,
        credential: { id: passkey.credentialId, publicKey: Buffer.from(passkey.publicKey, 'base64url'), counter: passkey.signCount, transports: passkey.transports as AuthenticatorTransportFuture[] },
        requireUserVerification: true,
      });
      if (!verified.verified) return { ok: false, reason: 'responseInvalid' };
      info = verified.authenticationInfo;
    } catch (err) {
      // The library refuses a counter at or below the stored one: the credential was cloned, or the answer replayed.
      return { ok: false, reason: /counter/i.test(String((err as Error)?.message)) ? 'counterRegressed' : 'responseInvalid' };
    }
    const counted = await this.deps.passkeys.recordUse(passkey, { signCount: info.newCounter, backedUp: info.credentialBackedUp });
    if (!counted) return { ok: false, reason: 'counterRegressed' };
    return { ok: true, value: { ...passkey, signCount: info.newCounter, backedUp: info.credentialBackedUp } };
  }

  private async saveChallenge(scope: string, challenge: string, userId: string | undefined): Promise<void> {
    await this.deps.challenges.upsert(scope, { challenge, userId: userId ?? null }, CHALLENGE_TTL_SECONDS);
  }

  /** The scope's challenge, removed so that it answers once; only when it was issued for this user. */
  private async takeChallenge(scope: string, userId: string | undefined): Promise<string | undefined> {
    const stored = (await this.deps.challenges.find(scope)) as { challenge?: string; userId?: string | null } | undefined;
    if (!stored?.challenge || !(await this.deps.challenges.take(scope))) return undefined;
    if ((stored.userId ?? undefined) !== userId) return undefined;
    return stored.challenge;
  }
}

/** RFC 8176 amr for a passkey: a hardware-bound key (hwk) or a synced one (swk), user verified, and two factors. */
export function passkeyAmr(passkey: Pick<Passkey, 'deviceType'>): string[] {
  return [passkey.deviceType === 'multiDevice' ? 'swk' : 'hwk', 'user', 'mfa'];
}
