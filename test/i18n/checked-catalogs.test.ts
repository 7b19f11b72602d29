/**
 * Issue 20: a start skips parsing a catalog only when the build parsed exactly that file
 * (dist/checked-catalogs.json, written by scripts/bundle.mjs through recordCheckedCatalogs). A
 * catalog edited or added after the build is parsed at start as before, so a broken message still
 * stops Foyer with its key.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadCatalogs, recordCheckedCatalogs } from '../../src/i18n/catalogs.js';

let root: string;
let dir: string;
let stamp: string;
const readText = (file: string) => readFileSync(file, 'utf8');
const checked = () => new Set(JSON.parse(readText(stamp)) as string[]);

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'foyer-catalogs-'));
  dir = join(root, 'locales');
  mkdirSync(dir);
  stamp = join(root, 'checked-catalogs.json');
  writeFileSync(join(dir, 'en.json'), JSON.stringify({ a: { hello: 'Hello {name}' } }));
  writeFileSync(join(dir, 'fr.json'), JSON.stringify({ a: { hello: 'Bonjour {name}' } }));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('catalogs the build checked', () => {
  it('are recorded by their content and load with the same messages', () => {
    recordCheckedCatalogs(dir, stamp);
    expect(checked().size).toBe(2);
    expect(loadCatalogs(dir, checked()).get('fr')?.get('a.hello')).toBe('Bonjour {name}');
  });

  it('are parsed again when a file changed after the build: a broken message still refuses the start', () => {
    recordCheckedCatalogs(dir, stamp);
    writeFileSync(join(dir, 'fr.json'), JSON.stringify({ a: { hello: 'Bonjour {name' } }));
    expect(() => loadCatalogs(dir, checked())).toThrow(/locales\/fr\.json: the message "a\.hello" is not valid ICU MessageFormat/);
  });

  it('are parsed when a language was added after the build', () => {
    recordCheckedCatalogs(dir, stamp);
    writeFileSync(join(dir, 'de.json'), JSON.stringify({ a: { hello: 'Hallo {name, select, other {x}' } }));
    expect(() => loadCatalogs(dir, checked())).toThrow(/locales\/de\.json: the message "a\.hello"/);
  });

  it('refuse the start when a file is not named by a language tag, even one whose bytes the build checked', () => {
    recordCheckedCatalogs(dir, stamp);
    // Same bytes as en.json, whose hash the build recorded.
    writeFileSync(join(dir, 'not_a-tag!.json'), readText(join(dir, 'en.json')));
    const withOdd = checked();
    expect(() => loadCatalogs(dir, withOdd)).toThrow(/locales\/not_a-tag!\.json: "not_a-tag!" is not a BCP 47 language tag/);
  });

  it('cannot be recorded while a message is broken: the build fails instead', () => {
    writeFileSync(join(dir, 'en.json'), JSON.stringify({ a: { hello: 'Hello {name' } }));
    expect(() => recordCheckedCatalogs(dir, stamp)).toThrow(/locales\/en\.json/);
    expect(() => readText(stamp)).toThrow(/ENOENT/);
  });
});
