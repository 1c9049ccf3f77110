// confirm: the one prompt of sudo mode. A guarded page (requireRecentAuth in
// the route table) sends the user here when their last password check is
// older than REAUTH_WINDOW; the password again, and back to where they were.
//
// An account with two-factor on is asked for a code as well: the password
// and the code, as at login. Otherwise whoever holds a stolen cookie and
// knows the password could, through sudo mode, add a passkey (which signs in
// with no code) or turn two-factor off. A recovery code does too, as it does
// at login: someone who lost their phone must still be able to confirm, to
// turn two-factor off or set it up again. Each code is used once, by the
// same replay-safe check as the login's code step (auth/second-factor.ts),
// and the pair is one throttled attempt (auth/reauthenticate.ts). A passkey
// alone stays enough ("Use a passkey instead", routes/passkey-login.ts): it
// is both factors.
import type { Request, RequestHandler, Response } from 'express';
import { confirmPasswordForm, fieldErrors } from '../auth/forms.js';
import { reauthenticate } from '../auth/reauthenticate.js';
import { DEFAULT_AFTER_LOGIN, safeNextPath } from '../auth/safe-next.js';
import type { SecondFactor, SecondFactorCheck } from '../auth/second-factor.js';
import { describeDuration } from '../duration.js';
import { ensureCsrfToken } from '../security/csrf.js';
import { saveSession } from '../session/promises.js';
import { markAuthenticated } from '../session/recent-auth.js';
import type { AuthDeps } from './login.js';

export interface ConfirmDeps extends AuthDeps {
  secondFactor: SecondFactor;
}

const NO_CODE = 'Enter the code from your app, or a recovery code';
const WRONG_CODE = 'That code is not right, or it has been used already. Try the next code your app shows.';

export function confirmPage(deps: ConfirmDeps) {
  const { sessionConfig, secondFactor, logger } = deps;

  const render = async (req: Request, res: Response, next: string, errors: Record<string, string | undefined>) => {
    const { enabled } = await secondFactor.status(req.session.userId ?? '');
    res.render('account-confirm', {
      title: 'Confirm it is you',
      username: req.session.username,
      next: next === DEFAULT_AFTER_LOGIN ? '' : next,
      window: describeDuration(sessionConfig.reauthWindowMs),
      twoFactor: enabled,
      errors,
      csrfToken: ensureCsrfToken(req),
    });
  };

  const form: RequestHandler = async (req, res) => {
    await render(req, res, safeNextPath(req.query.next), {});
  };

  const submit: RequestHandler = async (req, res) => {
    const body = (req.body ?? {}) as { next?: unknown; code?: unknown };
    const next = safeNextPath(body.next);
    const userId = req.session.userId ?? '';
    const { enabled: twoFactor } = await secondFactor.status(userId);
    const form = confirmPasswordForm.safeParse(body);
    const noCode = twoFactor && (typeof body.code !== 'string' || body.code.trim() === '');
    if (!form.success || noCode) {
      res.status(400);
      await render(req, res, next, { ...(form.success ? {} : fieldErrors(form.error)), code: noCode ? NO_CODE : undefined });
      return;
    }
    let used: SecondFactorCheck | undefined;
    // the generation this session carries: a session revoked meanwhile cannot confirm
    const login = { userId, generation: req.session.generation ?? 0 };
    const checkCode = async () => {
      used = await secondFactor.check(login, body.code, Date.now());
      return used.outcome === 'totp' || used.outcome === 'recovery';
    };
    const user = await reauthenticate(
      deps,
      req,
      res,
      form.data.password,
      async (wrong) => {
        res.status(wrong === 'code' ? 401 : 400);
        await render(req, res, next, wrong === 'code' ? { code: WRONG_CODE } : { password: 'That is not your password' });
      },
      twoFactor ? checkCode : undefined,
    );
    if (!user) return;
    markAuthenticated(req);
    // saved before the redirect: the next page checks it
    await saveSession(req);
    logger.info({ event: 'reauthenticated', userId: String(user._id), secondFactor: used?.outcome }, 'password confirmed for sudo mode');
    if (used?.outcome === 'recovery') {
      logger.info({ event: 'recovery-code-used', userId, ip: req.ip, recoveryCodesLeft: used.recoveryCodesLeft }, 'a recovery code was used');
    }
    res.redirect(303, next);
  };

  return { form, submit };
}
