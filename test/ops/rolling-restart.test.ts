// Rolling restart: three instances of the production build (node
// dist/server.js, NODE_ENV=production, docker-compose.yml's environment) on
// one database, behind a real Caddy running deploy/Caddyfile over https,
// restarted one after another while logged-in users keep viewing their
// dashboard and others log in. Not one request may fail: no 5xx, no broken
// connection, no session lost (a bounce to /login), no visit counted twice or
// not at all. What makes it hold: on SIGTERM the app turns /readyz red,
// keeps serving until Caddy's active health check has seen it, closes each
// keep-alive connection after its response and finishes the requests in
// flight before it exits (src/server.ts); and Caddy sends a request that
// could not reach an instance to another one (deploy/Caddyfile).
//
// Needs `npm run build` first (npm test does it) and Caddy (apt-get install
// caddy). Takes about 30 s: the instances restart one at a time, each waits
// for the next one to be back in the proxy's rotation.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { MongoClient, ObjectId } from 'mongodb';
import { testIdText, storedIdFromCookie, uniqueUsername } from '../helpers/client.js';
import { startTestDatabase } from '../helpers/database.js';
import {
  composeAppEnvironment,
  freePort,
  HttpsClient,
  startBuiltApp,
  startCaddy,
  waitForStatus,
  type AppProcess,
  type RunningCaddy,
} from '../helpers/production.js';

const INSTANCES = 3;
// users who stay logged in and view their dashboard again and again, and
// loops that log in afresh each time: a few of each, not more than two cores
// serve with three app processes, Caddy and the database on them
const VIEWERS = 6;
const LOGIN_LOOPS = 2;
const VIEW_PAUSE_MS = 100;
const LOGIN_PAUSE_MS = 300;
// load before the first restart and after the last one
const SETTLE_MS = 2000;
// the restarts must be done by then, or the test fails (it never hangs)
const RESTARTS_WITHIN_MS = 60_000;
const PASSWORD = 'correct horse battery';
const COOKIE = '__Host-cloakroom.sid';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// said at once, not at the end of the file: the waits are long
function announce(message: string): void {
  process.stderr.write(`# rolling restart: ${message}\n`);
}

/** A request log line (production logs every request; the probes are not logged). */
function servedRequests(output: string): number {
  return output.split('\n').filter((line) => line.includes('"res":{"status":')).length;
}

const cleanups: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
});

describe('a rolling restart behind Caddy', () => {
  it('restarts three instances one by one without a failed request or a lost visit', { timeout: 180_000 }, async (t) => {
    const began = Date.now();
    announce(`${INSTANCES} production instances behind Caddy, restarted one by one under load: about 30 s`);
    const database = await startTestDatabase();
    cleanups.push(() => database.stop());
    const mongodbUri = database.freshUri();

    const httpsPort = await freePort();
    const secrets = {
      SESSION_SECRET: randomBytes(32).toString('base64url'),
      PASSWORD_PEPPER: randomBytes(32).toString('base64url'),
      TWO_FACTOR_KEY: randomBytes(32).toString('base64url'),
    };
    const { SMTP_URL: _smtp, MAIL_FROM: _from, ...compose } = composeAppEnvironment();
    const appEnv = (port: number) => ({
      ...compose,
      ...secrets,
      // what differs without containers (see e2e/production/stack.ts)
      HOST: '127.0.0.1',
      PORT: String(port),
      MONGODB_URI: mongodbUri,
      TRUST_PROXY: '127.0.0.1',
      PUBLIC_URL: `https://localhost:${httpsPort}`,
      EMAIL: 'off',
      // every client of this test comes from 127.0.0.1, as Caddy reports it
      REGISTRATIONS_PER_IP_PER_HOUR: '100000',
      LOGIN_MAX_FAILURES_PER_IP_PER_DAY: '100000',
      ANONYMOUS_SESSIONS_PER_IP_PER_HOUR: '100000',
    });

    const ports = await Promise.all(Array.from({ length: INSTANCES }, () => freePort()));
    const instances: AppProcess[] = [];
    // at once: each waits a moment for the health check Caddy no longer makes
    cleanups.push(() => Promise.all(instances.map((instance) => instance.stop())));
    instances.push(...(await Promise.all(ports.map((port) => startBuiltApp(appEnv(port))))));
    const caddy: RunningCaddy = await startCaddy({ upstreams: ports.map((port) => `127.0.0.1:${port}`), httpsPort });
    cleanups.push(() => caddy.stop());
    announce(`started in ${((Date.now() - began) / 1000).toFixed(1)} s: instances on ports ${ports.join(', ')}, Caddy on ${caddy.url}; registering the users`);

    const failures: string[] = [];
    const fail = (what: string) => failures.push(`${((Date.now() - began) / 1000).toFixed(1)} s: ${what}`);
    const stats = { views: 0, logins: 0 };
    const clients: HttpsClient[] = [];
    const client = () => {
      const c = new HttpsClient(caddy.url, caddy.ca);
      clients.push(c);
      return c;
    };
    cleanups.push(() => {
      for (const c of clients) c.close();
      return Promise.resolve();
    });

    /** One request; a broken connection or a 5xx is a failure. */
    async function send(who: string, what: string, request: () => Promise<Response>): Promise<Response | undefined> {
      try {
        const res = await request();
        if (res.status >= 500) fail(`${who}: ${what} answered ${res.status}`);
        return res;
      } catch (err) {
        fail(`${who}: ${what}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
        return undefined;
      }
    }

    // the viewers: each its own account and browser, logged in once
    const viewers = await Promise.all(
      Array.from({ length: VIEWERS }, async (_, i) => {
        const username = uniqueUsername(`viewer${i}`);
        const c = client();
        const registered = await c.register(username, PASSWORD);
        assert.equal(registered.status, 303, `registering ${username}`);
        assert.equal(registered.headers.get('location'), '/dashboard');
        return { username, client: c, views: 0 };
      }),
    );
    // the accounts the login loops log in to
    const loginAccounts = await Promise.all(
      Array.from({ length: LOGIN_LOOPS }, async (_, i) => {
        const username = uniqueUsername(`login${i}`);
        const c = client();
        assert.equal((await c.register(username, PASSWORD)).status, 303, `registering ${username}`);
        return { username, logins: 0 };
      }),
    );

    announce(`users registered at ${((Date.now() - began) / 1000).toFixed(1)} s; the load begins`);
    let running = true;
    const viewing = viewers.map(async (viewer) => {
      while (running) {
        const res = await send(viewer.username, 'GET /dashboard', () => viewer.client.get('/dashboard'));
        if (res?.status === 200) {
          viewer.views += 1;
          stats.views += 1;
          const html = await res.text();
          const seen = Number(testIdText(html, 'visit-count'));
          if (seen !== viewer.views) {
            fail(`${viewer.username}: view ${viewer.views} showed visit count ${seen}`);
            viewer.views = seen;
          }
        } else if (res) {
          fail(`${viewer.username}: GET /dashboard answered ${res.status} ${res.headers.get('location') ?? ''} (the session is gone)`);
        }
        await sleep(VIEW_PAUSE_MS);
      }
    });
    const loggingIn = loginAccounts.map(async (account) => {
      while (running) {
        const browser = client();
        const who = `${account.username} (a fresh login)`;
        const res = await send(who, 'POST /login', () => browser.login(account.username, PASSWORD));
        if (res && res.status < 500) {
          if (res.status !== 303 || res.headers.get('location') !== '/dashboard') {
            fail(`${who}: POST /login answered ${res.status} ${res.headers.get('location') ?? ''}`);
          } else {
            account.logins += 1;
            stats.logins += 1;
            const page = await send(who, 'GET /dashboard', () => browser.get('/dashboard'));
            if (page?.status === 200) {
              const seen = testIdText(await page.text(), 'visit-count');
              if (seen !== '1') fail(`${who}: the first view after logging in showed visit count ${seen}`);
            } else if (page) {
              fail(`${who}: GET /dashboard after logging in answered ${page.status} ${page.headers.get('location') ?? ''}`);
            }
          }
        }
        browser.close();
        await sleep(LOGIN_PAUSE_MS);
      }
    });
    const load = Promise.all([...viewing, ...loggingIn]);

    // the restarts, one instance at a time, as an orchestrator rolls them
    const restarts: string[] = [];
    try {
      const restartsBy = Date.now() + RESTARTS_WITHIN_MS;
      const inTime = async <T>(what: string, promise: Promise<T>): Promise<T> => {
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`${what}: not done within the test's ${RESTARTS_WITHIN_MS / 1000} s for the restarts`)), Math.max(0, restartsBy - Date.now()));
        });
        return Promise.race([promise, late]).finally(() => clearTimeout(timer));
      };
      await sleep(SETTLE_MS);
      for (const [i, port] of ports.entries()) {
        const instance = instances[i];
        assert.ok(instance);
        const stopAt = Date.now();
        announce(`SIGTERM to instance ${i + 1} of ${INSTANCES} (port ${port}); waiting for it to exit`);
        const exit = await inTime(`instance ${i + 1} exiting`, instance.stop());
        const stoppedIn = Date.now() - stopAt;
        assert.equal(exit.code, 0, `instance ${i + 1} exits 0 on SIGTERM:\n${instance.output().slice(-3000)}`);
        const startAt = Date.now();
        const restarted = await inTime(`instance ${i + 1} starting again`, startBuiltApp(appEnv(port)));
        instances[i] = restarted;
        await inTime(`instance ${i + 1} ready`, waitForStatus(`${restarted.url}/readyz`, 200, RESTARTS_WITHIN_MS));
        await inTime('/readyz through the proxy', waitForStatus(`${caddy.url}/readyz`, 200, RESTARTS_WITHIN_MS, { ca: caddy.ca }));
        // back in the proxy's rotation: it serves the users' requests again
        announce(`instance ${i + 1} is up again; waiting for Caddy to send it requests`);
        await inTime(
          `instance ${i + 1} back in rotation`,
          (async () => {
            while (servedRequests(restarted.output()) === 0 && Date.now() < restartsBy) await sleep(100);
          })(),
        );
        restarts.push(`instance ${i + 1}: stopped in ${stoppedIn} ms, back in rotation ${Date.now() - startAt} ms after starting`);
      }
      await sleep(SETTLE_MS);
    } finally {
      running = false;
      await load;
    }

    const seconds = ((Date.now() - began) / 1000).toFixed(1);
    const requests = clients.reduce((sum, c) => sum + c.requests, 0);
    const summary = `${requests} requests through Caddy (${stats.views} dashboard views by ${VIEWERS} users, ${stats.logins} fresh logins), ${restarts.length} restarts, ${failures.length} failed, ${seconds} s in all`;
    announce(summary);
    t.diagnostic(summary);
    for (const restart of restarts) t.diagnostic(restart);
    // what Caddy's health check heard from the instances shutting down: a 503
    // from /readyz, before their port closed
    const red = caddy.log().split('\n').filter((line) => line.includes('health_checker') && line.includes('"status_code":503')).length;
    t.diagnostic(`Caddy's health check was answered 503 ${red} times`);
    assert.deepEqual(failures, [], `failed requests during the rolling restart (${summary}):\n${failures.join('\n')}\ncaddy said:\n${caddy.log().slice(-3000)}`);
    assert.equal(restarts.length, INSTANCES);
    assert.ok(stats.views >= VIEWERS * 10 && stats.logins >= LOGIN_LOOPS * 3, `enough load to mean something: ${summary}`);

    // afterwards, the database agrees: each viewer has one session, holding
    // its count of views; each account counted every view once; each fresh
    // login made exactly one session
    const mongo = await MongoClient.connect(mongodbUri);
    try {
      const db = mongo.db();
      const users = db.collection<{ _id: ObjectId; username: string; lifetimeVisits?: number }>('users');
      const sessions = db.collection<{ _id: string; session: { userId?: string; dashboardVisits?: number } }>('sessions');
      for (const viewer of viewers) {
        const user = await users.findOne({ username: viewer.username });
        assert.ok(user, viewer.username);
        assert.equal(user.lifetimeVisits ?? 0, viewer.views, `${viewer.username}: every view counted once on the account`);
        const stored = await sessions.findOne({ _id: storedIdFromCookie(viewer.client.cookies.get(COOKIE)) });
        assert.ok(stored, `${viewer.username}: the session document is there`);
        assert.equal(stored.session.userId, user._id.toString());
        assert.equal(stored.session.dashboardVisits, viewer.views, `${viewer.username}: every view counted once in the session`);
        assert.equal(await sessions.countDocuments({ 'session.userId': user._id.toString() }), 1, `${viewer.username}: logged in once`);
      }
      for (const account of loginAccounts) {
        const user = await users.findOne({ username: account.username });
        assert.ok(user, account.username);
        // the registration's session, and one per login
        const made = await sessions.countDocuments({ 'session.userId': user._id.toString() });
        assert.equal(made, account.logins + 1, `${account.username}: one session per login`);
      }
    } finally {
      await mongo.close();
    }
  });
});
