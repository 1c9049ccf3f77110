// session data: what Cloakroom keeps in the cloakroom (the session document).
// Module augmentation gives req.session these typed fields everywhere.
import 'express-session';

declare module 'express-session' {
  interface SessionData {
    // set only after a successful login or registration
    userId: string;
    // the display spelling, so pages can greet the user without a database read
    username: string;
    // the user's session generation when this login checked the password:
    // a session from an older generation was revoked (session/revocation.ts)
    generation: number;
    // when this login happened (ms since the epoch): the absolute timeout counts from here
    loginAt: number;
    // the last request, to the minute: the idle timeout counts from here
    lastSeenAt: number;
    // dashboard views in this session only; the lifetime count lives on the user
    dashboardVisits: number;
    // a public name for this session on the "Your sessions" page: the
    // session ID is the ticket itself and never appears on a page
    handle: string;
    // "Keep me signed in on this device" was ticked: a persistent cookie and
    // the longer REMEMBER_ME_ timeouts (session/timeouts.ts)
    rememberMe: boolean;
    // when the store deletes this session (ms since the epoch), for a
    // browser-session cookie, which carries no expiry date of its own
    keepUntil: number;
    // the latest password (or passkey) check in this session, for sudo mode:
    // what matters most asks again once it is older than REAUTH_WINDOW
    // (session/recent-auth.ts)
    authenticatedAt: number;
    // the browser that logged in (User-Agent, cut to 256 characters), to tell sessions apart
    userAgent: string;
    // halfway through a login: the password was right, the second factor is
    // still to come. Never together with userId (session/pending-login.ts)
    pendingLogin: PendingLogin;
    // sudo mode halfway: a feature proved the first factor (a provider's
    // fresh login), the code is still to come on the confirm page; for a few
    // minutes, for this user only (checks/reauthenticate.ts confirmSudo)
    sudoFirstFactor: SudoFirstFactor;
    // a notice for the next page this user sees, told once
    // (middleware/locals.ts): e.g. a recovery code used, and how many are left
    noticeOnce: string;
  }
}

/** A first factor proved for sudo mode, its code still to come (checks/reauthenticate.ts). */
export interface SudoFirstFactor {
  userId: string;
  method: 'provider' | 'email-link';
  /** what the confirm page calls it ("Example ID") */
  label: string;
  /** when it was proved (ms since the epoch): sudo mode counts from it */
  provedAt: number;
  /** until when the code may follow (ms since the epoch) */
  until: number;
}

/** A login whose password was right, its second factor still to come (session/pending-login.ts). */
export interface PendingLogin {
  userId: string;
  username: string;
  // the user's session generation read with the password: a password change
  // or "sign out everywhere" in the meantime ends this login (revocation.ts)
  generation: number;
  // when the password was checked (ms since the epoch)
  startedAt: number;
  // carried from the login form to signIn(): where to go afterwards...
  next: string;
  // ...and "keep me signed in on this device"
  rememberMe: boolean;
  // the first factor, when not the password (a provider: features/oidc),
  // for the security log's sign-in entry
  firstFactor?: 'provider' | 'email-link';
  // when the first factor was proved, if before the login began (a provider
  // answering from its own session: its auth_time; 0 when it does not say):
  // the login's sudo mode counts from it (session/recent-auth.ts)
  provedAt?: number;
}
