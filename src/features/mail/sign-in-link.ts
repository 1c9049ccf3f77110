// sign-in link: "Email me a sign-in link", a way in without the password for
// an account with a confirmed address (sign-in-links.ts keeps the links). The
// request page answers the same whether or not the account exists, and the
// mail goes out after the page has answered (mail/outbox.ts), as "forgot
// password" does, counted with its limits: both are mails that let someone in.
//
// The link is a first factor like the password: it goes through the same
// checked attempt (checks/checked-attempt.ts) and the same ending as a
// password login (core.finishLogin: two-factor's code step, then a new
// session, saved before the redirect).
import type { Request, RequestHandler, Response } from 'express';
import { describeDuration } from '../../duration.js';
import { emailKey, forgotPasswordForm } from '../../auth/email-address.js';
import { fieldErrors } from '../../auth/forms.js';
import { linkTokenFrom } from '../../auth/link-tokens.js';
import { beginCheckedAttempt, failedAttempt } from '../../checks/checked-attempt.js';
import type { CoreDeps } from '../../feature.js';
import { usernameKey } from '../../models/user.js';
import { DEFAULT_AFTER_LOGIN } from '../../safe-next.js';
import { renderTooManyRequests } from '../../security/too-many.js';
import { csrfTokenForForm, ensureCsrfToken } from '../../session/csrf.js';
import { saveSession } from '../../session/promises.js';
import type { MailPageDeps } from './forgot-password.js';
import { signInLinkMail } from './mails.js';
import { newBrowserValue, type SignInLinkTarget } from './sign-in-links.js';

const TITLE = 'Email me a sign-in link';
export const SIGN_IN_LINK_OPEN_PATH = '/sign-in-link/open';

export function signInLinkPages(deps: MailPageDeps & Pick<CoreDeps, 'throttle' | 'finishLogin'>) {
  const { users, logger, mail, signInLinks } = deps;
  const lifetime = describeDuration(deps.settings.signInLinkLifetimeMs);

  const form: RequestHandler = async (req, res) => {
    res.render('mail/sign-in-link', { title: TITLE, identifier: '', errors: {}, csrfToken: await csrfTokenForForm(req) });
  };

  /** In the background: the account, its link, the mail; each way out logged, none shown. */
  async function sendLink(identifier: string, browser: string, ip: string): Promise<void> {
    // usernames cannot hold an @, so an @ means an address (confirmed ones only)
    const filter = identifier.includes('@') ? { emailKey: emailKey(identifier) } : { usernameKey: usernameKey(identifier) };
    const user = await users.findOne(filter, { username: 1, email: 1, emailKey: 1, sessionGeneration: 1 }).lean();
    if (!user?.email || !user.emailKey) {
      logger.info({ event: 'sign-in-link-not-sent', ip }, 'sign-in link asked for an unknown account, or one without a confirmed address: nothing sent');
      return;
    }
    const userId = String(user._id);
    if (!(await deps.throttles.reset.mayMailAccount(userId))) {
      logger.warn({ event: 'sign-in-link-throttled', userId, ip }, 'sign-in link: too many mails to this account this hour: nothing sent');
      return;
    }
    // the account's session generation goes with it: "sign out everywhere" or a
    // new password after this moment ends the link, even one still being sent
    const token = await signInLinks.issue({ userId, mailedTo: user.emailKey, generation: user.sessionGeneration ?? 0, browser, lifetimeMs: deps.settings.signInLinkLifetimeMs });
    const link = `${deps.publicUrl}${SIGN_IN_LINK_OPEN_PATH}?token=${token}`;
    await mail.outbox.sendNow(signInLinkMail({ to: user.email, username: user.username, link, lifetime }));
    logger.info({ event: 'sign-in-link-mailed', userId, ip }, 'sign-in link sent');
  }

  const submit: RequestHandler = async (req, res) => {
    const parsed = forgotPasswordForm.safeParse(req.body ?? {});
    if (!parsed.success) {
      res.status(400).render('mail/sign-in-link', { title: TITLE, identifier: '', errors: fieldErrors(parsed.error), csrfToken: ensureCsrfToken(req) });
      return;
    }
    const ip = req.ip ?? 'unknown';
    // the same limit for every name, known or not: a refusal tells nothing
    const verdict = await deps.throttles.reset.consumeRequest(ip);
    if (verdict.blocked) {
      logger.warn({ event: 'sign-in-link-blocked', ip }, 'sign-in link refused: too many requests from this address');
      renderTooManyRequests(res, verdict.retryAfterSeconds, 'reset');
      return;
    }
    // this browser's value: the link opened here signs in at once
    const browser = req.session.signInLinkBrowser ?? newBrowserValue();
    req.session.signInLinkBrowser = browser;
    await saveSession(req);
    logger.info({ event: 'sign-in-link-requested', ip }, 'sign-in link requested');
    mail.outbox.later('sign-in-link-request', () => sendLink(parsed.data.identifier, browser, ip));
    res.redirect(303, '/sign-in-link/sent');
  };

  const sent: RequestHandler = (_req, res) => {
    res.render('mail/sign-in-link-sent', { title: 'Check your email', lifetime });
  };

  function invalid(res: Response) {
    res.status(400).render('mail/sign-in-link-invalid', { title: 'This link no longer works' });
  }

  /**
   * Uses the link up and signs in through the core's ending, or says it no
   * longer works. `found`: what the link page already read of it, if it did.
   */
  async function signInWith(req: Request, res: Response, token: string, peeked?: SignInLinkTarget): Promise<void> {
    const browser = req.session.signInLinkBrowser;
    const found = peeked ?? (await signInLinks.peek(token, browser));
    // counted like a password, per account and address (a key no username
    // can be: the colon): a burst of guessed tokens from one address is throttled
    const attempt = await beginCheckedAttempt(deps, req, res, `link:${found?.userId ?? 'unknown'}`, {
      event: 'login-blocked',
      message: 'sign-in link refused: too many attempts',
      fields: { method: 'email-link' },
    });
    if (!attempt) return;
    const refused = async (reason: string) => {
      await failedAttempt(deps, req, attempt);
      logger.info({ event: 'login-failed', method: 'email-link', reason, ip: req.ip ?? 'unknown' }, 'sign-in link refused');
      invalid(res);
    };
    if (!found) {
      await refused('link-unknown');
      return;
    }
    const { link, user } = await attempt.checking(async () => {
      const used = await signInLinks.consume(token, browser);
      const owner = used ? await users.findById(used.userId, { emailKey: 1, sessionGeneration: 1 }).lean() : null;
      return { link: used, user: owner };
    });
    if (!link) {
      // another tab or device used it a moment before: not a guess, not counted
      await attempt.abandoned();
      invalid(res);
      return;
    }
    // only while the account's confirmed address is the one it was mailed to,
    // and no "sign out everywhere" or new password came after it was issued
    if (!user || user.emailKey !== link.mailedTo || (user.sessionGeneration ?? 0) !== link.generation) {
      await refused('account-changed');
      return;
    }
    delete req.session.signInLinkBrowser;
    // as after a right password: two-factor's code step, or the new session
    const finished = await deps.finishLogin(req, res, String(user._id), { attempt, next: DEFAULT_AFTER_LOGIN, rememberMe: false, method: 'email-link' });
    if (finished === 'gone') {
      await attempt.abandoned();
      invalid(res);
    }
  }

  // the link itself: in the browser that asked, it signs in; anywhere else it
  // only asks (a mail scanner's GET changes nothing)
  const open: RequestHandler = async (req, res) => {
    const token = linkTokenFrom(req.query.token);
    const found = token ? await signInLinks.peek(token, req.session.signInLinkBrowser) : undefined;
    if (!token || !found) {
      invalid(res);
      return;
    }
    if (found.sameBrowser) {
      await signInWith(req, res, token, found);
      return;
    }
    const owner = await users.findById(found.userId, { username: 1 }).lean();
    res.render('mail/sign-in-link-confirm', { title: 'Sign in on this device?', username: owner?.username ?? '', token, csrfToken: await csrfTokenForForm(req) });
  };

  const confirm: RequestHandler = async (req, res) => {
    const token = linkTokenFrom((req.body as { token?: unknown } | undefined)?.token);
    if (!token) {
      invalid(res);
      return;
    }
    await signInWith(req, res, token);
  };

  return { form, submit, sent, open, confirm };
}
