/**
 * A module loaded at its first use instead of at start (issue 20: start-up time). Each heavy
 * library that only some configs or some requests need (SAML, WebAuthn, mail, QR codes, CSV…) is
 * wrapped once where it is used:
 *
 *     const webauthn = lazyModule(() => import('@simplewebauthn/server'));
 *     const { verifyRegistrationResponse } = await webauthn();
 *
 * Types stay static (`import type`). The import runs once and its promise is shared; a failed
 * import is not remembered, so the next call tries again.
 */
export function lazyModule<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return () =>
    (loaded ??= load().catch((err: unknown) => {
      loaded = undefined;
      throw err;
    }));
}
