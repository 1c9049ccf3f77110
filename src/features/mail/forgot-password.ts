// forgot password: ask for the username or the verified email address, and
// a reset link goes to the account's verified address. The page answers the
// same, in the same time, whether or not such an account or address exists
// (ASVS 6.4.1 and OWASP: no account enumeration): it counts the request and
// redirects; finding the account, storing the link and sending the mail run
// afterwards, in the background (mail/outbox.ts).
import type { CoreDeps } from '../../feature.js';
import type { NotMeLinks } from './not-me-links.js';
import type { SignInLinks } from './sign-in-links.js';
import type { KnownBrowsers } from '../../security/known-browser.js';
import type { RequestHandler } from 'express';
import { emailKey, forgotPasswordForm } from '../../auth/email-address.js';
import { fieldErrors } from '../../auth/forms.js';
import type { AppMail } from '../../mail/app-mail.js';
import { resetLinkMailer } from './reset-link.js';
import type { ResetThrottle } from './reset-throttle.js';
import type { MailSettings } from './settings.js';
import type { VerificationThrottle } from './verification-throttle.js';
import { renderTooManyRequests } from '../../security/too-many.js';
import { usernameKey } from '../../models/user.js';
import { csrfTokenForForm, ensureCsrfToken } from '../../session/csrf.js';
import type { AuthDeps } from '../../checks/auth-deps.js';

export interface MailPageDeps extends AuthDeps {
  mail: AppMail;
  /** "This wasn't me" links: those mailed to an address die with it (features/mail/account-email.ts) */
  notMeLinks: NotMeLinks;
  /** sign-in links: those mailed to an address die with it (account-email.ts) */
  signInLinks: SignInLinks;
  /** what went with every session of an account (reset-password.ts) */
  sessionsRevoked: CoreDeps['sessionsRevoked'];
  /** browsers known to each account: a reset forgets them (features/mail/reset-password.ts) */
  knownBrowsers: KnownBrowsers;
  settings: MailSettings;
  /** how often it may mail (reset-throttle.ts, verification-throttle.ts) */
  throttles: { reset: ResetThrottle; verification: VerificationThrottle };
  /** the site's public origin, for links in mail (never the request's Host header) */
  publicUrl: string;
}

const TITLE = 'Forgot your password?';

export function forgotPasswordPage(deps: MailPageDeps) {
  const { users, logger, mail } = deps;
  const resetLinks = resetLinkMailer(deps);
  const { lifetime } = resetLinks;

  const form: RequestHandler = async (req, res) => {
    res.render('mail/forgot-password', { title: TITLE, identifier: '', errors: {}, csrfToken: await csrfTokenForForm(req) });
  };

  /** In the background: the account, its link, the mail; each way out logged, none shown. */
  async function sendLink(identifier: string, ip: string): Promise<void> {
    // usernames cannot hold an @, so an @ means an address (verified ones only)
    const filter = identifier.includes('@') ? { emailKey: emailKey(identifier) } : { usernameKey: usernameKey(identifier) };
    const user = await users.findOne(filter, { username: 1, email: 1, emailKey: 1, passwordHash: 1 }).lean();
    if (!user) {
      logger.info({ event: 'password-reset-unknown', ip }, 'password reset asked for an unknown account: nothing sent');
      return;
    }
    const userId = String(user._id);
    if (!user.email) {
      logger.info({ event: 'password-reset-no-address', userId, ip }, 'password reset asked for an account without a verified address: nothing sent');
      return;
    }
    if (!(await deps.throttles.reset.mayMailAccount(userId))) {
      logger.warn({ event: 'password-reset-throttled', userId, ip }, 'password reset: too many mails to this account this hour: nothing sent');
      return;
    }
    if (!(await resetLinks.send(user))) return;
    logger.info({ event: 'password-reset-mailed', userId, ip }, 'password reset link sent');
  }

  const submit: RequestHandler = async (req, res) => {
    const parsed = forgotPasswordForm.safeParse(req.body ?? {});
    if (!parsed.success) {
      res.status(400).render('mail/forgot-password', { title: TITLE, identifier: '', errors: fieldErrors(parsed.error), csrfToken: ensureCsrfToken(req) });
      return;
    }
    const ip = req.ip ?? 'unknown';
    // the same limit for every name, known or not: a refusal tells nothing
    const verdict = await deps.throttles.reset.consumeRequest(ip);
    if (verdict.blocked) {
      logger.warn({ event: 'password-reset-blocked', ip }, 'password reset refused: too many requests from this address');
      renderTooManyRequests(res, verdict.retryAfterSeconds, 'reset');
      return;
    }
    // neither the name nor the address is logged: it may be someone's email
    logger.info({ event: 'password-reset-requested', ip }, 'password reset requested');
    mail.outbox.later('password-reset-request', () => sendLink(parsed.data.identifier, ip));
    res.redirect(303, '/forgot-password/sent');
  };

  const sent: RequestHandler = (_req, res) => {
    res.render('mail/forgot-password-sent', { title: 'Check your email', lifetime });
  };

  return { form, submit, sent };
}
