// account email: the optional address on the account, at /account/email. A
// new address is verified by a link sent to it (features/mail/email-verification.ts)
// and joins the account only then; until then the old one, if any, stays,
// and is told of the change. The address is shown to its owner only.
import type { RequestHandler } from 'express';
import { describeDuration } from '../../duration.js';
import { emailForm, emailKey } from '../../auth/email-address.js';
import { emailVerification } from './email-verification.js';
import { fieldErrors } from '../../auth/forms.js';
import { linkTokenFrom } from '../../auth/link-tokens.js';
import { verificationMail } from './mails.js';
import { renderTooManyRequests } from '../../security/too-many.js';
import { csrfTokenForForm, ensureCsrfToken } from '../../session/csrf.js';
import type { ThrottleVerdict } from '../../security/throttle.js';
import type { VerificationSource } from './verification-throttle.js';
import type { MailPageDeps } from './forgot-password.js';

const TITLE = 'Your email address';

// what the page says after a redirect, chosen by key: never echoed from the URL
const DONE: Record<string, string> = {
  sent: 'We have sent a link to the new address. Open it to confirm the address; until then nothing else is sent there.',
  kept: 'That is already your confirmed address: it stays, and the change you had asked for is cancelled.',
  removed: 'The email address has been removed from your account.',
};

const OUTCOMES: Record<string, { title: string; text: string }> = {
  verified: { title: 'Email address confirmed', text: 'Your email address is confirmed. If you forget your password, a reset link can now be sent there.' },
  taken: { title: 'Address already in use', text: 'Another account has confirmed this address in the meantime, so it cannot be added to yours.' },
  invalid: { title: 'This link no longer works', text: 'The link was already used, has expired, or a newer one was sent. Ask for a new one on your account page.' },
};

export function accountEmailPages(deps: MailPageDeps) {
  const { users, logger, mail, settings } = deps;
  const verification = emailVerification(users, settings.verificationLifetimeMs);
  const lifetime = describeDuration(settings.verificationLifetimeMs);

  async function render(userId: string, extra: { status?: number; errors?: Record<string, string | undefined>; typed?: string; done?: string; csrfToken: string }) {
    const user = await users.findById(userId, { email: 1, pendingEmail: 1 }).lean();
    return {
      status: extra.status ?? 200,
      locals: {
        title: TITLE,
        email: user?.email ?? undefined,
        pending: user?.pendingEmail?.address ? { address: user.pendingEmail.address, expiresAt: user.pendingEmail.expiresAt } : undefined,
        typed: extra.typed ?? '',
        errors: extra.errors ?? {},
        done: extra.done,
        csrfToken: extra.csrfToken,
      },
    };
  }

  /**
   * Sends the verification link (in the background; the address being
   * replaced hears of it from the security alert: features/mail/alerts.ts). Counted first, per account and per recipient, the
   * recipient's count kept apart for each form that asks (`source`,
   * verification-throttle.ts): past either limit nothing is stored
   * or sent, and the verdict says so.
   */
  async function startVerification(
    userId: string,
    username: string,
    address: string,
    source: VerificationSource,
    askedBy?: string,
  ): Promise<ThrottleVerdict & { sent: boolean }> {
    const verdict = await deps.throttles.verification.consumeMail(userId, emailKey(address), source);
    if (verdict.blocked) {
      // the address is not logged: it may be anyone's
      logger.warn({ event: 'email-verification-throttled', userId, source }, 'verification mail refused: too many this hour');
      return { ...verdict, sent: false };
    }
    const started = await verification.start(userId, address, askedBy);
    if (!started) return { ...verdict, sent: false };
    const link = `${deps.publicUrl}/verify-email?token=${started.token}`;
    mail.outbox.send('email-verification-mail', verificationMail({ to: address, username, link, lifetime }));
    logger.info({ event: 'email-verification-sent', userId }, 'verification link sent to a new address');
    return { ...verdict, sent: true };
  }

  const show: RequestHandler = async (req, res) => {
    const done = typeof req.query.done === 'string' ? DONE[req.query.done] : undefined;
    const page = await render(req.session.userId ?? '', { done, csrfToken: ensureCsrfToken(req) });
    // "sent": the page offers the dev inbox where there is one (partials/dev-inbox.pug)
    res.status(page.status).render('mail/account-email', { ...page.locals, mailSent: req.query.done === 'sent' });
  };

  const change: RequestHandler = async (req, res) => {
    const userId = req.session.userId ?? '';
    const form = emailForm.safeParse(req.body ?? {});
    const typed = typeof (req.body as { email?: unknown } | undefined)?.email === 'string' ? String((req.body as { email: string }).email).slice(0, 254) : '';
    if (!form.success) {
      const page = await render(userId, { status: 400, errors: fieldErrors(form.error), typed, csrfToken: ensureCsrfToken(req) });
      res.status(page.status).render('mail/account-email', page.locals);
      return;
    }
    const user = await users.findById(userId, { username: 1, email: 1 }).lean();
    if (!user) {
      res.redirect(303, '/login');
      return;
    }
    if (user.email && emailKey(user.email) === emailKey(form.data.email)) {
      // the owner putting their own address back: a change waiting for its
      // link (perhaps not theirs) is cancelled
      if (await verification.cancel(userId)) {
        logger.info({ event: 'email-change-cancelled', by: 'owner', userId }, 'address change cancelled: the confirmed address was entered again');
        await deps.events.record(req, userId, { type: 'email-change-cancelled', by: 'owner' });
        res.redirect(303, '/account/email?done=kept');
        return;
      }
      const page = await render(userId, { status: 400, errors: { email: 'That is already your confirmed address' }, typed, csrfToken: ensureCsrfToken(req) });
      res.status(page.status).render('mail/account-email', page.locals);
      return;
    }
    // the handle of this session goes with the change: ending the session cancels it (routes/sessions.ts)
    const verdict = await startVerification(userId, user.username, form.data.email, 'account-page', req.session.handle);
    if (verdict.blocked) {
      renderTooManyRequests(res, verdict.retryAfterSeconds, 'verification');
      return;
    }
    // the confirmed address (the one being replaced) is told
    await deps.events.record(req, userId, { type: 'email-change-asked' });
    res.redirect(303, '/account/email?done=sent');
  };

  const remove: RequestHandler = async (req, res) => {
    const userId = req.session.userId ?? '';
    const user = await users.findById(userId, { username: 1, email: 1 }).lean();
    // the removed address hears of it, as it would of a change: once, by the tab that removed it
    if (await verification.remove(userId)) {
      // the "This wasn't me" links mailed there now only sign out (features/mail/not-me.ts),
      // and its sign-in links sign nobody in, even if the address comes back
      await deps.notMeLinks.forget(userId);
      await deps.signInLinks.forget(userId);
      await deps.events.record(req, userId, { type: 'email-removed' }, { mailTo: user?.email ?? undefined });
    }
    logger.info({ event: 'email-removed', userId }, 'email address removed');
    res.redirect(303, '/account/email?done=removed');
  };

  /**
   * The link in the verification mail shows a page with one button, and
   * changes nothing. Mail gateways (Safe Links, Proofpoint, Mimecast) open
   * every link in incoming mail: if opening it confirmed the address, anyone
   * could add a victim's address to their own account and let the victim's
   * gateway confirm it. The token goes into the page's form as a hidden
   * field, not into the session: the confirmation then needs no state kept
   * between the two requests, and a session someone planted in the browser
   * beforehand never holds it. (It stays in the address bar and history,
   * which show what the mailbox already holds, and is sent nowhere else:
   * Referrer-Policy is same-origin and the page has no other site's links.)
   */
  const verifyForm: RequestHandler = async (req, res) => {
    const token = linkTokenFrom(req.query.token);
    if (!token) {
      res.redirect(303, '/verify-email/done?outcome=invalid');
      return;
    }
    res.render('mail/verify-email', { title: 'Confirm your email address', token, csrfToken: await csrfTokenForForm(req) });
  };

  /** The page's button: the address is confirmed here, by a POST with the CSRF token as every form. */
  const verify: RequestHandler = async (req, res) => {
    const token = linkTokenFrom((req.body as { token?: unknown } | undefined)?.token);
    const { outcome, userId, replaced } = token ? await verification.confirm(token) : { outcome: 'invalid' as const, userId: undefined, replaced: undefined };
    if (outcome === 'verified') {
      logger.info({ event: 'email-verified', userId, ip: req.ip }, 'email address verified');
      // the address it replaced is told: from now on nothing more goes there
      // (a first address, just confirmed by its own link, needs no mail)
      if (userId) {
        // links mailed to the old address stop working, as its reset links do
        await deps.notMeLinks.forget(userId);
        await deps.signInLinks.forget(userId);
        await deps.events.record(req, userId, { type: 'email-change-confirmed' }, { mailTo: replaced, alert: replaced !== undefined });
      }
    } else logger.info({ event: 'email-verify-failed', reason: outcome, userId, ip: req.ip }, 'email verification link refused');
    res.redirect(303, `/verify-email/done?outcome=${outcome}`);
  };

  const verified: RequestHandler = (req, res) => {
    const outcome = (typeof req.query.outcome === 'string' && OUTCOMES[req.query.outcome]) || OUTCOMES.invalid;
    res.render('mail/email-verified', { title: outcome?.title, text: outcome?.text, loggedIn: Boolean(req.session.userId) });
  };

  /** An address typed at registration: the same mail, counted on the registrations' own count per recipient. */
  const startVerificationAtRegistration = (userId: string, username: string, address: string) =>
    startVerification(userId, username, address, 'registration');

  return { show, change, remove, verifyForm, verify, verified, startVerificationAtRegistration };
}
