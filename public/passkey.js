/* global atob, btoa, navigator */
// Passkeys (WebAuthn) for Foyer's forms marked data-passkey="register" or "authenticate": the
// options (with the server's challenge) are in data-options; the browser's answer goes into the
// form's hidden "response" field as JSON and the form is posted as usual (with its CSRF field).
// A file rather than an inline script, because of Foyer's CSP (script-src 'self').
(function () {
  const toBytes = (s) => Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(s.length / 4) * 4, '=')), (c) => c.charCodeAt(0));
  const toText = (buf) => btoa(String.fromCharCode(...new Uint8Array(buf))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  const descriptor = (d) => ({ ...d, id: toBytes(d.id) });

  async function create(o) {
    const cred = await navigator.credentials.create({
      publicKey: { ...o, challenge: toBytes(o.challenge), user: { ...o.user, id: toBytes(o.user.id) }, excludeCredentials: (o.excludeCredentials || []).map(descriptor) },
    });
    const r = cred.response;
    return {
      id: cred.id, rawId: toText(cred.rawId), type: cred.type, authenticatorAttachment: cred.authenticatorAttachment || undefined,
      clientExtensionResults: cred.getClientExtensionResults(),
      response: { clientDataJSON: toText(r.clientDataJSON), attestationObject: toText(r.attestationObject), transports: r.getTransports ? r.getTransports() : [] },
    };
  }

  async function get(o) {
    const cred = await navigator.credentials.get({ publicKey: { ...o, challenge: toBytes(o.challenge), allowCredentials: (o.allowCredentials || []).map(descriptor) } });
    const r = cred.response;
    return {
      id: cred.id, rawId: toText(cred.rawId), type: cred.type, authenticatorAttachment: cred.authenticatorAttachment || undefined,
      clientExtensionResults: cred.getClientExtensionResults(),
      response: { clientDataJSON: toText(r.clientDataJSON), authenticatorData: toText(r.authenticatorData), signature: toText(r.signature), userHandle: r.userHandle ? toText(r.userHandle) : undefined },
    };
  }

  for (const form of document.querySelectorAll('form[data-passkey]')) {
    const error = form.querySelector('[data-passkey-error]');
    if (!window.PublicKeyCredential) {
      if (error) { error.hidden = false; error.textContent = form.dataset.msgUnsupported || 'This browser cannot use passkeys.'; }
      continue;
    }
    form.addEventListener('submit', async (event) => {
      if (form.dataset.answered) return;
      event.preventDefault();
      try {
        const options = JSON.parse(form.dataset.options);
        const answer = form.dataset.passkey === 'register' ? await create(options) : await get(options);
        form.querySelector('input[name=response]').value = JSON.stringify(answer);
        form.dataset.answered = '1';
        form.submit();
      } catch (err) {
        if (error) { error.hidden = false; error.textContent = (form.dataset.msgNotUsed || 'No passkey was used ({reason}). Try again, or use another way.').replace('{reason}', err && err.name ? err.name : 'cancelled'); }
      }
    });
  }
})();
