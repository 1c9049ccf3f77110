// too many: the 429 page, with Retry-After so browsers and scripts know when.
import type { Response } from 'express';
import { describeDuration } from '../duration.js';

const WHAT = {
  // the kinds of refusal of a login (security/throttle.ts)
  locked: 'There have been too many failed attempts to log in to this account from your network.',
  busy: 'Too many logins from your network are being checked at this moment.',
  // the account's second step, from every address (security/throttle.ts)
  'second-factor': 'There have been too many wrong codes for this account: its code step is closed for now, wherever the login comes from.',
  register: 'Too many accounts have been created from your network in the last hour.',
  sessions: 'The login and registration forms have been opened too many times from your network in the last hour.',
  reset: 'Too many password resets have been asked for from your network in the last hour.',
  verification: 'Too many confirmation mails have been sent for this account, or to this address, in the last hour.',
} as const;

export type TooManyKind = keyof typeof WHAT;

export function renderTooManyRequests(res: Response, retryAfterSeconds: number, kind: TooManyKind): void {
  res.set('Retry-After', String(retryAfterSeconds));
  res.status(429).render('too-many', {
    title: 'Too many attempts',
    what: WHAT[kind],
    wait: describeDuration(retryAfterSeconds * 1000),
  });
}
