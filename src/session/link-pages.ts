// link pages: where the links in mail lead (a password reset, an address to
// confirm, "This wasn't me": the mail feature names them, linkPages in
// src/feature.ts). They work logged in or not, so a session that ended
// (signed out elsewhere, timed out, its document gone while the browser kept
// the cookie) must not send the visitor to the login page first: someone who
// forgot their password cannot log in, which is why they asked for the link,
// and the link's token would end up in the login page's URL and its `next`.
// These pages start afresh instead (enforce-timeouts.ts, middleware/locals.ts).
import type { Request } from 'express';
import { isSafeMethod } from '../safe-methods.js';

/** Whether a request is a GET (or HEAD) of one of these pages. */
export type OpensLinkPage = (req: Request) => boolean;

export function linkPages(paths: string[]): OpensLinkPage {
  const pages = new Set(paths);
  return (req) => isSafeMethod(req.method) && pages.has(req.path);
}
