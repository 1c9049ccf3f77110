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
 *
 * `secondFactor`, when given, is checked too, after a right password and in
 * the same attempt (sudo mode for an account with two-factor on): it must
 * say true as well, or renderFailure('code') is called. One attempt, one
 * point in the lockout: a right password with a wrong code is a failure, so
 * the right password alone never buys another round of guesses at the code.
 */
export async function reauthenticate(
  deps: AuthDeps,
  req: Request,
  res: Response,
  password: string,
  renderFailure: (wrong: 'password' | 'code') => void | Promise<void>,
  secondFactor?: () => Promise<boolean>,
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
  const { user, valid, codeValid } = await attempt.checking(async () => {
    const found = await users.findById(userId, { username: 1, passwordHash: 1 }).lean();
    const passwordValid = found !== null && (await passwords.verify(password, found.passwordHash));
    // the code only after a right password: a wrong one must not use a code up
    return { user: found, valid: passwordValid, codeValid: passwordValid && secondFactor ? await secondFactor() : true };
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
    await renderFailure('password');
    return undefined;
  }
  if (!codeValid) {
    const { lockedOut } = await attempt.failed();
    logger.info({ event: 'reauth-failed', reason: 'second-factor', userId, ip }, 'wrong or used second-factor code');
    if (lockedOut) logger.warn({ event: 'lockout', ip }, 'too many failures: locked out');
    await renderFailure('code');
    return undefined;
  }
  await attempt.succeeded();
  return user;
}
