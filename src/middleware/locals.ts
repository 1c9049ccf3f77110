// locals: what every template may use. Read from the session already in
// memory, never from the database, so a page costs no extra query.
import type { RequestHandler } from 'express';
import type { Config } from '../config.js';
import { redirectToLogin } from '../session/to-login.js';
import { isSafeMethod } from '../safe-methods.js';
import { sessionIdInCookie } from '../session/cookie-id.js';
import type { OpensLinkPage } from '../session/link-pages.js';
import { sessionIfStarted } from '../session/start-on-first-use.js';

// Each notice tells of something that left the visitor either logged out or
// still logged in, and shows only to a visitor in that state: a notice link
// reloaded, bookmarked or opened in another tab never says "you have signed
// out" beside "Signed in as".
interface Notice {
  shownWhen: 'logged-out' | 'logged-in';
  text: string;
  /** it says a mail was sent: the dev inbox is offered beside it (partials/messages.pug) */
  mailed?: boolean;
}

// notices are chosen by key from this list, never echoed from the URL, so a
// crafted link cannot put its own words on the page
const NOTICES: Record<string, Notice> = {
  'signed-out': {
    shownWhen: 'logged-out',
    text: 'You have signed out. Your session was deleted from the server, so your old cookie no longer works.',
  },
  'account-gone': { shownWhen: 'logged-out', text: 'Your account no longer exists, so you have been signed out.' },
  'account-deleted': {
    shownWhen: 'logged-out',
    text: 'Your account and all its sessions have been deleted. Nothing of it is left here.',
  },
  'password-reset': {
    shownWhen: 'logged-out',
    text: 'Your password has been changed, and every session of your account was signed out. Log in with the new password.',
  },
  'session-ended-elsewhere': {
    shownWhen: 'logged-out',
    text: 'Your session was ended while this page was loading: signed out in another tab or on another device, or after a password change. Please log in again.',
  },
  // set by sessionEndedElsewhere() below, not by a link
  'signed-out-elsewhere': { shownWhen: 'logged-out', text: 'You were signed out (on another device, or your session ended).' },
  'session-ended': {
    shownWhen: 'logged-in',
    text: 'That session has been signed out: its document is deleted, so its cookie no longer works.',
  },
  'address-mailed': {
    shownWhen: 'logged-in',
    text: 'We have sent a link to the email address you gave. Open it to confirm the address; until then nothing else is sent there.',
    mailed: true,
  },
  'session-gone': { shownWhen: 'logged-in', text: 'That session had already ended.' },
  'others-ended': { shownWhen: 'logged-in', text: 'Every other session of yours has been signed out. Only this one is left.' },
};

/**
 * A browser whose cookie names a session the store no longer has was signed
 * out from somewhere else: "Your sessions" on another device, "sign out
 * everywhere else", a password change, its account deleted. (Logging out here
 * clears the cookie, and a cookie expires with its session.) express-session
 * does not tell: it finds no session for that ID and quietly starts a new,
 * empty one under another, which is how this tells.
 *
 * The browser is sent to the login page, which says why. It says so once: the
 * login form starts a new session, whose cookie replaces the old one. Nothing
 * is stored to remember it, and the old cookie is not cleared here: a login in
 * another tab may have just replaced it with a good one.
 */
export function sessionEndedElsewhere(config: Config['session'], opensLinkPage: OpensLinkPage = () => false): RequestHandler {
  return (req, res, next) => {
    const cookieId = sessionIdInCookie(req, config);
    if (cookieId === undefined || cookieId === req.sessionID) {
      next();
      return;
    }
    if (isSafeMethod(req.method) && req.path === '/login') {
      res.locals.sessionEndedElsewhere = true;
      next();
    } else if (req.method === 'POST' && (req.path === '/login' || req.path === '/register')) {
      // its CSRF token was the ended session's: the form comes back with
      // what was typed, and says why (routes/stale-forms.ts)
      next();
    } else if (opensLinkPage(req)) {
      // a mailed link works without a login: express-session has already
      // started a new, empty session for this request (session/link-pages.ts)
      next();
    } else {
      // as requireLogin does (a page comes back after logging in)
      redirectToLogin(req, res);
    }
  };
}

export const templateLocals: RequestHandler = (req, res, next) => {
  // read without starting one: a cookieless GET of the home page needs none
  const session = sessionIfStarted(req);
  const loggedIn = Boolean(session?.userId);
  // the header's name and logout button (signIn puts a CSRF token in every
  // logged-in session); the token is the header's own, so that a page's
  // csrfToken for a session of its own (the lab's) does not replace it
  res.locals.currentUser = loggedIn ? { username: session?.username, csrfToken: session?.csrfToken ?? undefined } : undefined;
  // for the forms of pages that pass no token of their own ("Your sessions")
  res.locals.csrfToken = session?.csrfToken ?? undefined;
  const key = res.locals.sessionEndedElsewhere === true ? 'signed-out-elsewhere' : req.query.notice;
  const notice = typeof key === 'string' ? NOTICES[key] : undefined;
  const shown = notice && (notice.shownWhen === 'logged-in') === loggedIn ? notice : undefined;
  const notices = shown ? [shown.text] : [];
  res.locals.notices = notices;
  // a notice for the next page a logged-in user sees (a recovery code used,
  // and how many are left): told once (saved with the page: express-session
  // saves a session changed here)
  const once = session?.noticeOnce;
  if (session && once && loggedIn && isSafeMethod(req.method)) {
    delete session.noticeOnce;
    notices.push(once);
  }
  res.locals.noticeMailed = shown?.mailed === true;
  res.locals.path = req.path;
  next();
};
