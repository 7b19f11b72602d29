// The demo mailbox: a page that lists the mails Foyer wrote to its outbox (no SMTP in the demo)
// and shows each one, so a guest's invitation can be opened in the browser. A separate process
// of the demo, not a Foyer route: production Foyer has no way to show its mail to anyone.
import { readdir, readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join, resolve } from 'node:path';
import { parseMail } from './mime.mjs';

const PORT = Number(process.env.PORT || 3003);
const HOST = process.env.HOST || '127.0.0.1';
const OUTBOX = resolve(process.env.OUTBOX_DIR || 'data/demo/outbox');
/** Shown when the mailbox is empty: how to make Foyer send something. */
const HINT = process.env.MAILBOX_HINT || '';

const FILE_NAME = /^[A-Za-z0-9._-]{1,200}\.eml$/;

async function listMail() {
  let names;
  try {
    names = (await readdir(OUTBOX)).filter((n) => FILE_NAME.test(n));
  } catch (err) {
    if (err.code === 'ENOENT') return [];
    throw err;
  }
  const mails = await Promise.all(
    names.map(async (name) => {
      const path = join(OUTBOX, name);
      const [raw, info] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
      const { headers } = parseMail(raw);
      return { name, to: headers.get('to') ?? '', subject: headers.get('subject') ?? '(no subject)', received: info.mtime };
    }),
  );
  return mails.sort((a, b) => b.received - a.received || b.name.localeCompare(a.name));
}

async function readMail(name) {
  if (!FILE_NAME.test(name)) return undefined;
  try {
    return parseMail(await readFile(join(OUTBOX, name), 'utf8'));
  } catch (err) {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  }
}

async function inbox(res) {
  const mails = await listMail();
  const rows = mails
    .map(
      (m) => `<li><a class="mail" href="/mail/${encodeURIComponent(m.name)}">
        <span class="to">${esc(m.to)}</span>
        <span class="subject">${esc(m.subject)}</span>
        <time datetime="${m.received.toISOString()}">${esc(m.received.toLocaleTimeString('en-GB'))}</time></a></li>`,
    )
    .join('\n');
  const empty = `<div class="empty"><p><strong>No mail yet.</strong> Foyer writes every mail it sends (invitations, one-time codes) here.</p>
    ${HINT ? `<p>Invite a guest, for example:</p><pre><code>${esc(HINT)}</code></pre>` : ''}
    <p>Then <a href="/">refresh this page</a>.</p></div>`;
  page(res, 200, 'Inbox', `
    <h1>Inbox <span class="count">${mails.length}</span></h1>
    <p class="lead">Every mail Foyer sent while the demo runs, newest first. Nothing leaves this machine: the files are in <code>${esc(OUTBOX)}</code>.</p>
    <p><a class="button" href="/">Refresh</a></p>
    ${mails.length ? `<ul class="list" aria-label="Mails">${rows}</ul>` : empty}`);
}

async function showMail(res, name) {
  const mail = await readMail(name);
  if (!mail) return page(res, 404, 'Not found', '<h1>No such mail</h1><p><a href="/">Back to the inbox</a></p>');
  const links = [...new Set((mail.text ?? '').match(/https?:\/\/[^\s<>"]+/g) ?? [])];
  const field = (label, key) => `<div><dt>${label}</dt><dd>${esc(mail.headers.get(key) ?? '')}</dd></div>`;
  page(res, 200, mail.headers.get('subject') ?? 'Mail', `
    <p><a href="/">← Inbox</a></p>
    <h1>${esc(mail.headers.get('subject') ?? '(no subject)')}</h1>
    <dl class="meta">${field('From', 'from')}${field('To', 'to')}${field('Date', 'date')}</dl>
    ${mail.html ? `<iframe class="body" title="The mail as the recipient sees it" src="/mail/${encodeURIComponent(name)}/html" sandbox="allow-top-navigation-by-user-activation allow-popups allow-popups-to-escape-sandbox"></iframe>` : ''}
    ${links.length ? `<h2>Links in this mail</h2><ul class="links">${links.map((l) => `<li><a href="${esc(l)}">${esc(l)}</a></li>`).join('')}</ul>` : ''}
    ${mail.text ? `<details${mail.html ? '' : ' open'}><summary>Plain-text version</summary><pre class="text">${esc(mail.text)}</pre></details>` : ''}`);
}

/** The HTML part on its own, for the sandboxed iframe: links open in the whole window. */
async function mailHtml(res, name) {
  const mail = await readMail(name);
  if (!mail?.html) {
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
    return res.end('no HTML part');
  }
  const html = /<head[^>]*>/i.test(mail.html)
    ? mail.html.replace(/<head([^>]*)>/i, '<head$1><base target="_top">')
    : `<base target="_top">${mail.html}`;
  res.writeHead(200, {
    'Content-Type': 'text/html; charset=utf-8',
    'Cache-Control': 'no-store',
    // The mail's own markup runs with no scripts and no access to this page.
    'Content-Security-Policy': "sandbox allow-top-navigation-by-user-activation allow-popups allow-popups-to-escape-sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data: http: https:; frame-ancestors 'self'",
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
  });
  res.end(html);
}

const server = createServer(async (req, res) => {
  const { pathname } = new URL(req.url ?? '/', 'http://mailbox.invalid');
  if (req.method !== 'GET' && req.method !== 'HEAD') return page(res, 405, 'Not allowed', '<h1>Only GET is supported here.</h1>');
  try {
    if (pathname === '/') return await inbox(res);
    const match = /^\/mail\/([^/]+)(\/html)?$/.exec(pathname);
    if (match) {
      const name = decodeURIComponent(match[1]);
      return await (match[2] ? mailHtml(res, name) : showMail(res, name));
    }
    page(res, 404, 'Not found', '<h1>There is no such page</h1><p><a href="/">Go to the inbox</a></p>');
  } catch (err) {
    console.error(err);
    page(res, 500, 'Error', '<h1>The mailbox could not read the outbox</h1><p>See the demo\'s console output.</p>');
  }
});

server.listen(PORT, HOST, () => console.log(`demo mailbox on http://localhost:${PORT} (outbox ${OUTBOX})`));
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}

function page(res, status, title, body) {
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Cache-Control': 'no-store',
    'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; frame-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
  });
  res.end(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} · Demo mailbox</title>
<style>
  *{box-sizing:border-box}
  body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f4f4f5;color:#18181b}
  header{display:flex;align-items:center;gap:.6rem;padding:.8rem 1.5rem;background:#27272a;color:#fff}
  header strong{font-size:1.1rem} header span{color:#d4d4d8;font-size:.9rem}
  main{max-width:52rem;margin:1.5rem auto;padding:1.5rem 2rem;background:#fff;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.12)}
  h1{font-size:1.4rem;margin:.25rem 0 .5rem} h2{font-size:1.1rem;margin-top:1.5rem}
  .count{display:inline-block;min-width:1.6rem;padding:0 .45rem;border-radius:1rem;background:#e4e4e7;font-size:.9rem;text-align:center;vertical-align:middle}
  .lead{color:#3f3f46}
  a{color:#1d4ed8} a:focus,summary:focus{outline:3px solid #1d4ed8;outline-offset:2px}
  .button{display:inline-block;padding:.4rem .9rem;border:1px solid #71717a;border-radius:6px;text-decoration:none;color:#18181b}
  .list{list-style:none;padding:0;margin:1rem 0;border-top:1px solid #e4e4e7}
  .mail{display:grid;grid-template-columns:14rem 1fr auto;gap:1rem;padding:.75rem .5rem;border-bottom:1px solid #e4e4e7;text-decoration:none;color:inherit}
  .mail:hover{background:#f4f4f5} .subject{font-weight:600} time{color:#52525b;font-size:.9rem}
  .to{color:#3f3f46;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
  .empty{padding:1rem;border:1px dashed #a1a1aa;border-radius:8px}
  pre{white-space:pre-wrap;word-break:break-all;background:#f4f4f5;padding:.75rem;border-radius:6px;font-size:.85rem}
  .meta{display:grid;gap:.2rem;margin:1rem 0} .meta div{display:flex;gap:.75rem} .meta dt{width:3.5rem;color:#52525b} .meta dd{margin:0}
  iframe.body{width:100%;height:30rem;border:1px solid #d4d4d8;border-radius:6px;background:#fff}
  .links{word-break:break-all}
  @media (max-width:40rem){main{margin:0;border-radius:0;padding:1rem}.mail{grid-template-columns:1fr}}
</style></head>
<body><header><strong>Demo mailbox</strong><span>part of npm run demo · not part of Foyer</span></header>
<main>${body}</main></body></html>`);
}

function esc(value) {
  return String(value).replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]);
}
