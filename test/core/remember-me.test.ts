// "Keep me signed in on this device": unticked, a browser-session cookie (no
// Expires: closing the browser ends it) with the short timeouts; ticked, a
// persistent cookie and the longer REMEMBER_ME_ timeouts. Either way the
// server enforces the timeouts and MongoDB deletes the document in time.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { useTestApp } from '../helpers/app.js';
import { Client, parseSetCookie, storedIdFromCookie, uniqueUsername } from '../helpers/client.js';

const password = 'the original passphrase';

const fixture = useTestApp({
  env: {
    // long enough for a registration on a busy machine, short enough to wait out
    SESSION_IDLE_TIMEOUT: '4s',
    SESSION_ABSOLUTE_TIMEOUT: '1h',
    REMEMBER_ME_IDLE_TIMEOUT: '1h',
    REMEMBER_ME_ABSOLUTE_TIMEOUT: '2h',
  },
});

const sessions = () =>
  fixture.app.connection.getClient().db(fixture.app.connection.name).collection<{ _id: string; expires: Date; session: Record<string, unknown> }>('sessions');
const cookieName = () => fixture.app.config.session.cookieName;

async function account(prefix: string) {
  const username = uniqueUsername(prefix);
  const client = new Client(fixture.app.baseUrl);
  await client.register(username, password);
  await client.post('/logout', {}, { formPage: '/dashboard' });
  return username;
}

async function logIn(username: string, rememberMe: boolean) {
  const client = new Client(fixture.app.baseUrl);
  const res = await client.post('/login', rememberMe ? { username, password, rememberMe: 'on' } : { username, password });
  assert.equal(res.status, 303);
  const cookie = res.headers.getSetCookie().map(parseSetCookie).find((c) => c.name === cookieName());
  assert.ok(cookie);
  const stored = await sessions().findOne({ _id: storedIdFromCookie(client.cookies.get(cookieName())) });
  assert.ok(stored);
  return { client, cookie, stored };
}

describe('keep me signed in', () => {
  it('unticked: a browser-session cookie, and the store still deletes the session in time', async () => {
    const before = Date.now();
    const { cookie, stored } = await logIn(await account('unticked'), false);
    assert.equal(cookie.attributes.expires, undefined, 'no Expires: the browser drops it when it closes');
    assert.equal(cookie.attributes['max-age'], undefined);
    assert.equal(stored.session.rememberMe, undefined);
    // two idle timeouts at most (see cookieLifetimeMs), not connect-mongo's 14 days
    assert.ok(stored.expires.getTime() <= Date.now() + 2 * 4000 + 1000, `stored until ${stored.expires.toISOString()}`);
    assert.ok(stored.expires.getTime() >= before + 4000);
  });

  it('ticked: a persistent cookie, stored as long, with the longer timeouts', async () => {
    const { cookie, stored } = await logIn(await account('ticked'), true);
    const expires = Date.parse(String(cookie.attributes.expires));
    // two remember-me idle timeouts (1 h each), well past the 4 s of an unticked login
    assert.ok(expires > Date.now() + 60 * 60_000, `cookie expires ${cookie.attributes.expires}`);
    assert.ok(expires <= Date.now() + 2 * 60 * 60_000 + 5000);
    assert.equal(stored.session.rememberMe, true);
    assert.ok(Math.abs(stored.expires.getTime() - expires) < 2000, 'the document lives as long as the cookie');
  });

  it('keeps a ticked login through an idle spell that ends an unticked one', async () => {
    const username = await account('idle');
    const [unticked, ticked] = await Promise.all([logIn(username, false), logIn(username, true)]);
    await sleep(4500);
    const [short, kept] = await Promise.all([unticked.client.get('/dashboard'), ticked.client.get('/dashboard')]);
    assert.equal(short.status, 303);
    assert.equal(short.headers.get('location'), '/login?next=/dashboard&expired=idle');
    assert.equal(kept.status, 200);
  });

  it('says which timeout ended a ticked login', async () => {
    const login = await new Client(fixture.app.baseUrl).get('/login?expired=idle&kept=1');
    assert.match(await login.text(), /logged out after 1 hour without activity/);
  });

  it('keeps the kind of cookie through a password change', async () => {
    for (const rememberMe of [false, true]) {
      const { client } = await logIn(await account(`renew${Number(rememberMe)}`), rememberMe);
      const next = 'another long passphrase';
      const res = await client.post('/account/password', { currentPassword: password, newPassword: next, confirmPassword: next }, { formPage: '/account/password' });
      assert.equal(res.status, 303);
      const renewed = res.headers.getSetCookie().map(parseSetCookie).find((c) => c.name === cookieName());
      assert.ok(renewed, 'a new ID');
      assert.equal(renewed.attributes.expires === undefined, !rememberMe, `rememberMe ${rememberMe}`);
    }
  });

  it('shows the choice on "Your sessions"', async () => {
    const username = await account('listed');
    const { client } = await logIn(username, true);
    await logIn(username, false);
    const html = await (await client.get('/sessions')).text();
    assert.match(html, /across browser restarts/);
    assert.match(html, /until the browser closes/);
  });

  it('refuses anything but a ticked box', async () => {
    const username = await account('odd');
    const res = await new Client(fixture.app.baseUrl).post('/login', { username, password, rememberMe: ['on', 'on'] });
    assert.equal(res.status, 400);
  });
});
