// Just enough MIME to read the .eml files Foyer's outbox holds (nodemailer output): headers with
// encoded words, multipart bodies, quoted-printable and base64 parts. Not a general mail parser.
import { TextDecoder } from 'node:util';

/** @typedef {{ headers: Map<string, string>, text?: string, html?: string }} ParsedMail */

/** @returns {ParsedMail} */
export function parseMail(raw) {
  const { headers, body } = splitPart(raw);
  const out = { headers, text: undefined, html: undefined };
  collectParts(headers, body, out, 0);
  return out;
}

function splitPart(raw) {
  const normalised = raw.replace(/\r\n/g, '\n');
  const end = normalised.indexOf('\n\n');
  const head = end === -1 ? normalised : normalised.slice(0, end);
  const body = end === -1 ? '' : normalised.slice(end + 2);
  const headers = new Map();
  // Folded header lines continue with whitespace.
  for (const line of head.replace(/\n[ \t]+/g, ' ').split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), decodeWords(line.slice(colon + 1).trim()));
  }
  return { headers, body };
}

function collectParts(headers, body, out, depth) {
  const type = headers.get('content-type') ?? 'text/plain';
  const mediaType = type.split(';')[0].trim().toLowerCase();
  if (mediaType.startsWith('multipart/') && depth < 5) {
    const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
    if (!boundary) return;
    const sections = body.split(`--${boundary}`).slice(1);
    for (const section of sections) {
      if (section.startsWith('--')) break;
      const part = splitPart(section.replace(/^\n/, ''));
      collectParts(part.headers, part.body, out, depth + 1);
    }
    return;
  }
  const charset = /charset="?([^";]+)"?/i.exec(type)?.[1] ?? 'utf-8';
  const decoded = decodeBody(body, headers.get('content-transfer-encoding'), charset);
  if (mediaType === 'text/plain' && out.text === undefined) out.text = decoded;
  if (mediaType === 'text/html' && out.html === undefined) out.html = decoded;
}

function decodeBody(body, encoding = '7bit', charset) {
  const enc = encoding.trim().toLowerCase();
  let bytes;
  if (enc === 'quoted-printable') bytes = quotedPrintable(body);
  else if (enc === 'base64') bytes = Buffer.from(body.replace(/\s+/g, ''), 'base64');
  else bytes = Buffer.from(body, 'utf8');
  return textOf(bytes, charset).replace(/\n$/, '');
}

function quotedPrintable(text) {
  const unfolded = text.replace(/=\n/g, '');
  const bytes = [];
  for (let i = 0; i < unfolded.length; i++) {
    const ch = unfolded[i];
    const hex = unfolded.slice(i + 1, i + 3);
    if (ch === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(ch, 'utf8'));
    }
  }
  return Buffer.from(bytes);
}

function textOf(bytes, charset) {
  try {
    return new TextDecoder(charset).decode(bytes);
  } catch {
    return new TextDecoder('utf-8').decode(bytes);
  }
}

/** RFC 2047 encoded words: =?charset?Q?...?= and =?charset?B?...?=, adjacent ones joined. */
function decodeWords(value) {
  return value
    .replace(/(\?=)\s+(=\?)/g, '$1$2')
    .replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g, (_m, charset, kind, data) => {
      const bytes = kind.toUpperCase() === 'B' ? Buffer.from(data, 'base64') : quotedPrintable(data.replace(/_/g, ' '));
      return textOf(bytes, charset);
    });
}
