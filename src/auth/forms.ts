// forms: what a valid registration or login looks like. Only strings pass:
// arrays and objects from crafted forms never reach a database query.
import { z } from 'zod';

export const USERNAME_RULE = '3 to 32 characters: letters, digits, ".", "_" and "-"';
export const PASSWORD_MIN = 8;
// long enough for any passphrase, short enough that nobody can make us hash megabytes
export const PASSWORD_MAX = 128;

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });
/** Characters as a person counts them: an emoji or an accented letter is one. */
export function characterCount(value: string): number {
  let count = 0;
  for (const _ of graphemes.segment(value)) count += 1;
  return count;
}

const requiredString = (missing: string) =>
  z.string({ error: missing }).refine((v) => v.length > 0, { message: missing });

const username = z
  .string({ error: 'Enter a username' })
  .trim()
  .min(1, 'Enter a username')
  .min(3, 'Username must be at least 3 characters')
  .max(32, 'Username must be at most 32 characters')
  .regex(/^[A-Za-z0-9._-]+$/, 'Username may use only letters, digits, ".", "_" and "-"');

export const registerForm = z
  .object({
    username,
    password: requiredString('Enter a password')
      .refine((v) => characterCount(v) >= PASSWORD_MIN, `Password must be at least ${PASSWORD_MIN} characters`)
      .refine((v) => characterCount(v) <= PASSWORD_MAX, `Password must be at most ${PASSWORD_MAX} characters`),
    confirmPassword: requiredString('Confirm your password'),
  })
  .refine((form) => form.password === form.confirmPassword, {
    path: ['confirmPassword'],
    message: 'Passwords do not match',
    // only compare once both fields are otherwise valid
    when: (payload) => registerFormFieldsOk(payload.value),
  });

function registerFormFieldsOk(value: unknown): boolean {
  const v = value as { password?: unknown; confirmPassword?: unknown };
  return typeof v.password === 'string' && typeof v.confirmPassword === 'string' && v.confirmPassword !== '';
}

export const loginForm = z.object({
  username: requiredString('Enter your username').transform((v) => v.trim()),
  password: requiredString('Enter your password'),
});

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
