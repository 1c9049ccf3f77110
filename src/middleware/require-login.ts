// require login: pages for signed-in users only; others go to the login page
// and come back here afterwards.
import type { RequestHandler } from 'express';
import { loginUrlFor } from '../auth/safe-next.js';

export const requireLogin: RequestHandler = (req, res, next) => {
  if (req.session.userId) {
    next();
    return;
  }
  res.redirect(loginUrlFor(req.originalUrl));
};
