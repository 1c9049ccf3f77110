// store: sessions live in MongoDB's `sessions` collection through
// connect-mongo, on the same MongoClient that Mongoose uses.
import { MongoStore } from 'connect-mongo';
import type { Collection, MongoClient } from 'mongodb';
import type { Config, SessionExpiryMode } from '../config.js';
import type { Logger } from '../logger.js';

export const SESSIONS_COLLECTION = 'sessions';

export type ActiveExpiryMode = Exclude<SessionExpiryMode, 'auto'>;

// MongoDB error codes a server answers with when it lacks a feature
const NOT_IMPLEMENTED = 238;
const COMMAND_NOT_SUPPORTED = 115;
const INVALID_OPTIONS = 72;
// the same key pattern already indexed under another name or options
const INDEX_CONFLICT_CODES = new Set([85, 86]);

function errorCode(err: unknown): number | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'number') return err.code;
  return undefined;
}

function ttlUnsupported(err: unknown): boolean {
  const code = errorCode(err);
  return code === NOT_IMPLEMENTED || code === COMMAND_NOT_SUPPORTED || code === INVALID_OPTIONS;
}

/**
 * Makes sure expired sessions leave the collection, and says how.
 *
 * - `ttl`: a TTL index on `expires`; MongoDB itself deletes expired documents.
 * - `sweep`: a plain index on `expires`, and connect-mongo deletes expired
 *   documents on a timer. For servers without TTL indexes (FerretDB 1.x, some
 *   MongoDB-compatible clouds).
 *
 * We create the index ourselves instead of connect-mongo's `autoRemove:
 * 'native'`: on a server without TTL indexes that option makes every later
 * session read and write fail, long after startup.
 */
export async function ensureSessionExpiry(
  collection: Collection,
  wanted: SessionExpiryMode,
  logger: Logger,
): Promise<ActiveExpiryMode> {
  if (wanted !== 'sweep') {
    try {
      await collection.createIndex({ expires: 1 }, { expireAfterSeconds: 0, name: 'expires_ttl' });
      return 'ttl';
    } catch (err) {
      if (INDEX_CONFLICT_CODES.has(errorCode(err) ?? 0)) {
        throw new Error(
          `The ${collection.collectionName} collection already has a different index on "expires" (from sweep mode?). ` +
            'Drop it (db.sessions.dropIndex("expires_sweep")) or set SESSION_EXPIRY_MODE=sweep.',
          { cause: err },
        );
      }
      if (wanted === 'ttl' || !ttlUnsupported(err)) throw err;
      logger.info(`This database has no TTL indexes (${err instanceof Error ? err.message : String(err)})`);
    }
  }
  try {
    await collection.createIndex({ expires: 1 }, { name: 'expires_sweep' });
  } catch (err) {
    // a TTL index on the same field serves the sweep's query just as well
    if (!INDEX_CONFLICT_CODES.has(errorCode(err) ?? 0)) throw err;
  }
  return 'sweep';
}

export interface SessionStoreResult {
  store: MongoStore;
  expiryMode: ActiveExpiryMode;
}

export async function createSessionStore(
  client: MongoClient,
  dbName: string,
  config: Pick<Config['session'], 'maxAgeMs' | 'expiryMode' | 'sweepIntervalMinutes'>,
  logger: Logger,
): Promise<SessionStoreResult> {
  const collection = client.db(dbName).collection(SESSIONS_COLLECTION);
  const expiryMode = await ensureSessionExpiry(collection, config.expiryMode, logger);
  const store = MongoStore.create({
    client,
    dbName,
    collectionName: SESSIONS_COLLECTION,
    ttl: Math.ceil(config.maxAgeMs / 1000),
    autoRemove: expiryMode === 'ttl' ? 'disabled' : 'interval',
    autoRemoveInterval: config.sweepIntervalMinutes,
    // store the session as a document, not a JSON string, so its fields can be queried
    stringify: false,
  });
  logger.info(
    expiryMode === 'ttl'
      ? 'Expired sessions: removed by MongoDB through a TTL index on sessions.expires'
      : `Expired sessions: removed by a sweep every ${config.sweepIntervalMinutes} min (this database has no TTL indexes); expired ones are never read meanwhile`,
  );
  return { store, expiryMode };
}
