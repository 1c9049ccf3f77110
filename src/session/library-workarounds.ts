// library workarounds: the two places where Cloakroom changes how
// express-session behaves, kept here and out of the lesson. The login itself
// (session/lifecycle.ts) reads the same without them; each one below says
// what goes wrong without it, the upstream issue it waits for, and what would
// let it go.
import type { Session, SessionData, Store } from 'express-session';

/**
 * express-session saves a regenerated session a second time when the
 * response ends, even if nothing changed since save(). That late write can
 * land after the browser's next request has changed the session, and undo
 * the change (a lost CSRF token, a lost visit count).
 *
 * Waits for: expressjs/session#935 (open; a fix is proposed in #1145).
 * Let it go: once an express-session release saves a regenerated session
 * only once, delete this function and its call in lifecycle.ts;
 * test/core/ordering.test.ts and test/core/session-races.test.ts tell whether it is
 * still needed.
 *
 * Meanwhile: the end-of-response save of this session object is skipped
 * while its data is still what was just saved.
 */
export function skipUnchangedResave(session: Session & Partial<SessionData>): void {
  const saved = snapshot(session);
  const save = session.save.bind(session);
  Object.defineProperty(session, 'save', {
    configurable: true,
    enumerable: false,
    writable: true,
    value(callback?: (err: unknown) => void) {
      if (snapshot(session) === saved) {
        callback?.(undefined);
        return session;
      }
      return save(callback);
    },
  });
}

function snapshot(session: Session): string {
  // the same comparison express-session makes: the data, without the cookie
  return JSON.stringify({ ...session, cookie: undefined });
}

/**
 * express-session "touches" (re-writes the expiry of) every session a
 * request did not change, after the response has gone: a database write per
 * page view. Cloakroom never needs it: a session's expiry changes only at
 * login and when the timeouts middleware refreshes an active session
 * (session/timeouts.ts), and both save it. Without a touch method,
 * express-session does not call one.
 *
 * Waits for: a store option to turn touch off. express-session will not add
 * one (expressjs/session#891: how often to touch is the store's business), and
 * connect-mongo only has touchAfter, which still writes once per interval.
 * Let it go: when connect-mongo can turn touch off, use that option in
 * store.ts instead.
 */
export function withoutTouch<S extends Store>(store: S): S {
  Object.defineProperty(store, 'touch', { value: undefined });
  return store;
}
