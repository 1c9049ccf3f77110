// two-factor's session data: what this feature keeps in the session
// document, added to the core's (session/session-data.ts) by module
// augmentation. (A login halfway, its code still to come, is the core's
// pendingLogin: session/pending-login.ts.)
import 'express-session';
import { isRecord } from '../../session/inspector.js';

declare module 'express-session' {
  interface SessionData {
    // turning two-factor on: the new secret, encrypted, until a code confirms it
    twoFactorSetup: { sealedSecret: string; startedAt: number };
    // new recovery codes, between the form that made them and the one page
    // that shows them, which deletes them (routes.ts). Sealed
    // (secret-box.ts), never in the clear: the session store is a
    // database that backups copy; and dropped unseen after 10 minutes
    recoveryCodesToShow: { sealedCodes: string; madeAt: number; justEnabled: boolean };
  }
}

/** "Recovery code used: 9 left", and what to do when few are left: told once, on the next page. */
export function recoveryCodeNotice(left: number): string {
  const count = `Recovery code used: ${left} left.`;
  if (left === 0) return `${count} Make new ones on the Two-factor login page now: without your app, you cannot log in.`;
  return left <= 3 ? `${count} Make new ones on the Two-factor login page before they run out.` : `${count} Each one works once.`;
}

/** The inspector's copy of the session (src/feature.ts redactSession): the setup's secret cut short, codes waiting withheld. */
export function redactTwoFactorSession(session: Record<string, unknown>, shorten: (value: unknown) => unknown): void {
  if (isRecord(session.twoFactorSetup)) session.twoFactorSetup = { ...session.twoFactorSetup, sealedSecret: shorten(session.twoFactorSetup.sealedSecret) };
  // recovery codes waiting for their one page: never shown anywhere else
  if (isRecord(session.recoveryCodesToShow)) session.recoveryCodesToShow = '(withheld: shown once, on their own page)';
}
