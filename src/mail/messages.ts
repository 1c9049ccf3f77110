// messages: every mail Cloakroom sends, in plain text and simple HTML. Each
// says what it is for, what to do, until when a link works, and what to do if
// you did not ask for it (OWASP Forgot Password cheat sheet). Links are built
// from PUBLIC_URL, never from the request's Host header: a forged Host would
// otherwise send the victim a link to the attacker's site, token included.
import type { MailMessage } from './mailer.js';

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

interface Part {
  text: string;
  link?: { href: string; label: string };
}

/** Paragraphs, one of which may be a button-like link, as text and as HTML. */
function compose(to: string, subject: string, parts: Part[]): MailMessage {
  const text = parts.map((p) => (p.link ? `${p.text}\n${p.link.href}` : p.text)).join('\n\n');
  const html = [
    '<!doctype html><html lang="en"><body style="font-family: sans-serif; line-height: 1.5; max-width: 36em">',
    ...parts.map((p) =>
      p.link
        ? `<p>${escapeHtml(p.text)}</p><p><a href="${escapeHtml(p.link.href)}">${escapeHtml(p.link.label)}</a></p>`
        : `<p>${escapeHtml(p.text)}</p>`,
    ),
    '</body></html>',
  ].join('\n');
  return { to, subject, text: `${text}\n\n-- \nCloakroom\n`, html };
}

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

const passkeyCount = (n: number) => (n === 1 ? 'one passkey' : `${n} passkeys`);

export function passwordChangedMail(o: { to: string; username: string; loginUrl: string; forgotUrl: string; passkeys: number; passkeysUrl: string }): MailMessage {
  return compose(o.to, 'Your Cloakroom password was changed', [
    { text: `Hello ${o.username},` },
    { text: 'The password of your Cloakroom account was just changed with a reset link, and every session of the account was signed out. Log in with the new password:', link: { href: o.loginUrl, label: 'Log in' } },
    // a passkey signs in without the password (or the code), so a reset
    // does not shut out whoever added one: the owner must know to look
    ...(o.passkeys > 0
      ? [{ text: `Your account has ${passkeyCount(o.passkeys)}. A new password does not change them: each still signs in without a password. If you do not recognise every one, remove it after logging in:`, link: { href: o.passkeysUrl, label: 'Your passkeys' } }]
      : []),
    { text: `If this was not you, someone can read your mail: secure your mailbox first, then ask for a new reset link at ${o.forgotUrl}.` },
  ]);
}

export function passkeyAddedMail(o: { to: string; username: string; name: string; passkeysUrl: string }): MailMessage {
  return compose(o.to, 'A passkey was added to your Cloakroom account', [
    { text: `Hello ${o.username},` },
    { text: `A passkey named "${o.name}" was just added to your Cloakroom account. A passkey signs in on its own, without your password or a code.` },
    { text: 'If this was you, there is nothing to do. If it was not, someone is signed in as you: log in, remove that passkey, and change your password (which signs everyone else out):', link: { href: o.passkeysUrl, label: 'Your passkeys' } },
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

export function addressRemovedMail(o: { to: string; username: string; accountUrl: string }): MailMessage {
  return compose(o.to, 'Your email address was removed from Cloakroom', [
    { text: `Hello ${o.username},` },
    { text: 'Someone logged in to your Cloakroom account removed this email address from it. Password-reset links can no longer be sent here, any already sent here stop working, and this is the last mail it gets from us.' },
    { text: 'If this was not you, log in, change your password (which signs everyone else out) and add your address again:', link: { href: o.accountUrl, label: 'Your email address settings' } },
  ]);
}

export function addressChangedMail(o: { to: string; username: string; accountUrl: string }): MailMessage {
  return compose(o.to, 'Your Cloakroom email address is being changed', [
    { text: `Hello ${o.username},` },
    { text: 'Someone logged in to your Cloakroom account asked to change its email address away from this one. Once the new address is confirmed, password-reset links go there instead of here, and any sent here stop working.' },
    { text: 'If this was not you, log in, change your password (which signs everyone else out) and put your address back:', link: { href: o.accountUrl, label: 'Your email address settings' } },
  ]);
}

export function addressReplacedMail(o: { to: string; username: string; accountUrl: string }): MailMessage {
  return compose(o.to, 'Your Cloakroom email address was changed', [
    { text: `Hello ${o.username},` },
    { text: 'The new email address of your Cloakroom account has been confirmed, and it replaces this one: password-reset links now go there, any sent here no longer work, and this is the last mail this address gets from us.' },
    { text: 'If this was not you, someone is signed in as you: reset your password from the new address if you can, or contact us, and check your account:', link: { href: o.accountUrl, label: 'Your email address settings' } },
  ]);
}

export function secondFactorFailuresMail(o: { to: string; username: string; failures: number; forgotUrl: string; lockout: string }): MailMessage {
  return compose(o.to, 'Someone has your Cloakroom password', [
    { text: `Hello ${o.username},` },
    { text: `Someone typed the right password for your Cloakroom account, then a wrong two-factor code ${o.failures} times. Your second factor kept them out, but they know your password. Change it now:`, link: { href: o.forgotUrl, label: 'Choose a new password' } },
    { text: `To stop the guessing, the code step of a login to your account is closed for up to ${o.lockout}, for everyone, you included. A new password ends every login the old one started.` },
    { text: 'If it was you, mistyping, you can ignore this mail and log in again later.' },
  ]);
}

export function twoFactorOffMail(o: { to: string; username: string; accountUrl: string }): MailMessage {
  return compose(o.to, 'Two-factor login was turned off for your Cloakroom account', [
    { text: `Hello ${o.username},` },
    { text: 'Someone logged in to your Cloakroom account turned two-factor login off: from now on the password alone logs in. Every other session of the account was signed out.' },
    { text: 'If this was not you, log in, change your password (which signs everyone else out) and turn two-factor login on again:', link: { href: o.accountUrl, label: 'Your two-factor settings' } },
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
  activityUrl: string;
  notMeUrl: string;
}): MailMessage {
  return compose(o.to, o.subject, [
    { text: `Hello ${o.username},` },
    { text: o.newSignIn ? `Your Cloakroom account was signed in to from a browser that had not signed in to it before. ${o.what}.` : `${o.what}.` },
    ...(o.whatNow ? [{ text: o.whatNow }] : []),
    { text: `When: ${o.when.toUTCString()}. Browser: ${o.browser}. Address: ${o.address}.` },
    { text: 'If this was you, there is nothing to do. Your account\'s activity:', link: { href: o.activityUrl, label: 'Your activity' } },
    {
      text: 'If it was not you, open this link: it signs out every session of the account, cancels an email address change, mails you a link to choose a new password, and shows your passkeys and two-factor settings. It works once, for 7 days.',
      link: { href: o.notMeUrl, label: 'This wasn\'t me' },
    },
  ]);
}
