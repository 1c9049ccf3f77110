// logout: throw the coat away. The session is deleted from the store, not
// just forgotten by the browser, so a copied cookie stops working too.
import type { RequestHandler } from 'express';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { SecurityEvents } from '../security-log/security-events.js';
import { endSession } from '../session/lifecycle.js';

export function logoutAction(deps: { sessionConfig: Config['session']; logger: Logger; events: SecurityEvents }) {

  // POST, never a GET link: a GET could be triggered by an <img> on any page,
  // and link prefetchers would log people out. The CSRF token is checked
  // before this runs (see session/csrf.ts).
  const submit: RequestHandler = async (req, res) => {
    const userId = req.session.userId;
    // deleted from the store, and awaited: the redirect goes out only once it is gone
    await endSession(req, res, deps.sessionConfig);
    if (userId) {
      deps.logger.info({ event: 'logout', userId }, 'logged out');
      await deps.events.record(req, userId, { type: 'sessions-ended', by: 'this-browser', count: 1 });
    }
    res.redirect(303, '/?notice=signed-out');
  };

  return { submit };
}
