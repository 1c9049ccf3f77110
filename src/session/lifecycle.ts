// lifecycle: a session's life from login to logout, in the one correct order
// for each step. Every step changes the session in the store and waits until
// the store has it; only then may the handler respond.
//
//   signIn        a visitor becomes a user: new ID, the user in it, saved
//   renewSession  the user stays, the ID changes (after a password change)
//   endSession    logout: deleted from the store, the cookie dropped
//
// Sessions ended from elsewhere (another tab's logout, "sign out everywhere
// else", a password change) are the other half of the story: race-safe-store.ts
// keeps them from coming back, revocation.ts ends the logins still running.
import { randomBytes } from 'node:crypto';
import type { Request, Response } from 'express';
import type { Config } from '../config.js';
import { ensureCsrfToken } from './csrf.js';
import { skipUnchangedResave } from './library-workarounds.js';
import { clearSessionCookie } from './middleware.js';
import { destroySession, regenerateSession, saveSession } from './promises.js';
import { markAuthenticated } from './recent-auth.js';
import { setTicketLifetime } from './timeouts.js';

/** What a session handle looks like: 9 random bytes in base64url (see newSessionHandle). */
export const SESSION_HANDLE_PATTERN = /^[\w-]{12}$/;

/** A public name for a session, for "Your sessions": random, unrelated to its ID. */
function newSessionHandle(): string {
  return randomBytes(9).toString('base64url');
}

/** Sign in: turns the visitor of this request into a logged-in user. */
export async function signIn(
  req: Request,
  // sessionGeneration read together with the password hash (see revocation.ts)
  user: { id: string; username: string; sessionGeneration: number | undefined },
  config: Pick<Config['session'], 'idleTimeoutMs' | 'absoluteTimeoutMs' | 'rememberMe'>,
  // "Keep me signed in on this device": a cookie that outlives the browser.
  // authenticatedAt: when the credentials were proved, if not just now (a
  // provider answering from its own session: features/oidc)
  options: { rememberMe?: boolean; authenticatedAt?: number | undefined } = {},
): Promise<void> {
  // 1. a brand-new session ID: an ID an attacker planted or saw before login
  //    (session fixation) is thrown away with the old session
  await regenerateSession(req);
  // 2. only now put the user in it
  req.session.userId = user.id;
  req.session.username = user.username;
  req.session.generation = user.sessionGeneration ?? 0;
  const now = Date.now();
  req.session.loginAt = now;
  req.session.lastSeenAt = now;
  req.session.handle = newSessionHandle();
  req.session.userAgent = (req.get('user-agent') ?? '').slice(0, 256);
  // the credentials were just checked: sudo mode starts now (recent-auth.ts),
  // or when they were last proved, if that was earlier
  markAuthenticated(req, Math.min(options.authenticatedAt ?? now, now));
  // a persistent cookie, or one that dies with the browser (timeouts.ts)
  if (options.rememberMe) req.session.rememberMe = true;
  setTicketLifetime(req.session, config, now);
  // 3. wait until the store has written it. Redirecting first lets the browser
  //    ask for /dashboard before the session exists in MongoDB, and the user
  //    lands on the login page again (the classic redirect race). If the
  //    user's sessions were revoked while this login ran (a password change),
  //    the save fails and the visitor is not logged in.
  await saveRegenerated(req);
  // 4. the caller redirects: res.redirect(303, …)
}

/**
 * Renew: a new session ID for a user who stays logged in (after a password
 * change): the data moves to the new session, the old ID stops working. Same
 * order as signIn: regenerate, fill, save, and only then respond.
 */
export async function renewSession(req: Request): Promise<void> {
  // everything the session holds moves over, but its CSRF token and a first
  // factor waiting for its code (checks/reauthenticate.ts): proved for the
  // account as it was, before what renewed the session (a password set, a
  // provider unlinked) changed how it is entered
  const { cookie, csrfToken: _dead, sudoFirstFactor: _proved, ...data } = req.session;
  const expires = cookie.expires ?? null;
  await regenerateSession(req);
  Object.assign(req.session, data);
  // the same kind of cookie: persistent with the same expiry, or a browser-session one
  req.session.cookie.expires = expires;
  await saveRegenerated(req);
}

/** The end of every regenerate: a new CSRF token (the old one is dead), saved once, awaited. */
export async function saveRegenerated(req: Request): Promise<void> {
  ensureCsrfToken(req);
  await saveSession(req);
  // express-session would save it again as the response ends (library-workarounds.ts)
  skipUnchangedResave(req.session);
}

/**
 * End: the session is over for good: deleted from the store (awaited, so
 * whatever is sent next goes out only once it is gone), and the cookie dropped.
 */
export async function endSession(req: Request, res: Response, config: Config['session']): Promise<void> {
  // req.session.destroy() (mind the spelling: tutorials often have "destory")
  await destroySession(req);
  // only the session cookie: not Clear-Site-Data: "cookies", which would
  // also drop the known-browser cookie (security/known-browser.ts) and make
  // every login after a logout look like a new browser to the sign-in alerts
  clearSessionCookie(res, config);
}
