// checked attempt: the one way a credential is checked. Every check of a
// password, a code or a passkey (login, its code step, the passkey sign-in,
// sudo mode's confirm page, the password form) is counted before it is made
// (security/throttle.ts says why), refused with the 429 page past the limit,
// and a failure that locks the pair out is logged as a lockout, the same way
// everywhere: a check written again by hand is where a limit goes missing.
import type { Request, Response } from 'express';
import type { Logger } from '../logger.js';
import { renderTooManyRequests } from '../security/too-many.js';
import type { LoginAttempt, LoginThrottle } from '../security/throttle.js';

export type OpenAttempt = Extract<LoginAttempt, { blocked: false }>;

/**
 * Counts an attempt for `key` from this request's address before anything is
 * checked. Past the limit it has answered (429, with Retry-After) and logged
 * `refused`, and gives undefined.
 */
export async function beginCheckedAttempt(
  deps: { throttle: LoginThrottle; logger: Logger },
  req: Request,
  res: Response,
  key: string,
  refused: { event: string; message: string; fields?: Record<string, unknown> },
): Promise<OpenAttempt | undefined> {
  const ip = req.ip ?? 'unknown';
  const attempt = await deps.throttle.beginAttempt(ip, key);
  if (!attempt.blocked) return attempt;
  deps.logger.warn({ event: refused.event, reason: attempt.reason, ...refused.fields, ip }, refused.message);
  renderTooManyRequests(res, attempt.retryAfterSeconds, attempt.reason);
  return undefined;
}

/** The check failed: counted, and a lockout it caused logged as one. */
export async function failedAttempt(deps: { logger: Logger }, req: Request, attempt: OpenAttempt): Promise<{ lockedOut: boolean }> {
  const result = await attempt.failed();
  if (result.lockedOut) deps.logger.warn({ event: 'lockout', ip: req.ip ?? 'unknown' }, 'too many failures: locked out');
  return result;
}
