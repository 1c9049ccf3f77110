// not me: where the "This wasn't me" link of a security alert leads
// (features/mail/not-me-links.ts). Its holder can read the account's mailbox, and no
// more is known of them: so the button does what helps the owner and never
// lets a thief in. It ends every session, cancels a waiting address change,
// mails a reset link to the confirmed address, undoes a two-factor enrolment
// its alert was about, and for 15 minutes lets this browser see the passkeys
// and two-factor state and remove a passkey. It never signs anyone in and
// never weakens the second factor. What it gives that "forgot password" does
// not is the passkeys' removal: someone who holds the mailbox alone could
// remove them all, which locks the owner out of passkey sign-in (the
// password, reset by mail, still works) but opens nothing.
import type { Request, RequestHandler, Response } from 'express';
import { linkTokenFrom } from '../../auth/link-tokens.js';
import type { NotMeLinks } from './not-me-links.js';
import type { Logger } from '../../logger.js';
import type { SecurityEvents } from '../../security-log/security-events.js';
import type { KnownBrowsers } from '../../security/known-browser.js';
import { resetLinkMailer, type ResetLinkDeps } from './reset-link.js';
import type { CoreDeps, SignInCredentials } from '../../feature.js';
import { csrfTokenForForm, ensureCsrfToken } from '../../session/csrf.js';
import { saveRegenerated } from '../../session/lifecycle.js';
import { regenerateSession } from '../../session/promises.js';
import type { UserSessions } from '../../session/user-sessions.js';

export interface NotMeDeps extends ResetLinkDeps {
  /** passkeys, where that feature is on (src/feature.ts): listed, and removable */
  credentials: SignInCredentials | undefined;
  userSessions: UserSessions;
  sessionsRevoked: CoreDeps['sessionsRevoked'];
  notMeLinks: NotMeLinks;
  knownBrowsers: KnownBrowsers;
  logger: Logger;
  events: SecurityEvents;
}

/** How long the review page stays open to this browser after the button. */
export const NOT_ME_GRANT_MS = 15 * 60_000;

// what the review page says after a change; chosen by key, never echoed from the URL
const DONE: Record<string, string> = {
  removed: 'The passkey has been removed, and every session of the account was signed out again, in case it had signed one in.',
};

export function notMePages(deps: NotMeDeps) {
  const { users, credentials, userSessions, notMeLinks, logger, mail } = deps;
  const resetLinks = resetLinkMailer(deps);

  // a used, expired, unknown or mangled link: a page that says so, never an error
  const linkGone = (res: Response) => res.status(400).render('mail/not-me-invalid', { title: 'This link no longer works', expired: false });

  /** The account this browser may review, while its grant lasts. */
  function grantedUser(req: Request): string | undefined {
    const grant = req.session.notMeGrant;
    return grant && grant.until > Date.now() ? grant.userId : undefined;
  }

  const reviewGone = (res: Response) => res.status(403).render('mail/not-me-invalid', { title: 'This page has closed', expired: true });

  /**
   * The link opens a page with one button, and changes nothing: mail
   * gateways open every link in incoming mail (see verifyForm in
   * features/mail/account-email.ts), and a scanner must not sign the owner out.
   * The token rides in the form, not in the session.
   */
  const open: RequestHandler = async (req, res) => {
    const token = linkTokenFrom(req.query.token);
    // a read only: the page says at once when the link is spent
    if (!token || !(await notMeLinks.peek(token))) {
      linkGone(res);
      return;
    }
    res.render('mail/not-me', { title: "This wasn't me", token, csrfToken: await csrfTokenForForm(req) });
  };

  const submit: RequestHandler = async (req, res) => {
    const token = linkTokenFrom((req.body as { token?: unknown } | undefined)?.token);
    // used up here, once: of several browsers posting it at once, one gets the account
    const link = token ? await notMeLinks.consume(token) : undefined;
    const userId = link?.userId;
    const user = userId ? await users.findById(userId, { username: 1, email: 1, emailKey: 1, passwordHash: 1 }).lean() : null;
    if (!link || !userId || !user) {
      logger.info({ event: 'not-me-failed', ip: req.ip }, '"This wasn\'t me" refused: the link no longer works');
      linkGone(res);
      return;
    }
    // every session ends, logins running at this moment included (the
    // generation goes up first: session/revocation.ts)
    // (an address change waiting for its link, perhaps to the intruder's own
    // address, goes in the same update: session/revocation.ts)
    const { ended, cleared } = await userSessions.endAll(userId);
    // every browser the account knew is new again (an intruder's next sign-in
    // is mailed about), but the one pressing the button: the owner's, most likely
    await deps.knownBrowsers.forget(userId, deps.knownBrowsers.browserKeyOf(req));
    await deps.events.record(req, userId, { type: 'not-me-used' });
    await deps.events.record(req, userId, { type: 'sessions-ended', by: 'not-me', count: ended });
    await deps.sessionsRevoked(req, userId, cleared, 'not-me');
    // A link mailed to an address the account no longer has (an intruder
    // changed it, then the old address's owner pressed the button) only signs
    // everyone out: a reset link now would go to the new address, perhaps the
    // intruder's, and the review page is for the address's owner only.
    if (!user.emailKey || link.mailedTo !== user.emailKey) {
      logger.warn({ event: 'not-me-used', userId, sessionsEnded: ended, addressChanged: true, ip: req.ip }, '"This wasn\'t me" from an address the account no longer has: sessions ended only');
      res.render('mail/not-me-done', { title: 'Every session was signed out' });
      return;
    }
    // An enrolment in two-factor that the alert was about is undone: an
    // intruder who turned it on with their own app would otherwise keep the
    // owner out after the reset. Only that enrolment (its enabledAt): one the
    // owner made since stays. Nothing else weakens the second factor here.
    if (link.twoFactorEnabledAt) {
      const undone = await users.updateOne({ _id: userId, 'twoFactor.enabledAt': link.twoFactorEnabledAt }, { $unset: { twoFactor: 1 } });
      if (undone.modifiedCount === 1) await deps.events.record(req, userId, { type: 'two-factor-off' }, { alert: false });
    }
    // a new password, by the usual reset link to the confirmed address. Not
    // counted against the hourly reset limit: each alert link works once, so
    // this cannot flood the mailbox, and an intruder who used up the limit
    // with "forgot password" must not keep the owner from getting one.
    const resetMailed = Boolean(user.email);
    if (user.email) {
      mail.outbox.later('not-me-reset-mail', async () => {
        await resetLinks.send(user, 'not-me');
      });
    }
    // This browser starts a new session: whatever it held goes (if it was
    // signed in to this account, that session has just ended anyway), and a
    // new ID means an ID planted beforehand (session fixation) gains nothing.
    // It holds the grant only: the review page for 15 minutes, no login.
    await regenerateSession(req);
    req.session.notMeGrant = { userId, until: Date.now() + NOT_ME_GRANT_MS };
    await saveRegenerated(req);
    logger.info({ event: 'not-me-used', userId, sessionsEnded: ended, resetMailed, ip: req.ip }, '"This wasn\'t me": sessions ended, a reset link mailed');
    res.redirect(303, '/not-me/review');
  };

  async function renderReview(req: Request, res: Response, userId: string, status: number, extra: { error?: string; done?: string } = {}) {
    const [user, list] = await Promise.all([
      users.findById(userId, { username: 1, email: 1, twoFactor: 1 }).lean(),
      credentials ? credentials.list(userId) : [],
    ]);
    res.status(status).render('mail/not-me-review', {
      title: 'Secure your account',
      username: user?.username ?? '',
      resetMailed: Boolean(user?.email),
      twoFactor: user?.twoFactor ? { recoveryCodesLeft: user.twoFactor.recoveryCodes?.length ?? 0 } : undefined,
      passkeys: credentials ? list : undefined,
      csrfToken: ensureCsrfToken(req),
      ...extra,
    });
  }

  // Passkeys may go, but the second factor can only be looked at here:
  // whoever holds only the mailbox (the link's holder may be the intruder)
  // must not be able to weaken it. Turning two-factor off, or making new
  // recovery codes (which would show them to this browser), takes a real
  // sign-in with every factor and sudo mode, at /account/two-factor.
  // Removing a passkey never weakens the account: it takes a way in away.
  const review: RequestHandler = async (req, res) => {
    const userId = grantedUser(req);
    if (!userId) {
      reviewGone(res);
      return;
    }
    const done = typeof req.query.done === 'string' ? DONE[req.query.done] : undefined;
    await renderReview(req, res, userId, 200, { done });
  };

  const removePasskey: RequestHandler = async (req, res) => {
    const userId = grantedUser(req);
    if (!userId) {
      reviewGone(res);
      return;
    }
    const id = (req.body as Record<string, unknown> | undefined)?.id;
    // the grant's account in every query: another account's passkey is "not found"
    const result = credentials && typeof id === 'string' ? await credentials.remove(userId, id) : 'not-found';
    if (result === 'not-found') {
      await renderReview(req, res, userId, 404, { error: 'No such passkey.' });
      return;
    }
    if (result === 'last-method') {
      await renderReview(req, res, userId, 409, { error: 'This passkey is the only way left to sign in to the account, so it stays.' });
      return;
    }
    // the passkey may have signed someone in since the button was pressed:
    // every session ends again (this browser's holds no login, only the grant)
    const { ended } = await userSessions.endAll(userId);
    await deps.events.record(req, userId, { type: 'passkey-removed', name: result.removed });
    await deps.events.record(req, userId, { type: 'sessions-ended', by: 'passkey-removed', count: ended });
    logger.info({ event: 'not-me-passkey-removed', userId, passkeyId: id, sessionsEnded: ended, ip: req.ip }, 'passkey removed from the "This wasn\'t me" page');
    res.redirect(303, '/not-me/review?done=removed');
  };

  return { open, submit, review, removePasskey };
}
