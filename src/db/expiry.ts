// expiry: documents that carry their own expiry date (sessions, login
// counters) must leave their collection once it passes. MongoDB does that with
// a TTL index; servers without TTL indexes (FerretDB 1.x, some
// MongoDB-compatible clouds) need a periodic sweep instead.
import type { Collection } from 'mongodb';
import type { ExpiryMode } from '../config.js';
import type { Logger } from '../logger.js';

export type ActiveExpiryMode = Exclude<ExpiryMode, 'auto'>;

// MongoDB error codes a server answers with when it lacks a feature
const TTL_UNSUPPORTED_CODES = new Set([
  238, // NotImplemented
  115, // CommandNotSupported
  72, // InvalidOptions
]);
// the same key pattern already indexed under another name or options
const INDEX_CONFLICT_CODES = new Set([85, 86]);

function errorCode(err: unknown): number {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'number') return err.code;
  return 0;
}

/**
 * Indexes `field` so that expired documents can leave: a TTL index where the
 * server has them (`ttl`), a plain index for the sweep's query otherwise
 * (`sweep`). `wanted` forces one mode; `auto` tries TTL first.
 */
export async function ensureExpiryIndex(
  collection: Collection,
  field: string,
  wanted: ExpiryMode,
  logger: Logger,
  // a document goes this long after the date in `field` (0: at that date)
  afterSeconds = 0,
): Promise<ActiveExpiryMode> {
  if (wanted !== 'sweep') {
    try {
      await collection.createIndex({ [field]: 1 }, { expireAfterSeconds: afterSeconds, name: `${field}_ttl` });
      return 'ttl';
    } catch (err) {
      if (INDEX_CONFLICT_CODES.has(errorCode(err)) && (await changeTtl(collection, `${field}_ttl`, afterSeconds))) return 'ttl';
      if (INDEX_CONFLICT_CODES.has(errorCode(err))) {
        throw new Error(
          `${collection.collectionName} already has a different index on "${field}" (from sweep mode?). ` +
            `Drop it (db.${collection.collectionName}.dropIndex("${field}_sweep")) or set SESSION_EXPIRY_MODE=sweep.`,
          { cause: err },
        );
      }
      if (wanted === 'ttl' || !TTL_UNSUPPORTED_CODES.has(errorCode(err))) throw err;
      logger.debug(`no TTL index on ${collection.collectionName}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  try {
    await collection.createIndex({ [field]: 1 }, { name: `${field}_sweep` });
  } catch (err) {
    // a TTL index on the same field serves the sweep's query just as well
    if (!INDEX_CONFLICT_CODES.has(errorCode(err))) throw err;
  }
  return 'sweep';
}

/**
 * A TTL index of ours that is there with another lifetime (a setting such as
 * SECURITY_LOG_RETENTION was changed): given the new one in place with
 * collMod, instead of dropping and rebuilding it. False when there is no such
 * index, which leaves the conflict to the caller.
 */
async function changeTtl(collection: Collection, name: string, afterSeconds: number): Promise<boolean> {
  const existing = (await collection.indexes()).find((index) => index.name === name);
  if (existing?.expireAfterSeconds === undefined) return false;
  await collection.db.command({ collMod: collection.collectionName, index: { name, expireAfterSeconds: afterSeconds } });
  return true;
}

/**
 * Deletes documents whose `field` date has passed, every `intervalMs`, until
 * stopped; with `afterMs`, documents whose date is more than that long ago
 * (the sweep's side of ensureExpiryIndex's `afterSeconds`).
 */
export function startSweep(collection: Collection, field: string, intervalMs: number, logger: Logger, afterMs = 0): () => void {
  const timer = setInterval(() => {
    collection.deleteMany({ [field]: { $lt: new Date(Date.now() - afterMs) } }).catch((err: unknown) => {
      logger.warn({ err, collection: collection.collectionName }, 'sweeping expired documents failed; will retry');
    });
  }, intervalMs);
  // the sweep alone never keeps the process alive
  timer.unref();
  return () => {
    clearInterval(timer);
  };
}
