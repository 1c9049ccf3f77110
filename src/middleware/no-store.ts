// no store: private pages and auth forms must not be kept by the browser or a
// proxy, so Back after logout shows nothing and shared computers leak nothing.
import type { RequestHandler } from 'express';
import { sessionIfStarted } from '../session/start-on-first-use.js';

export const noStore: RequestHandler = (_req, res, next) => {
  res.set('Cache-Control', 'no-store');
  next();
};

/**
 * Every response to a logged-in session, whatever the page: the navigation
 * of each one (the home page, a 404, an error page) carries the username and
 * the logout form's CSRF token. Anonymous pages stay cacheable.
 */
export const noStoreWhenLoggedIn: RequestHandler = (req, res, next) => {
  if (sessionIfStarted(req)?.userId) res.set('Cache-Control', 'no-store');
  next();
};
