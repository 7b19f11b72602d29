/**
 * The name of a cookie only Foyer's own host can set. Over https, `__Host-<name>`: browsers accept a
 * cookie of that name only when it is Secure, has Path=/ and no Domain, so a sibling subdomain (or
 * any host sharing the registrable domain) cannot plant one for Foyer's host; a planted plain
 * `<name>` is simply not read. Cookies whose own value is the secret to be matched (the CSRF token,
 * the browser binding) need this: a signature would not help, since an attacker's own values are
 * validly signed. Over plain http (development on localhost) browsers refuse `__Host-` cookies, so
 * the plain name is used.
 */
export function hostCookieName(name: string, secure: boolean): string {
  return secure ? `__Host-${name}` : name;
}
