// oidc's session data: what this feature keeps in the session document,
// added to the core's (session/session-data.ts) by module augmentation.
import 'express-session';
import { isRecord } from '../../session/inspector.js';
import type { PendingSignIn } from './pending-sign-ins.js';

declare module 'express-session' {
  interface SessionData {
    // sign-ins sent to the provider and not back yet, by their state: a few
    // at a time (two tabs), each used once and for ten minutes (pending-sign-ins.ts)
    oidcPending: Record<string, PendingSignIn>;
  }
}

/** The inspector's copy of the session (src/feature.ts redactSession): each pending sign-in's secrets cut short. */
export function redactOidcSession(session: Record<string, unknown>, shorten: (value: unknown) => unknown): void {
  if (!isRecord(session.oidcPending)) return;
  session.oidcPending = Object.fromEntries(
    Object.entries(session.oidcPending).map(([state, pending]) => [
      shorten(state),
      isRecord(pending) ? { ...pending, nonce: shorten(pending.nonce), codeVerifier: shorten(pending.codeVerifier) } : pending,
    ]),
  );
}
