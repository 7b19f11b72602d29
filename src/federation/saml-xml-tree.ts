/**
 * Reading node-saml's xml2js tree of the *signed* assertion (`profile.getAssertion()`): arrays at
 * every level, attributes under `$`, text under `_`. Only this tree is read, never the posted XML,
 * so nothing outside what the signature covered can reach an identity.
 */
export type XmlNode = { $?: Record<string, string>; _?: string; [child: string]: unknown };

/** Every node at a path (element local names; node-saml strips prefixes). */
export function all(node: XmlNode, ...path: string[]): XmlNode[] {
  let level: unknown[] = [node];
  for (const key of path) level = level.flatMap((n) => ([] as unknown[]).concat((n as XmlNode)?.[key] ?? []));
  return level.filter((n): n is XmlNode => typeof n === 'object' && n !== null);
}

/** An attribute of a node, only if the node itself has it (a `__proto__` name must not reach Object.prototype). */
export function attr(node: XmlNode | undefined, name: string): string | undefined {
  const attrs = node?.$;
  if (!attrs || !Object.hasOwn(attrs, name)) return undefined;
  const value = attrs[name];
  return typeof value === 'string' ? value : undefined;
}

export function text(v: unknown): string | undefined {
  if (typeof v === 'string') return v.trim() || undefined;
  const t = (v as XmlNode | undefined)?._;
  return typeof t === 'string' ? t.trim() || undefined : undefined;
}
