// When something fails on the server, the visitor gets a plain 500 page;
// the details go to the log, and to the page only in development.
import bcrypt from 'bcrypt';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import session from 'express-session';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import type { KnownBrowsers } from '../../src/security/known-browser.js';
import type { UserModel } from '../../src/models/user.js';
import { createMemoryThrottle } from '../../src/security/throttle.js';
import { Client } from '../helpers/client.js';
import { quietLogger } from '../helpers/database.js';

// a users model whose every query fails, as if the database broke mid-request
const brokenUsers = new Proxy(
  {},
  {
    get() {
      return () => {
        throw new Error('database exploded in /srv/secret/path.js:12:34');
      };
    },
  },
) as UserModel;

async function withApp(
  env: Record<string, string>,
  run: (client: Client) => Promise<void>,
  headers: Record<string, string> = {},
) {
  const config = loadConfig({ BCRYPT_COST: '10', ...env });
  const app = createApp({
    config,
    users: brokenUsers,
    features: [],
    sessionStore: new session.MemoryStore(),
    throttle: createMemoryThrottle(config.throttle, quietLogger),
    health: { pingDatabase: () => Promise.resolve(), isShuttingDown: () => false },
    userSessions: {
      list: () => Promise.resolve([]),
      endOne: () => Promise.resolve(false),
      endOthers: () => Promise.resolve({ ended: 0, generation: 0, cleared: [] }),
      endAll: () => Promise.resolve({ ended: 0, cleared: [] }),
      stored: () => Promise.resolve(null),
    },
    // nor known browsers
    knownBrowsers: {} as KnownBrowsers,
    passwordHashing: bcrypt,
    logger: quietLogger,
    securityLog: { record: () => Promise.resolve(), list: () => Promise.resolve([]), forget: () => Promise.resolve() },
  });
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await run(new Client(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, headers));
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

describe('error pages', () => {
  it('show nothing of the failure in production', async () => {
    await withApp(
      {
        NODE_ENV: 'production',
        MONGODB_URI: 'mongodb://db/cloakroom',
        SESSION_SECRET: 'p'.repeat(40),
        PASSWORD_PEPPER: 'q'.repeat(40),
        TWO_FACTOR_KEY: 'k'.repeat(40),
        PUBLIC_URL: 'https://cloakroom.test',
        BCRYPT_COST: '12',
        EMAIL: 'off',
        // the cookie is Secure in production: say the request came over HTTPS
        TRUST_PROXY: 'loopback',
      },
      async (client) => {
        const res = await client.post('/login', { username: 'someone', password: 'whatever123' });
        assert.equal(res.status, 500);
        const html = await res.text();
        assert.match(html, /Something went wrong/);
        assert.doesNotMatch(html, /exploded|secret|\.js:\d+|\sat /);
      },
      { 'x-forwarded-proto': 'https' },
    );
  });

  it('show the stack to the developer in development', async () => {
    await withApp({ NODE_ENV: 'development' }, async (client) => {
      const res = await client.post('/register', { username: 'someone', password: 'whatever123', confirmPassword: 'whatever123' });
      assert.equal(res.status, 500);
      assert.match(await res.text(), /database exploded/);
    });
  });
});
