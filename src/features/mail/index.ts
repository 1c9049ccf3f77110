// mail, as a feature: what the app mails and the pages its links open.
// Forgot password and the reset link, a sign-in link instead of the
// password (one factor: two-factor still asks for its code), the account's email address and its
// confirmation, the owner's security alerts with their "This wasn't me"
// link, and the local catcher's inbox in development. It plugs into the core
// through src/feature.ts only:
//
//   mount                  its pages (below), behind the core's guards
//   alerts                 the owner is mailed about each security change and
//                          each sign-in from a new browser (alerts.ts)
//   addressAtRegistration  an address typed at registration gets its link
//   linkPages              the pages its links open work logged in or not
//   onAccountDeleted       the account's "This wasn't me" links go with it
//   onSessionEnded         a session signed out takes its address change along
//
// Sending itself (the outbox, the SMTP transport, the local catcher) is
// src/mail/, which server.ts opens beside the database when mail is on
// (EMAIL=on, FEATURES naming mail); without a mailer this feature adds nothing.
import { defineFeature, type Feature } from '../../feature.js';
import { accountEmailPages } from './account-email.js';
import { securityAlerts } from './alerts.js';
import { devMailPage } from './dev-mail.js';
import { forgotPasswordPage } from './forgot-password.js';
import { notMePages } from './not-me.js';
import { openNotMeLinks } from './not-me-links.js';
import { cancelEmailChange, PENDING_EMAIL } from './pending-email.js';
import { resetPasswordPage } from './reset-password.js';
import { signInLinkPages, SIGN_IN_LINK_OPEN_PATH } from './sign-in-link.js';
import { openSignInLinks } from './sign-in-links.js';
import { createResetThrottle } from './reset-throttle.js';
import { redactMailSession } from './session-data.js';
import { mailSettings } from './settings.js';
import { createVerificationThrottle } from './verification-throttle.js';

/** The pages mailed links open (session/link-pages.ts). */
export const LINK_PAGES = ['/reset-password', '/verify-email', '/verify-email/done', '/not-me', SIGN_IN_LINK_OPEN_PATH];

export const mailFeature = defineFeature({
  name: 'mail',
  settings: mailSettings,
  async open({ config, connection, db, logger }, settings): Promise<Feature> {
    // "This wasn't me" links by their hash; they expire
    const notMe = await openNotMeLinks(db, config, logger);
    const notMeLinks = notMe.notMeLinks;
    // sign-in links by their hash, with the browser that asked; they expire
    const signIn = await openSignInLinks(db, config, logger);
    // how often it may mail: counters in the core's rate-limit collection (security/hourly-limit.ts)
    const client = connection.getClient();
    const throttles = {
      reset: createResetThrottle(client, connection.name, settings),
      verification: createVerificationThrottle(client, connection.name, settings),
    };

    return {
      name: 'mail',
      attach(core) {
        const mail = core.mail;
        if (!mail) return {};
        const deps = { ...core, mail, notMeLinks, signInLinks: signIn.signInLinks, settings, throttles };
        const email = accountEmailPages(deps);
        const [forgot, reset, notMePage] = [forgotPasswordPage(deps), resetPasswordPage(deps), notMePages(deps)];
        const link = signInLinkPages(deps);
        // the local mail catcher's inbox: never in production, and only where
        // mail goes to the catcher (a real SMTP server has no inbox here)
        const inbox = core.isProduction ? undefined : mail.inbox;
        return {
          mount(pages, { noStore, requireLogin, anonymousSessions, recentAuth }) {
            //         path                     guards                                handler
            pages.get( '/forgot-password',      noStore, anonymousSessions,           forgot.form); //          forgot-password.ts
            pages.post('/forgot-password',      noStore,                              forgot.submit);
            pages.get( '/forgot-password/sent', noStore,                              forgot.sent);
            pages.get( '/sign-in-link',         noStore, anonymousSessions,           link.form); //            sign-in-link.ts
            pages.post('/sign-in-link',         noStore,                              link.submit);
            pages.get( '/sign-in-link/sent',    noStore,                              link.sent);
            pages.get( SIGN_IN_LINK_OPEN_PATH,  noStore, anonymousSessions,           link.open);
            pages.post(SIGN_IN_LINK_OPEN_PATH,  noStore,                              link.confirm);
            pages.get( '/reset-password',       noStore, anonymousSessions,           reset.open); //           reset-password.ts
            pages.post('/reset-password',       noStore,                              reset.submit);
            pages.get( '/account/email',        noStore, requireLogin, recentAuth,    email.show); //           account-email.ts
            pages.post('/account/email',        noStore, requireLogin, recentAuth,    email.change);
            pages.post('/account/email/remove', noStore, requireLogin, recentAuth,    email.remove);
            pages.get( '/verify-email',         noStore, anonymousSessions,           email.verifyForm);
            pages.post('/verify-email',         noStore,                              email.verify);
            pages.get( '/verify-email/done',    noStore,                              email.verified);
            pages.get( '/not-me',               noStore, anonymousSessions,           notMePage.open); //       not-me.ts
            pages.post('/not-me',               noStore,                              notMePage.submit);
            pages.get( '/not-me/review',        noStore,                              notMePage.review);
            pages.post('/not-me/passkeys/remove', noStore,                            notMePage.removePasskey);
            if (inbox) pages.get('/dev/mail',   noStore,                              devMailPage(inbox).show); // dev-mail.ts
          },
          alerts: securityAlerts({ ...deps, publicUrl: core.publicUrl }),
          // the address change a session asked for ends with that session
          async onSessionEnded(req, userId, handle) {
            if (await cancelEmailChange(core.users, userId, handle)) {
              core.logger.info({ event: 'email-change-cancelled', userId, by: 'another-browser' }, 'the address change that session asked for is cancelled');
              await core.events.record(req, userId, { type: 'email-change-cancelled', by: 'another-browser' });
            }
          },
          // the address change any session asked for went with the sessions
          // (clearedWithSessions); a sign-in link on its way goes too: after
          // "sign out everywhere" or a new password, no old link signs in
          async onSessionsRevoked(req, userId, cleared, by) {
            await signIn.signInLinks.forget(userId);
            if (cleared.includes(PENDING_EMAIL)) await core.events.record(req, userId, { type: 'email-change-cancelled', by });
          },
          addressAtRegistration: email.startVerificationAtRegistration,
        };
      },
      linkPages: LINK_PAGES,
      // an address change waiting for its link ends with every session of the
      // account: the session that asked may be a thief's (session/revocation.ts)
      clearedWithSessions: [PENDING_EMAIL],
      redactSession: redactMailSession,
      async onAccountDeleted(userId) {
        await notMeLinks.forget(userId);
        await signIn.signInLinks.forget(userId);
      },
      // on the dashboard only: the header has no room for it at 1280 pixels
      accountLinks: [{ href: '/account/email', description: 'Your email address' }],
      stop() {
        notMe.stop();
        signIn.stop();
      },
    };
  },
});
