// timeouts: a logged-in session ends after SESSION_IDLE_TIMEOUT without a
// request, and SESSION_ABSOLUTE_TIMEOUT after login however busy it is
// (OWASP Session Management: both, enforced on the server, not by the cookie).
// What each session's ticket costs in time; session/enforce-timeouts.ts ends
// the sessions past them.
import type { Session, SessionData } from 'express-session';
import type { Config } from '../config.js';

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
