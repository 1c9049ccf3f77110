// start on first use: express-session run the first time a request reads
// req.session, not before, for a GET without a session cookie (middleware.ts
// says which requests). A first visit, a bot or a 404 then costs no session
// ID, no hashing and no end-of-response hooks; the login form, which reads
// req.session, gets its session exactly as it would have.
//
// It leans on one behaviour of express-session 1.x: without a cookie, it
// reads no store and starts a new session synchronously, so running it
// inside a getter finishes before the getter returns. If a version ever
// stops doing so, the getter throws rather than hand out a session that is
// not there (test/core/database-commands.test.ts pins the behaviour).
import type { Request, RequestHandler, Response } from 'express';

/** Whether the Cookie header has a cookie of this name (signed or not: express-session judges that). */
export function hasCookie(req: Request, name: string): boolean {
  const header = req.headers.cookie;
  if (header === undefined) return false;
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq !== -1 && pair.slice(0, eq).trim() === name) return true;
  }
  return false;
}

/** req.session as a getter that runs express-session when first read. */
export function startOnFirstUse(req: Request, res: Response, sessions: RequestHandler): void {
  const settle = (value: unknown) => Object.defineProperty(req, 'session', { value, writable: true, configurable: true, enumerable: true });
  Object.defineProperty(req, 'session', {
    configurable: true,
    enumerable: true,
    get() {
      // express-session asks whether there is a session first: not yet
      settle(undefined);
      let ran = false;
      void sessions(req, res, () => {
        ran = true;
      });
      // with no cookie, express-session reads no store: it is done already
      if (!ran) throw new Error('express-session did not start a session at once');
      return req.session;
    },
    set: settle,
  });
}

/**
 * The request's session if there is one, without starting one: for the
 * middleware every page passes (whether someone is logged in, the header's
 * token), so that a cookieless GET that needs nothing else stays without.
 */
export function sessionIfStarted(req: Request): Request['session'] | undefined {
  if (Object.getOwnPropertyDescriptor(req, 'session')?.get !== undefined) return undefined;
  return req.session;
}

/**
 * For a route served before the session middleware: on to the route's
 * handler when the request has no session cookie, past the route (on to the
 * session and the pages after it) when it has one.
 */
export function withoutSessionCookie(config: { cookieName: string }): RequestHandler {
  return (req, _res, next) => {
    next(hasCookie(req, config.cookieName) ? 'route' : undefined);
  };
}
