// /healthz and /readyz: what a load balancer or orchestrator asks, answered
// without ever touching a session.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { SessionData } from 'express-session';
import { startTestApp, type TestApp } from './helpers/app.js';
import { Client } from './helpers/client.js';
import { startTestDatabase, type TestDatabase } from './helpers/database.js';

let db: TestDatabase;
let app: TestApp;
let sessionReads = 0;

before(async () => {
  db = await startTestDatabase();
  app = await startTestApp({
    uri: db.freshUri(),
    wrapStore: (store) => {
      // count every session read the app makes
      const get = store.get.bind(store);
      store.get = (sid: string, cb: (err: unknown, session?: SessionData | null) => void) => {
        sessionReads += 1;
        get(sid, cb);
      };
      return store;
    },
  });
});

after(async () => {
  await app.close();
  await db.stop();
});

describe('health endpoints', () => {
  it('/healthz says the process serves requests', async () => {
    const res = await new Client(app.baseUrl).get('/healthz');
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: 'ok' });
  });

  it('/readyz says the database answers', async () => {
    const res = await new Client(app.baseUrl).get('/readyz');
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: 'ready', db: 'up' });
    assert.equal(res.headers.get('cache-control'), 'no-store');
  });

  it('neither creates nor reads a session, even when sent a session cookie', async () => {
    const client = new Client(app.baseUrl);
    await client.register('healthcheck_user');
    const sessions = app.connection.getClient().db(app.connection.name).collection('sessions');
    const before = await sessions.countDocuments();
    sessionReads = 0;
    for (const path of ['/healthz', '/readyz', '/healthz', '/readyz']) {
      const res = await client.get(path);
      assert.equal(res.status, 200);
      assert.equal(res.headers.getSetCookie().length, 0);
    }
    assert.equal(sessionReads, 0, 'no session was read');
    assert.equal(await sessions.countDocuments(), before, 'no session was created');
    // the same client's page views do read it (the counter has teeth)
    await client.get('/dashboard');
    assert.equal(sessionReads, 1);
  });

  it('/readyz says 503 while the server shuts down', async () => {
    app.health.shuttingDown = true;
    try {
      const res = await new Client(app.baseUrl).get('/readyz');
      assert.equal(res.status, 503);
      assert.equal(((await res.json()) as { status: string }).status, 'shutting-down');
    } finally {
      app.health.shuttingDown = false;
    }
  });

  it('every response carries a request id, kept from a sane incoming one', async () => {
    const fresh = await new Client(app.baseUrl).get('/');
    assert.match(fresh.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
    const kept = await new Client(app.baseUrl, { 'x-request-id': 'lb-1234' }).get('/');
    assert.equal(kept.headers.get('x-request-id'), 'lb-1234');
    const odd = await new Client(app.baseUrl, { 'x-request-id': '<script>' }).get('/');
    assert.notEqual(odd.headers.get('x-request-id'), '<script>');
  });
});
