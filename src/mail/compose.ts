// compose: how a mail is laid out, in plain text and simple HTML. The mails
// themselves are their features' (features/mail/mails.ts,
// features/two-factor/mails.ts). Each says what it is for, what to do, until
// when a link works, and what to do if you did not ask for it (OWASP Forgot
// Password cheat sheet). Links are built from PUBLIC_URL, never from the
// request's Host header: a forged Host would otherwise send the victim a link
// to the attacker's site, token included.
import type { MailMessage } from './mailer.js';

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

export interface Part {
  text: string;
  link?: { href: string; label: string };
}

/** Paragraphs, one of which may be a button-like link, as text and as HTML. */
export function compose(to: string, subject: string, parts: Part[]): MailMessage {
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
