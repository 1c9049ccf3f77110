// middleware: express-session configured for a login, with the reasons.
// What a login, a renewal and a logout do with it is in lifecycle.ts.
import session, { type Store } from 'express-session';
import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import type { Config } from '../config.js';
import { redirectToLogin } from './to-login.js';
import { isSafeMethod } from '../safe-methods.js';
import { hasCookie, startOnFirstUse } from './start-on-first-use.js';
import type { Logger } from '../logger.js';
import { SessionEndedError } from './race-safe-store.js';
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
  const sessions = session({
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
  // A GET without a session cookie (a first visit, a bot, a 404) usually
  // needs no session: the home page and the error pages only ask whether
  // there is a login. For those, express-session is not run at all (no ID,
  // no hashing, no end-of-response hooks). It runs, as it would have, the
  // first time something reads req.session: the login form, a page behind
  // requireLogin. Without a cookie it makes a new, empty session at once and
  // reads nothing from the store, so starting it late is no different from
  // starting it here. Every other request (a POST, whose CSRF token lives in
  // the session; any request with a cookie) goes through express-session
  // first, as before.
  return (req, res, next) => {
    if (!isSafeMethod(req.method) || hasCookie(req, config.cookieName)) {
      void sessions(req, res, next);
      return;
    }
    startOnFirstUse(req, res, sessions);
    next();
  };
}

/** Tells the browser to drop the session cookie (same name, path and flags as when it was set). */
export function clearSessionCookie(res: Response, config: Config['session']): void {
  const { maxAge: _maxAge, ...options } = cookieOptions(config);
  res.clearCookie(config.cookieName, options);
}

/**
 * A request whose session was ended while it ran (logged out in another tab,
 * signed out from another device, revoked by a password change): its save
 * found the session gone (see race-safe-store.ts), so it is not logged in any
 * more. The browser drops the cookie and is sent to the login page.
 */
export function sessionEndedHandler(config: Config['session'], logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (!(err instanceof SessionEndedError)) {
      next(err);
      return;
    }
    logger.info({ event: 'session-ended-in-flight', method: req.method, path: req.path }, 'a request found its session ended');
    // express-session's own save as a response ends: that response is on its way already
    if (res.headersSent) return;
    // nothing of this session is saved or sent as a cookie again
    (req as { session?: unknown }).session = undefined;
    clearSessionCookie(res, config);
    res.set('Cache-Control', 'no-store');
    redirectToLogin(req, res, { notice: 'session-ended-elsewhere' });
  };
}
