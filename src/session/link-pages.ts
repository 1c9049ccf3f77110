// link pages: where the links in Cloakroom's mail lead (a password reset, an
// address to confirm, "This wasn't me"). They work logged in or not, so a
// session that ended (signed out elsewhere, timed out, its document gone while
// the browser kept the cookie) must not send the visitor to the login page
// first: someone who forgot their password cannot log in, which is why they
// asked for the link, and the link's token would end up in the login page's
// URL and its `next`.
// These pages start afresh instead (session/timeouts.ts, middleware/locals.ts).
import type { Request } from 'express';
import { isSafeMethod } from '../safe-methods.js';

const LINK_PAGES = new Set(['/reset-password', '/verify-email', '/verify-email/done', '/not-me']);

/** A GET (or HEAD) of a page a mailed link leads to. */
export function opensLinkPage(req: Request): boolean {
  return isSafeMethod(req.method) && LINK_PAGES.has(req.path);
}
