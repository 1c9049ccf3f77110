// locals: what every template may use. Read from the session already in
// memory, never from the database, so a page costs no extra query.
import type { RequestHandler } from 'express';

// notices are chosen by key from this list, never echoed from the URL, so a
// crafted link cannot put its own words on the page
const NOTICES: Record<string, string> = {
  'signed-out': 'You have signed out. Your session was deleted from the server, so your old cookie no longer works.',
  'account-gone': 'Your account no longer exists, so you have been signed out.',
  'account-deleted': 'Your account and all its sessions have been deleted. Nothing of it is left here.',
  'session-ended': 'That session has been signed out: its document is deleted, so its cookie no longer works.',
  'session-gone': 'That session had already ended.',
  'others-ended': 'Every other session of yours has been signed out. Only this one is left.',
  'session-ended-elsewhere':
    'Your session was ended while this page was loading: signed out in another tab or on another device, or after a password change. Please log in again.',
};

export const templateLocals: RequestHandler = (req, res, next) => {
  // the header's name and logout button (signIn puts a CSRF token in every
  // logged-in session); the token is the header's own, so that a page's
  // csrfToken for a session of its own (the lab's) does not replace it
  res.locals.currentUser = req.session.userId
    ? { username: req.session.username, csrfToken: req.session.csrfToken ?? undefined }
    : undefined;
  // for the forms of pages that pass no token of their own ("Your sessions")
  res.locals.csrfToken = req.session.csrfToken ?? undefined;
  const notice = typeof req.query.notice === 'string' ? NOTICES[req.query.notice] : undefined;
  res.locals.notices = notice ? [notice] : [];
  res.locals.path = req.path;
  next();
};
