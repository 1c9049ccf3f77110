// passkeys' session data: what this feature keeps in the session document,
// added to the core's (session/session-data.ts) by module augmentation.
import 'express-session';
import { isRecord } from '../../session/inspector.js';
import type { CeremonyPurpose, PendingCeremony } from './challenges.js';

declare module 'express-session' {
  interface SessionData {
    // passkey ceremonies under way: the challenge each must sign, used once
    // and for five minutes (challenges.ts)
    passkeyChallenges: Partial<Record<CeremonyPurpose, PendingCeremony>>;
  }
}

/** The inspector's copy of the session (src/feature.ts redactSession): each ceremony's challenge cut short. */
export function redactPasskeySession(session: Record<string, unknown>, shorten: (value: unknown) => unknown): void {
  if (!isRecord(session.passkeyChallenges)) return;
  session.passkeyChallenges = Object.fromEntries(
    Object.entries(session.passkeyChallenges).map(([purpose, ceremony]) => [purpose, isRecord(ceremony) ? { ...ceremony, challenge: shorten(ceremony.challenge) } : ceremony]),
  );
}
