// enforce timeouts: the middleware that ends a logged-in session past its
// idle or absolute timeout (session/timeouts.ts says when), and one whose
// account is gone, before any page sees it.
import type { RequestHandler } from 'express';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { redirectToLogin } from './to-login.js';
import { endSession } from './lifecycle.js';
import type { OpensLinkPage } from './link-pages.js';
import { sessionIfStarted } from './start-on-first-use.js';
import { regenerateSession, saveSession } from './promises.js';
import { expiredReason, setTicketLifetime, timeoutsFor } from './timeouts.js';

/**
 * Ends sessions that timed out, and sessions whose account is gone (deleted
 * while they lived): checked when the session is refreshed, at most once a
 * minute, so a page view costs no extra query.
 */
export function enforceSessionTimeouts(
  config: Config['session'],
  logger: Logger,
  accountExists: (userId: string) => Promise<boolean>,
  // the pages mailed links open (link-pages.ts)
  opensLinkPage: OpensLinkPage = () => false,
): RequestHandler {
  // "last seen" is written at most this often, not on every request
  const refreshEveryMs = Math.min(60_000, Math.floor(config.idleTimeoutMs / 10));

  return async (req, res, next) => {
    // a cookieless GET has no session, so no login to time out
    const session = sessionIfStarted(req);
    if (!session?.userId) {
      next();
      return;
    }
    const now = Date.now();
    const reason = expiredReason(timeoutsFor(config, session), session, now);
    if (reason) {
      logger.info({ event: 'session-expired', reason, userId: session.userId }, 'session expired');
      if (opensLinkPage(req)) {
        // a mailed link works without a login: the expired session is
        // deleted and the link's page gets a new, empty one (link-pages.ts)
        await regenerateSession(req);
        next();
        return;
      }
      await endSession(req, res, config);
      redirectToLogin(req, res, { expired: reason, kept: session.rememberMe === true });
      return;
    }
    if (now - (session.lastSeenAt ?? 0) >= refreshEveryMs) {
      if (!(await accountExists(session.userId))) {
        logger.info({ event: 'session-orphaned', userId: session.userId }, 'session of a deleted account ended');
        await endSession(req, res, config);
        res.redirect(303, '/?notice=account-gone');
        return;
      }
      session.lastSeenAt = now;
      setTicketLifetime(session, config, now);
      await saveSession(req);
    }
    next();
  };
}
