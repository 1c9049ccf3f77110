// timeouts: a logged-in session ends after SESSION_IDLE_TIMEOUT without a
// request, and SESSION_ABSOLUTE_TIMEOUT after login however busy it is
// (OWASP Session Management: both, enforced on the server, not by the cookie).
import type { RequestHandler } from 'express';
import type { Session, SessionData } from 'express-session';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { loginUrlFor } from '../auth/safe-next.js';
import { endSession } from './lifecycle.js';
import { opensLinkPage } from './link-pages.js';
import { regenerateSession, saveSession } from './promises.js';

export type TimeoutReason = 'idle' | 'absolute';

type Timeouts = Pick<Config['session'], 'idleTimeoutMs' | 'absoluteTimeoutMs'>;
type SessionTimeouts = Timeouts & Pick<Config['session'], 'rememberMe'>;

/** The two timeouts that apply to this session: longer for "Keep me signed in on this device". */
export function timeoutsFor(config: SessionTimeouts, session: { rememberMe?: boolean }): Timeouts {
  return session.rememberMe ? config.rememberMe : config;
}

/**
 * How long the browser should keep the cookie (and MongoDB the document). The
 * server ends the session at the idle or absolute timeout; the ticket is kept
 * one idle timeout longer than that, so a visitor who comes back late still
 * shows it and can be told why they were logged out. Past that, it is gone.
 */
export function cookieLifetimeMs(config: Timeouts, loginAt: number, now: number): number {
  const untilDeadline = loginAt + config.absoluteTimeoutMs - now;
  return Math.max(0, Math.min(2 * config.idleTimeoutMs, untilDeadline + config.idleTimeoutMs));
}

/**
 * Sets how long the ticket lives, from login or the latest refresh. "Keep me
 * signed in" gets a persistent cookie (Expires: the browser keeps it across
 * restarts). Otherwise it is a browser-session cookie (no Expires: closing
 * the browser drops it), and keepUntil tells the store when to delete the
 * document anyway: the server's timeouts never depend on the browser.
 */
export function setTicketLifetime(session: Session & Partial<SessionData>, config: SessionTimeouts, now: number): void {
  const lifetimeMs = cookieLifetimeMs(timeoutsFor(config, session), session.loginAt ?? now, now);
  if (session.rememberMe) {
    session.cookie.maxAge = lifetimeMs;
    delete session.keepUntil;
  } else {
    session.cookie.expires = null;
    session.keepUntil = now + lifetimeMs;
  }
}

/** When a logged-in session ends (ms since the epoch): if idle until then, and at the latest. */
export function sessionDeadlines(config: Timeouts, session: { loginAt?: number; lastSeenAt?: number }): Record<TimeoutReason, number> {
  const loginAt = session.loginAt ?? 0;
  return {
    idle: (session.lastSeenAt ?? loginAt) + config.idleTimeoutMs,
    absolute: loginAt + config.absoluteTimeoutMs,
  };
}

export function expiredReason(
  config: Timeouts,
  session: { loginAt?: number; lastSeenAt?: number },
  now: number,
): TimeoutReason | undefined {
  const deadlines = sessionDeadlines(config, session);
  if (now >= deadlines.absolute) return 'absolute';
  if (now >= deadlines.idle) return 'idle';
  return undefined;
}

/**
 * Ends sessions that timed out, and sessions whose account is gone (deleted
 * while they lived): checked when the session is refreshed, at most once a
 * minute, so a page view costs no extra query.
 */
export function enforceSessionTimeouts(
  config: Config['session'],
  logger: Logger,
  accountExists: (userId: string) => Promise<boolean>,
): RequestHandler {
  // "last seen" is written at most this often, not on every request
  const refreshEveryMs = Math.min(60_000, Math.floor(config.idleTimeoutMs / 10));

  return async (req, res, next) => {
    const session = req.session;
    if (!session.userId) {
      next();
      return;
    }
    const now = Date.now();
    const reason = expiredReason(timeoutsFor(config, session), session, now);
    if (reason) {
      const kept = session.rememberMe ? '&kept=1' : '';
      logger.info({ event: 'session-expired', reason, userId: session.userId }, 'session expired');
      if (opensLinkPage(req)) {
        // a mailed link works without a login: the expired session is
        // deleted and the link's page gets a new, empty one (link-pages.ts)
        await regenerateSession(req);
        next();
        return;
      }
      await endSession(req, res, config);
      const target = req.method === 'GET' ? loginUrlFor(req.originalUrl) : '/login';
      res.redirect(303, `${target}${target.includes('?') ? '&' : '?'}expired=${reason}${kept}`);
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
