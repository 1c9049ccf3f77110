// confirm: the one prompt of sudo mode. A guarded page (requireRecentAuth in
// the route table) sends the user here when their last password check is
// older than REAUTH_WINDOW; the password again, and back to where they were.
import type { RequestHandler } from 'express';
import { confirmPasswordForm, fieldErrors } from '../auth/forms.js';
import { reauthenticate } from '../auth/reauthenticate.js';
import { DEFAULT_AFTER_LOGIN, safeNextPath } from '../auth/safe-next.js';
import { describeDuration } from '../duration.js';
import { ensureCsrfToken } from '../security/csrf.js';
import { saveSession } from '../session/promises.js';
import { markAuthenticated } from '../session/recent-auth.js';
import type { AuthDeps } from './login.js';

export function confirmPage(deps: AuthDeps) {
  const { sessionConfig, logger } = deps;

  const render = (req: Parameters<RequestHandler>[0], res: Parameters<RequestHandler>[1], next: string, errors: Record<string, string | undefined>) =>
    res.render('account-confirm', {
      title: 'Confirm it is you',
      username: req.session.username,
      next: next === DEFAULT_AFTER_LOGIN ? '' : next,
      window: describeDuration(sessionConfig.reauthWindowMs),
      errors,
      csrfToken: ensureCsrfToken(req),
    });

  const form: RequestHandler = (req, res) => {
    render(req, res, safeNextPath(req.query.next), {});
  };

  const submit: RequestHandler = async (req, res) => {
    const body = (req.body ?? {}) as { next?: unknown };
    const next = safeNextPath(body.next);
    const form = confirmPasswordForm.safeParse(body);
    if (!form.success) {
      res.status(400);
      render(req, res, next, fieldErrors(form.error));
      return;
    }
    const user = await reauthenticate(deps, req, res, form.data.password, () => {
      res.status(400);
      render(req, res, next, { password: 'That is not your password' });
    });
    if (!user) return;
    markAuthenticated(req);
    // saved before the redirect: the next page checks it
    await saveSession(req);
    logger.info({ event: 'reauthenticated', userId: String(user._id) }, 'password confirmed for sudo mode');
    res.redirect(303, next);
  };

  return { form, submit };
}
