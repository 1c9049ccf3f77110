// pending login: the halfway state of a login with a second factor. The
// password was right, but the session does not hold a userId yet: it holds
// who is trying to log in, and since when. Every guard that asks "logged
// in?" looks at userId only (middleware/require-login.ts), so a pending
// session is anonymous everywhere. Only a right code on /login/two-factor
// turns it into a login, through the same signIn() as a password-only login.
//
// Why not put the userId in at the password step and check the code on the
// next page? Because then every page that forgets to ask "and the code?" is
// open to whoever knows the password alone: see the lab's two-factor
// experiment (lab/two-factor.ts).
import type { Request } from 'express';
import { regenerateSession } from './promises.js';
import { saveRegenerated } from './lifecycle.js';
import type { PendingLogin } from './session-data.js';

/** How long the second step may take: time to find the phone, not to guess codes at leisure. */
export const PENDING_LOGIN_MAX_AGE_MS = 5 * 60_000;

/**
 * The password was right: a new session (a new ID, as at every change of
 * privilege) that holds the pending login and nothing else, saved before the
 * browser is sent to the code page.
 */
export async function beginPendingLogin(
  req: Request,
  user: { id: string; username: string; sessionGeneration: number | undefined },
  carried: { next: string; rememberMe: boolean; firstFactor?: 'provider' | 'email-link'; provedAt?: number | undefined },
  now = Date.now(),
): Promise<void> {
  await regenerateSession(req);
  req.session.pendingLogin = {
    userId: user.id,
    username: user.username,
    generation: user.sessionGeneration ?? 0,
    startedAt: now,
    next: carried.next,
    rememberMe: carried.rememberMe,
    ...(carried.firstFactor ? { firstFactor: carried.firstFactor } : {}),
    // the code that ends this login is fresh; the first factor may not be
    // (a provider answering from its own session): sudo mode counts from it
    ...(carried.provedAt === undefined ? {} : { provedAt: carried.provedAt }),
  };
  // a browser-session cookie (no Expires: closing the browser drops the
  // halfway login, whether or not "keep me signed in" was ticked), and the
  // store deletes the document when the pending login ends anyway: keepUntil,
  // as for a login without "keep me signed in" (session/timeouts.ts)
  req.session.cookie.expires = null;
  req.session.keepUntil = now + PENDING_LOGIN_MAX_AGE_MS;
  await saveRegenerated(req);
}

/** The pending login of this session, if it is not older than PENDING_LOGIN_MAX_AGE_MS. */
export function freshPendingLogin(req: Request, now = Date.now()): PendingLogin | undefined {
  const pending = req.session.pendingLogin;
  if (!pending || req.session.userId) return undefined;
  return now - pending.startedAt < PENDING_LOGIN_MAX_AGE_MS ? pending : undefined;
}
