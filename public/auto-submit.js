// Posts the one form marked data-auto-submit (the SAML same-site hop): under Foyer's CSP
// (script-src 'self') an inline script could not run, so the page loads this file.
document.querySelector('form[data-auto-submit]')?.submit();
