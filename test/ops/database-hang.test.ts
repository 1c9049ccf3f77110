// The database hangs while the app runs: its process is frozen (SIGSTOP), so
// connections stay open and nothing answers, as with a partitioned network or
// a stalled disk. Unlike a stopped server (database-outage.test.ts), nothing
// refuses the connection, so only the app's own timeouts bound the wait.
// Its own setup, not useTestApp(): it freezes the process of a database server it started itself.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isDatabaseUnavailable } from '../../src/db/connect.js';
import { startLocalDatabase, type LocalDatabase } from '../../src/db/local/index.js';
import { PING_TIMEOUT_MS } from '../../src/routes/health.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { Client, uniqueUsername } from '../helpers/client.js';
import { quietLogger } from '../helpers/database.js';
import { eventually } from '../helpers/logs.js';

// DB_RESPONSE_TIMEOUT_MS for this app; a read or write the driver retries may wait twice
const RESPONSE_TIMEOUT_MS = 1000;
// what the README promises for a hung database, whatever the settings' defaults
const PROMISED_MS = 10_000;
// a loaded test machine is slow; still far below the 30+ s a hang used to take
const MARGIN_MS = 2000;

async function timed<T>(work: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = Date.now();
  const result = await work();
  return { result, ms: Date.now() - started };
}

// always a local database of its own, even when MONGODB_URI names another
// server: only the process this test started can be frozen
describe(
  'a hung database',
  () => {
    let db: LocalDatabase;
    let app: TestApp;

    before(async () => {
      db = await startLocalDatabase({ engine: 'auto', dataDir: undefined, logger: quietLogger });
      app = await startTestApp({
        uri: db.uri('hang'),
        serverSelectionTimeoutMs: RESPONSE_TIMEOUT_MS,
        env: { DB_RESPONSE_TIMEOUT_MS: String(RESPONSE_TIMEOUT_MS) },
      });
    });

    after(async () => {
      db?.thaw();
      await app?.close();
      await db?.stop();
    });

    it('gives 503s within the bound, and the app recovers by itself', { timeout: 120_000 }, async () => {
      const bound = Math.min(2 * RESPONSE_TIMEOUT_MS + MARGIN_MS, PROMISED_MS);
      const password = 'a frozen passphrase';
      const username = uniqueUsername('hang');
      const loggedIn = new Client(app.baseUrl);
      await loggedIn.register(username, password);
      assert.equal((await loggedIn.get('/dashboard')).status, 200);

      db.freeze();
      try {
        // an anonymous visitor: the login form stores a session for its CSRF token
        const login = await timed(() => new Client(app.baseUrl).get('/login'));
        assert.equal(login.result.status, 503, 'GET /login');
        assert.ok(login.ms < bound, `GET /login answered in ${login.ms} ms (bound ${bound} ms)`);
        assert.equal(login.result.headers.get('retry-after'), '5');
        assert.match(await login.result.text(), /cannot reach its database/);

        // a logged-in visitor: the session cannot be read, so no page for it
        const dashboard = await timed(() => loggedIn.get('/dashboard'));
        assert.equal(dashboard.result.status, 503, 'GET /dashboard');
        assert.ok(dashboard.ms < bound, `GET /dashboard answered in ${dashboard.ms} ms (bound ${bound} ms)`);
        assert.doesNotMatch(await dashboard.result.text(), /Hello,|visit-count/);

        // the throttle's counters share the client, so they are bounded too
        const throttle = await timed(() =>
          app.throttle.consumeRegistration('127.0.0.1').then(
            () => assert.fail('the throttle answered from a frozen database'),
            (err: unknown) => err,
          ),
        );
        assert.ok(isDatabaseUnavailable(throttle.result), `a database-unavailable error, not ${String(throttle.result)}`);
        assert.ok(throttle.ms < bound, `the throttle gave up in ${throttle.ms} ms (bound ${bound} ms)`);

        // readiness has its own, shorter bound
        const ready = await timed(() => new Client(app.baseUrl).get('/readyz'));
        assert.equal(ready.result.status, 503, '/readyz');
        assert.ok(ready.ms < PING_TIMEOUT_MS + MARGIN_MS, `/readyz answered in ${ready.ms} ms`);
        assert.equal((await new Client(app.baseUrl).get('/healthz')).status, 200, 'still alive');
      } finally {
        db.thaw();
      }

      // no restart of the app: the driver gets going again on its own
      await eventually(async () => (await new Client(app.baseUrl).get('/readyz')).status === 200, 'readiness after the hang');
      const again = await loggedIn.get('/dashboard');
      assert.equal(again.status, 200, 'the session from before still works');
      assert.match(await again.text(), new RegExp(username));
      const fresh = await new Client(app.baseUrl).login(username, password);
      assert.equal(fresh.status, 303, 'a new login works');
      assert.equal(fresh.headers.get('location'), '/dashboard');
    });
  },
);
