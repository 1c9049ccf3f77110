// https required: in production the session cookie is Secure, and
// express-session never sends a Secure cookie on a request it believes is
// plain HTTP. Served over http:// (or behind a TLS proxy that the app was not
// told to trust), no session would ever stick: every form would end on "This
// form has expired", with nothing to say why. Instead, such a request gets a
// page that names the cause and the fix, and the log says it once.
import type { RequestHandler } from 'express';
import type { Logger } from '../logger.js';

export function httpsRequired(logger: Logger): RequestHandler {
  let logged = false;
  return (req, res, next) => {
    if (req.secure) {
      next();
      return;
    }
    if (!logged) {
      logged = true;
      logger.warn(
        { event: 'plain-http-in-production', path: req.path },
        'a request reached the app over plain HTTP in production: sessions need HTTPS. Serve the app through a TLS proxy and set TRUST_PROXY to its address (see docs/deploying.md)',
      );
    }
    res.status(403).set('Cache-Control', 'no-store').render('https-required', { title: 'This site needs HTTPS' });
  };
}
