// reset password: where the link in the mail leads. The token travels in the
// URL only once: the first request moves its hash into the session and
// redirects (303) to the same page without it, so the token is not left in
// the browser's history, in a Referer, or in any log (the request log drops
// query strings too: middleware/request-log.ts). That first request also
// gives the session a new ID (session fixation). The form then asks for a
// new password under the registration's policy.
import type { Request, RequestHandler, Response } from 'express';
import { z } from 'zod';
import { fieldErrors, newPassword } from '../../auth/forms.js';
import { hashLinkToken, linkTokenFrom } from '../../auth/link-tokens.js';
import { passwordResets, type ResetTarget } from './password-reset.js';
import { csrfTokenForForm, ensureCsrfToken } from '../../session/csrf.js';
import { endSession, saveRegenerated } from '../../session/lifecycle.js';
import { regenerateSession } from '../../session/promises.js';
import type { UserSessions } from '../../session/user-sessions.js';
import type { MailPageDeps } from './forgot-password.js';

const resetForm = z
  .object({ newPassword, confirmPassword: z.string({ error: 'Confirm your new password' }).min(1, 'Confirm your new password') })
  .superRefine((form, ctx) => {
    if (typeof form.newPassword === 'string' && form.newPassword !== form.confirmPassword) {
      ctx.addIssue({ code: 'custom', path: ['confirmPassword'], message: 'Passwords do not match' });
    }
  });

const TITLE = 'Choose a new password';

export function resetPasswordPage(deps: MailPageDeps & { userSessions: UserSessions }) {
  const { users, passwords, logger, userSessions } = deps;
  const resets = passwordResets(users, deps.settings.passwordResetLifetimeMs);

  /** The account this session's link may reset, or undefined (the page then says the link no longer works). */
  async function target(req: Request): Promise<{ tokenHash: string; account: ResetTarget } | undefined> {
    const tokenHash = req.session.passwordResetTokenHash;
    const account = tokenHash ? await resets.find(tokenHash) : undefined;
    return tokenHash && account ? { tokenHash, account } : undefined;
  }

  const linkGone = (res: Response) => res.status(400).render('mail/reset-password-invalid', { title: 'This link no longer works' });

  const open: RequestHandler = async (req, res) => {
    if ('token' in req.query) {
      // the link's first request: its hash into the session, then the clean URL
      const token = linkTokenFrom(req.query.token);
      // A new session ID first, as at every login: the session now holds the
      // power to reset the account's password, and the browser may have
      // brought an ID someone else knows (a cookie planted from a sibling
      // subdomain, or over plain HTTP before HSTS: session fixation). What
      // the session held stays (a visitor who is logged in stays so); only its
      // ID, and with it the CSRF token, change.
      const { cookie, csrfToken: _dead, ...kept } = req.session;
      const expires = cookie.expires ?? null;
      await regenerateSession(req);
      Object.assign(req.session, kept);
      req.session.cookie.expires = expires;
      req.session.passwordResetTokenHash = token ? hashLinkToken(token) : undefined;
      await saveRegenerated(req);
      res.redirect(303, '/reset-password');
      return;
    }
    const found = await target(req);
    if (!found) {
      linkGone(res);
      return;
    }
    res.render('mail/reset-password', { title: TITLE, username: found.account.username, errors: {}, csrfToken: await csrfTokenForForm(req) });
  };

  const submit: RequestHandler = async (req, res) => {
    const found = await target(req);
    if (!found) {
      logger.info({ event: 'password-reset-failed', reason: 'link-gone', ip: req.ip }, 'password reset refused: the link no longer works');
      linkGone(res);
      return;
    }
    const { tokenHash, account } = found;
    const form = resetForm.safeParse(req.body ?? {});
    const errors = form.success ? {} : fieldErrors(form.error);
    if (form.success && form.data.newPassword.normalize('NFKC').toLowerCase() === account.username.toLowerCase()) {
      errors.newPassword = 'Password must not be your username';
    }
    if (!form.success || errors.newPassword) {
      res.status(400).render('mail/reset-password', { title: TITLE, username: account.username, errors, csrfToken: ensureCsrfToken(req) });
      return;
    }

    const newHash = await passwords.hash(form.data.newPassword);
    // one atomic update: the link is used up, the password replaced and the
    // account's sessions revoked together; a second request with the same
    // link (or one after the password changed) matches nothing
    if (!(await resets.complete(tokenHash, account, newHash))) {
      logger.info({ event: 'password-reset-failed', reason: 'used-meanwhile', userId: account.userId, ip: req.ip }, 'password reset refused: the link was used meanwhile');
      linkGone(res);
      return;
    }
    // every session of the account ends, logins running at this moment
    // included (the generation is bumped before the documents go)...
    const { ended, cleared } = await userSessions.endAll(account.userId);
    // ...and this browser's own session too: it held the link
    await endSession(req, res, deps.sessionConfig);
    logger.info({ event: 'password-reset', userId: account.userId, sessionsEnded: ended, ip: req.ip }, 'password reset with a mailed link');
    // the owner's alert names the passkeys: they still sign in, the new
    // password notwithstanding (features/mail/alerts.ts)
    // every browser the account knew is new again (an intruder's next sign-in
    // is mailed about), but this one, which holds the mailed link
    await deps.knownBrowsers.forget(account.userId, deps.knownBrowsers.browserKeyOf(req));
    await deps.events.record(req, account.userId, { type: 'password-reset' });
    await deps.events.record(req, account.userId, { type: 'sessions-ended', by: 'password-reset', count: ended });
    await deps.sessionsRevoked(req, account.userId, cleared, 'password-reset');
    // To the login page, not signed in: a reset link proves only that its
    // holder can read the mailbox. Logging in afterwards takes every factor
    // the account has, so an account with two-factor authentication still
    // asks for its second factor after a reset, and a stolen mailbox alone
    // does not open it.
    res.redirect(303, '/login?notice=password-reset');
  };

  return { open, submit };
}
