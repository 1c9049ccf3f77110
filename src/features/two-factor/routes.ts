// two-factor: the second step of a login, and turning two-factor on and off.
//
//   /login/two-factor    the code page of a pending login (session/pending-login.ts):
//                        a right code signs in through signIn(), like a password does
//   /account/two-factor  set up an authenticator app, make new recovery codes, turn it off
//
// Code guesses count toward the same lockout as password guesses (the
// username's failures in a row from this address, security/throttle.ts), and
// toward the account's own limit of wrong codes from every address together;
// both are counted before the code is checked, like passwords on the login
// form. Whoever reaches this page knows the password: at the account's limit
// its owner is told by mail to change it.
import type { CoreDeps } from '../../feature.js';
import type { Request, RequestHandler, Response } from 'express';
import QRCode from 'qrcode';
import { beginCheckedAttempt, failedAttempt } from '../../checks/checked-attempt.js';
import type { CodeAttempts } from './code-attempts.js';
import { RECOVERY_CODES_SHOW_MAX_AGE_MS, SETUP_MAX_AGE_MS, type SecondFactor } from './second-factor.js';
import { otpauthUri } from './totp.js';
import { describeDuration } from '../../duration.js';
import { renderTooManyRequests } from '../../security/too-many.js';
import { usernameKey } from '../../models/user.js';
import { ensureCsrfToken } from '../../session/csrf.js';
import { endSession, renewSession, signIn } from '../../session/lifecycle.js';
import { freshPendingLogin } from '../../session/pending-login.js';
import { saveSession } from '../../session/promises.js';
import { recoveryCodeNotice } from './session-data.js';
import type { UserSessions } from '../../session/user-sessions.js';
import type { AuthDeps } from '../../checks/auth-deps.js';
import type { AppMail } from '../../mail/app-mail.js';

export const TWO_FACTOR_LOGIN_PATH = '/login/two-factor';
export const RECOVERY_CODES_PATH = '/account/recovery-codes';

const WRONG_CODE = 'That code is not right, or it has been used already. Try the next code your app shows.';

export interface TwoFactorDeps extends AuthDeps {
  secondFactor: SecondFactor;
  /** every code check counted against its account (features/two-factor/code-attempts.ts) */
  codeAttempts: CodeAttempts;
  /** mail to the account's confirmed address; undefined with EMAIL=off */
  mail: AppMail | undefined;
  publicUrl: string;
  sessionsRevoked: CoreDeps['sessionsRevoked'];
  userSessions: UserSessions;
}

/** The QR code of the otpauth:// URI as an SVG image in a data: URL (CSP allows img-src data:, and it needs no inline style). */
async function qrCodeImage(uri: string): Promise<string> {
  const svg = await QRCode.toString(uri, { type: 'svg', margin: 2, errorCorrectionLevel: 'M' });
  return `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
}

export function twoFactorLogin(deps: TwoFactorDeps) {
  const { logger } = deps;

  /** A pending login that is too old (or whose account changed) starts again at the login form. */
  const loginAgain = async (req: Request, res: Response) => {
    await endSession(req, res, deps.sessionConfig);
    res.redirect(303, '/login?expired=two-factor');
  };

  const form: RequestHandler = async (req, res) => {
    if (req.session.userId) {
      res.redirect('/dashboard');
      return;
    }
    if (!freshPendingLogin(req)) {
      if (req.session.pendingLogin) await loginAgain(req, res);
      else res.redirect('/login');
      return;
    }
    res.render('two-factor/login-code', { title: 'Two-factor check', errors: {}, csrfToken: ensureCsrfToken(req) });
  };

  const submit: RequestHandler = async (req, res) => {
    const pending = freshPendingLogin(req);
    if (!pending) {
      if (req.session.pendingLogin) await loginAgain(req, res);
      else res.redirect(303, req.session.userId ? '/dashboard' : '/login');
      return;
    }
    const ip = req.ip ?? 'unknown';
    const page = { title: 'Two-factor check', csrfToken: ensureCsrfToken(req) };
    const typed: unknown = (req.body as { code?: unknown } | undefined)?.code;
    if (typeof typed !== 'string' || typed.trim() === '') {
      res.status(400).render('two-factor/login-code', { ...page, errors: { code: 'Enter the code from your app, or a recovery code' } });
      return;
    }

    // counted before it is checked, in the same counter as the password...
    const attempt = await beginCheckedAttempt(deps, req, res, usernameKey(pending.username), {
      event: 'two-factor-blocked',
      message: 'code refused: too many attempts',
      fields: { userId: pending.userId },
    });
    if (!attempt) return;
    // ...and against the account, from every address together (features/two-factor/code-attempts.ts)
    const code = await attempt.checking(() => deps.codeAttempts.begin(pending.userId, ip, 'login'));
    if (code.blocked) {
      await attempt.abandoned();
      renderTooManyRequests(res, code.retryAfterSeconds, 'second-factor');
      return;
    }
    const result = await attempt.checking(() => code.check(pending, typed, req));
    if (result.outcome === 'gone') {
      // nothing was checked: the account changed under this login
      await attempt.abandoned();
      logger.info({ event: 'pending-login-ended', userId: pending.userId, ip }, 'pending login ended: the account changed');
      await loginAgain(req, res);
      return;
    }
    if (result.outcome === 'wrong') {
      await failedAttempt(deps, req, attempt);
      res.status(401).render('two-factor/login-code', { ...page, errors: { code: WRONG_CODE } });
      return;
    }

    await attempt.succeeded();
    // the generation read at the password step: if the user's sessions were
    // revoked since, the save inside signIn() fails (session/revocation.ts)
    // sudo mode from the older of the two factors: a right code now does not
    // make a provider's remembered login fresh (session/pending-login.ts)
    await signIn(req, { id: pending.userId, username: pending.username, sessionGeneration: pending.generation }, deps.sessionConfig, {
      rememberMe: pending.rememberMe,
      authenticatedAt: pending.provedAt,
    });
    if (result.outcome === 'recovery') {
      // the next page says how many are left (session-data.ts)
      req.session.noticeOnce = recoveryCodeNotice(result.recoveryCodesLeft);
      await saveSession(req);
    }
    logger.info({ event: 'login', userId: pending.userId, ip, secondFactor: result.outcome }, 'logged in with a second factor');
    // a recovery code signs in on its own word; a code after a provider's sign-in is said so
    const method = result.outcome === 'recovery' ? 'recovery-code' : pending.firstFactor ? (`${pending.firstFactor}-and-code` as const) : 'code';
    await deps.events.signedIn(req, res, pending.userId, method);
    res.redirect(303, pending.next);
  };

  /** "Start again": the pending login is thrown away with its session. */
  const startAgain: RequestHandler = async (req, res) => {
    if (req.session.pendingLogin && !req.session.userId) await endSession(req, res, deps.sessionConfig);
    res.redirect(303, '/login');
  };

  return { form, submit, startAgain };
}

export function twoFactorSettings(deps: TwoFactorDeps) {
  const { secondFactor, logger, userSessions } = deps;

  /**
   * A factor of the account changed: every other session ends, logins still
   * running included (whoever held a cookie, or had typed the password a
   * moment before, is out), as after a password change (routes/account.ts).
   * This one carries the new generation and gets a new ID.
   */
  async function endOtherSessions(req: Request): Promise<number> {
    const userId = req.session.userId ?? '';
    const { ended, generation, cleared } = await userSessions.endOthers(userId, req.sessionID);
    req.session.generation = generation;
    await renewSession(req);
    await deps.events.record(req, userId, { type: 'sessions-ended', by: 'two-factor-change', count: ended });
    await deps.sessionsRevoked(req, userId, cleared, 'two-factor-change');
    return ended;
  }

  /**
   * New recovery codes wait in the session for the page that shows them,
   * sealed under TWO_FACTOR_KEY for this user: the session store is a
   * database, copied by every backup, and a code there in the clear would be
   * a way past the second factor for whoever reads one.
   */
  function keepCodesToShow(req: Request, userId: string, codes: string[], justEnabled: boolean) {
    req.session.recoveryCodesToShow = { sealedCodes: secondFactor.sealCodesToShow(userId, codes), madeAt: Date.now(), justEnabled };
  }

  /** The setup page: a secret kept (encrypted) in the session until a code confirms it. */
  async function renderSetup(req: Request, res: Response, status: number, error?: string) {
    const userId = req.session.userId ?? '';
    const now = Date.now();
    const kept = req.session.twoFactorSetup;
    let secret = kept && now - kept.startedAt < SETUP_MAX_AGE_MS ? secondFactor.openSetup(userId, kept.sealedSecret) : undefined;
    if (secret === undefined) {
      const setup = secondFactor.newSetup(userId);
      secret = setup.secret;
      req.session.twoFactorSetup = { sealedSecret: setup.sealed, startedAt: now };
      // saved before the page shows the secret: the code typed next is checked against this one
      await saveSession(req);
    }
    const uri = otpauthUri(secret, req.session.username ?? '');
    res.status(status).render('two-factor/settings', {
      title: 'Two-factor login',
      enabled: false,
      secret,
      qrCode: await qrCodeImage(uri),
      errors: error ? { code: error } : {},
      csrfToken: ensureCsrfToken(req),
    });
  }

  const show: RequestHandler = async (req, res) => {
    const status = await secondFactor.status(req.session.userId ?? '');
    if (!status.enabled && req.query.done === 'off') {
      // just turned off: say so, and offer a new setup instead of starting one
      res.render('two-factor/settings', { title: 'Two-factor login', enabled: false, turnedOff: true });
      return;
    }
    if (!status.enabled) {
      await renderSetup(req, res, 200);
      return;
    }
    res.render('two-factor/settings', {
      title: 'Two-factor login',
      enabled: true,
      enabledAt: status.enabledAt,
      recoveryCodesLeft: status.recoveryCodesLeft,
      csrfToken: ensureCsrfToken(req),
    });
  };

  const enable: RequestHandler = async (req, res) => {
    const userId = req.session.userId ?? '';
    const kept = req.session.twoFactorSetup;
    const secret = kept && Date.now() - kept.startedAt < SETUP_MAX_AGE_MS ? secondFactor.openSetup(userId, kept.sealedSecret) : undefined;
    if (secret === undefined) {
      // the page was open too long: a new secret, to scan again
      delete req.session.twoFactorSetup;
      await renderSetup(req, res, 400, 'This setup took too long and has been renewed: scan the new code and enter a code from it.');
      return;
    }
    const result = await secondFactor.enable(userId, secret, (req.body as { code?: unknown } | undefined)?.code, Date.now());
    if (result.outcome === 'wrong-code') {
      await renderSetup(req, res, 400, 'That code is not right. Check the time on your phone, and enter the code your app shows now.');
      return;
    }
    delete req.session.twoFactorSetup;
    if (result.outcome !== 'enabled') {
      await saveSession(req);
      // turned on meanwhile, in another tab
      res.redirect(303, '/account/two-factor');
      return;
    }
    // kept (sealed) for the one page that shows them, saved with the new session ID
    keepCodesToShow(req, userId, result.recoveryCodes, true);
    const otherSessionsEnded = await endOtherSessions(req);
    logger.info({ event: 'two-factor-enabled', userId, ip: req.ip, otherSessionsEnded }, 'two-factor login turned on');
    await deps.events.record(req, userId, { type: 'two-factor-on' });
    res.redirect(303, RECOVERY_CODES_PATH);
  };

  const newRecoveryCodes: RequestHandler = async (req, res) => {
    const userId = req.session.userId ?? '';
    const codes = await secondFactor.replaceRecoveryCodes(userId);
    if (!codes) {
      res.redirect(303, '/account/two-factor');
      return;
    }
    keepCodesToShow(req, userId, codes, false);
    await saveSession(req);
    logger.info({ event: 'recovery-codes-replaced', userId, ip: req.ip }, 'new recovery codes; the old ones no longer work');
    await deps.events.record(req, userId, { type: 'recovery-codes-made' });
    res.redirect(303, RECOVERY_CODES_PATH);
  };

  /**
   * The new codes, shown once. The forms that make them redirect here (POST,
   * then 303, then GET) so that reloading this page, or going Back to it,
   * never posts the form again and silently replaces the codes just written
   * down. They wait in the session for this one view and are deleted from it,
   * and saved so, before the page is sent: a reload finds them gone. Codes
   * that waited longer than RECOVERY_CODES_SHOW_MAX_AGE_MS (or that do not
   * open: another key, another user) are dropped unseen; the page says to
   * make new ones.
   */
  const showRecoveryCodes: RequestHandler = async (req, res) => {
    const kept = req.session.recoveryCodesToShow;
    if (!kept) {
      res.redirect(303, '/account/two-factor');
      return;
    }
    delete req.session.recoveryCodesToShow;
    await saveSession(req);
    const fresh = typeof kept.madeAt === 'number' && Date.now() - kept.madeAt < RECOVERY_CODES_SHOW_MAX_AGE_MS;
    const codes = fresh && typeof kept.sealedCodes === 'string' ? secondFactor.openCodesToShow(req.session.userId ?? '', kept.sealedCodes) : undefined;
    if (!codes) {
      res.render('two-factor/recovery-codes', { title: 'Your recovery codes', codes: [], expired: describeDuration(RECOVERY_CODES_SHOW_MAX_AGE_MS), justEnabled: kept.justEnabled });
      return;
    }
    res.render('two-factor/recovery-codes', { title: 'Your recovery codes', codes, justEnabled: kept.justEnabled });
  };

  const disable: RequestHandler = async (req, res) => {
    const userId = req.session.userId ?? '';
    if (await secondFactor.disable(userId)) {
      const otherSessionsEnded = await endOtherSessions(req);
      logger.info({ event: 'two-factor-disabled', userId, ip: req.ip, otherSessionsEnded }, 'two-factor login turned off');
      // the owner hears of it (features/mail/alerts.ts): the password alone logs in now
      await deps.events.record(req, userId, { type: 'two-factor-off' });
    }
    res.redirect(303, '/account/two-factor?done=off');
  };

  return { show, enable, newRecoveryCodes, showRecoveryCodes, disable };
}
