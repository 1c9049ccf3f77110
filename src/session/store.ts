// store: sessions live in MongoDB's `sessions` collection through
// connect-mongo, on the same MongoClient that Mongoose uses.
import type { Collection, MongoClient } from 'mongodb';
import type { Config, ExpiryMode } from '../config.js';
import { ensureExpiryIndex, type ActiveExpiryMode } from '../db/expiry.js';
import type { Logger } from '../logger.js';
import { withoutTouch } from './library-workarounds.js';
import { RaceSafeMongoStore, type SessionCheck } from './race-safe-store.js';

export const SESSIONS_COLLECTION = 'sessions';

/**
 * Makes sure expired sessions leave the collection, and says how. The index
 * is created here rather than with connect-mongo's `autoRemove: 'native'`: on
 * a server without TTL indexes that option makes every later session read and
 * write fail, long after startup. In sweep mode connect-mongo's own timer
 * deletes expired sessions; until then they are never read (its queries
 * filter on `expires`).
 */
export function ensureSessionExpiry(collection: Collection, wanted: ExpiryMode, logger: Logger) {
  return ensureExpiryIndex(collection, 'expires', wanted, logger);
}

export interface SessionStoreResult {
  store: RaceSafeMongoStore;
  expiryMode: ActiveExpiryMode;
}

export async function createSessionStore(
  client: MongoClient,
  dbName: string,
  config: { session: Pick<Config['session'], 'absoluteTimeoutMs'>; expiry: Config['expiry'] },
  logger: Logger,
  // may a just-saved login stand? (see revocation.ts)
  mayStand: SessionCheck,
): Promise<SessionStoreResult> {
  const collection = client.db(dbName).collection(SESSIONS_COLLECTION);
  const expiryMode = await ensureSessionExpiry(collection, config.expiry.mode, logger);
  // "sign out everywhere else" and account deletion find a user's sessions by user
  await collection.createIndex({ 'session.userId': 1 }, { name: 'session_userId' });
  // documents, not JSON strings, so their fields can be queried; stored
  // under a hash of the session ID; never written back once deleted
  const store = new RaceSafeMongoStore(
    {
      client,
      dbName,
      collectionName: SESSIONS_COLLECTION,
      // only for a session that has neither a cookie expiry date nor keepUntil (ours always have one)
      ttl: Math.ceil(config.session.absoluteTimeoutMs / 1000),
      autoRemove: expiryMode === 'ttl' ? 'disabled' : 'interval',
      autoRemoveInterval: config.expiry.sweepIntervalMinutes,
    },
    mayStand,
  );
  // no write per page view: see library-workarounds.ts
  withoutTouch(store);
  logger.info(
    expiryMode === 'ttl'
      ? 'Expired sessions: removed by MongoDB through a TTL index on sessions.expires'
      : `Expired sessions: removed by a sweep every ${config.expiry.sweepIntervalMinutes} min (this database has no TTL indexes); expired ones are never read meanwhile`,
  );
  return { store, expiryMode };
}
