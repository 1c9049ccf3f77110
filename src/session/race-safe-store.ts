// race-safe store: connect-mongo's MongoStore, changed in the two ways a
// login needs that it does not do by itself. (A session's own steps, sign in
// to end, are in lifecycle.ts; this file and revocation.ts are about sessions
// ended from somewhere else.)
//
// 1. An ended session stays ended. A request reads its session when it
//    starts and saves it when it is done. If the session is deleted in
//    between (logout in another tab, "sign out everywhere", a password
//    change), connect-mongo's save is an upsert and writes the deleted
//    session back:
//
//      tab A: GET /dashboard   reads the session ......... saves it ──┐
//      tab B: POST /logout          deletes it, "logged out"          │
//                                                                     └─> back, still logged in
//
//    Here a session that was read from the store (or already saved once) is
//    only ever updated, never re-created: if it is gone, the save fails with
//    SessionEndedError and the request is no longer logged in. Only a
//    brand-new session (a new ID from express-session) is inserted.
//
// 2. The database never holds a working ticket. A session's document is
//    stored under the SHA-256 of its ID: the cookie holds the ID, MongoDB
//    the hash. A leaked backup or a read-only breach of the database logs no
//    one in, because the hash cannot be turned back into a cookie.
import { createHash } from 'node:crypto';
import { MongoStore } from 'connect-mongo';
import type { Request } from 'express';
import type { Collection } from 'mongodb';
import type { Session, SessionData } from 'express-session';

/** The `_id` of a session's document: the SHA-256 of its ID (the ticket), never the ID itself. */
export function storageId(sessionId: string): string {
  return createHash('sha256').update(sessionId).digest('base64url');
}

/** A save found its session deleted: whoever used it is no longer logged in. */
export class SessionEndedError extends Error {
  constructor() {
    super('the session was ended while this request was using it');
    this.name = 'SessionEndedError';
  }
}

interface SessionDocument {
  _id: string;
  session: Record<string, unknown>;
  expires: Date;
}

type StoredSession = Partial<SessionData> & { cookie: { expires?: Date | string | null; toJSON?: () => unknown } };

/** Says whether a freshly saved logged-in session may stand (see session/revocation.ts). */
export type SessionCheck = (session: Partial<SessionData>) => Promise<boolean>;

type Options = Parameters<typeof MongoStore.create>[0];

// connect-mongo's default lifetime for a session whose cookie has no expiry date
const DEFAULT_TTL_S = 14 * 24 * 60 * 60;

export class RaceSafeMongoStore extends MongoStore {
  // the session objects this process knows are in the collection: read from
  // it, or inserted by it. Anything else is a new session.
  readonly #stored = new WeakSet<object>();
  readonly #ttlMs: number;

  constructor(
    options: Omit<Options, 'transformId' | 'stringify'>,
    // run after a logged-in session is first saved: a login that finishes after
    // its user's sessions were revoked must not keep the session it just made
    private readonly mayStand: SessionCheck,
  ) {
    super({ ...options, stringify: false, transformId: storageId });
    this.#ttlMs = (options.ttl ?? DEFAULT_TTL_S) * 1000;
  }

  override createSession(req: Request, data: SessionData): Session & SessionData {
    const session = super.createSession(req, data);
    this.#stored.add(session);
    return session;
  }

  override set(sid: string, session: SessionData, callback: (err?: unknown) => void = () => undefined): void {
    this.#save(sid, session).then(() => callback(), callback);
  }

  async #save(sid: string, session: StoredSession): Promise<void> {
    const collection = (await this.collectionP) as unknown as Collection<SessionDocument>;
    const _id = storageId(sid);
    // a browser-session cookie has no expiry date: the session says how long
    // to keep it instead (keepUntil, see session/timeouts.ts)
    const expires = session.cookie.expires
      ? new Date(session.cookie.expires)
      : new Date(session.keepUntil ?? Date.now() + this.#ttlMs);
    const fields = { session: toDocument(session), expires };
    if (this.#stored.has(session)) {
      // an existing session: update it if it is still there, never re-create it
      const { matchedCount } = await collection.updateOne({ _id }, { $set: fields });
      if (matchedCount === 0) throw new SessionEndedError();
      return;
    }
    await collection.insertOne({ _id, ...fields });
    this.#stored.add(session);
    if (session.userId !== undefined && !(await this.mayStand(session))) {
      await collection.deleteOne({ _id });
      throw new SessionEndedError();
    }
  }
}

/** The session as a document (what connect-mongo stores with stringify: false). */
function toDocument(session: StoredSession): Record<string, unknown> {
  const { cookie, ...data } = session;
  return { ...data, cookie: typeof cookie.toJSON === 'function' ? cookie.toJSON() : cookie };
}
