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


export function verificationMail(o: { to: string; username: string; link: string; lifetime: string }): MailMessage {
  return compose(o.to, 'Confirm your email address for Cloakroom', [
    { text: `Hello ${o.username},` },
    { text: 'To confirm that this address belongs to your Cloakroom account, open this link:', link: { href: o.link, label: 'Confirm this address' } },
    { text: `The link works once, for ${o.lifetime}. Until then this address receives nothing else from us; once it is confirmed, password-reset links can be sent here.` },
    { text: 'If you did not add this address to an account, ignore this mail: without the link, the address stays unconfirmed and gets no more mail.' },
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
