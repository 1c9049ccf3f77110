// reauthenticate: the logged-in user types their password again (the confirm
// page of sudo mode, the password-change form). Counted toward the same
// throttling as the login form, before the password is checked, so a stolen
// session cannot be used to guess the password at leisure.
import type { Request, Response } from 'express';
import { renderTooManyRequests } from '../middleware/too-many.js';
import { usernameKey } from '../models/user.js';
import { endSession } from '../session/lifecycle.js';
import type { AuthDeps } from '../routes/login.js';

/**
 * Checks the password of this session's user, with throttling. Returns the
 * user when it is right; otherwise it has responded itself (429, or the
 * account is gone) or called renderFailure (a wrong password), and returns
 * undefined.
 */
export async function reauthenticate(
  deps: AuthDeps,
  req: Request,
  res: Response,
  password: string,
  renderFailure: () => void,
) {
  const { users, passwords, throttle, logger } = deps;
  const userId = req.session.userId ?? '';
  const key = usernameKey(req.session.username ?? '');
  const ip = req.ip ?? 'unknown';
  // counted before the password is checked, as on the login form
  const attempt = await throttle.beginAttempt(ip, key);
  if (attempt.blocked) {
    logger.warn({ event: 'reauth-blocked', reason: attempt.reason, userId, ip }, 'password check refused: too many attempts');
    renderTooManyRequests(res, attempt.retryAfterSeconds, attempt.reason);
    return undefined;
  }
  // if this throws, no password was checked: the attempt is given back
  const { user, valid } = await attempt.checking(async () => {
    const found = await users.findById(userId, { username: 1, passwordHash: 1 }).lean();
    return { user: found, valid: found !== null && (await passwords.verify(password, found.passwordHash)) };
  });
  if (!user) {
    // the account went away under this session
    await attempt.abandoned();
    await endSession(req, res, deps.sessionConfig);
    res.redirect(303, '/?notice=account-gone');
    return undefined;
  }
  if (!valid) {
    const { lockedOut } = await attempt.failed();
    logger.info({ event: 'reauth-failed', userId, ip }, 'wrong current password');
    if (lockedOut) logger.warn({ event: 'lockout', ip }, 'too many failures: locked out');
    renderFailure();
    return undefined;
  }
  await attempt.succeeded();
  return user;
}
