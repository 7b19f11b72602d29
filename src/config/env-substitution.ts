/**
 * `${NAME}` and `${NAME:-default}` substitution inside YAML string values, so secrets can stay in
 * the environment. Substitution happens on parsed values (not on raw text) so a secret containing
 * YAML syntax cannot change the structure of the document.
 */
export class MissingEnvError extends Error {
  constructor(
    readonly variable: string,
    readonly path: (string | number)[],
  ) {
    super(`environment variable ${variable} is not set (and no default is given with \${${variable}:-default})`);
  }
}

const PLACEHOLDER = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export function substituteEnv(
  value: unknown,
  env: NodeJS.ProcessEnv,
  path: (string | number)[] = [],
): unknown {
  if (typeof value === 'string') {
    // A value that is exactly one placeholder whose result is empty becomes undefined, so optional
    // settings such as `redisUrl: ${REDIS_URL:-}` disappear instead of failing URL validation.
    const whole = /^\$\{[^}]+\}$/.test(value);
    const out = value.replace(PLACEHOLDER, (_m, name: string, fallback: string | undefined) => {
      const found = env[name];
      if (found !== undefined && found !== '') return found;
      if (fallback !== undefined) return fallback;
      throw new MissingEnvError(name, path);
    });
    return whole && out === '' ? undefined : out;
  }
  if (Array.isArray(value)) return value.map((v, i) => substituteEnv(v, env, [...path, i]));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const substituted = substituteEnv(v, env, [...path, k]);
      if (substituted !== undefined) out[k] = substituted;
    }
    return out;
  }
  return value;
}
