import { Browser } from '../support/browserless.js';

/** A browser whose every request says which languages its user reads. */
export class BrowserIn extends Browser {
  constructor(private readonly acceptLanguage?: string) {
    super();
  }
  override request(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.acceptLanguage) headers.set('accept-language', this.acceptLanguage);
    return super.request(url, { ...init, headers });
  }
}

/** The language a page says it is in (`<html lang>`). */
export const langOf = (html: string) => /<html lang="([^"]+)">/.exec(html)?.[1];
