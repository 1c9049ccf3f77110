// login: check the credentials, then start a fresh session.
import type { Request, RequestHandler, Response } from 'express';
import type { Config } from '../config.js';
import { describeDuration } from '../duration.js';
import { fieldErrors, loginForm, typedRememberMe, typedUsername } from '../auth/forms.js';
import { DEFAULT_AFTER_LOGIN, safeNextPath } from '../safe-next.js';
import { beginCheckedAttempt, failedAttempt } from '../checks/checked-attempt.js';
import { usernameKey } from '../models/user.js';
import { csrfTokenForForm, ensureCsrfToken } from '../session/csrf.js';
import { signIn } from '../session/lifecycle.js';
import { PENDING_LOGIN_MAX_AGE_MS } from '../session/pending-login.js';
import type { AttachedFeature, FirstFactor } from '../feature.js';
import type { AuthDeps } from '../checks/auth-deps.js';

// one message for both "no such user" and "wrong password": telling them
// apart would let anyone find out which usernames exist
export const LOGIN_FAILED = 'Invalid username or password';

/**
 * Why a login or registration form comes back after its CSRF token was
 * refused: almost always the page was open in a tab while the session
 * changed in another (a login there starts a new session, a logout ends it).
 */
export const STALE_FORM =
  'This form has expired: you signed in or out in another tab or window since this page was loaded, or the session ended. Nothing was sent. Your username is kept here; enter your password again.';


/** The account as the login reads it: the core's fields, and those a feature's step asked for. */
type StoredAccount = { _id: unknown; username: string; passwordHash: string; sessionGeneration: number } & Record<string, unknown>;

function expiryNotice(req: Request, sessionConfig: Config['session']): string | undefined {
  // kept=1: the login had ticked "Keep me signed in", whose timeouts are longer
  const timeouts = req.query.kept === '1' ? sessionConfig.rememberMe : sessionConfig;
  switch (req.query.expired) {
    case 'idle':
      return `You were logged out after ${describeDuration(timeouts.idleTimeoutMs)} without activity. Please log in again.`;
    case 'absolute':
      return `For your security, a login lasts at most ${describeDuration(timeouts.absoluteTimeoutMs)}. Please log in again.`;
    case 'two-factor':
      return `The second step of a login must be done within ${describeDuration(PENDING_LOGIN_MAX_AGE_MS)}, and the account must not change meanwhile. Please log in again.`;
    default:
      return undefined;
  }
}

/** The login page's model: its one owner, for the form, its failures, and the passkey's (features/passkeys/login-routes.ts). */
export function loginPageModel(sessionConfig: Config['session'], next: string, fields: { username: string; rememberMe: boolean; csrfToken: string }) {
  return {
    title: 'Log in',
    ...fields,
    rememberMeLifetime: describeDuration(sessionConfig.rememberMe.absoluteTimeoutMs),
    next: next === DEFAULT_AFTER_LOGIN ? '' : next,
  };
}

export function loginPage(deps: AuthDeps & { features: AttachedFeature[] }) {
  const { users, passwords, logger } = deps;
  // a feature's step after the password (e.g. a code: src/feature.ts), and
  // the account's fields it needs, read with the password: no extra read
  const steps = deps.features.filter((feature) => feature.afterPassword !== undefined);
  const fields = Object.fromEntries(['username', 'passwordHash', 'sessionGeneration', ...steps.flatMap((f) => f.loginFields ?? [])].map((name) => [name, 1]));

  const form: RequestHandler = async (req, res) => {
    const next = safeNextPath(req.query.next);
    if (req.session.userId) {
      res.redirect(next);
      return;
    }
    res.render('login', {
      ...loginPageModel(deps.sessionConfig, next, { username: '', rememberMe: false, csrfToken: await csrfTokenForForm(req) }),
      errors: {},
      expiredNotice: expiryNotice(req, deps.sessionConfig),
    });
  };

  const submit: RequestHandler = async (req, res) => {
    const body: unknown = req.body ?? {};
    const next = safeNextPath((body as { next?: unknown }).next);
    const page = loginPageModel(deps.sessionConfig, next, { username: typedUsername(body), rememberMe: typedRememberMe(body), csrfToken: ensureCsrfToken(req) });

    const form = loginForm.safeParse(body);
    if (!form.success) {
      res.status(400).render('login', { ...page, errors: fieldErrors(form.error) });
      return;
    }

    const key = usernameKey(form.data.username);
    const ip = req.ip ?? 'unknown';
    // counted as a failure *before* the password is checked, so that a burst
    // of parallel guesses cannot all slip in before the first one is counted
    const attempt = await beginCheckedAttempt(deps, req, res, key, { event: 'login-blocked', message: 'login refused: too many attempts' });
    if (!attempt) return;

    // if this throws (the hashing queue is full, the database is down), no
    // password was checked: the attempt is given back, the error page says why
    const { user, valid } = await attempt.checking(async () => {
      const found = await users.findOne({ usernameKey: key }, fields).lean<StoredAccount>();
      return { user: found, valid: await passwords.verify(form.data.password, found?.passwordHash) };
    });
    if (!user || !valid) {
      const { lockedOut } = await failedAttempt(deps, req, attempt);
      logger.info({ event: 'login-failed', reason: user ? 'bad-password' : 'unknown-user', ip }, 'login failed');
      // in the account's own log too, where there is an account
      if (user) await deps.events.record(req, String(user._id), { type: lockedOut ? 'locked-out' : 'sign-in-failed', method: 'password' });
      res.status(401).render('login', { ...page, errors: { form: LOGIN_FAILED } });
      return;
    }

    await finish(req, res, user, { attempt, next, rememberMe: form.data.rememberMe, method: 'password' });
  };

  /**
   * The first factor was right (the password, or a feature's: finishLogin
   * below): a feature's step, or the session starts now and the browser goes on.
   */
  async function finish(req: Request, res: Response, user: StoredAccount, login: FirstFactor): Promise<void> {
    const { attempt, next, rememberMe } = login;
    const account = { id: String(user._id), username: user.username, sessionGeneration: user.sessionGeneration };
    // a step still to come (a code to type: features/two-factor) takes the
    // login over from here, and finishes it itself
    for (const step of steps) {
      const checked = { req, res, account, stored: user, attempt, next, rememberMe, method: login.method, provedAt: login.provedAt };
      if ((await step.afterPassword?.(checked)) === 'responded') return;
    }

    await attempt.succeeded();
    await signIn(req, account, deps.sessionConfig, { rememberMe, authenticatedAt: login.provedAt });
    logger.info({ event: 'login', method: login.method, userId: account.id, ip: req.ip ?? 'unknown' }, 'logged in');
    // the account's security log, and a mail if this browser is new to it
    await deps.events.signedIn(req, res, account.id, login.method);
    res.redirect(303, next);
  }

  /**
   * A first factor besides the password was right (a provider's sign-in,
   * src/feature.ts CoreDeps.finishLogin): the same steps and sign-in as
   * after a password, for the account read again with the fields they need.
   */
  const finishLogin = async (req: Request, res: Response, userId: string, login: FirstFactor): Promise<'finished' | 'gone'> => {
    const user = await users.findById(userId, fields).lean<StoredAccount>();
    if (!user) return 'gone';
    await finish(req, res, user, login);
    return 'finished';
  };

  /**
   * A login form whose CSRF token no longer matches the session (routes/
   * stale-forms.ts). Logged in meanwhile: on to where the form was going.
   * Otherwise the form again, with what was typed but the password, and why.
   */
  const staleSubmit: RequestHandler = async (req, res) => {
    const body: unknown = req.body ?? {};
    const next = safeNextPath((body as { next?: unknown }).next);
    if (req.session.userId) {
      res.redirect(303, next);
      return;
    }
    res.status(403).render('login', {
      ...loginPageModel(deps.sessionConfig, next, { username: typedUsername(body), rememberMe: typedRememberMe(body), csrfToken: await csrfTokenForForm(req) }),
      errors: {},
      expiredNotice: STALE_FORM,
    });
  };

  return { form, submit, staleSubmit, finishLogin };
}
