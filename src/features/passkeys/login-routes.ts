// passkey login: sign in with a passkey instead of a username and password.
// The login page's script asks for the options (a GET that puts a challenge
// in the session), the browser has the user pick a passkey and unlock it
// (fingerprint, face, PIN: user verification), and the script posts the
// signed answer in a hidden field of an ordinary form, with the CSRF token.
// A passkey with user verification is something you have and something you
// are or know: it counts as both factors, so it signs in on its own.
import type { Request, RequestHandler, Response } from 'express';
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import type { Config } from '../../config.js';
import { rememberChallenge, takeChallenge } from './challenges.js';
import { credentialFromForm, type PasskeyCeremonies } from './ceremonies.js';
import { safeNextPath } from '../../safe-next.js';
import type { Logger } from '../../logger.js';
import { beginCheckedAttempt, failedAttempt } from '../../checks/checked-attempt.js';
import type { UserModel } from '../../models/user.js';
import { ensureCsrfToken } from '../../session/csrf.js';
import type { LoginThrottle } from '../../security/throttle.js';
import { signIn } from '../../session/lifecycle.js';
import { loginPageModel } from '../../routes/login.js';
import type { CoreDeps } from '../../feature.js';
import type { SecurityEvents } from '../../security-log/security-events.js';

export interface PasskeyLoginDeps {
  users: UserModel;
  ceremonies: PasskeyCeremonies;
  throttle: LoginThrottle;
  sessionConfig: Config['session'];
  logger: Logger;
  events: SecurityEvents;
  /** sudo mode's confirm page (routes/confirm.ts), for a passkey that did not confirm */
  renderConfirmPage: CoreDeps['renderConfirmPage'];
  /** sudo mode's one door (checks/reauthenticate.ts), for a passkey that did */
  confirmSudo: CoreDeps['confirmSudo'];
}

export const PASSKEY_LOGIN_FAILED = 'That passkey did not sign you in. Try again, or use your password.';
const PASSKEY_CONFIRM_FAILED = 'That passkey did not confirm it is you. Try again, or type your password.';
const CHALLENGE_GONE = 'That took too long, or the page was used twice. Try again.';

/**
 * What the throttle counts a passkey attempt under: the credential it names.
 * "passkey:" cannot begin a username (letters, digits, "_", "." and "-" only).
 */
export function passkeyThrottleKey(credentialId: string): string {
  return `passkey:${credentialId}`;
}

export function passkeyLogin(deps: PasskeyLoginDeps) {
  const { users, ceremonies, logger } = deps;

  function renderFailure(req: Request, res: Response, status: number, message: string, next: string) {
    res.status(status).render('login', {
      ...loginPageModel(deps.sessionConfig, next, { username: '', rememberMe: false, csrfToken: ensureCsrfToken(req) }),
      errors: { form: message },
      // not offered in the autofill again at once: an authenticator that
      // answers by itself would send the same refused passkey in a loop
      passkeyFailed: true,
    });
  }

  /** The authentication options, as JSON for the login page's script. */
  const options: RequestHandler = async (req, res) => {
    const found = await ceremonies.authenticationOptions();
    // the form the answer comes back in needs a CSRF token: made now if the page had none
    ensureCsrfToken(req);
    await rememberChallenge(req, 'login', found.challenge);
    res.json(found);
  };

  const submit: RequestHandler = async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const next = safeNextPath(body.next);
    const response = credentialFromForm<AuthenticationResponseJSON>(body.response);
    if (!response) {
      renderFailure(req, res, 400, PASSKEY_LOGIN_FAILED, next);
      return;
    }
    // out of the session (and saved) before the signature is checked: a
    // response sent again, from this browser or any other, finds no challenge
    const pending = await takeChallenge(req, 'login');
    if (!pending) {
      renderFailure(req, res, 400, CHALLENGE_GONE, next);
      return;
    }

    const ip = req.ip ?? 'unknown';
    // counted like a password: before the check, per credential and address,
    // and against the address's daily failures
    const attempt = await beginCheckedAttempt(deps, req, res, passkeyThrottleKey(response.id), {
      event: 'login-blocked',
      message: 'passkey login refused: too many attempts',
      fields: { method: 'passkey' },
    });
    if (!attempt) return;
    const { result, user } = await attempt.checking(async () => {
      const checked = await ceremonies.verifyAssertion(response, pending.challenge);
      const owner = checked.ok ? await users.findById(checked.passkey.userId, { username: 1, sessionGeneration: 1 }).lean() : null;
      return { result: checked, user: owner };
    });
    if (!result.ok || !user) {
      await failedAttempt(deps, req, attempt);
      const reason = result.ok ? 'account-gone' : result.reason;
      const log = { event: 'login-failed', method: 'passkey', reason, ip };
      // a warning only for a good signature over this challenge with a stale
      // counter (features/passkeys/ceremonies.ts): a replayed old response is no clone
      if (reason === 'counter-went-backwards') logger.warn(log, 'passkey refused: its signature counter went backwards (a cloned authenticator?)');
      else if (reason === 'replayed') logger.info(log, 'passkey refused: it answers another challenge (a replayed response?)');
      else logger.info(log, 'passkey login failed');
      renderFailure(req, res, 401, PASSKEY_LOGIN_FAILED, next);
      return;
    }

    await attempt.succeeded();
    // "Keep me signed in" applies to a passkey too (the script copies the box into this form)
    const account = { id: String(user._id), username: user.username, sessionGeneration: user.sessionGeneration };
    await signIn(req, account, deps.sessionConfig, { rememberMe: body.rememberMe === 'on' });
    logger.info({ event: 'login', method: 'passkey', userId: String(user._id), passkeyId: String(result.passkey._id), ip }, 'logged in with a passkey');
    await deps.events.signedIn(req, res, account.id, 'passkey');
    res.redirect(303, next);
  };

  // sudo mode's confirm page (routes/confirm.ts): "use a passkey instead".
  // The same ceremony, with two differences: only this user's passkeys are
  // offered and accepted, and success marks the session as recently
  // authenticated instead of signing in.
  async function renderConfirmFailure(req: Request, res: Response, status: number, message: string, next: string) {
    res.status(status);
    await deps.renderConfirmPage(req, res, next, { passkey: message });
  }

  const confirmOptions: RequestHandler = async (req, res) => {
    const found = await ceremonies.authenticationOptions(req.session.userId ?? '');
    await rememberChallenge(req, 'confirm', found.challenge);
    res.json(found);
  };

  const confirm: RequestHandler = async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const next = safeNextPath(body.next);
    const userId = req.session.userId ?? '';
    const response = credentialFromForm<AuthenticationResponseJSON>(body.response);
    if (!response) {
      await renderConfirmFailure(req, res, 400, PASSKEY_CONFIRM_FAILED, next);
      return;
    }
    const pending = await takeChallenge(req, 'confirm');
    if (!pending) {
      await renderConfirmFailure(req, res, 400, CHALLENGE_GONE, next);
      return;
    }
    const ip = req.ip ?? 'unknown';
    const attempt = await beginCheckedAttempt(deps, req, res, passkeyThrottleKey(response.id), {
      event: 'reauth-blocked',
      message: 'passkey check refused: too many attempts',
      fields: { method: 'passkey', userId },
    });
    if (!attempt) return;
    // only a passkey of this session's user: another account's proves nothing here
    const result = await attempt.checking(() => ceremonies.verifyAssertion(response, pending.challenge, userId));
    if (!result.ok) {
      await failedAttempt(deps, req, attempt);
      const log = { event: 'reauth-failed', method: 'passkey', reason: result.reason, userId, ip };
      if (result.reason === 'counter-went-backwards') logger.warn(log, 'passkey refused: its signature counter went backwards (a cloned authenticator?)');
      else if (result.reason === 'replayed') logger.info(log, 'passkey refused: it answers another challenge (a replayed response?)');
      else logger.info(log, 'passkey confirmation failed');
      await renderConfirmFailure(req, res, 401, PASSKEY_CONFIRM_FAILED, next);
      return;
    }
    await attempt.succeeded();
    logger.info({ event: 'passkey-confirmed', userId, passkeyId: String(result.passkey._id), ip }, 'passkey right for sudo mode');
    // a passkey is both factors: sudo mode, through its one door (CoreDeps.confirmSudo)
    await deps.confirmSudo(req, res, { factors: 'both', method: 'passkey', next });
  };

  return { options, submit, confirmOptions, confirm };
}
