// csrf: every state-changing form carries a synchronizer token that lives in
// the session (OWASP CSRF cheat sheet). A page on another site can make the
// browser post a form here, cookie included, but cannot read the token.
// Login and registration are protected too: without it, another site could
// log you in to its account (login CSRF).
import type { Request } from 'express';
import { csrfSync } from 'csrf-sync';
import { saveSession } from './promises.js';

export const CSRF_FIELD = '_csrf';

const { csrfSynchronisedProtection, generateToken, invalidCsrfTokenError } = csrfSync({
  getTokenFromRequest: (req) => {
    const value: unknown = (req.body as Record<string, unknown> | undefined)?.[CSRF_FIELD];
    return typeof value === 'string' ? value : undefined;
  },
  // logging out a session that is not logged in changes nothing, so there is
  // nothing to forge; an expired session can still press "Log out"
  skipCsrfProtection: (req) => req.path === '/logout' && !req.session.userId,
});

export const csrfProtection = csrfSynchronisedProtection;

export function isCsrfError(err: unknown): boolean {
  return err === invalidCsrfTokenError || (typeof err === 'object' && err !== null && 'code' in err && err.code === 'EBADCSRFTOKEN');
}

/** Puts a token in the session if it has none yet (no write). */
export function ensureCsrfToken(req: Request): string {
  return generateToken(req);
}

/**
 * The token for a form on this page. When the session is new, it is saved
 * before the page goes out, so the form's POST finds the token in the store.
 */
export async function csrfTokenForForm(req: Request): Promise<string> {
  const before = req.session.csrfToken;
  const token = generateToken(req);
  if (token !== before) await saveSession(req);
  return token;
}
