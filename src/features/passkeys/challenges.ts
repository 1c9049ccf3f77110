// passkey challenges: the random challenge a passkey must sign lives in the
// session of the browser it was given to, for five minutes, and is taken out
// (and the session saved) before the answer is checked, so a response sent
// again later finds none. Requests of one browser that arrive together all
// read the session before any of them saves it, though, and all find the
// challenge: the one-use rule itself is the insert in used-challenges.ts,
// which only one of them can make.
import type { Request } from 'express';
import { saveSession } from '../../session/promises.js';

// what the challenge is for: each ceremony has its own, so that adding a
// passkey in one tab does not spoil the confirmation page in another
export type CeremonyPurpose = 'add' | 'login' | 'confirm';

// WebAuthn's own guidance for a ceremony with user verification: 5 minutes
export const CHALLENGE_LIFETIME_MS = 5 * 60_000;

export interface PendingCeremony {
  challenge: string;
  // ms since the epoch; checked on the server, whatever the browser's timeout says
  expiresAt: number;
  // registration only: the user handle the options carried
  userHandle?: string;
}

/** Keeps a new challenge in the session, saved before the options go out. */
export async function rememberChallenge(req: Request, purpose: CeremonyPurpose, challenge: string, userHandle?: string): Promise<void> {
  const pending: PendingCeremony = { challenge, expiresAt: Date.now() + CHALLENGE_LIFETIME_MS };
  if (userHandle !== undefined) pending.userHandle = userHandle;
  req.session.passkeyChallenges = { ...req.session.passkeyChallenges, [purpose]: pending };
  // saved now: the browser may answer before this response has even ended
  await saveSession(req);
}

/**
 * Takes the challenge out of the session, for good, and saves the session
 * before anything is verified. Undefined when there is none (never issued,
 * or used already) or it has expired.
 */
export async function takeChallenge(req: Request, purpose: CeremonyPurpose): Promise<PendingCeremony | undefined> {
  const all = req.session.passkeyChallenges;
  const pending = all?.[purpose];
  if (!all || !pending) return undefined;
  const { [purpose]: _used, ...rest } = all;
  if (Object.keys(rest).length > 0) req.session.passkeyChallenges = rest;
  else delete req.session.passkeyChallenges;
  await saveSession(req);
  return pending.expiresAt > Date.now() ? pending : undefined;
}
