// the mail feature's mails: a reset link, an address to confirm, a security
// alert with its "This wasn't me" link (laid out by mail/compose.ts).
import { compose } from '../../mail/compose.js';
import type { MailMessage } from '../../mail/mailer.js';

/** Why a reset link is sent: "forgot password", or the "This wasn't me" button of an alert. */
export type ResetReason = 'asked' | 'not-me';

export function passwordResetMail(o: { to: string; username: string; link: string; lifetime: string; reason?: ResetReason }): MailMessage {
  const link = { href: o.link, label: 'Choose a new password' };
  if (o.reason === 'not-me') {
    return compose(o.to, 'Choose a new Cloakroom password', [
      { text: `Hello ${o.username},` },
      { text: 'You told us that something done with your Cloakroom account was not you. Every session of the account has been signed out. Choose a new password now with this link:', link },
      { text: `The link works once, for ${o.lifetime}. Asking for another link, or changing your password, makes this one stop working.` },
      { text: 'Whoever can read this mailbox can use the link: if someone else may be reading your mail, secure your mailbox first.' },
    ]);
  }
  return compose(o.to, 'Reset your Cloakroom password', [
    { text: `Hello ${o.username},` },
    { text: 'Someone (we hope you) asked to reset the password of your Cloakroom account. To choose a new password, open this link:', link },
    { text: `The link works once, for ${o.lifetime}. Asking for another link, or changing your password, makes this one stop working.` },
    { text: 'If you did not ask for this, you can ignore this mail: your password stays as it is, and nobody can use the link without this mail.' },
  ]);
}


export function signInLinkMail(o: { to: string; username: string; link: string; lifetime: string }): MailMessage {
  return compose(o.to, 'Your Cloakroom sign-in link', [
    { text: `Hello ${o.username},` },
    { text: 'Someone (we hope you) asked for a link to sign in to your Cloakroom account without the password. To sign in, open this link:', link: { href: o.link, label: 'Sign in to Cloakroom' } },
    { text: `The link works once, for ${o.lifetime}. Opened in the browser that asked for it, it signs you in; anywhere else, it asks you first. If your account has two-factor login, you still type your code.` },
    { text: 'If you did not ask for this, ignore this mail: nobody can sign in without this link, and it stops working by itself.' },
  ]);
}

export function verificationMail(o: { to: string; username: string; link: string; lifetime: string }): MailMessage {
  return compose(o.to, 'Confirm your email address for Cloakroom', [
    { text: `Hello ${o.username},` },
    { text: 'To confirm that this address belongs to your Cloakroom account, open this link:', link: { href: o.link, label: 'Confirm this address' } },
    { text: `The link works once, for ${o.lifetime}. Until then this address receives nothing else from us; once it is confirmed, password-reset links can be sent here.` },
    { text: 'If you did not add this address to an account, ignore this mail: without the link, the address stays unconfirmed and gets no more mail.' },
  ]);
}

/** A security alert: what happened to the account, when and from where, and "This wasn't me". */
export function securityAlertMail(o: {
  to: string;
  subject: string;
  username: string;
  what: string;
  newSignIn: boolean;
  whatNow: string | undefined;
  when: Date;
  browser: string;
  address: string;
  settingsUrl: string;
  notMeUrl: string;
}): MailMessage {
  return compose(o.to, o.subject, [
    { text: `Hello ${o.username},` },
    { text: o.newSignIn ? `Your Cloakroom account was signed in to from a browser that had not signed in to it before. ${o.what}.` : `${o.what}.` },
    ...(o.whatNow ? [{ text: o.whatNow }] : []),
    { text: `When: ${o.when.toUTCString()}. Browser: ${o.browser}. Address: ${o.address}.` },
    { text: 'If this was you, there is nothing to do. To see it in your account (log in first):', link: { href: o.settingsUrl, label: 'Your account' } },
    {
      text: 'If it was not you, open this link: it signs out every session of the account, cancels an email address change, mails you a link to choose a new password, and shows your passkeys and two-factor settings. It works once, for 7 days.',
      link: { href: o.notMeUrl, label: 'This wasn\'t me' },
    },
  ]);
}
