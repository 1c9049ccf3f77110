// no store: private pages and auth forms must not be kept by the browser or a
// proxy, so Back after logout shows nothing and shared computers leak nothing.
import type { RequestHandler } from 'express';

export const noStore: RequestHandler = (_req, res, next) => {
  res.set('Cache-Control', 'no-store');
  next();
};
