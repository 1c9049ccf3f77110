// dev mail: the local mail catcher's inbox in the browser (mail/catcher.ts),
// so "forgot password" can be tried without a mail account. Development and
// tests only: routes/index.ts never mounts it in production, and there is no
// inbox at all with a real SMTP server.
import type { RequestHandler } from 'express';
import type { MailInbox } from '../../mail/catcher.js';

// the links in a mail's text, to follow with one click
const LINK = /https?:\/\/[^\s<>"]+/g;

export function devMailPage(inbox: MailInbox) {
  const show: RequestHandler = (_req, res) => {
    const messages = inbox.messages().map((m) => ({ ...m, links: m.text.match(LINK) ?? [] }));
    res.render('mail/dev-mail', { title: 'Mail catcher', messages });
  };
  return { show };
}
