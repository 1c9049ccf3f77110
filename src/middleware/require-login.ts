// require login: pages for signed-in users only; others go to the login page
// (session/to-login.ts) and come back here afterwards.
import type { RequestHandler } from 'express';
import { redirectToLogin } from '../session/to-login.js';

export const requireLogin: RequestHandler = (req, res, next) => {
  if (req.session.userId) {
    next();
    return;
  }
  redirectToLogin(req, res);
};
