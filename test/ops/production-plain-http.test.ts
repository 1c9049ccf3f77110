// Production over plain HTTP explains itself. The session cookie is Secure in
// production, and express-session never sends a Secure cookie on a request it
// believes is plain HTTP: without this, every form ends on "This form has
// expired" and nobody can tell why (the mistake docker-compose.yml made
// before it put the app behind a TLS proxy).
// The last test starts the real server (startServer) on a database of its own, which useTestApp() does not do.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { FEATURE_SETTINGS } from '../../src/features/index.js';
import { startServer } from '../../src/server.js';
import { PRODUCTION_TEST_ENV, useTestApp } from '../helpers/app.js';
import { Client } from '../helpers/client.js';
import { startTestDatabase } from '../helpers/database.js';
import { captureLogs } from '../helpers/logs.js';

const fixture = useTestApp({ env: PRODUCTION_TEST_ENV });

describe('production reached over plain HTTP', () => {
  it('answers every page with one that names the cause and the fix, and never a session cookie', async () => {
    const client = new Client(fixture.app.baseUrl);
    for (const path of ['/', '/login', '/register', '/dashboard']) {
      const res = await client.get(path);
      assert.equal(res.status, 403, path);
      assert.equal(res.headers.getSetCookie().length, 0, `${path}: no cookie`);
      const html = await res.text();
      assert.match(html, /This site needs HTTPS/);
      assert.match(html, /TRUST_PROXY/);
      assert.doesNotMatch(html, /form has expired/);
    }
    // a form posted over plain HTTP: the same explanation, not "this form has expired"
    const post = await client.post('/login', { username: 'someone', password: 'anything at all' }, { csrf: false });
    assert.equal(post.status, 403);
    assert.match(await post.text(), /This site needs HTTPS/);
  });

  it('still serves health checks and the stylesheet over plain HTTP (container probes use it)', async () => {
    const client = new Client(fixture.app.baseUrl);
    assert.equal((await client.get('/healthz')).status, 200);
    assert.equal((await client.get('/readyz')).status, 200);
    assert.equal((await client.get('/css/site.css')).status, 200);
  });

  it('through the trusted TLS proxy, serves pages and a __Host- Secure cookie', async () => {
    const client = new Client(fixture.app.baseUrl, { 'x-forwarded-proto': 'https' });
    const res = await client.get('/login');
    assert.equal(res.status, 200);
    assert.match(res.headers.getSetCookie()[0] ?? '', /^__Host-cloakroom\.sid=.*; Secure/);
  });
});

describe('starting in production without a trusted proxy', () => {
  it('warns that nobody will be able to log in, naming TRUST_PROXY', { timeout: 60_000 }, async () => {
    const db = await startTestDatabase();
    const logs = captureLogs();
    const { TRUST_PROXY: _proxy, ...withoutProxy } = PRODUCTION_TEST_ENV;
    const config = loadConfig({ ...withoutProxy, PORT: '0', MONGODB_URI: db.freshUri() }, FEATURE_SETTINGS);
    const server = await startServer(config, logs.logger);
    try {
      const warning = logs.lines.find((line) => line.includes('no proxy is trusted'));
      assert.ok(warning, 'a startup warning');
      assert.match(warning, /nobody can log in/);
      assert.match(warning, /TLS proxy/);
    } finally {
      await server.close();
      await db.stop();
    }
  });
});
