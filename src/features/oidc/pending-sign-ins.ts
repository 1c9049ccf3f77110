// pending sign-ins: a trip to the provider and back, remembered server-side
// in the session between the two. The browser leaves with a random `state`
// (and a nonce and a PKCE challenge); what it comes back with is only
// trusted if it names a state this session sent out:
//
//   state          binds the callback to this browser's session: a
//                  callback forged for someone else's code finds nothing
//                  (login CSRF)
//   nonce          binds the ID token to this trip: a token replayed from
//                  another sign-in is refused
//   codeVerifier   PKCE: the code is worth nothing without it, and it never
//                  left the server
//
// Kept by state, so a second tab's sign-in does not overwrite the first;
// at most MAX_PENDING at once (the oldest goes), each for PENDING_MAX_AGE_MS,
// and taken out (and the session saved) before the code is exchanged:
// a callback sent twice finds nothing the second time.
import type { Request } from 'express';
import { saveSession } from '../../session/promises.js';

export const PENDING_MAX_AGE_MS = 10 * 60_000;
const MAX_PENDING = 3;

export interface PendingSignIn {
  nonce: string;
  codeVerifier: string;
  createdAt: number;
  /** where to go afterwards (already a safe path: safe-next.ts) */
  next: string;
  /** sign in, link the provider to the account logged in, or confirm sudo mode for it (link, confirm: its user ID) */
  intent: 'sign-in' | 'link' | 'confirm';
  /** for a link or a confirmation, the account that asked: the callback acts for it only */
  userId?: string;
  rememberMe: boolean;
}

/** Remembers a sign-in sent to the provider, and saves the session before the browser goes. */
export async function rememberPending(req: Request, state: string, pending: PendingSignIn): Promise<void> {
  const now = pending.createdAt;
  const kept = Object.entries(req.session.oidcPending ?? {})
    .filter(([, entry]) => now - entry.createdAt < PENDING_MAX_AGE_MS)
    .sort(([, a], [, b]) => a.createdAt - b.createdAt)
    .slice(-(MAX_PENDING - 1));
  req.session.oidcPending = Object.fromEntries([...kept, [state, pending]]);
  await saveSession(req);
}

/**
 * The sign-in this state names, taken out of the session (saved before this
 * returns): undefined if there is none, or it is older than ten minutes.
 */
export async function takePending(req: Request, state: unknown, now = Date.now()): Promise<PendingSignIn | undefined> {
  const all = req.session.oidcPending;
  if (typeof state !== 'string' || !all || !Object.hasOwn(all, state)) return undefined;
  const pending = all[state];
  const rest = Object.fromEntries(Object.entries(all).filter(([key]) => key !== state));
  if (Object.keys(rest).length > 0) req.session.oidcPending = rest;
  else delete req.session.oidcPending;
  await saveSession(req);
  return pending && now - pending.createdAt < PENDING_MAX_AGE_MS ? pending : undefined;
}
