import type { HttpError } from '../http/http-error.js';
import { DEFAULT_LANGUAGE } from './catalogs.js';
import type { MessageParams, Translator } from './translator.js';

/**
 * What a page shows for an error: its own message in the default language (it is written in it,
 * and often names the app, the IdP or the address at stake), the catalog's `errors.<code>` in
 * another language that has one. The stable code is the key, so the API's JSON errors (always in
 * English, for the caller's code and logs) and the page say the same thing. Codes without a
 * translation (admin- and developer-facing ones) keep the English message.
 */
export function pageMessage(tr: Translator, err: Pick<HttpError, 'code' | 'message'>, params: MessageParams = {}): string {
  const key = `errors.${err.code}`;
  if (tr.lang === DEFAULT_LANGUAGE || !tr.has(key)) return err.message;
  return tr.t(key, params);
}

/** pageMessage for an HttpError shown on a form: its details (string and number ones) are the message's parameters. */
export function formErrorMessage(tr: Translator, err: HttpError): string {
  const params: MessageParams = {};
  for (const [name, value] of Object.entries(err.details ?? {})) if (typeof value === 'string' || typeof value === 'number') params[name] = value;
  return pageMessage(tr, err, params);
}
