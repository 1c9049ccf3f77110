// forms: what a valid registration or login looks like. Only strings pass:
// arrays and objects from crafted forms never reach a database query.
import { z } from 'zod';
import { isCommonPassword } from './common-passwords.js';
import { EMAIL_MAX_LENGTH } from './email-address.js';

export const USERNAME_MIN = 3;
export const USERNAME_MAX = 32;

export const PASSWORD_MIN = 8;
// long enough for any passphrase, short enough that nobody can make us hash megabytes
export const PASSWORD_MAX = 128;
// what a browser's maxlength counts is UTF-16 code units, not characters as a
// person counts them: an emoji is two. A password field takes at most two
// per character; the server refuses longer input the same way
export const PASSWORD_INPUT_MAX = 2 * PASSWORD_MAX;

// a code typed for a feature's factor where the password is checked again
// (sudo mode, the password form: src/feature.ts): room for the longest, a
// recovery code with its dashes, and its spaces
export const FACTOR_CODE_INPUT_MAX = 32;

/**
 * The browser-side maxlength of each kind of form field (app.locals.limits,
 * for the views): the server's own limit for that field, so that a browser
 * never takes more than the server accepts. A feature adds its own fields'
 * (fieldLimits, src/feature.ts).
 */
export const FIELD_LIMITS = {
  username: USERNAME_MAX,
  password: PASSWORD_INPUT_MAX,
  email: EMAIL_MAX_LENGTH,
  // a username or an email address (forgot password)
  identifier: EMAIL_MAX_LENGTH,
  // a feature's factor where the password is checked again
  code: FACTOR_CODE_INPUT_MAX,
} as const;

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });
/** Characters as a person counts them: an emoji or an accented letter is one. */
export function characterCount(value: string): number {
  let count = 0;
  for (const _ of graphemes.segment(value)) count += 1;
  return count;
}

const requiredString = (missing: string) =>
  z.string({ error: missing }).refine((v) => v.length > 0, { message: missing });

// a password typed to be checked (login, password checks): any length an
// account's password can have
const typedPassword = (missing: string) =>
  requiredString(missing).refine((v) => v.length <= PASSWORD_INPUT_MAX, `A password is at most ${PASSWORD_MAX} characters`);

const username = z
  .string({ error: 'Enter a username' })
  .trim()
  .min(1, 'Enter a username')
  .min(USERNAME_MIN, `Username must be at least ${USERNAME_MIN} characters`)
  .max(USERNAME_MAX, `Username must be at most ${USERNAME_MAX} characters`)
  .regex(/^[A-Za-z0-9._-]+$/, 'Username may use only letters, digits, ".", "_" and "-"');

// NIST SP 800-63B: length and a blocklist, no composition rules ("one digit,
// one symbol") and no truncation; any Unicode, spaces and emoji included
export const newPassword = requiredString('Enter a password')
  .refine((v) => characterCount(v) >= PASSWORD_MIN, `Password must be at least ${PASSWORD_MIN} characters`)
  .refine((v) => v.length <= PASSWORD_INPUT_MAX && characterCount(v) <= PASSWORD_MAX, `Password must be at most ${PASSWORD_MAX} characters`)
  .refine(
    (v) => !isCommonPassword(v),
    'This password is on a list of common or breached passwords that attackers try first. Choose another.',
  );

export const registerForm = z
  .object({
    username,
    password: newPassword,
    confirmPassword: requiredString('Confirm your password'),
  })
  // runs even when a field above has failed a check (but not on wrong types),
  // so every message shows at once
  .superRefine((form, ctx) => {
    if (typeof form.password !== 'string' || typeof form.username !== 'string') return;
    if (form.password.normalize('NFKC').toLowerCase() === form.username.toLowerCase()) {
      ctx.addIssue({ code: 'custom', path: ['password'], message: 'Password must not be your username' });
    } else if (form.password !== form.confirmPassword) {
      ctx.addIssue({ code: 'custom', path: ['confirmPassword'], message: 'Passwords do not match' });
    }
  });

export const loginForm = z.object({
  username: requiredString('Enter your username')
    .transform((v) => v.trim())
    .refine((v) => v.length <= USERNAME_MAX, `A username is at most ${USERNAME_MAX} characters`),
  password: typedPassword('Enter your password'),
  // a ticked checkbox sends "on"; an unticked one sends nothing
  rememberMe: z
    .literal('on', { error: 'Tick the box or leave it empty' })
    .optional()
    .transform((v) => v === 'on'),
});

/** Whether the form's "Keep me signed in" box was ticked, to show the form again as it was. */
export function typedRememberMe(body: unknown): boolean {
  return (body as { rememberMe?: unknown } | undefined)?.rememberMe === 'on';
}

export type FieldErrors = Partial<Record<string, string>>;

/** The first message for each field, for showing next to it. */
export function fieldErrors(error: z.ZodError): FieldErrors {
  const errors: FieldErrors = {};
  for (const issue of error.issues) {
    const field = String(issue.path[0] ?? 'form');
    errors[field] ??= issue.message;
  }
  return errors;
}

/** The typed username, to put back in the form; '' for anything that is not a string. */
export function typedUsername(body: unknown): string {
  const value = (body as { username?: unknown } | undefined)?.username;
  return typeof value === 'string' ? value.slice(0, 64) : '';
}

export const changePasswordForm = z
  .object({
    currentPassword: typedPassword('Enter your current password'),
    newPassword,
    confirmPassword: requiredString('Confirm your new password'),
  })
  .superRefine((form, ctx) => {
    if (typeof form.newPassword !== 'string' || typeof form.currentPassword !== 'string') return;
    if (form.newPassword === form.currentPassword) {
      ctx.addIssue({ code: 'custom', path: ['newPassword'], message: 'The new password must be different from the current one' });
    } else if (form.newPassword !== form.confirmPassword) {
      ctx.addIssue({ code: 'custom', path: ['confirmPassword'], message: 'Passwords do not match' });
    }
  });

/** A first password, for an account whose password nobody knows (routes/account.ts): no current one to give. */
export const setPasswordForm = z
  .object({
    newPassword,
    confirmPassword: requiredString('Confirm your new password'),
  })
  .superRefine((form, ctx) => {
    if (typeof form.newPassword === 'string' && form.newPassword !== form.confirmPassword) {
      ctx.addIssue({ code: 'custom', path: ['confirmPassword'], message: 'Passwords do not match' });
    }
  });

export const confirmPasswordForm = z.object({
  password: typedPassword('Enter your password'),
});

export const deleteAccountForm = z.object({
  confirm: z.literal('yes', { error: 'Tick the box to confirm that the account should be deleted' }),
});
