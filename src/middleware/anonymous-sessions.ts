// anonymous sessions: the login and register pages store a session before
// anyone has logged in, to hold their form's CSRF token (session/csrf.ts).
// Each one is a document in MongoDB until the idle timeout, so one address
// may start only ANONYMOUS_SESSIONS_PER_IP_PER_HOUR of them (the first tenth
// counted in memory, at no database cost: security/throttle.ts).
import type { RequestHandler } from 'express';
import type { Logger } from '../logger.js';
import type { LoginThrottle } from '../security/throttle.js';
import { renderTooManyRequests } from '../security/too-many.js';

export function limitAnonymousSessions(throttle: LoginThrottle, logger: Logger): RequestHandler {
  return async (req, res, next) => {
    // a session that already holds a token is reused (a reload stores
    // nothing new), and a logged-in visitor is sent on by the route
    if (req.session.csrfToken !== undefined || req.session.userId) {
      next();
      return;
    }
    const verdict = await throttle.consumeAnonymousSession(req.ip ?? 'unknown');
    if (verdict.blocked) {
      logger.warn({ event: 'anonymous-session-refused', ip: req.ip }, 'form page refused: too many new sessions from this address');
      renderTooManyRequests(res, verdict.retryAfterSeconds, 'sessions');
      return;
    }
    next();
  };
}
