// The database goes away while the app runs, then comes back. Stopped and
// restarted for real: this test runs its own local database server.
// Its own setup, not useTestApp(): it stops and restarts that server.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startLocalDatabase, type LocalDatabase } from '../../src/db/local/index.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { Client, uniqueUsername } from '../helpers/client.js';
import { quietLogger } from '../helpers/database.js';
import { eventually } from '../helpers/logs.js';

let db: LocalDatabase;
let app: TestApp;

before(async () => {
  db = await startLocalDatabase({ engine: 'auto', dataDir: undefined, logger: quietLogger });
  // requests give up on a lost database after one second
  app = await startTestApp({ uri: db.uri('outage'), serverSelectionTimeoutMs: 1000 });
});

after(async () => {
  await app.close();
  await db.stop();
});

describe('a database outage', () => {
  it('gives friendly 503s quickly, fails closed, and recovers by itself', async () => {
    const password = 'outage proof passphrase';
    const username = uniqueUsername('outage');
    const loggedIn = new Client(app.baseUrl);
    await loggedIn.register(username, password);
    assert.deepEqual(await loggedIn.dashboardCounts(), { session: 1, lifetime: 1 });
    const anonymous = new Client(app.baseUrl);
    const loginToken = await anonymous.csrfToken('/login');

    await db.pause();
    try {
      const started = Date.now();
      const dashboard = await loggedIn.get('/dashboard');
      const waited = Date.now() - started;
      assert.equal(dashboard.status, 503, 'never a logged-in page for a session that could not be read');
      assert.equal(dashboard.headers.get('retry-after'), '5');
      const html = await dashboard.text();
      assert.match(html, /cannot reach its database/);
      assert.doesNotMatch(html, /Hello,|visit-count|\sat \S+ \(|Mongo/);
      // bounded by the one-second server selection timeout, not a hang (generous margin)
      assert.ok(waited < 10_000, `answered in ${waited} ms`);

      const login = await anonymous.post('/login', { username, password, _csrf: loginToken });
      assert.equal(login.status, 503, 'login fails closed');
      assert.equal(login.headers.getSetCookie().length, 0);

      const ready = await new Client(app.baseUrl).get('/readyz');
      assert.equal(ready.status, 503);
      assert.equal(((await ready.json()) as { db: string }).db, 'down');
      assert.equal((await new Client(app.baseUrl).get('/healthz')).status, 200, 'still alive');
    } finally {
      await db.resume();
    }

    // no restart of the app: the driver reconnects on its own
    await eventually(async () => (await new Client(app.baseUrl).get('/readyz')).status === 200, 'readiness after the outage');
    assert.deepEqual(await loggedIn.dashboardCounts(), { session: 2, lifetime: 2 }, 'the session from before still works');
    assert.equal((await new Client(app.baseUrl).login(username, password)).status, 303);
  });
});
