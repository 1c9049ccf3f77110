// errors: a friendly page for every failure, and the details only in the log.
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { HashingQueueFullError } from '../auth/passwords.js';
import { isDatabaseUnavailable } from '../db/connect.js';
import type { Logger } from '../logger.js';
import { isCsrfError } from '../session/csrf.js';
import { CrossSiteRequestError } from '../security/same-origin.js';

export const notFound: RequestHandler = (_req, res) => {
  res.status(404).render('error', {
    title: 'Page not found',
    message: 'There is nothing at this address.',
  });
};

// a full hashing queue drains in about eight hashes' time (auth/bcrypt-pool.ts)
const HASHING_RETRY_AFTER_S = 2;

// errors raised by body parsing carry a 4xx status and a `type`; these are the
// client's mistakes and get a plain explanation
const CLIENT_ERROR_MESSAGES: Record<string, string> = {
  'entity.too.large': 'What you sent is too large.',
  'entity.parse.failed': 'What you sent could not be read.',
  'encoding.unsupported': 'What you sent uses an encoding this site does not accept.',
  'charset.unsupported': 'What you sent uses a character set this site does not accept.',
  'parameters.too.many': 'What you sent has too many fields.',
};

function clientErrorStatus(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const status = (err as { status?: unknown; statusCode?: unknown }).status ?? (err as { statusCode?: unknown }).statusCode;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : undefined;
}

export function errorHandler(logger: Logger, showDetails: boolean): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    if (isDatabaseUnavailable(err)) {
      // fail closed and say so: never a half-rendered page, never a page for
      // a session that could not be read
      logger.warn({ err, method: req.method, path: req.path }, 'database unavailable');
      res.set('Retry-After', '5');
      res.status(503).render('error', {
        title: 'Temporarily unavailable',
        message: 'Cloakroom cannot reach its database at the moment. Nothing you did caused this; please try again in a few seconds.',
      });
      return;
    }
    if (err instanceof HashingQueueFullError) {
      // refused at once, rather than queued behind every hash already waiting
      logger.warn({ event: 'hashing-busy', method: req.method, path: req.path }, 'password hashing queue full: refused');
      res.set('Retry-After', String(HASHING_RETRY_AFTER_S));
      res.status(503).render('error', {
        title: 'Busy right now',
        message: 'Cloakroom is checking a great many passwords at this moment. Nothing you did caused this; please try again in a few seconds.',
      });
      return;
    }
    if (err instanceof CrossSiteRequestError) {
      // logged by the same-origin check, with the origin it saw
      res.status(403).render('error', {
        title: 'This form was sent from another site',
        message:
          'Cloakroom accepts forms only from its own pages, so this one was refused and nothing was changed. If you meant to send it, open the page on this site and send the form from there.',
      });
      return;
    }
    if (isCsrfError(err)) {
      logger.warn({ event: 'csrf-rejected', method: req.method, path: req.path }, 'form refused: missing or wrong CSRF token');
      res.status(403).render('error', {
        title: 'This form has expired',
        message:
          'The form you sent was not accepted: it is too old, or it did not come from this site. Go back, reload the page, and try again.',
      });
      return;
    }
    const status = clientErrorStatus(err);
    if (status !== undefined) {
      const type = (err as { type?: unknown }).type;
      logger.info({ status, type, method: req.method, path: req.path }, 'client error');
      res.status(status).render('error', {
        title: 'Request not accepted',
        message: (typeof type === 'string' && CLIENT_ERROR_MESSAGES[type]) || 'This request could not be handled.',
      });
      return;
    }
    logger.error({ err, method: req.method, path: req.path }, 'request failed');
    res.status(500).render('error', {
      title: 'Something went wrong',
      message: 'Sorry, something went wrong on our side. Please try again in a moment.',
      // the stack only ever reaches a developer's own browser
      details: showDetails && err instanceof Error ? err.stack : undefined,
    });
  };
}
