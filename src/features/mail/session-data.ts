// mail's session data: what this feature keeps in the session document,
// added to the core's (session/session-data.ts) by module augmentation.
import 'express-session';

declare module 'express-session' {
  interface SessionData {
    // the SHA-256 of a password-reset link's token, between following the
    // link and choosing the new password (reset-password.ts)
    passwordResetTokenHash: string | undefined;
    // after "This wasn't me": whose passkeys this browser may review and
    // remove, until when (ms since the epoch). Not a login: no userId comes
    // with it, and it opens the two pages of not-me.ts only
    notMeGrant: { userId: string; until: number };
    // while a sign-in link is on its way: this browser's value, whose hash
    // the link keeps, so that opening it here signs in at once (sign-in-links.ts)
    signInLinkBrowser: string;
  }
}

/** The inspector's copy of the session (src/feature.ts redactSession): a reset link's token hash cut short. */
export function redactMailSession(session: Record<string, unknown>, shorten: (value: unknown) => unknown): void {
  if ('passwordResetTokenHash' in session) session.passwordResetTokenHash = shorten(session.passwordResetTokenHash);
  if ('signInLinkBrowser' in session) session.signInLinkBrowser = shorten(session.signInLinkBrowser);
}
