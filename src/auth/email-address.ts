// email address: what the account's address form accepts, and the
// normalised form that carries the unique index (models/user.ts).
import { z } from 'zod';

// RFC 5321 limits a path to 254 characters
const MAX_LENGTH = 254;

/**
 * The key two spellings of one address share. The domain is
 * case-insensitive everywhere; the part before @ is case-sensitive in theory
 * but not at any provider in practice, so both are lower-cased. Nothing else
 * is changed (no dots or +tags removed: providers differ on those).
 */
export function emailKey(address: string): string {
  return address.trim().toLowerCase();
}

export const emailForm = z.object({
  email: z
    .string({ error: 'Enter an email address' })
    .trim()
    .min(1, 'Enter an email address')
    .max(MAX_LENGTH, `An email address is at most ${MAX_LENGTH} characters`)
    // one @, something on each side, a dot in the domain, no spaces: the
    // verification mail is the real check of an address
    .regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, 'Enter an email address like name@example.com'),
});

export const forgotPasswordForm = z.object({
  identifier: z
    .string({ error: 'Enter your username or email address' })
    .trim()
    .min(1, 'Enter your username or email address')
    .max(MAX_LENGTH, `At most ${MAX_LENGTH} characters`),
});
