// Lesson zero (examples/lesson-zero.ts) against a real MongoDB-compatible
// database: the one-file app does what its comments say, step by step.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { MongoStore } from 'connect-mongo';
import type { SessionData } from 'express-session';
import mongoose, { type Connection } from 'mongoose';
import { createLessonZero, SESSION_COOKIE } from '../../examples/lesson-zero.js';
import { Client, parseSetCookie, sessionIdFromCookie, testIdText, uniqueUsername } from '../helpers/client.js';
import { startTestDatabase, type TestDatabase } from '../helpers/database.js';

const PASSWORD = 'correct horse battery';

let db: TestDatabase;
let connection: Connection;
let server: http.Server;
let baseUrl: string;

// every session write the store is asked for, and a pause before each one
// (0 but in the redirect-race test, where the store is slow on purpose)
const writes: string[] = [];
let writeDelayMs = 0;
// eslint-disable-next-line @typescript-eslint/unbound-method -- called below with the store as `this`
const realSet = MongoStore.prototype.set;

before(async () => {
  MongoStore.prototype.set = function (this: MongoStore, sid: string, data: SessionData, done?: (err: unknown) => void) {
    writes.push(sid);
    setTimeout(() => realSet.call(this, sid, data, done), writeDelayMs);
  };
  db = await startTestDatabase();
  connection = await mongoose.createConnection(db.freshUri()).asPromise();
  server = http.createServer(await createLessonZero({ connection, sessionSecret: 'lesson zero test secret' }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  MongoStore.prototype.set = realSet;
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await connection.close();
  await db.stop();
});

const collection = (name: string) => connection.getClient().db(connection.name).collection(name);
const sessionIdOf = (client: Client) => sessionIdFromCookie(client.cookies.get(SESSION_COOKIE));

/** The session document's data, as connect-mongo stored it (a JSON string by default). */
async function storedSession(id: string): Promise<Partial<SessionData> | undefined> {
  const doc = await collection('sessions').findOne({ _id: id as never });
  if (!doc) return undefined;
  const data: unknown = (doc as { session?: unknown }).session;
  return (typeof data === 'string' ? JSON.parse(data) : data) as Partial<SessionData>;
}

const register = (client: Client, username: string) => client.post('/register', { username, password: PASSWORD }, { csrf: false });
const login = (client: Client, username: string, password = PASSWORD) => client.post('/login', { username, password }, { csrf: false });

async function registered(prefix: string): Promise<{ client: Client; username: string }> {
  const client = new Client(baseUrl);
  const username = uniqueUsername(prefix);
  assert.equal((await register(client, username)).status, 303);
  return { client, username };
}

/** A browser that has nothing but this (stolen, or kept from before logout) session cookie. */
function replaying(cookieValue: string | undefined): Client {
  const client = new Client(baseUrl);
  if (cookieValue) client.cookies.set(SESSION_COOKIE, cookieValue);
  return client;
}

describe('lesson zero', () => {
  it('stores no session for anonymous visitors (saveUninitialized: false)', async () => {
    const before = await collection('sessions').countDocuments();
    const client = new Client(baseUrl);
    for (const path of ['/', '/login', '/register', '/dashboard']) {
      const res = await client.get(path);
      assert.equal(res.headers.getSetCookie().length, 0, path);
    }
    assert.equal(await collection('sessions').countDocuments(), before);
  });

  it('registers with a bcrypt hash and a unique name, then 303s to a dashboard that counts', async () => {
    const client = new Client(baseUrl);
    const username = uniqueUsername('Reg');
    const res = await register(client, username);
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/dashboard');
    const cookie = parseSetCookie(res.headers.getSetCookie()[0] ?? '');
    assert.equal(cookie.name, SESSION_COOKIE);
    assert.equal(cookie.attributes.httponly, true);
    assert.equal(cookie.attributes.samesite, 'Lax');

    const user = await collection('users').findOne({ username });
    assert.match(String(user?.passwordHash), /^\$2b\$10\$/);
    assert.equal((await storedSession(sessionIdOf(client)))?.userId, String(user?._id));

    assert.deepEqual(await client.dashboardCounts(), { session: 1, lifetime: 1 });
    assert.deepEqual(await client.dashboardCounts(), { session: 2, lifetime: 2 }, 'a reload counts');

    const again = await register(new Client(baseUrl), username);
    assert.equal(again.status, 409);
    assert.match(await again.text(), /already taken/);
    assert.equal(again.headers.getSetCookie().length, 0);
  });

  it('loses no lifetime visit to parallel loads; the session count keeps the last save', async () => {
    const { client } = await registered('Burst');
    assert.deepEqual(await client.dashboardCounts(), { session: 1, lifetime: 1 });
    const counts = await Promise.all([1, 2, 3].map(() => client.dashboardCounts()));
    // the atomic $inc: each load got its own number
    assert.deepEqual(counts.map((c) => c.lifetime).sort(), [2, 3, 4]);
    // read-add-write in the session: parallel loads may read the same count
    for (const { session } of counts) assert.ok(session >= 2 && session <= 4, `session count ${session}`);
    const stored = (await storedSession(sessionIdOf(client)))?.dashboardVisits;
    assert.ok(stored !== undefined && counts.some((c) => c.session === stored), 'the store holds one of the counts shown');
    assert.deepEqual(await client.dashboardCounts(), { session: stored + 1, lifetime: 5 });
  });

  it('logs out: the session leaves the store, the cookie is cleared, the old cookie gets the login page', async () => {
    const { client, username } = await registered('Out');
    const oldCookie = client.cookies.get(SESSION_COOKIE);
    const id = sessionIdOf(client);
    assert.ok(await storedSession(id));

    const res = await client.post('/logout', {}, { csrf: false });
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/login');
    const cleared = parseSetCookie(res.headers.getSetCookie()[0] ?? '');
    assert.equal(cleared.name, SESSION_COOKIE);
    assert.ok(Date.parse(String(cleared.attributes.expires)) < Date.now(), 'an expiry in the past');
    assert.equal(client.cookies.has(SESSION_COOKIE), false);
    assert.equal(await storedSession(id), undefined, 'destroyed in the store');

    const replay = replaying(oldCookie);
    const dashboard = await replay.get('/dashboard');
    assert.equal(dashboard.status, 302);
    assert.equal(dashboard.headers.get('location'), '/login');
    const page = await (await replay.get('/login')).text();
    assert.match(page, /<form method="post" action="\/login">/);
    assert.doesNotMatch(page, new RegExp(username));
  });

  it('regenerates the session at login: a new ID, and the old one gone', async () => {
    const { client, username } = await registered('Fix');
    const oldCookie = client.cookies.get(SESSION_COOKIE);
    const oldId = sessionIdOf(client);

    assert.equal((await login(client, username)).status, 303);
    assert.notEqual(client.cookies.get(SESSION_COOKIE), oldCookie);
    assert.equal(await storedSession(oldId), undefined);
    assert.equal((await storedSession(sessionIdOf(client)))?.username, username);
    assert.equal((await replaying(oldCookie).get('/dashboard')).headers.get('location'), '/login');

    // one answer for a wrong password and an unknown name, and no session for either
    for (const res of [await login(new Client(baseUrl), username, 'not the password'), await login(new Client(baseUrl), uniqueUsername('Nobody'))]) {
      assert.equal(res.status, 401);
      assert.match(await res.text(), /Invalid username or password/);
      assert.equal(res.headers.getSetCookie().length, 0);
    }
  });

  it('saves the login before redirecting, once: the dashboard right after knows the user (10 logins, a slow store)', async () => {
    const { username } = await registered('Race');
    writeDelayMs = 50;
    try {
      for (let i = 0; i < 10; i += 1) {
        const client = new Client(baseUrl);
        const before = writes.length;
        const res = await login(client, username);
        assert.equal(res.status, 303);
        // followed as soon as the headers are in, as a browser does
        const dashboard = await client.get(res.headers.get('location') ?? '');
        assert.equal(dashboard.status, 200, `login ${i + 1}: the dashboard after the redirect`);
        assert.equal(testIdText(await dashboard.text(), 'visit-count'), '1');
        await res.arrayBuffer();
        // one write for the login, one for the dashboard's count: no late second copy of the login
        assert.equal(writes.length - before, 2, `login ${i + 1}: session writes`);
      }
    } finally {
      writeDelayMs = 0;
    }
  });
});
