/**
 * The guest table's page cursors, the guest page's session handles and Graph's $skiptoken are signed with keys derived
 * from the cookie secrets the nodes share, read at each use: after a new cookie secret reaches the
 * node (signing-keys.ts reload), new links are signed with it and links made before still work,
 * until the old secret is gone; nothing is captured at wiring time.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase, type Database } from '../../src/db/connect.js';
import { migrateLatest } from '../../src/db/migrate.js';
import { derivedKeys } from '../../src/provider/keys/derived-keys.js';
import { SkipTokenCodec } from '../../src/api/skiptoken.js';
import { GuestCursorCodec } from '../../src/console/guests/guest-list-cursor.js';
import { SessionHandles } from '../../src/console/guests/session-handles.js';
import { generateCookieSecret } from '../../src/provider/keys/generate-key.js';
import { loadSigningKeys, type SigningKeys } from '../../src/provider/keys/signing-keys.js';

describe('keys derived from the cookie secrets follow a rotation', () => {
  let dir: string;
  let db: Database;
  let keys: SigningKeys;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'foyer-cursor-keys-'));
    db = connectDatabase(`sqlite:${join(dir, 'foyer.sqlite')}`);
    await migrateLatest(db);
    keys = await loadSigningKeys(db, { algorithm: 'ES256', prePublishSeconds: 0 });
  });
  afterAll(async () => {
    await db?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  const cursor = { sort: 'email:asc', value: 'guest@partner.example', id: '7f1c6a57-5b8e-4d4a-9a53-2f7a1d3c9e11' };
  const invalid = { status: 400, code: 'invalidCursor' };

  it('signs with the newest secret after a rotation, accepts links from before it, and refuses them once the old secret is gone', async () => {
    const cursors = new GuestCursorCodec(derivedKeys(keys, 'guest-list-cursor'));
    const handles = new SessionHandles(derivedKeys(keys, 'session-handle'));
    const skipTokens = new SkipTokenCodec(derivedKeys(keys, 'api-skiptoken'));
    const position = { value: '2026-12-07T10:00:00.000Z', id: cursor.id };
    const before = cursors.encode(cursor);
    const tokenBefore = skipTokens.encode('users', position);
    const handleBefore = handles.handleOf('user-1', 'session-1');
    const oldSecret = keys.current().cookieKeys[0]!;

    // A new cookie secret, as a rotation writes it; the node picks it up at its next key reload.
    const fresh = generateCookieSecret();
    await db('signing_keys').insert({ kid: fresh.kid, purpose: 'cookie', alg: fresh.alg, private_jwk: JSON.stringify(fresh), created_at: new Date(Date.now() + 1000).toISOString() });
    expect(await keys.reload()).toBe('changed');
    expect(keys.current().cookieKeys).toEqual([fresh.k, oldSecret]);

    const after = cursors.encode(cursor);
    expect(after).not.toBe(before);
    expect(cursors.decode(after, 'email:asc')).toEqual(cursor);
    expect(cursors.decode(before, 'email:asc')).toEqual(cursor);
    const tokenAfter = skipTokens.encode('users', position);
    expect(tokenAfter).not.toBe(tokenBefore);
    expect(skipTokens.decode(tokenBefore, 'users')).toEqual(position);
    expect(skipTokens.decode(tokenAfter, 'users')).toEqual(position);
    expect(handles.handleOf('user-1', 'session-1')).not.toBe(handleBefore);
    expect(handles.resolve('user-1', handleBefore, ['session-0', 'session-1'])).toBe('session-1');
    // A new link is not one the old secret alone would accept: it really is signed with the new one.
    const oldOnly = new GuestCursorCodec(derivedKeys({ current: () => ({ jwks: [], cookieKeys: [oldSecret] }) }, 'guest-list-cursor'));
    expect(() => oldOnly.decode(after, 'email:asc')).toThrow(expect.objectContaining(invalid));

    // The old secret expires: links made with it stop working, new ones go on.
    await db('signing_keys').where({ purpose: 'cookie' }).whereNot({ kid: fresh.kid }).update({ expires_at: new Date(Date.now() - 1000).toISOString() });
    expect(await keys.reload()).toBe('changed');
    expect(() => cursors.decode(before, 'email:asc')).toThrow(expect.objectContaining(invalid));
    expect(handles.resolve('user-1', handleBefore, ['session-0', 'session-1'])).toBeUndefined();
    expect(cursors.decode(after, 'email:asc')).toEqual(cursor);
    expect(() => skipTokens.decode(tokenBefore, 'users')).toThrow(expect.objectContaining({ status: 400, code: 'invalidQuery' }));
    expect(skipTokens.decode(tokenAfter, 'users')).toEqual(position);
  });

  it('derives a different key per purpose, so a session handle is no cursor signature and the cookie secret signs neither', async () => {
    const [cursorKey] = derivedKeys(keys, 'guest-list-cursor')();
    const [handleKey] = derivedKeys(keys, 'session-handle')();
    const [skipKey] = derivedKeys(keys, 'api-skiptoken')();
    const [passcodeKey] = derivedKeys(keys, 'email-passcode')();
    expect(new Set([cursorKey, handleKey, skipKey, passcodeKey].map((k) => k!.toString('hex'))).size).toBe(4);
    expect(cursorKey!.equals(Buffer.from(keys.current().cookieKeys[0]!))).toBe(false);
  });
});
