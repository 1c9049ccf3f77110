// form only: state-changing routes accept HTML forms and nothing else, so a
// JSON body can never smuggle objects ({"$ne": null}) into a handler.
import type { RequestHandler } from 'express';
import { isSafeMethod } from '../safe-methods.js';

export const formBodiesOnly: RequestHandler = (req, res, next) => {
  if (isSafeMethod(req.method) || req.is('application/x-www-form-urlencoded')) {
    next();
    return;
  }
  res.status(415).render('error', {
    title: 'Request not accepted',
    message: 'This address accepts HTML form posts only.',
  });
};
