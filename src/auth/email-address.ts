// email address: what the account's address form accepts, and the
// normalised form that carries the unique index (models/user.ts).
import { z } from 'zod';

// RFC 5321 limits a path to 254 characters
export const EMAIL_MAX_LENGTH = 254;
const MAX_LENGTH = EMAIL_MAX_LENGTH;

/**
 * The key two spellings of one address share. The domain is
 * case-insensitive everywhere; the part before @ is case-sensitive in theory
 * but not at any provider in practice, so both are lower-cased. Nothing else
 * is changed (no dots or +tags removed: providers differ on those).
 */
export function emailKey(address: string): string {
  return address.trim().toLowerCase();
}

// Why so strict? Mail libraries read the `to` field as a list of addresses
// with display names and comments: nodemailer delivers `a<me@example.com>`
// and `x(note)@example.com` to me@example.com and x@example.com. If such a
// string were accepted, what is stored (and the unique key of confirmed
// addresses) would not be the mailbox the mail reaches, and one mailbox
// could be confirmed on any number of accounts. So only a bare addr-spec:
// dot-separated atoms before the @ (no quotes, spaces, <>()[],;:\ or @),
// and a domain of letters, digits and hyphens with at least one dot. Quoted
// local parts, address literals and non-ASCII addresses are refused; no
// common provider hands them out.
const ATOM = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+";
const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?';
export const PLAIN_ADDRESS = new RegExp(`^${ATOM}(?:\\.${ATOM})*@${LABEL}(?:\\.${LABEL})+$`);

export const emailForm = z.object({
  email: z
    .string({ error: 'Enter an email address' })
    .trim()
    .min(1, 'Enter an email address')
    .max(MAX_LENGTH, `An email address is at most ${MAX_LENGTH} characters`)
    // a plain address and nothing else (the verification mail is the real
    // check that it exists): see PLAIN_ADDRESS
    .regex(PLAIN_ADDRESS, 'Enter an email address like name@example.com'),
});

export const forgotPasswordForm = z.object({
  identifier: z
    .string({ error: 'Enter your username or email address' })
    .trim()
    .min(1, 'Enter your username or email address')
    .max(MAX_LENGTH, `At most ${MAX_LENGTH} characters`),
});
