// to login: the one way a request that needs a login it does not have goes
// to the login page, saying why: requireLogin (middleware/require-login.ts),
// an expired session (enforce-timeouts.ts), one ended in another tab or by
// another device (middleware.ts, middleware/locals.ts).
import type { Request, Response } from 'express';
import { loginUrlFor } from '../safe-next.js';
import { isSafeMethod } from '../safe-methods.js';

/** Why the login page is shown: its notice (login.ts, middleware/locals.ts) reads these. */
export type LoginReason = { notice: 'session-ended-elsewhere' } | { expired: 'idle' | 'absolute'; kept: boolean };

/**
 * To the login page, saying why. A page (GET) comes back afterwards (`next`,
 * safe-next.ts); a form's POST is not repeated, its 303 goes to the
 * login page alone.
 */
export function redirectToLogin(req: Request, res: Response, reason?: LoginReason): void {
  const safe = isSafeMethod(req.method);
  const target = safe ? loginUrlFor(req.originalUrl) : '/login';
  const query = new URLSearchParams();
  if (reason && 'notice' in reason) query.set('notice', reason.notice);
  if (reason && 'expired' in reason) {
    query.set('expired', reason.expired);
    // the login had ticked "Keep me signed in", whose timeouts are longer
    if (reason.kept) query.set('kept', '1');
  }
  const why = query.size > 0 ? `${target.includes('?') ? '&' : '?'}${query.toString()}` : '';
  // 302 and 303 are alike for a GET; 303 says "see the login page" to a POST
  res.redirect(safe && !reason ? 302 : 303, `${target}${why}`);
}
