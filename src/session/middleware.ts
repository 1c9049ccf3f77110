// middleware: express-session configured for a login, with the reasons.
import session, { type Store } from 'express-session';
import type { Request, RequestHandler, Response } from 'express';
import type { Config } from '../config.js';
import { destroySession } from './promises.js';
import './session-data.js';

export function cookieOptions(config: Config['session']) {
  return {
    // JavaScript in the page cannot read the ticket, so an XSS bug cannot steal it
    httpOnly: true,
    // not sent on cross-site POSTs and subrequests: a first line against CSRF
    sameSite: 'lax' as const,
    // only over HTTPS in production; on http://localhost a Secure cookie would be dropped
    secure: config.secureCookie,
    path: '/',
    // a session before login (it only holds a CSRF token) lives as long as
    // the idle timeout; signIn() and the timeouts middleware set it afterwards
    maxAge: config.idleTimeoutMs,
  };
}

export function createSessionMiddleware(config: Config['session'], store: Store): RequestHandler {
  return session({
    store,
    // a name that does not advertise the stack (the default is connect.sid)
    name: config.cookieName,
    // the first secret signs; older ones still verify, so secrets can be rotated
    secret: config.secrets,
    // unchanged sessions are not written back on every request
    resave: false,
    // no session document, and no cookie, until there is something to keep:
    // anonymous visitors and bots do not fill the sessions collection (only
    // the login and register forms store one, for their CSRF token)
    saveUninitialized: false,
    cookie: cookieOptions(config),
  });
}

/** Tells the browser to drop the session cookie (same name, path and flags as when it was set). */
function clearSessionCookie(res: Response, config: Config['session']): void {
  const { maxAge: _maxAge, ...options } = cookieOptions(config);
  res.clearCookie(config.cookieName, options);
}

/**
 * Ends the session for good: deleted from the store (awaited, so whatever is
 * sent next goes out only once it is gone), and the cookie dropped.
 */
export async function endSession(req: Request, res: Response, config: Config['session']): Promise<void> {
  // req.session.destroy() (mind the spelling: tutorials often have "destory")
  await destroySession(req);
  clearSessionCookie(res, config);
  // Clear-Site-Data: the browser also drops any other cookie this site has
  // set. It covers the whole registrable domain (example.com and every
  // subdomain): on a domain shared with other apps, leave this line out.
  res.set('Clear-Site-Data', '"cookies"');
}
