// reauthenticate: the logged-in user proves again who they are (the confirm
// page of sudo mode, the password form). It is the one door into sudo mode
// besides a complete login: it asks for every factor the account has, so no
// form can start sudo mode with less than a login needs.
//
//   the first factor             the password; or a feature's, proved just
//                                before (a provider's fresh login:
//                                confirmSudo below), waiting in the session
//   the feature's factor         when a feature has one and the account uses
//                                it (a code: features/two-factor), counted
//                                against the account by the feature
//
// A feature's proof comes in through confirmSudo (CoreDeps.confirmSudo): a
// passkey is both factors, and sudo mode starts; a provider's login is the
// first, and the code, where the account has one, is asked next, here.
//
// Counted toward the same throttling as the login form, before the password
// is checked, so a stolen session cannot be used to guess the password at
// leisure; the code is counted against the account as well, as at login.
import type { Request, Response } from 'express';
import { renderTooManyRequests } from '../security/too-many.js';
import { usernameKey } from '../models/user.js';
import { beginCheckedAttempt, failedAttempt } from './checked-attempt.js';
import { endSession } from '../session/lifecycle.js';
import { saveSession } from '../session/promises.js';
import { confirmUrlFor, markAuthenticated } from '../session/recent-auth.js';
import type { SudoFirstFactor } from '../session/session-data.js';
import type { AuthDeps } from './auth-deps.js';
import { FACTOR_LIMIT_REASON, type FactorStep, type SudoFactor } from './sudo-factor.js';

export interface ReauthDeps extends AuthDeps {
  /** a feature's factor besides the password (src/feature.ts, sudo-factor.ts); none: the password alone */
  sudoFactor: SudoFactor | undefined;
}

/**
 * What went wrong, for the page to say: the password, the code, no code
 * typed, or a first factor proved before that is no longer waiting.
 */
export type ReauthFailure = 'password' | 'code' | 'no-code' | 'first-factor-gone';

/** How long a first factor proved for sudo mode waits for its code, at most (and never past REAUTH_WINDOW from when it was proved). */
export const FIRST_FACTOR_WAITS_MS = 5 * 60_000;

/** A feature's proof of who the user is, for sudo mode (CoreDeps.confirmSudo). */
export type SudoProof =
  /** every factor at once: a passkey, which the authenticator unlocked */
  | { factors: 'both'; method: 'passkey'; next: string }
  /** the first factor: a provider's login, made when provedAt says */
  | { factors: 'first'; method: SudoFirstFactor['method']; label: string; provedAt: number; next: string };

/** The first factor proved for sudo mode in this session, if it still waits for its code. */
export function waitingFirstFactor(req: Request, now = Date.now()): SudoFirstFactor | undefined {
  const proved = req.session.sudoFirstFactor;
  return proved && proved.userId === req.session.userId && now < proved.until ? proved : undefined;
}

/** Whether the account asks for a code as well (the pages show the field). */
export async function asksForCode(deps: Pick<ReauthDeps, 'sudoFactor'>, req: Request): Promise<boolean> {
  return deps.sudoFactor ? deps.sudoFactor.asks(req.session.userId ?? '') : false;
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
  // password undefined: the first factor waiting in the session (confirmSudo) instead
  typed: { password: string | undefined; code: unknown; step: FactorStep },
  renderFailure: (wrong: ReauthFailure) => void | Promise<void>,
) {
  const { users, passwords, logger } = deps;
  const userId = req.session.userId ?? '';
  const ip = req.ip ?? 'unknown';
  const proved = typed.password === undefined ? waitingFirstFactor(req) : undefined;
  if (typed.password === undefined && !proved) {
    await renderFailure('first-factor-gone');
    return undefined;
  }
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
  const factor = twoFactor ? deps.sudoFactor : undefined;
  const code = factor ? await attempt.checking(() => factor.begin(userId, ip, typed.step)) : undefined;
  if (code?.blocked) {
    await attempt.abandoned();
    renderTooManyRequests(res, code.retryAfterSeconds, FACTOR_LIMIT_REASON);
    return undefined;
  }

  // if this throws, nothing was checked: both attempts are given back
  let checked: { user: { _id: unknown; username: string; passwordHash: string } | null; valid: boolean };
  try {
    checked = await attempt.checking(async () => {
      const found = await users.findById(userId, { username: 1, passwordHash: 1 }).lean();
      // the first factor: the password typed, or one proved just before
      const valid = typed.password === undefined ? proved !== undefined : await passwords.verify(typed.password, found?.passwordHash);
      return { user: found, valid: found !== null && valid };
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

  let used: { outcome: 'right'; label: string } | undefined;
  if (code) {
    // the generation this session carries: a session revoked meanwhile cannot confirm
    const checked = await attempt.checking(() => code.check({ userId, generation: req.session.generation ?? 0 }, typed.code, req));
    if (checked.outcome === 'gone') {
      await attempt.abandoned();
      await gone('/login');
      return undefined;
    }
    if (checked.outcome !== 'right') {
      await failedAttempt(deps, req, attempt);
      logger.info({ event: 'reauth-failed', reason: 'second-factor', userId, ip }, 'wrong or used second-factor code');
      await renderFailure('code');
      return undefined;
    }
    used = checked;
  }
  await attempt.succeeded();
  // every factor the account has was just checked: sudo mode (recent-auth.ts),
  // counted from the older of them
  markAuthenticated(req, proved?.provedAt);
  delete req.session.sudoFirstFactor;
  return { user: checked.user, secondFactor: used, firstFactor: proved?.method ?? ('password' as const) };
}

/**
 * A feature proved who the user is (CoreDeps.confirmSudo). Both factors (a
 * passkey): sudo mode, from now. The first (a provider's login, fresh): sudo
 * mode from when it was made, if the account asks for no code; otherwise it
 * waits in the session for FIRST_FACTOR_WAITS_MS, and the confirm page asks
 * for the code alone (reauthenticate with no password). Saved before the
 * redirect, as every change of sudo mode: the next page checks it.
 */
export async function confirmSudo(deps: ReauthDeps, req: Request, res: Response, proof: SudoProof): Promise<void> {
  const userId = req.session.userId ?? '';
  const now = Date.now();
  if (proof.factors === 'first' && (await asksForCode(deps, req))) {
    const provedAt = Math.min(proof.provedAt, now);
    // no longer than sudo mode itself would last from that login: a code
    // typed after it would start a sudo mode already over
    const waits = Math.min(FIRST_FACTOR_WAITS_MS, provedAt + deps.sessionConfig.reauthWindowMs - now);
    req.session.sudoFirstFactor = { userId, method: proof.method, label: proof.label, provedAt, until: now + waits };
    await saveSession(req);
    deps.logger.info({ event: 'reauth-first-factor', method: proof.method, userId, ip: req.ip }, 'first factor confirmed for sudo mode: the code next');
    res.redirect(303, confirmUrlFor(proof.next));
    return;
  }
  markAuthenticated(req, proof.factors === 'first' ? Math.min(proof.provedAt, now) : now);
  delete req.session.sudoFirstFactor;
  await saveSession(req);
  deps.logger.info({ event: 'reauthenticated', method: proof.method, userId, ip: req.ip }, `confirmed with a ${proof.method} for sudo mode`);
  await deps.events.record(req, userId, { type: 'sudo-confirmed', method: proof.method });
  res.redirect(303, proof.next);
}
