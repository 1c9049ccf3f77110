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
// same replay-safe check as the login's code step (features/two-factor),
// and the pair is one throttled attempt (checks/reauthenticate.ts). A passkey
// alone stays enough ("Use a passkey instead", features/passkeys): it
// is both factors.
//
// An account whose password nobody knows (a provider made it: the core asks
// the features, auth/ways-in.ts) is not asked for one: the page offers what
// it signs in with instead, a passkey or the provider (features/oidc). Back
// from the provider with two-factor on, the page asks for the code alone:
// the provider's fresh login waits in the session as the first factor
// (checks/reauthenticate.ts confirmSudo), for a few minutes.
import type { Request, RequestHandler, Response } from 'express';
import { confirmPasswordForm, fieldErrors } from '../auth/forms.js';
import type { WaysIn } from '../auth/ways-in.js';
import { asksForCode, reauthenticate, waitingFirstFactor, type ReauthDeps, type ReauthFailure } from '../checks/reauthenticate.js';
import { DEFAULT_AFTER_LOGIN, safeNextPath } from '../safe-next.js';
import { describeDuration } from '../duration.js';
import { ensureCsrfToken } from '../session/csrf.js';
import { saveSession } from '../session/promises.js';

export const NO_CODE = 'Enter the code from your app, or a recovery code';
export const WRONG_CODE = 'That code is not right, or it has been used already. Try the next code your app shows.';
export const FIRST_FACTOR_GONE = 'That confirmation waited too long for its code, or was used already. Confirm again.';

/** What the page says went wrong, field by field. */
function failureMessages(wrong: ReauthFailure): Record<string, string> {
  switch (wrong) {
    case 'password':
      return { password: 'That is not your password' };
    case 'code':
      return { code: WRONG_CODE };
    case 'no-code':
      return { code: NO_CODE };
    case 'first-factor-gone':
      return { form: FIRST_FACTOR_GONE };
  }
}

/** The confirm page of sudo mode, with what went wrong: its one owner, for the password form and the passkey's (features/passkeys/login-routes.ts). */
export async function renderConfirmPage(
  deps: Pick<ReauthDeps, 'sudoFactor' | 'sessionConfig'> & { waysIn: WaysIn },
  req: Request,
  res: Response,
  next: string,
  errors: Record<string, string | undefined>,
): Promise<void> {
  res.render('account-confirm', {
    title: 'Confirm it is you',
    username: req.session.username,
    next: next === DEFAULT_AFTER_LOGIN ? '' : next,
    window: describeDuration(deps.sessionConfig.reauthWindowMs),
    twoFactor: await asksForCode(deps, req),
    // a provider's fresh login waiting for its code: the page asks for the code alone
    firstFactor: waitingFirstFactor(req)?.label,
    passwordKnown: await deps.waysIn.passwordKnown(req.session.userId ?? ''),
    errors,
    csrfToken: ensureCsrfToken(req),
  });
}

export function confirmPage(deps: ReauthDeps & { waysIn: WaysIn }) {
  const { logger } = deps;
  const render = (req: Request, res: Response, next: string, errors: Record<string, string | undefined>) => renderConfirmPage(deps, req, res, next, errors);

  const form: RequestHandler = async (req, res) => {
    await render(req, res, safeNextPath(req.query.next), {});
  };

  const submit: RequestHandler = async (req, res) => {
    const body = (req.body ?? {}) as { next?: unknown; code?: unknown; firstFactor?: unknown };
    const next = safeNextPath(body.next);
    // the code-only form (firstFactor=waiting): the first factor is the one
    // proved before, never a password field left out of the other form
    let password: string | undefined;
    if (body.firstFactor !== 'waiting') {
      const form = confirmPasswordForm.safeParse(body);
      if (!form.success) {
        res.status(400);
        await render(req, res, next, fieldErrors(form.error));
        return;
      }
      password = form.data.password;
    }
    // the first factor, and the code when two-factor is on; sudo mode when both are right
    const proof = await reauthenticate(deps, req, res, { password, code: body.code, step: 'confirm' }, async (wrong) => {
      res.status(wrong === 'code' ? 401 : 400);
      await render(req, res, next, failureMessages(wrong));
    });
    if (!proof) return;
    // saved before the redirect: the next page checks it
    await saveSession(req);
    logger.info({ event: 'reauthenticated', userId: String(proof.user._id), firstFactor: proof.firstFactor, secondFactor: proof.secondFactor?.label }, 'confirmed for sudo mode');
    const afterFirst = proof.firstFactor === 'password' ? 'code' : (`${proof.firstFactor}-and-code` as const);
    const method = !proof.secondFactor ? proof.firstFactor : proof.secondFactor.label === 'recovery-code' ? 'recovery-code' : afterFirst;
    await deps.events.record(req, String(proof.user._id), { type: 'sudo-confirmed', method });
    res.redirect(303, next);
  };

  return { form, submit };
}
