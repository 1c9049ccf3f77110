// too many: the 429 page, with Retry-After so browsers and scripts know when.
import type { Response } from 'express';
import { describeDuration } from '../duration.js';

const WHAT: Record<'login' | 'register', string> = {
  login: 'There have been too many failed attempts to log in to this account from your network.',
  register: 'Too many accounts have been created from your network in the last hour.',
};

export function renderTooManyRequests(res: Response, retryAfterSeconds: number, kind: 'login' | 'register'): void {
  res.set('Retry-After', String(retryAfterSeconds));
  res.status(429).render('too-many', {
    title: 'Too many attempts',
    what: WHAT[kind],
    wait: describeDuration(retryAfterSeconds * 1000),
  });
}
