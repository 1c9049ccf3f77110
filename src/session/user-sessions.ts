// user sessions: all the sessions one user has, wherever they logged in.
// Sessions are stored as documents (stringify: false), so their userId can be
// queried, with an index (see store.ts).
import type { MongoClient } from 'mongodb';
import { SESSIONS_COLLECTION } from './store.js';

export interface UserSessions {
  /** Deletes every session of the user but one; says how many went. */
  endOthers(userId: string, keepSessionId: string): Promise<number>;
  /** Deletes every session of the user; says how many went. */
  endAll(userId: string): Promise<number>;
}

export function userSessions(client: MongoClient, dbName: string): UserSessions {
  // connect-mongo stores a session under its ID as _id, a string
  const sessions = client.db(dbName).collection<{ _id: string }>(SESSIONS_COLLECTION);
  return {
    async endOthers(userId, keepSessionId) {
      const result = await sessions.deleteMany({ 'session.userId': userId, _id: { $ne: keepSessionId } });
      return result.deletedCount;
    },
    async endAll(userId) {
      const result = await sessions.deleteMany({ 'session.userId': userId });
      return result.deletedCount;
    },
  };
}
