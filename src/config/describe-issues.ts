import type { z } from 'zod';

/**
 * Turns zod issues into lines a person can act on: `file: key.path: problem`. zod's defaults
 * ("Invalid input: expected number, received NaN") describe the parser, not the config file, so
 * the common cases are reworded; messages the schemas set themselves are kept as they are.
 */
export function describeIssues(
  issues: readonly z.core.$ZodIssue[],
  raw: unknown,
  sourceOf: (path: readonly PropertyKey[]) => string,
): string[] {
  return issues.flatMap((issue) => {
    // One line per unknown key, with the key itself in the path, so it can be found in the file.
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => {
        const path = [...issue.path, key];
        return `${sourceOf(path)}: ${formatPath(path)}: unknown key "${key}" (check the spelling and the indentation)`;
      });
    }
    return [`${sourceOf(issue.path)}: ${formatPath(issue.path)}: ${humanMessage(issue, valueAt(raw, issue.path))}`];
  });
}

export function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(top level)';
  return path
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i === 0 ? '' : '.'}${String(part)}`))
    .join('');
}

const EXPECTED: Record<string, string> = {
  object: 'a mapping of settings',
  record: 'a mapping of settings',
  array: 'a list',
  tuple: 'a list',
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
};

function humanMessage(issue: z.core.$ZodIssue, value: unknown): string {
  switch (issue.code) {
    case 'invalid_type': {
      // zod v4 leaves `input` out of issues unless asked, so the raw document says what was there.
      const expected = EXPECTED[issue.expected] ?? issue.expected;
      if (value === undefined) return `is required (${expected})`;
      if (value === null) return `is empty; it must be ${expected}`;
      return `must be ${expected}, not ${describeValue(value, issue.path)}`;
    }
    case 'invalid_value':
      if (issue.message.startsWith('Invalid')) return `must be one of ${issue.values.map((v) => String(v)).join(', ')}`;
      return issue.message;
    case 'invalid_format':
      if (!issue.message.startsWith('Invalid')) return issue.message;
      if (issue.format === 'url') return 'is not a valid URL (it needs a scheme and a host, like https://app.contoso.example/callback)';
      if (issue.format === 'email') return 'is not a valid email address';
      return issue.message;
    case 'too_small':
      if (!issue.message.startsWith('Too small')) return issue.message;
      if (issue.origin === 'string') return Number(issue.minimum) <= 1 ? 'must not be empty' : `must be at least ${issue.minimum} characters`;
      if (issue.origin === 'array') return `must have at least ${issue.minimum} item${Number(issue.minimum) === 1 ? '' : 's'}`;
      return `must be ${issue.inclusive ? 'at least' : 'more than'} ${issue.minimum}`;
    case 'too_big':
      if (!issue.message.startsWith('Too big')) return issue.message;
      if (issue.origin === 'string') return `must be at most ${issue.maximum} characters`;
      if (issue.origin === 'array') return `must have at most ${issue.maximum} items`;
      return `must be ${issue.inclusive ? 'at most' : 'less than'} ${issue.maximum}`;
    default:
      return issue.message;
  }
}

/** Quotes short values only, and never one under a key that sounds secret: the output may be logged. */
function describeValue(value: unknown, path: readonly PropertyKey[]): string {
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  const secretish = path.some((p) => typeof p === 'string' && /secret|password|token|key/i.test(p));
  if (typeof value === 'string') return !secretish && value.length <= 24 ? `the text "${value}"` : 'text';
  return secretish ? `a ${typeof value}` : `${String(value)}`;
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let node = raw;
  for (const part of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[part];
  }
  return node;
}
