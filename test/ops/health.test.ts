// /healthz and /readyz: what a load balancer or orchestrator asks, answered
// without ever touching a session.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SessionData } from 'express-session';
import { PRODUCTION_TEST_ENV, useTestApp } from '../helpers/app.js';
import { Client } from '../helpers/client.js';
import { captureLogs } from '../helpers/logs.js';

const prodLogs = captureLogs();
let sessionReads = 0;

const dev = useTestApp({
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
const prod = useTestApp({ env: PRODUCTION_TEST_ENV, logger: prodLogs.logger });

describe('health endpoints', () => {
  it('/healthz says the process serves requests', async () => {
    const res = await new Client(dev.app.baseUrl).get('/healthz');
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: 'ok' });
  });

  it('/readyz says the database answers', async () => {
    const res = await new Client(dev.app.baseUrl).get('/readyz');
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: 'ready', db: 'up' });
    assert.equal(res.headers.get('cache-control'), 'no-store');
  });

  it('neither creates nor reads a session, even when sent a session cookie', async () => {
    const client = new Client(dev.app.baseUrl);
    await client.register('healthcheck_user');
    const sessions = dev.app.connection.getClient().db(dev.app.connection.name).collection('sessions');
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
    dev.app.health.shuttingDown = true;
    try {
      const res = await new Client(dev.app.baseUrl).get('/readyz');
      assert.equal(res.status, 503);
      assert.equal(((await res.json()) as { status: string }).status, 'shutting-down');
    } finally {
      dev.app.health.shuttingDown = false;
    }
  });

  it('/readyz says only "down" in production when the database does not answer; the log says why', async () => {
    const ping = prod.app.health.pingDatabase;
    // what the driver says: it names the database's host and port
    prod.app.health.pingDatabase = () => Promise.reject(new Error('connect ECONNREFUSED 10.0.4.17:27017'));
    try {
      const res = await new Client(prod.app.baseUrl).get('/readyz');
      assert.equal(res.status, 503);
      assert.deepEqual(await res.json(), { status: 'not-ready', db: 'down' });
      assert.ok(prodLogs.lines.some((line) => line.includes('ECONNREFUSED 10.0.4.17:27017')), 'the reason is in the log');
    } finally {
      prod.app.health.pingDatabase = ping;
    }
  });

  it('/readyz also gives the reason outside production', async () => {
    const ping = dev.app.health.pingDatabase;
    dev.app.health.pingDatabase = () => Promise.reject(new Error('connect ECONNREFUSED 10.0.4.17:27017'));
    try {
      const res = await new Client(dev.app.baseUrl).get('/readyz');
      assert.equal(res.status, 503);
      assert.deepEqual(await res.json(), { status: 'not-ready', db: 'down', reason: 'connect ECONNREFUSED 10.0.4.17:27017' });
    } finally {
      dev.app.health.pingDatabase = ping;
    }
  });

  it('every response carries a request id, kept from a sane incoming one', async () => {
    const fresh = await new Client(dev.app.baseUrl).get('/');
    assert.match(fresh.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
    const kept = await new Client(dev.app.baseUrl, { 'x-request-id': 'lb-1234' }).get('/');
    assert.equal(kept.headers.get('x-request-id'), 'lb-1234');
    const odd = await new Client(dev.app.baseUrl, { 'x-request-id': '<script>' }).get('/');
    assert.notEqual(odd.headers.get('x-request-id'), '<script>');
  });
});
