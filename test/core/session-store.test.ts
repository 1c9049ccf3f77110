// The session store: one MongoClient shared with Mongoose, and expired
// sessions that leave the collection whether or not the server has TTL indexes.
// Its own setup, not useTestApp(): it needs a database connection and no app.
import assert from 'node:assert/strict';
import { after, before, describe, it, mock } from 'node:test';
import type { SessionData } from 'express-session';
import type { MongoClient } from 'mongodb';
import type { Connection } from 'mongoose';
import { connectDatabase } from '../../src/db/connect.js';
import { SessionEndedError, storageId } from '../../src/session/race-safe-store.js';
import { createSessionStore, ensureSessionExpiry } from '../../src/session/store.js';
import { quietLogger, startTestDatabase, type TestDatabase } from '../helpers/database.js';

let db: TestDatabase;
let connection: Connection;

before(async () => {
  db = await startTestDatabase();
  connection = await connectDatabase(db.freshUri(), { serverSelectionTimeoutMs: 5000, responseTimeoutMs: 5000 });
});

after(async () => {
  await connection.close();
  await db.stop();
});

const client = () => connection.getClient();
const settings = { session: { absoluteTimeoutMs: 60_000 }, expiry: { mode: 'auto', sweepIntervalMinutes: 1 } } as const;

// every logged-in session may stand, unless a test says otherwise
const mayStand = () => Promise.resolve(true);

function sessionData(expires: Date): SessionData {
  return { cookie: { originalMaxAge: 60_000, expires, httpOnly: true, path: '/' } } as SessionData;
}

function callback<T>(fn: (cb: (err: unknown, value?: T) => void) => void): Promise<T | undefined> {
  return new Promise((resolve, reject) => {
    fn((err, value) => {
      if (err) reject(err instanceof Error ? err : new Error('store call failed', { cause: err }));
      else resolve(value);
    });
  });
}

describe('session store', () => {
  it('shares the MongoClient that Mongoose uses', async () => {
    const { store } = await createSessionStore(client(), connection.name, settings, quietLogger, mayStand);
    const storeClient = await (store as unknown as { clientP: Promise<MongoClient> }).clientP;
    assert.equal(storeClient, client());
  });

  it('indexes expires with a TTL index where the server has them, and says which mode it chose', async () => {
    const collection = client().db(connection.name).collection('expiry_auto');
    const mode = await ensureSessionExpiry(collection, 'auto', quietLogger);
    const indexes = await collection.indexes();
    const onExpires = indexes.find((index) => Object.keys(index.key).join() === 'expires');
    assert.ok(onExpires, 'an index on expires exists in either mode');
    if (mode === 'ttl') {
      assert.equal(onExpires.expireAfterSeconds, 0);
    } else {
      assert.equal(mode, 'sweep');
      assert.equal(onExpires.expireAfterSeconds, undefined);
      // this server has no TTL indexes, so asking for one must fail loudly
      const other = client().db(connection.name).collection('expiry_forced_ttl');
      await assert.rejects(ensureSessionExpiry(other, 'ttl', quietLogger));
    }
  });

  it('never returns an expired session, and the sweep removes it', async (t) => {
    // connect-mongo's sweep runs on setInterval; a mocked clock makes a minute pass at once
    t.mock.timers.enable({ apis: ['setInterval'] });
    const { store } = await createSessionStore(
      client(),
      connection.name,
      { ...settings, expiry: { ...settings.expiry, mode: 'sweep' } },
      quietLogger,
      mayStand,
    );
    const sessions = client().db(connection.name).collection('sessions');

    await callback((cb) => { store.set('expired-one', sessionData(new Date(Date.now() - 1000)), cb); });
    await callback((cb) => { store.set('live-one', sessionData(new Date(Date.now() + 60_000)), cb); });
    assert.equal(await callback((cb) => { store.get('expired-one', cb); }), null);
    assert.ok(await callback((cb) => { store.get('live-one', cb); }));

    t.mock.timers.tick(60_000);
    // the sweep's delete is fire-and-forget (w: 0); wait until it has landed
    for (let i = 0; i < 50 && (await sessions.countDocuments({ _id: storageId('expired-one') as never })) > 0; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(await sessions.countDocuments({ _id: storageId('expired-one') as never }), 0, 'expired session swept');
    assert.equal(await sessions.countDocuments({ _id: storageId('live-one') as never }), 1, 'live session kept');
    mock.timers.reset();
  });
});

describe('the race-safe store', () => {
  const sessions = () => client().db(connection.name).collection('sessions');
  const store = async (check = mayStand) => (await createSessionStore(client(), connection.name, settings, quietLogger, check)).store;
  const fakeRequest = (sessionID: string) => ({ sessionID }) as never;

  it('keeps only the SHA-256 of the session ID: the ID is nowhere in the database', async () => {
    const sid = 'the-ticket-itself-0123456789abcdef';
    const s = await store();
    await callback((cb) => { s.set(sid, sessionData(new Date(Date.now() + 60_000)), cb); });
    const docs = await sessions().find({}).toArray();
    const doc = docs.find((d) => String(d._id) === storageId(sid));
    assert.ok(doc, 'stored under the hash');
    assert.equal(storageId(sid).length, 43, 'SHA-256 in base64url');
    assert.ok(!JSON.stringify(docs).includes(sid), 'the ID itself is stored nowhere');
    assert.ok(await callback((cb) => { s.get(sid, cb); }), 'read back by its ID');
  });

  it('never writes back a session that was deleted after it was read', async () => {
    const sid = 'read-then-deleted-session-id-0001';
    const s = await store();
    await callback((cb) => { s.set(sid, sessionData(new Date(Date.now() + 60_000)), cb); });
    // a request reads the session...
    const data = await callback<SessionData | null>((cb) => { s.get(sid, cb); });
    assert.ok(data);
    const inFlight = s.createSession(fakeRequest(sid), data);
    // ...another request deletes it (a logout)...
    await callback((cb) => { s.destroy(sid, cb); });
    // ...and the first one saves it as it finishes
    await assert.rejects(callback((cb) => { s.set(sid, inFlight, cb); }), SessionEndedError);
    assert.equal(await sessions().countDocuments({ _id: storageId(sid) as never }), 0, 'still deleted');
  });

  it('updates a session it has read, and inserts a new one only once', async () => {
    const sid = 'new-then-updated-session-id-00001';
    const s = await store();
    const fresh = sessionData(new Date(Date.now() + 60_000));
    await callback((cb) => { s.set(sid, fresh, cb); });
    // the same new session saved again (express-session does at the end of a response)
    (fresh as SessionData & { dashboardVisits: number }).dashboardVisits = 2;
    await callback((cb) => { s.set(sid, fresh, cb); });
    const doc = await sessions().findOne({ _id: storageId(sid) as never });
    assert.equal((doc?.session as { dashboardVisits?: number }).dashboardVisits, 2);
  });

  it('removes a just-saved login again when it may not stand (its sessions were revoked meanwhile)', async () => {
    const sid = 'revoked-while-logging-in-0000001';
    const s = await store(() => Promise.resolve(false));
    const login: SessionData = { ...sessionData(new Date(Date.now() + 60_000)), userId: 'someone', generation: 0 };
    await assert.rejects(callback((cb) => { s.set(sid, login, cb); }), SessionEndedError);
    assert.equal(await sessions().countDocuments({ _id: storageId(sid) as never }), 0);
  });
});

