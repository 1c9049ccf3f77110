// user sessions: all the sessions one user has, wherever they logged in.
// Sessions are stored as documents (stringify: false), so their userId can be
// queried, with an index (see store.ts).
import type { MongoClient } from 'mongodb';
import type { SessionData } from 'express-session';
import { storageId } from './race-safe-store.js';
import type { SessionRevocation } from './revocation.js';
import { SESSIONS_COLLECTION } from './store.js';

/** One of a user's sessions, as the "Your sessions" page shows it: never its ID. */
export interface SessionSummary {
  handle: string | undefined;
  userAgent: string;
  loginAt: number | undefined;
  lastSeenAt: number | undefined;
  /** "Keep me signed in on this device": a persistent cookie, longer timeouts */
  rememberMe: boolean;
  /** the session the request came with */
  current: boolean;
}

export interface UserSessions {
  /** The user's sessions that have not expired in the store, most recent first. */
  list(userId: string, currentSessionId: string): Promise<SessionSummary[]>;
  /** Deletes the user's session with this handle; false if there was none. */
  endOne(userId: string, handle: string): Promise<boolean>;
  /**
   * Ends every session of the user but one, logins still running included;
   * says how many went, and the generation the session that stays must carry
   * from now on (see revocation.ts).
   */
  endOthers(userId: string, keepSessionId: string): Promise<Ended & { generation: number | undefined }>;
  /** Ends every session of the user, logins still running included; says how many went. */
  endAll(userId: string): Promise<Ended>;
  /** One session's document exactly as the store keeps it (for the session inspector). */
  stored(sessionId: string): Promise<Record<string, unknown> | null>;
}

/** How many sessions went, and the account's fields that went with them (revocation.ts). */
export interface Ended {
  ended: number;
  cleared: string[];
}

interface SessionDocument {
  // the SHA-256 of the session ID (see race-safe-store.ts), never the ID itself
  _id: string;
  expires: Date;
  session: Partial<SessionData>;
}

export function userSessions(client: MongoClient, dbName: string, revocation: SessionRevocation): UserSessions {
  const sessions = client.db(dbName).collection<SessionDocument>(SESSIONS_COLLECTION);
  return {
    async list(userId, currentSessionId) {
      const current = storageId(currentSessionId);
      const found = await sessions
        .find(
          { 'session.userId': userId, expires: { $gt: new Date() } },
          { projection: { 'session.handle': 1, 'session.userAgent': 1, 'session.loginAt': 1, 'session.lastSeenAt': 1, 'session.rememberMe': 1 } },
        )
        .toArray();
      return found
        .map((doc) => ({
          handle: doc.session.handle,
          userAgent: doc.session.userAgent ?? '',
          loginAt: doc.session.loginAt,
          lastSeenAt: doc.session.lastSeenAt,
          rememberMe: doc.session.rememberMe === true,
          current: doc._id === current,
        }))
        .sort((a, b) => (b.lastSeenAt ?? 0) - (a.lastSeenAt ?? 0));
    },
    async endOne(userId, handle) {
      // the user's ID in the filter: a handle of someone else's session matches nothing
      const result = await sessions.deleteOne({ 'session.userId': userId, 'session.handle': handle });
      return result.deletedCount === 1;
    },
    // revoke first, delete second: the order revocation.ts explains
    async endOthers(userId, keepSessionId) {
      const revoked = await revocation.revokeAll(userId);
      const result = await sessions.deleteMany({ 'session.userId': userId, _id: { $ne: storageId(keepSessionId) } });
      return { ended: result.deletedCount, generation: revoked?.generation, cleared: revoked?.cleared ?? [] };
    },
    async endAll(userId) {
      const revoked = await revocation.revokeAll(userId);
      const result = await sessions.deleteMany({ 'session.userId': userId });
      return { ended: result.deletedCount, cleared: revoked?.cleared ?? [] };
    },
    stored: (sessionId) => sessions.findOne({ _id: storageId(sessionId) }),
  };
}
