// security log store: what happened to each account, newest first, in a
// collection of its own (security_events), so that the owner can look back
// (/account/activity) and notice what was not them. Kept small on purpose:
// events leave SECURITY_LOG_RETENTION after they happened (a TTL index on
// `at`, or the sweep: db/expiry.ts), and an account keeps only its newest
// SECURITY_LOG_MAX_PER_ACCOUNT, so that someone hammering one account with
// wrong passwords cannot grow the collection without end.
import type { Collection, ObjectId } from 'mongodb';
import type { Config } from '../config.js';
import { ensureExpiryIndex, startSweep } from '../db/expiry.js';
import type { Logger } from '../logger.js';
import type { EventContext, SecurityEvent, SecurityEventType } from './events.js';
import { cleanContext, cleanEvent } from './whitelist.js';

export const SECURITY_EVENTS_COLLECTION = 'security_events';

/** An event as the log gives it back. */
export interface LoggedEvent {
  event: SecurityEvent;
  at: Date;
  ip: string;
  browser: string;
  browserKey: string | undefined;
}

export interface SecurityLog {
  /** Keeps an event of this account (only the fields whitelist.ts lists); throws for anything that is not an event. */
  record(userId: string, event: SecurityEvent, context: EventContext, at?: Date): Promise<void>;
  /** The account's events, newest first: at most `limit`, or all it keeps. */
  list(userId: string, limit?: number): Promise<LoggedEvent[]>;
  /** Deletes every event of the account (it is being deleted). */
  forget(userId: string): Promise<void>;
}

// one document per event: whose, when, the event's own fields side by side
// (type, method, name...), and where it came from
type StoredEvent = SecurityEvent & {
  _id?: ObjectId;
  userId: string;
  at: Date;
  ip: string;
  browser: string;
  browserKey?: string;
};

// newest first; _id (made in order by the driver) breaks ties between events
// of the same millisecond, so that "the newest 200" is always one set
const NEWEST_FIRST = { at: -1, _id: -1 } as const;

// failed sign-ins and lockouts: kept apart from the rest under the cap (trim)
const FAILURES: SecurityEventType[] = ['sign-in-failed', 'locked-out'];

export function createSecurityLog(collection: Collection, options: { maxPerAccount: number }): SecurityLog {
  const events = collection as unknown as Collection<StoredEvent>;
  const { maxPerAccount } = options;

  /**
   * Deletes the account's events beyond its newest maxPerAccount. Bounded
   * work, whatever happened before: one read that walks the index to the
   * cap-th newest event (at most maxPerAccount index keys), and a delete of
   * what is older, usually the one event this insert pushed out. Several
   * callers inserting for one account at once each trim behind their own
   * insert; a trim only ever deletes below a boundary that already had
   * maxPerAccount newer events above it, so none deletes too much, and the
   * last one to read sees every insert and leaves exactly the newest ones.
   */
  async function trim(userId: string, failure: boolean): Promise<void> {
    // failures are trimmed among failures, everything else among the rest:
    // whoever guesses at the password, from anywhere, could otherwise push
    // the account's real history (a sign-in of theirs, a change they made)
    // out of its own log
    const kind = { userId, type: failure ? { $in: FAILURES } : { $nin: FAILURES } };
    const [boundary] = await events
      .find(kind, { projection: { at: 1 } })
      .sort(NEWEST_FIRST)
      .skip(maxPerAccount - 1)
      .limit(1)
      .toArray();
    if (!boundary?._id) return;
    await events.deleteMany({
      ...kind,
      $or: [{ at: { $lt: boundary.at } }, { at: boundary.at, _id: { $lt: boundary._id } }],
    });
  }

  return {
    async record(userId, event, context, at = new Date()) {
      const clean = cleanEvent(event);
      if (!clean) throw new TypeError(`not a security event: ${JSON.stringify((event as { type?: unknown } | null)?.type)}`);
      if (!userId) throw new TypeError('a security event needs the account it belongs to');
      const { ip, browser, browserKey } = cleanContext(context);
      // the event's fields first: ours below could not be overwritten even if an event had one of their names
      const doc: StoredEvent = { ...clean, userId, at, ip, browser };
      if (browserKey !== undefined) doc.browserKey = browserKey;
      await events.insertOne(doc);
      await trim(userId, FAILURES.includes(clean.type));
    },

    async list(userId, limit = 2 * maxPerAccount) {
      const docs = await events.find({ userId }).sort(NEWEST_FIRST).limit(Math.max(1, Math.min(limit, 2 * maxPerAccount))).toArray();
      return docs.flatMap((doc) => {
        // read back through the same whitelist: a document of a type this
        // version no longer knows is left out, not shown half-understood
        const event = cleanEvent(doc);
        return event ? [{ event, at: doc.at, ip: doc.ip, browser: doc.browser, browserKey: doc.browserKey }] : [];
      });
    },

    async forget(userId) {
      await events.deleteMany({ userId });
    },
  };
}

/**
 * The log's indexes, made before the first request: the account's events
 * newest first (every query here is one account's, in that order), and their
 * expiry; returns what stops the sweep, on servers that need one.
 */
export async function ensureSecurityLogIndexes(
  collection: Collection,
  config: Pick<Config, 'securityLog' | 'expiry'>,
  logger: Logger,
): Promise<() => void> {
  await collection.createIndex({ userId: 1, ...NEWEST_FIRST }, { name: 'userId_at' });
  const retentionMs = config.securityLog.retentionMs;
  const mode = await ensureExpiryIndex(collection, 'at', config.expiry.mode, logger, Math.ceil(retentionMs / 1000));
  return mode === 'sweep' ? startSweep(collection, 'at', config.expiry.sweepIntervalMinutes * 60_000, logger, retentionMs) : () => undefined;
}
