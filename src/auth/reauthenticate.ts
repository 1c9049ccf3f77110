// reauthenticate: the logged-in user proves again who they are (the confirm
// page of sudo mode, the password form). It is the one door into sudo mode
// besides a complete login: it asks for every factor the account has, so no
// form can start sudo mode with less than a login needs.
//
//   the password                 always
//   a code or a recovery code    when two-factor is on (auth/code-attempts.ts)
//
// (A passkey alone is both factors: routes/passkey-login.ts confirms with one.)
//
// Counted toward the same throttling as the login form, before the password
// is checked, so a stolen session cannot be used to guess the password at
// leisure; the code is counted against the account as well, as at login.
import type { Request, Response } from 'express';
import { renderTooManyRequests } from '../middleware/too-many.js';
import { usernameKey } from '../models/user.js';
import { beginCheckedAttempt, failedAttempt } from './checked-attempt.js';
import { endSession } from '../session/lifecycle.js';
import { markAuthenticated } from '../session/recent-auth.js';
import type { AuthDeps } from '../routes/login.js';
import type { CodeAttempts, CodeStep } from '../features/two-factor/code-attempts.js';
import type { SecondFactor, SecondFactorCheck } from '../features/two-factor/second-factor.js';

export interface ReauthDeps extends AuthDeps {
  secondFactor: SecondFactor;
  codeAttempts: CodeAttempts;
}

/** What went wrong, for the page to say: the password, the code, or no code typed. */
export type ReauthFailure = 'password' | 'code' | 'no-code';

/** Whether the account asks for a code as well (the pages show the field). */
export async function asksForCode(deps: Pick<ReauthDeps, 'secondFactor'>, req: Request): Promise<boolean> {
  return (await deps.secondFactor.status(req.session.userId ?? '')).enabled;
}

/**
 * Checks the password, and the code when two-factor is on, of this session's
 * user, with throttling. When both are right the session is in sudo mode
 * (markAuthenticated; the caller saves the session) and the user comes back
 * with the code's outcome. Otherwise it has responded itself (429, or the
 * account or the session is gone) or called renderFailure, and returns
 * undefined.
 *
 * One attempt, one point in the lockout: a right password with a wrong code
 * is a failure, so the right password alone never buys another round of
 * guesses at the code.
 */
export async function reauthenticate(
  deps: ReauthDeps,
  req: Request,
  res: Response,
  typed: { password: string; code: unknown; step: CodeStep },
  renderFailure: (wrong: ReauthFailure) => void | Promise<void>,
) {
  const { users, passwords, logger } = deps;
  const userId = req.session.userId ?? '';
  const ip = req.ip ?? 'unknown';
  const twoFactor = await asksForCode(deps, req);
  if (twoFactor && (typeof typed.code !== 'string' || typed.code.trim() === '')) {
    // nothing is checked without the code: the password alone proves nothing here
    await renderFailure('no-code');
    return undefined;
  }
  // the account went away under this session, or its sessions were revoked
  const gone = async (where: string) => {
    await endSession(req, res, deps.sessionConfig);
    res.redirect(303, where);
  };

  // counted before the password is checked, as on the login form...
  const attempt = await beginCheckedAttempt(deps, req, res, usernameKey(req.session.username ?? ''), {
    event: 'reauth-blocked',
    message: 'password check refused: too many attempts',
    fields: { userId },
  });
  if (!attempt) return undefined;
  // ...and the code against the account, from every address together
  const code = twoFactor ? await attempt.checking(() => deps.codeAttempts.begin(userId, ip, typed.step)) : undefined;
  if (code?.blocked) {
    await attempt.abandoned();
    renderTooManyRequests(res, code.retryAfterSeconds, 'second-factor');
    return undefined;
  }

  // if this throws, nothing was checked: both attempts are given back
  let checked: { user: { _id: unknown; username: string; passwordHash: string } | null; valid: boolean };
  try {
    checked = await attempt.checking(async () => {
      const found = await users.findById(userId, { username: 1, passwordHash: 1 }).lean();
      return { user: found, valid: found !== null && (await passwords.verify(typed.password, found.passwordHash)) };
    });
  } catch (err) {
    await code?.abandoned();
    throw err;
  }
  if (!checked.user || !checked.valid) {
    // the code is not looked at after a wrong password: it must not be used up
    await code?.abandoned();
    if (!checked.user) {
      await attempt.abandoned();
      await gone('/?notice=account-gone');
      return undefined;
    }
    const { lockedOut } = await failedAttempt(deps, req, attempt);
    logger.info({ event: 'reauth-failed', userId, ip }, 'wrong current password');
    await deps.events.record(req, userId, { type: lockedOut ? 'locked-out' : 'sign-in-failed', method: 'password' });
    await renderFailure('password');
    return undefined;
  }

  let used: SecondFactorCheck | undefined;
  if (code) {
    // the generation this session carries: a session revoked meanwhile cannot confirm
    used = await attempt.checking(() => code.check({ userId, generation: req.session.generation ?? 0 }, typed.code, req));
    if (used.outcome === 'gone') {
      await attempt.abandoned();
      await gone('/login');
      return undefined;
    }
    if (used.outcome === 'wrong') {
      await failedAttempt(deps, req, attempt);
      logger.info({ event: 'reauth-failed', reason: 'second-factor', userId, ip }, 'wrong or used second-factor code');
      await renderFailure('code');
      return undefined;
    }
  }
  await attempt.succeeded();
  // every factor the account has was just checked: sudo mode (recent-auth.ts)
  markAuthenticated(req);
  // the next page says how many are left (middleware/locals.ts)
  if (used?.outcome === 'recovery') req.session.recoveryCodeUsed = { left: used.recoveryCodesLeft };
  return { user: checked.user, secondFactor: used };
}
