// Sessions (ASVS V7, OWASP Session Management cheat sheet): new IDs at login,
// no adopted IDs, idle and absolute timeouts on the server, safe cookies.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { storageId } from '../../src/session/race-safe-store.js';
import { PRODUCTION_TEST_ENV, useTestApp } from '../helpers/app.js';
import {
  Client,
  parseSetCookie,
  sessionIdFromCookie,
  signedCookieValue,
  uniqueUsername,
} from '../helpers/client.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const fixture = useTestApp({
  // short enough to wait for in a test, long enough for a form's GET and
  // POST (a bcrypt hash) on a busy two-core machine
  env: { SESSION_IDLE_TIMEOUT: '2s', SESSION_ABSOLUTE_TIMEOUT: '5s' },
});

const cookieName = () => fixture.app.config.session.cookieName;
const sessions = () => fixture.app.connection.getClient().db(fixture.app.connection.name).collection('sessions');

describe('session IDs', () => {
  it('change at registration; the pre-registration cookie is worthless afterwards', async () => {
    const client = new Client(fixture.app.baseUrl);
    await client.csrfToken('/register');
    const before = client.cookies.get(cookieName());
    assert.ok(before);
    assert.equal((await client.register(uniqueUsername('newid'))).status, 303);
    const after = client.cookies.get(cookieName());
    assert.notEqual(after, before);
    assert.equal(await sessions().countDocuments({ _id: storageId(sessionIdFromCookie(before)) as never }), 0);

    const replay = new Client(fixture.app.baseUrl);
    replay.cookies.set(cookieName(), before);
    assert.equal((await replay.get('/dashboard')).status, 302);
  });

  it('chosen by an attacker are never adopted, even when correctly signed', async () => {
    const username = uniqueUsername('fixate');
    await new Client(fixture.app.baseUrl).register(username);
    // the worst case: the attacker knows the secret and signs an ID of their choice
    const chosen = 'attacker-chosen-session-id-000000';
    const client = new Client(fixture.app.baseUrl);
    client.cookies.set(cookieName(), signedCookieValue(chosen, fixture.app.config.session.secrets[0] ?? ''));
    assert.equal((await client.get('/dashboard')).status, 302);
    assert.equal((await client.login(username)).status, 303);
    assert.notEqual(sessionIdFromCookie(client.cookies.get(cookieName())), chosen);
    assert.equal(await sessions().countDocuments({ _id: storageId(chosen) as never }), 0);
  });

  it('never appear in URLs or pages', async () => {
    const client = new Client(fixture.app.baseUrl);
    const register = await client.register(uniqueUsername('nourl'));
    const sid = sessionIdFromCookie(client.cookies.get(cookieName()));
    assert.ok(sid.length >= 20);
    const pages = [register, await client.get('/dashboard'), await client.get('/'), await client.get('/login')];
    for (const res of pages) {
      assert.ok(!(res.headers.get('location') ?? '').includes(sid), 'not in a redirect');
      assert.ok(!(await res.text()).includes(sid), 'not in a page');
    }
  });
});

describe('idle timeout', () => {
  it('keeps an active session alive past the idle timeout', async () => {
    const client = new Client(fixture.app.baseUrl);
    await client.register(uniqueUsername('busy'));
    // 3.2 s of activity with a 2 s idle timeout
    for (let i = 0; i < 4; i += 1) {
      await sleep(800);
      assert.equal((await client.get('/dashboard')).status, 200, `request ${i}`);
    }
  });

  it('logs an idle session out on the server and says why', async () => {
    const client = new Client(fixture.app.baseUrl);
    await client.register(uniqueUsername('idle'));
    const sid = sessionIdFromCookie(client.cookies.get(cookieName()));
    await sleep(2300);
    const res = await client.get('/dashboard');
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/login?next=/dashboard&expired=idle');
    assert.equal(await sessions().countDocuments({ _id: storageId(sid) as never }), 0, 'the session was deleted');
    const login = await client.get(res.headers.get('location') ?? '');
    assert.match(await login.text(), /logged out after 2 seconds without activity/);
  });
});

describe('absolute timeout', () => {
  it('ends even a busy session a fixed time after login', async () => {
    const client = new Client(fixture.app.baseUrl);
    await client.register(uniqueUsername('absolute'));
    let res: Response | undefined;
    // keep it busy (never idle for 2 s) until the 5 s absolute limit passes
    for (let i = 0; i < 40; i += 1) {
      await sleep(300);
      res = await client.get('/dashboard');
      if (res.status !== 200) break;
    }
    assert.equal(res?.status, 303);
    assert.equal(res.headers.get('location'), '/login?next=/dashboard&expired=absolute');
    const login = await client.get(res.headers.get('location') ?? '');
    assert.match(await login.text(), /a login lasts at most 5 seconds/);
  });

  it('bounds the cookie and the stored session by the deadline', async () => {
    const client = new Client(fixture.app.baseUrl);
    const res = await client.register(uniqueUsername('deadline'));
    const cookie = res.headers.getSetCookie().map(parseSetCookie).find((c) => c.name === cookieName());
    assert.ok(cookie);
    // a browser-session cookie ("Keep me signed in" is for the login form):
    // no expiry of its own, the stored session's is what counts
    assert.equal(cookie.attributes.expires, undefined);
    // at most one idle timeout (2 s) past the 5 s absolute limit, so a late visitor can be told why
    const stored = await sessions().findOne({ _id: storageId(sessionIdFromCookie(client.cookies.get(cookieName()))) as never });
    assert.ok(stored?.expires instanceof Date);
    assert.ok(stored.expires.getTime() <= Date.now() + 5000 + 2000);
  });
});

describe('cookies in production', () => {
  const prod = useTestApp({ env: PRODUCTION_TEST_ENV });

  it('are __Host- prefixed, Secure, HttpOnly, SameSite=Lax, Path=/ and have no Domain behind HTTPS', async () => {
    const client = new Client(prod.app.baseUrl, { 'x-forwarded-proto': 'https' });
    const res = await client.get('/login');
    const cookie = res.headers.getSetCookie().map(parseSetCookie)[0];
    assert.ok(cookie);
    assert.equal(cookie.name, '__Host-cloakroom.sid');
    assert.equal(cookie.attributes.secure, true);
    assert.equal(cookie.attributes.httponly, true);
    assert.equal(cookie.attributes.samesite, 'Lax');
    assert.equal(cookie.attributes.path, '/');
    assert.equal(cookie.attributes.domain, undefined);
  });

  it('are never sent over plain HTTP (what TRUST_PROXY is for behind a TLS proxy)', async () => {
    const res = await new Client(prod.app.baseUrl).get('/login');
    assert.equal(res.headers.getSetCookie().length, 0);
  });
});

describe('caching', () => {
  it('private pages and auth forms are never stored by the browser', async () => {
    const client = new Client(fixture.app.baseUrl);
    for (const path of ['/login', '/register']) {
      assert.equal((await client.get(path)).headers.get('cache-control'), 'no-store', path);
    }
    await client.register(uniqueUsername('nostore'));
    assert.equal((await client.get('/dashboard')).headers.get('cache-control'), 'no-store');
  });
});
