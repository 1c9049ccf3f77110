// Passkeys, the browser half: runs a WebAuthn ceremony for a form marked
// data-passkey ("login", "add" or "confirm"), then submits that form, an
// ordinary HTML form with its CSRF token, with the browser's answer (JSON) in
// its hidden "response" field. The options, with the challenge the server
// keeps in the session, come from a GET to the form's data-options address.
// Without JavaScript, or without passkey support, the forms stay hidden and
// the password works as ever.
import {
  browserSupportsWebAuthn,
  browserSupportsWebAuthnAutofill,
  startAuthentication,
  startRegistration,
} from '/js/simplewebauthn-browser/index.js';

function say(form, message) {
  const status = form.querySelector('[data-passkey-status]');
  if (!status) return;
  status.textContent = message;
  status.hidden = message === '';
}

/** The options for one ceremony; undefined when the server sent a page instead (a guard redirected). */
async function fetchOptions(form) {
  const res = await fetch(form.dataset.options, { headers: { accept: 'application/json' } });
  if (res.redirected || !res.ok || !(res.headers.get('content-type') ?? '').startsWith('application/json')) return undefined;
  return res.json();
}

function submitWith(form, answer) {
  form.querySelector('input[name="response"]').value = JSON.stringify(answer);
  // the login page's "Keep me signed in" box belongs to the password form
  const keep = form.querySelector('input[name="rememberMe"]');
  if (keep) keep.value = document.getElementById('rememberMe')?.checked ? 'on' : '';
  // submit() sends the form as it is, without running this script's submit handler again
  form.submit();
}

/** Why a ceremony ended without an answer, in words; '' when the person simply cancelled. */
function explain(err) {
  if (err?.name === 'AbortError') return '';
  if (err?.name === 'NotAllowedError') return 'No passkey was used (cancelled, or it took too long).';
  if (err?.name === 'InvalidStateError') return 'This device already has a passkey for your account.';
  if (err?.name === 'SecurityError') return 'Your browser refused: passkeys work only at this site\'s own address.';
  return 'Passkeys did not work here. Try again, or use your password.';
}

async function runCeremony(form, options) {
  try {
    const answer = form.dataset.passkey === 'add' ? await startRegistration({ optionsJSON: options }) : await startAuthentication({ optionsJSON: options });
    submitWith(form, answer);
  } catch (err) {
    say(form, explain(err));
    // the button's ceremony ended the autofill's: offer passkeys there again
    if (form.dataset.passkey === 'login') void offerInAutofill(form, options);
  }
}

/** The login page: passkeys offered in the username field's autofill, where the browser can. */
async function offerInAutofill(form, options) {
  // off on the page that says a passkey just failed: the button still works
  if (form.dataset.autofill === 'off' || !(await browserSupportsWebAuthnAutofill())) return;
  try {
    submitWith(form, await startAuthentication({ optionsJSON: options, useBrowserAutofill: true }));
  } catch {
    // cancelled, or replaced by the button's ceremony: nothing to say
  }
}

async function setUp(form) {
  const start = form.querySelector('[data-passkey-start]');
  const unsupported = document.querySelector('[data-passkey-unsupported]');
  if (!browserSupportsWebAuthn()) return;
  if (unsupported) unsupported.hidden = true;
  form.hidden = false;
  if (start) start.hidden = false;
  // WebAuthn binds passkeys to the configured address (PUBLIC_URL): at
  // another one (127.0.0.1 instead of localhost) the browser would refuse
  if (form.dataset.origin && window.location.origin !== form.dataset.origin) {
    if (start) start.disabled = true;
    // a note, not an alert: nothing went wrong yet
    const note = form.querySelector('[data-passkey-note]');
    if (note) {
      note.textContent = `Passkeys work at ${form.dataset.origin} only (PUBLIC_URL).`;
      note.hidden = false;
    }
    return;
  }

  // the login page's options serve its autofill and its button alike (one
  // challenge), asked for now; the button's handler below is attached at
  // once, not after they arrive: a click meanwhile would otherwise send the
  // form itself, without a passkey's answer
  const loginOptions = form.dataset.passkey === 'login' ? fetchOptions(form).catch(() => undefined) : Promise.resolve(undefined);
  void loginOptions.then((options) => {
    if (options) void offerInAutofill(form, options);
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    say(form, '');
    const name = form.querySelector('input[name="name"]');
    if (name && name.value.trim() === '') {
      say(form, 'Give the passkey a name first.');
      name.focus();
      return;
    }
    void (async () => {
      const current = (await loginOptions) ?? (await fetchOptions(form).catch(() => undefined));
      if (!current) {
        // a guard sent a page (confirm your password first, log in again): show it
        window.location.reload();
        return;
      }
      await runCeremony(form, current);
    })();
  });
}

for (const form of document.querySelectorAll('form[data-passkey]')) void setUp(form);
