import { HttpError } from '../http/http-error.js';
import type { PasskeyRefusal } from './passkey-service.js';

/** What a person is told when a passkey answer is refused; the code is stable (tests, sign-in log). */
export const PASSKEY_REFUSALS: Record<PasskeyRefusal, { code: string; message: string }> = {
  challengeMissing: { code: 'passkeyChallengeInvalid', message: 'This passkey request has expired or was already used. Try again.' },
  responseInvalid: { code: 'passkeyResponseInvalid', message: 'Your passkey’s answer could not be verified. Try again, with a passkey for this site.' },
  unknownCredential: { code: 'passkeyUnknown', message: 'That passkey is not registered for this account. Use another passkey or another way to sign in.' },
  counterRegressed: { code: 'passkeyCounterRegressed', message: 'That passkey’s answer was refused: it may have been copied. Use another way to sign in and tell your administrator.' },
  alreadyRegistered: { code: 'passkeyAlreadyRegistered', message: 'That passkey is already registered. Use it to sign in, or create a new one.' },
};

export function passkeyError(reason: PasskeyRefusal): HttpError {
  const { code, message } = PASSKEY_REFUSALS[reason];
  return new HttpError(400, code, message);
}
