// totp: codes from an authenticator app (RFC 6238), through otpauth. The
// settings every app understands: HMAC-SHA-1, 6 digits, a new code every 30
// seconds. Every function takes the time as `now` (ms since the epoch) rather
// than reading the clock, so tests can put a code at the very edge of its
// window without faking timers.
import { Secret, TOTP } from 'otpauth';

const ISSUER = 'Cloakroom';
export const TOTP_PERIOD_S = 30;
const DIGITS = 6;
// one step either side: a phone's clock a little off, or a code typed as it
// changed, still works; a code is then good for at most 90 seconds
export const TOTP_WINDOW = 1;

function totp(secretBase32: string, username = ''): TOTP {
  return new TOTP({
    issuer: ISSUER,
    label: username,
    secret: Secret.fromBase32(secretBase32),
    algorithm: 'SHA1',
    digits: DIGITS,
    period: TOTP_PERIOD_S,
  });
}

/** A new secret: 20 random bytes (160 bits, RFC 4226's recommendation), in base32 as apps expect. */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

/** The otpauth:// URI an authenticator app reads from the QR code. */
export function otpauthUri(secretBase32: string, username: string): string {
  return totp(secretBase32, username).toString();
}

/** The time step `now` falls in: the count of 30-second periods since 1970. */
export function timeStep(now: number): number {
  return TOTP.counter({ period: TOTP_PERIOD_S, timestamp: now });
}

/** The code for `now` (what the app shows; the tests and the lab compute codes with it). */
export function codeAt(secretBase32: string, now: number): string {
  return totp(secretBase32).generate({ timestamp: now });
}

/** The longest input taken for an app's code ("123 456", and spaces around): the setup field's maxlength. */
export const TOTP_CODE_INPUT_MAX = 16;

/** Six digits, spaces allowed ("123 456", as apps show them); anything else is not a code. */
export function normalizeTotpCode(input: unknown): string | undefined {
  if (typeof input !== 'string' || input.length > TOTP_CODE_INPUT_MAX) return undefined;
  const code = input.replace(/\s+/g, '');
  return /^\d{6}$/.test(code) ? code : undefined;
}

/**
 * The time step a code belongs to, if it is the code of a step within the
 * window around `now`; undefined otherwise. The caller still has to make sure
 * that step is later than the last one used (replay: see features/two-factor/routes.ts).
 */
export function matchingStep(secretBase32: string, code: string, now: number): number | undefined {
  const delta = totp(secretBase32).validate({ token: code, timestamp: now, window: TOTP_WINDOW });
  return delta === null ? undefined : timeStep(now) + delta;
}
