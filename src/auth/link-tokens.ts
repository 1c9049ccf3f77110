// link tokens: the secret in a password-reset or verification link. 32 random
// bytes (256 bits, twice ASVS's minimum of 128), so nobody can guess one, and
// only its SHA-256 is stored: whoever reads the database (a leaked backup)
// finds hashes that open nothing. A fast hash is right here, unlike for
// passwords: a random 256-bit token cannot be found by trying guesses.
import { createHash, randomBytes } from 'node:crypto';

/** What a link token looks like in a URL: 32 bytes in base64url. */
export const LINK_TOKEN_PATTERN = /^[\w-]{43}$/;

export function newLinkToken(): { token: string; tokenHash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, tokenHash: hashLinkToken(token) };
}

export function hashLinkToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** The token from a query string or form field, if it looks like one (anything else matches nothing). */
export function linkTokenFrom(value: unknown): string | undefined {
  return typeof value === 'string' && LINK_TOKEN_PATTERN.test(value) ? value : undefined;
}
