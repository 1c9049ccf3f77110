// Each form field's maxlength in the browser is the server's own limit for
// that field, and every field the server needs is `required`: the browser
// never takes more than the server accepts, nor sends a form it would refuse
// for a missing field. Each form page is rendered from its template, with
// the locals the app gives every page (app.ts), and read input by input.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import pug from 'pug';
import { EMAIL_MAX_LENGTH, emailForm, forgotPasswordForm } from '../../src/auth/email-address.js';
import { FIELD_LIMITS, PASSWORD_INPUT_MAX, PASSWORD_MAX, USERNAME_MAX, changePasswordForm, confirmPasswordForm, loginForm, registerForm } from '../../src/auth/forms.js';
import { MAX_PASSKEY_NAME_LENGTH } from '../../src/features/passkeys/ceremonies.js';
import { RECOVERY_CODE_INPUT_MAX } from '../../src/features/two-factor/recovery-codes.js';
import { TOTP_CODE_INPUT_MAX, normalizeTotpCode } from '../../src/features/two-factor/totp.js';
import { VIEWS_DIR } from '../../src/paths.js';

const passkey = { id: 'pk1', name: 'Laptop', addedAt: new Date(), lastUsedAt: undefined, synced: false };

// view, its locals, and each field the form shows: name → [maxlength, required]
const FORMS: { view: string; locals?: Record<string, unknown>; fields: Record<string, [number, boolean]> }[] = [
  { view: 'login', fields: { username: [USERNAME_MAX, true], password: [PASSWORD_INPUT_MAX, true] } },
  {
    view: 'register',
    locals: { withEmail: true },
    fields: { username: [USERNAME_MAX, true], password: [PASSWORD_INPUT_MAX, true], confirmPassword: [PASSWORD_INPUT_MAX, true], email: [EMAIL_MAX_LENGTH, false] },
  },
  { view: 'mail/forgot-password', fields: { identifier: [EMAIL_MAX_LENGTH, true] } },
  { view: 'mail/reset-password', fields: { newPassword: [PASSWORD_INPUT_MAX, true], confirmPassword: [PASSWORD_INPUT_MAX, true] } },
  {
    view: 'account-password',
    locals: { twoFactor: true },
    fields: { currentPassword: [PASSWORD_INPUT_MAX, true], code: [RECOVERY_CODE_INPUT_MAX, true], newPassword: [PASSWORD_INPUT_MAX, true], confirmPassword: [PASSWORD_INPUT_MAX, true] },
  },
  { view: 'account-confirm', locals: { twoFactor: true, username: 'someone', passwordKnown: true }, fields: { password: [PASSWORD_INPUT_MAX, true], code: [RECOVERY_CODE_INPUT_MAX, true] } },
  { view: 'two-factor/login-code', fields: { code: [RECOVERY_CODE_INPUT_MAX, true] } },
  { view: 'two-factor/settings', locals: { enabled: false, secret: 'A'.repeat(32), qrCode: 'data:,' }, fields: { code: [TOTP_CODE_INPUT_MAX, true] } },
  { view: 'mail/account-email', fields: { email: [EMAIL_MAX_LENGTH, true] } },
  { view: 'passkeys/new', fields: { name: [MAX_PASSKEY_NAME_LENGTH, true] } },
  { view: 'passkeys/list', locals: { passkeys: [passkey] }, fields: { name: [MAX_PASSKEY_NAME_LENGTH, true] } },
];

/** The inputs a person types in: not hidden, not a checkbox. */
function typedInputs(html: string): { name: string; maxlength: number | undefined; required: boolean }[] {
  return [...html.matchAll(/<input\b([^>]*)>/g)]
    .map((m) => m[1] ?? '')
    .filter((attrs) => !/type="(?:hidden|checkbox)"/.test(attrs) && !/\shidden(?:[\s=]|$)/.test(attrs))
    .map((attrs) => {
      const maxlength = /maxlength="(\d+)"/.exec(attrs)?.[1];
      return { name: /name="([^"]+)"/.exec(attrs)?.[1] ?? '', maxlength: maxlength === undefined ? undefined : Number(maxlength), required: /\srequired(?:[\s=]|$)/.test(attrs) };
    });
}

describe('every form field', () => {
  for (const form of FORMS) {
    it(`${form.view}: maxlength is the server's limit, and required where the server needs it`, () => {
      const html = pug.renderFile(path.join(VIEWS_DIR, `${form.view}.pug`), {
        limits: { ...FIELD_LIMITS, totpCode: TOTP_CODE_INPUT_MAX, passkeyName: MAX_PASSKEY_NAME_LENGTH },
        errors: {},
        csrfToken: 't',
        features: { passkeys: true, 'two-factor': true },
        featureLinks: [],
        asset: (url: string) => url,
        ...form.locals,
      });
      const inputs = typedInputs(html);
      assert.deepEqual(inputs.map((i) => i.name).sort(), Object.keys(form.fields).sort(), 'the fields of the form');
      for (const input of inputs) {
        const [maxlength, required] = form.fields[input.name] ?? [];
        assert.equal(input.maxlength, maxlength, `${input.name}'s maxlength`);
        assert.equal(input.required, required, `${input.name} required`);
      }
    });
  }
});

describe('the server', () => {
  const ok = (schema: { safeParse(v: unknown): { success: boolean } }, value: unknown) => schema.safeParse(value).success;
  const pw = (n: number) => 'x'.repeat(n - 8) + 'Qz7$Lp2!';

  it('takes each field up to its limit, and refuses one character more', () => {
    const name = (n: number) => 'u'.repeat(n);
    assert.ok(ok(registerForm, { username: name(USERNAME_MAX), password: pw(PASSWORD_MAX), confirmPassword: pw(PASSWORD_MAX) }));
    assert.ok(!ok(registerForm, { username: name(USERNAME_MAX + 1), password: pw(PASSWORD_MAX), confirmPassword: pw(PASSWORD_MAX) }));
    assert.ok(!ok(registerForm, { username: name(USERNAME_MAX), password: pw(PASSWORD_MAX + 1), confirmPassword: pw(PASSWORD_MAX + 1) }));
    // emoji: two code units each, so 128 of them fill the password field exactly
    const emoji = '🔑'.repeat(PASSWORD_MAX);
    assert.equal(emoji.length, PASSWORD_INPUT_MAX);
    assert.ok(ok(registerForm, { username: name(USERNAME_MAX), password: emoji, confirmPassword: emoji }));
    assert.ok(ok(loginForm, { username: name(USERNAME_MAX), password: pw(PASSWORD_INPUT_MAX) }));
    assert.ok(!ok(loginForm, { username: name(USERNAME_MAX + 1), password: 'p' }));
    assert.ok(!ok(loginForm, { username: 'someone', password: pw(PASSWORD_INPUT_MAX + 1) }));
    assert.ok(!ok(confirmPasswordForm, { password: pw(PASSWORD_INPUT_MAX + 1) }));
    assert.ok(!ok(changePasswordForm, { currentPassword: pw(PASSWORD_INPUT_MAX + 1), newPassword: pw(20), confirmPassword: pw(20) }));
    const address = (n: number) => `${'a'.repeat(n - '@example.com'.length)}@example.com`;
    assert.ok(ok(emailForm, { email: address(EMAIL_MAX_LENGTH) }));
    assert.ok(!ok(emailForm, { email: address(EMAIL_MAX_LENGTH + 1) }));
    assert.ok(!ok(forgotPasswordForm, { identifier: address(EMAIL_MAX_LENGTH + 1) }));
    assert.equal(normalizeTotpCode(` 123 456${' '.repeat(TOTP_CODE_INPUT_MAX - 8)}`), '123456');
    assert.equal(normalizeTotpCode(` 123 456${' '.repeat(TOTP_CODE_INPUT_MAX - 7)}`), undefined);
  });
});
