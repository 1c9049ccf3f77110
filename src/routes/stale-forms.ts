// stale forms: a login or registration form whose CSRF token the session no
// longer holds. The usual cause is harmless: the page sat in one tab while
// the visitor logged in (a new session, a new token) or out (no session) in
// another. Instead of a dead end, the form's own page takes over: on to where
// it was going if the visitor is logged in now, else the form again with what
// was typed (never the password) and a new token. Nothing the form asked for
// is done, so a forged post gains nothing from this either.
//
// Every other form refused for its token still gets the "This form has
// expired" page (middleware/errors.ts).
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from '../logger.js';
import { templateLocals } from '../middleware/locals.js';
import { isCsrfError } from '../session/csrf.js';

/**
 * `anonymousSessions` is the form pages' own limit on new sessions
 * (middleware/anonymous-sessions.ts): a form shown again stores a session
 * for its new token, as the form page does.
 */
export function staleForms(handlers: Record<string, RequestHandler>, anonymousSessions: RequestHandler, logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    const handler = req.method === 'POST' ? handlers[req.path] : undefined;
    if (!isCsrfError(err) || !handler || res.headersSent) {
      next(err);
      return;
    }
    const loggedIn = Boolean(req.session.userId);
    logger.warn({ event: 'csrf-rejected', method: req.method, path: req.path, loggedIn }, 'form refused: missing or wrong CSRF token; shown again');
    // the CSRF check runs before the page locals are set (app.ts)
    const run = (step: RequestHandler, then: () => void) => {
      Promise.resolve(step(req, res, (e?: unknown) => (e === undefined ? then() : next(e)))).catch(next);
    };
    run(templateLocals, () => run(anonymousSessions, () => run(handler, () => next(err))));
  };
}
