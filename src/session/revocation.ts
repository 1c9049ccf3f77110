// revocation: ending every session of a user, including the ones still being
// made. Deleting a user's session documents ends the sessions that exist; it
// cannot end a login that is still running (signIn() in lifecycle.ts, between
// its password check and its save): one that checked the old password a
// moment before it changed, and saves its new session a moment after the
// documents were deleted.
//
// So each user has a session generation, and each session carries the one
// its login read together with the password hash. Revoking bumps the
// generation first and deletes the documents second; a login saves its
// session, then checks that its generation is still the user's (the store
// does this, see race-safe-store.ts). Either the check sees the bump and the
// session is deleted again, or the session was saved before the bump and so
// before the documents were deleted, and went with them.
//
// What a session may have asked for on the account goes in the same update
// (a feature names those fields: the mail feature's address change waiting
// for its link, src/feature.ts clearedWithSessions).
import type { SessionData } from 'express-session';
import { isValidObjectId } from 'mongoose';
import type { UserModel } from '../models/user.js';

export interface SessionRevocation {
  /** Whether a logged-in session may stand: its account exists and its sessions were not revoked since it logged in. */
  mayStand(session: Partial<SessionData>): Promise<boolean>;
  /**
   * Revokes every session of the user, logins still running included: call
   * it before deleting their documents. Returns the new generation, for the
   * session that stays (if any), and the account's fields it cleared that
   * held something; undefined if the user is gone.
   */
  revokeAll(userId: string): Promise<{ generation: number; cleared: string[] } | undefined>;
}

const holdsSomething = (value: unknown) =>
  value !== undefined && value !== null && !(typeof value === 'object' && Object.keys(value).length === 0);

/** `clearedWithSessions`: the account's fields that go with its sessions (the features name them). */
export function sessionRevocation(users: UserModel, clearedWithSessions: readonly string[] = []): SessionRevocation {
  const unset = Object.fromEntries(clearedWithSessions.map((field) => [field, 1]));
  return {
    async mayStand(session) {
      // not an account's ID at all: no account to stand for
      if (!isValidObjectId(session.userId)) return false;
      const user = await users.findById(session.userId, { sessionGeneration: 1 }).lean();
      // accounts made before generations existed have none: generation 0
      return user !== null && (user.sessionGeneration ?? 0) === (session.generation ?? 0);
    },
    async revokeAll(userId) {
      // What a session asked for goes with the sessions, in the same update:
      // whoever asked may be the very session being signed out (a stolen
      // cookie in sudo mode), and an address change that outlived the
      // clean-up would let them confirm their address and take the account
      // with the next reset link.
      const before = await users
        .findOneAndUpdate({ _id: userId }, { $inc: { sessionGeneration: 1 }, ...(clearedWithSessions.length > 0 ? { $unset: unset } : {}) }, { returnDocument: 'before' })
        .lean();
      if (!before) return undefined;
      const stored = before as Record<string, unknown>;
      return { generation: (before.sessionGeneration ?? 0) + 1, cleared: clearedWithSessions.filter((field) => holdsSomething(stored[field])) };
    },
  };
}
