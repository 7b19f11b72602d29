import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SAML, ValidateInResponseTo } from '@node-saml/node-saml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MALLORY, UNTOUCHED_INVITEE, VICTIM, expectRefused, startSamlAttackWorld, type SamlAttackWorld } from './support/saml-attack-world.js';
import * as forge from './support/saml-forge.js';

/**
 * XML external entities and entity expansion in the SAMLResponse. A DTD can make an XML parser read
 * a local file or fetch a URL while parsing (XXE), substitute text into what was signed, or expand a
 * few hundred bytes into gigabytes (billion laughs). SAML has no use for a DTD, so Foyer refuses any
 * before node-saml parses anything (invalid_response); node-saml 5.1's parsers (@xmldom/xmldom 0.8,
 * xml2js/sax) resolve no external entity either, which the last test pins as a second line.
 *
 * Whether anything was read is observed, not assumed: a loopback server counts every request made
 * to it, and a file holds a marker that must not appear anywhere in Foyer's answer.
 */
const MARKER = 'foyer-xxe-marker-5f1d0c';

let world: SamlAttackWorld;
let alice: string;
let probe: Server;
let probeUrl: string;
let hits: string[] = [];
let secretDir: string;
let secretFile: string;

beforeAll(async () => {
  probe = createServer((req, res) => {
    hits.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'application/xml-dtd' }).end(`<!ENTITY leak "${MARKER}">`);
  });
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  probeUrl = `http://127.0.0.1:${(probe.address() as AddressInfo).port}`;
  secretDir = mkdtempSync(join(tmpdir(), 'foyer-xxe-'));
  secretFile = join(secretDir, 'secret.txt');
  writeFileSync(secretFile, MARKER);
  world = await startSamlAttackWorld([{ id: 'contoso', displayName: 'Contoso', domain: 'contoso.example', idp: { users: { mallory: MALLORY } } }]);
  alice = await world.invite(VICTIM.email);
}, 60_000);
afterAll(async () => {
  await world?.close();
  probe?.closeAllConnections();
  await new Promise<void>((resolve) => (probe ? probe.close(() => resolve()) : resolve()));
  rmSync(secretDir, { recursive: true, force: true });
});

const withDtd = (xml: string, subset: string) => `<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE samlp:Response [${subset}]>${xml}`;
const nameIdTo = (xml: string, value: string) => xml.replace(`>${MALLORY.nameId}</saml:NameID>`, `>${value}</saml:NameID>`);
const emailTo = (xml: string, value: string) => xml.replace(`>${MALLORY.email}</saml:AttributeValue>`, `>${value}</saml:AttributeValue>`);
const laughs = ['<!ENTITY lol0 "lol">', ...Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i};`.repeat(10)}">`)].join('');

const variants: [string, (xml: string) => string][] = [
  ['an external entity reading a local file into the NameID', (x) => withDtd(nameIdTo(x, '&xxe;'), `<!ENTITY xxe SYSTEM "file://${secretFile}">`)],
  ['an external entity fetching a URL into the email', (x) => withDtd(emailTo(x, '&xxe;'), `<!ENTITY xxe SYSTEM "${probeUrl}/entity">`)],
  ['an external parameter entity loading a DTD from the network', (x) => withDtd(nameIdTo(x, '&leak;'), `<!ENTITY % remote SYSTEM "${probeUrl}/evil.dtd"> %remote;`)],
  ['an internal entity substituting the victim\'s NameID into the signed text', (x) => withDtd(nameIdTo(x, '&victim;'), `<!ENTITY victim "${VICTIM.nameId}">`)],
  ['a billion-laughs expansion (10^9 "lol"s) in the email', (x) => withDtd(emailTo(x, '&lol9;'), laughs)],
  ['a DOCTYPE with an empty internal subset', (x) => withDtd(x, '')],
];

describe('DTDs and entities in the SAMLResponse', () => {
  for (const [name, rewrite] of variants) {
    it(`refuses ${name} (invalid_response), reading and fetching nothing, and Alice is untouched`, async () => {
      hits = [];
      const { browser, idpPage } = await world.startAppSignIn('mallory@contoso.example');
      const form = await world.loginAtIdp(browser, idpPage, 'mallory');
      const SAMLResponse = forge.encode(rewrite(forge.decode(form.fields.SAMLResponse!)));
      const page = await world.deliver(browser, { ...form, fields: { ...form.fields, SAMLResponse } });
      expectRefused(page, 400, 'invalid_response');
      expect(page.body).toContain('document type declaration');
      expect(page.body).not.toContain(MARKER);
      expect(hits).toEqual([]);
      expect(await world.stateOf(alice)).toEqual(UNTOUCHED_INVITEE);
    });
  }
});

describe('node-saml 5.1 on its own (the second line, should Foyer\'s refusal of DTDs ever go)', () => {
  it('rejects every one of these documents at parsing (xmldom: entity not found) without reading the file or fetching the URL', async () => {
    hits = [];
    const saml = new SAML({ callbackUrl: 'http://127.0.0.1/acs', issuer: 'sp', idpCert: world.partners.contoso!.idp.certificate, audience: 'sp', validateInResponseTo: ValidateInResponseTo.never });
    const signed = `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r" Version="2.0"><saml:Assertion ID="_a"><saml:Subject><saml:NameID>${MALLORY.nameId}</saml:NameID></saml:Subject><saml:AttributeStatement><saml:Attribute><saml:AttributeValue>${MALLORY.email}</saml:AttributeValue></saml:Attribute></saml:AttributeStatement></saml:Assertion></samlp:Response>`;
    for (const [name, rewrite] of variants.slice(0, 5)) {
      const outcome = await saml.validatePostResponseAsync({ SAMLResponse: forge.encode(rewrite(signed)) }).then(
        () => 'accepted',
        (err: Error) => err.message,
      );
      // The parser stops at the first entity it will not resolve, long before any signature check.
      expect([name, outcome]).toEqual([name, expect.stringMatching(/^\[xmldom error\]\s+entity not found:&\w+;/)]);
      expect(outcome).not.toContain(MARKER);
    }
    expect(hits).toEqual([]);
  });
});
