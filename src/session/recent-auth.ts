// recent auth ("sudo mode"): being logged in is not enough for what matters
// most. Turning two-factor off, adding or removing a passkey, changing the
// email address or deleting the account all need the password (or a passkey)
// checked within the last REAUTH_WINDOW, in this session: a borrowed laptop
// left logged in, or a stolen cookie, cannot lock the owner out.
//
//   login, or /account/confirm  →  authenticatedAt = now   (markAuthenticated)
//   a guarded page or form      →  older than the window?  →  /account/confirm?next=…
//
// Once confirmed, the user goes on for the rest of the window without being
// asked again: one prompt, then the action.
import type { Request, RequestHandler, Response } from 'express';
import type { SessionData } from 'express-session';
import type { Config } from '../config.js';
import { DEFAULT_AFTER_LOGIN, safeNextPath } from '../safe-next.js';

export const CONFIRM_PATH = '/account/confirm';

/** The password or a passkey was just checked for this session's user. The caller saves the session. */
export function markAuthenticated(req: Request, now = Date.now()): void {
  req.session.authenticatedAt = now;
}

/** Whether this session's user proved who they are within the window. */
export function authenticatedRecently(session: Partial<SessionData>, windowMs: number, now = Date.now()): boolean {
  const at = session.authenticatedAt;
  return typeof at === 'number' && at <= now && now - at < windowMs;
}

/** `/account/confirm?next=/account/delete`: where a guarded request is sent. */
export function confirmUrlFor(path: string): string {
  return `${CONFIRM_PATH}?next=${encodeURIComponent(safeNextPath(path)).replace(/%2F/gi, '/')}`;
}

/**
 * Where to come back to after confirming: the page itself for a GET; for a
 * form sent after the window closed (its data is not kept), the page the form
 * was on, from Referer (always sent to our own pages: Referrer-Policy is
 * same-origin).
 */
function comeBackTo(req: Request): string {
  if (req.method === 'GET') return req.originalUrl;
  const referer = req.get('referer');
  if (!referer) return DEFAULT_AFTER_LOGIN;
  try {
    const url = new URL(referer);
    return `${url.pathname}${url.search}`;
  } catch {
    return DEFAULT_AFTER_LOGIN;
  }
}

/**
 * Sudo mode's check, for a handler that asks it for some accounts only (the
 * password form, for an account setting its first password): true, or the
 * browser was sent to the confirm page.
 */
export function inSudoMode(req: Request, res: Response, config: Pick<Config['session'], 'reauthWindowMs'>): boolean {
  if (authenticatedRecently(req.session, config.reauthWindowMs)) return true;
  res.redirect(303, confirmUrlFor(comeBackTo(req)));
  return false;
}

/** The route guard (after requireLogin): a recent password check, or the confirm page first. */
export function requireRecentAuth(config: Pick<Config['session'], 'reauthWindowMs'>): RequestHandler {
  return (req, res, next) => {
    if (inSudoMode(req, res, config)) next();
  };
}
