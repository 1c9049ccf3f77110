// The whole journey against a real server and a real MongoDB-compatible
// database: register, log in, count visits, log out.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { storageId } from '../../src/session/race-safe-store.js';
import bcrypt from 'bcrypt';
import { prehash } from '../../src/auth/passwords.js';
import { useTestApp } from '../helpers/app.js';
import { Client, parseSetCookie, sessionIdFromCookie, uniqueUsername } from '../helpers/client.js';

const fixture = useTestApp();

const sessionCookieName = () => fixture.app.config.session.cookieName;
const sessions = () => fixture.app.connection.getClient().db(fixture.app.connection.name).collection('sessions');
const sessionIdOf = (client: Client) => sessionIdFromCookie(client.cookies.get(sessionCookieName()));
const storedIdOf = (client: Client) => storageId(sessionIdOf(client));

describe('anonymous visitors', () => {
  it('get the home page without a session cookie or a stored session', async () => {
    const before = await sessions().countDocuments();
    const client = new Client(fixture.app.baseUrl);
    for (const [path, status] of [['/', 200], ['/css/site.css', 200], ['/healthz', 200], ['/nowhere', 404]] as const) {
      const res = await client.get(path);
      assert.equal(res.status, status, path);
      assert.equal(res.headers.getSetCookie().length, 0, `${path} set a cookie`);
    }
    assert.equal(await sessions().countDocuments(), before);
  });

  it('get a session from the login and register forms only for their CSRF token', async () => {
    for (const path of ['/login', '/register']) {
      const client = new Client(fixture.app.baseUrl);
      const res = await client.get(path);
      assert.equal(res.status, 200);
      const stored = await sessions().findOne({ _id: storedIdOf(client) as never });
      const data = stored?.session as Record<string, unknown> | undefined;
      assert.ok(data, `${path} stored its session before sending the form`);
      assert.deepEqual(Object.keys(data).sort(), ['cookie', 'csrfToken']);
      // a second view reuses the session and its token
      await client.get(path);
      assert.equal(res.headers.getSetCookie().length, 1);
    }
  });

  it('are sent from the dashboard to the login page, which brings them back', async () => {
    const client = new Client(fixture.app.baseUrl);
    const res = await client.get('/dashboard');
    assert.equal(res.status, 302);
    assert.equal(res.headers.get('location'), '/login?next=/dashboard');
  });

  it('get a 404 page for unknown routes', async () => {
    const res = await new Client(fixture.app.baseUrl).get('/no/such/page');
    assert.equal(res.status, 404);
    assert.match(await res.text(), /Page not found/);
  });
});

describe('registration', () => {
  it('creates the user with a bcrypt hash, logs them in and redirects to the dashboard', async () => {
    const client = new Client(fixture.app.baseUrl);
    const username = uniqueUsername('Reg');
    const res = await client.register(username, 'a long enough password');
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/dashboard');

    const user = await fixture.app.users.findOne({ username }).lean();
    assert.ok(user, 'user stored');
    assert.equal(user.usernameKey, username.toLowerCase());
    assert.match(user.passwordHash, /^\$2[aby]\$10\$/, 'a bcrypt hash at the configured cost');
    assert.notEqual(user.passwordHash, 'a long enough password');
    const { pepper } = fixture.app.config.passwords;
    assert.equal(await bcrypt.compare(prehash('a long enough password', pepper), user.passwordHash), true);

    // the session was saved before the redirect, with the user in it
    const stored = await sessions().findOne({ _id: storedIdOf(client) as never });
    assert.equal((stored?.session as { userId?: string } | undefined)?.userId, String(user._id));
    assert.deepEqual(await client.dashboardCounts(), { session: 1, lifetime: 1 });
  });

  it('refuses a taken username in any letter case with 409, keeping what was typed', async () => {
    const username = uniqueUsername('Case');
    assert.equal((await new Client(fixture.app.baseUrl).register(username)).status, 303);
    const res = await new Client(fixture.app.baseUrl).register(username.toUpperCase());
    assert.equal(res.status, 409);
    const html = await res.text();
    assert.match(html, /That username is already taken/);
    assert.match(html, new RegExp(`value="${username.toUpperCase()}"`));
    assert.equal(await fixture.app.users.countDocuments({ usernameKey: username.toLowerCase() }), 1);
  });

  it('shows a message per field with status 400 and creates nothing', async () => {
    const cases: { form: Record<string, string>; field: string; message: RegExp }[] = [
      { form: { username: '', password: 'lantern-sofa-91', confirmPassword: 'lantern-sofa-91' }, field: 'username', message: /Enter a username/ },
      { form: { username: 'ab', password: 'lantern-sofa-91', confirmPassword: 'lantern-sofa-91' }, field: 'username', message: /at least 3 characters/ },
      { form: { username: 'a'.repeat(33), password: 'lantern-sofa-91', confirmPassword: 'lantern-sofa-91' }, field: 'username', message: /at most 32 characters/ },
      { form: { username: 'bad name!', password: 'lantern-sofa-91', confirmPassword: 'lantern-sofa-91' }, field: 'username', message: /only letters, digits/ },
      { form: { username: 'shortpw', password: 'short', confirmPassword: 'short' }, field: 'password', message: /at least 8 characters/ },
      { form: { username: 'mismatch', password: 'lantern-sofa-91', confirmPassword: 'lantern-sofa-92' }, field: 'confirmPassword', message: /Passwords do not match/ },
      { form: { username: 'noconfirm', password: 'lantern-sofa-91', confirmPassword: '' }, field: 'confirmPassword', message: /Confirm your password/ },
    ];
    for (const { form, field, message } of cases) {
      const res = await new Client(fixture.app.baseUrl).post('/register', form);
      assert.equal(res.status, 400, JSON.stringify(form));
      const html = await res.text();
      assert.match(html, message);
      // the message is tied to its field for screen readers
      assert.match(html, new RegExp(`id="${field}"[^>]*aria-invalid="true"[^>]*aria-describedby="[^"]*${field}-error`));
      assert.match(html, new RegExp(`id="${field}-error"`));
      if (form.username) assert.match(html, new RegExp(`value="${form.username}"`), 'typed username kept');
      assert.equal(res.headers.getSetCookie().length, 0, 'no session for a failed form');
    }
    assert.equal(await fixture.app.users.collection.countDocuments({ usernameKey: { $in: ['shortpw', 'mismatch', 'noconfirm'] } }), 0);
  });

  it('escapes what people type', async () => {
    const res = await new Client(fixture.app.baseUrl).post('/register', {
      username: '<script>alert(1)</script>',
      password: 'lantern-sofa-91',
      confirmPassword: 'lantern-sofa-91',
    });
    assert.equal(res.status, 400);
    const html = await res.text();
    assert.doesNotMatch(html, /<script>alert/);
    assert.match(html, /&lt;script&gt;/);
  });
});

describe('login', () => {
  const password = 'my secret passphrase';
  let username: string;

  before(async () => {
    username = uniqueUsername('Login');
    assert.equal((await new Client(fixture.app.baseUrl).register(username, password)).status, 303);
  });

  it('says the same thing, with 401, for a wrong password and an unknown user', async () => {
    const wrong = await new Client(fixture.app.baseUrl).login(username, 'not my password');
    const unknown = await new Client(fixture.app.baseUrl).login(uniqueUsername('nobody'), password);
    for (const res of [wrong, unknown]) {
      assert.equal(res.status, 401);
      assert.match(await res.text(), /Invalid username or password/);
      assert.equal(res.headers.getSetCookie().length, 0);
    }
  });

  it('asks for missing fields with 400', async () => {
    const res = await new Client(fixture.app.baseUrl).post('/login', { username: '', password: '' });
    assert.equal(res.status, 400);
    const html = await res.text();
    assert.match(html, /Enter your username/);
    assert.match(html, /Enter your password/);
  });

  it('logs in with any letter case of the username and sets a safe cookie', async () => {
    const client = new Client(fixture.app.baseUrl);
    const res = await client.login(username.toUpperCase(), password);
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/dashboard');
    const cookies = res.headers.getSetCookie().map(parseSetCookie);
    // the session cookie, and the known-browser cookie of the sign-in alerts (its own test: known-browser.test.ts)
    assert.deepEqual(cookies.map((c) => c.name).sort(), ['cloakroom.browser', 'cloakroom.sid']);
    const cookie = cookies.find((c) => c.name === 'cloakroom.sid');
    assert.ok(cookie);
    assert.equal(cookie.name, 'cloakroom.sid');
    assert.equal(cookie.attributes.httponly, true);
    assert.equal(cookie.attributes.samesite, 'Lax');
    assert.equal(cookie.attributes.path, '/');
    assert.equal(cookie.attributes.secure, undefined, 'no Secure flag over plain HTTP outside production');
    assert.equal(cookie.attributes.expires, undefined, 'a browser-session cookie: "Keep me signed in" was not ticked');
    assert.equal(cookie.attributes['max-age'], undefined);
    assert.equal(cookie.attributes.domain, undefined);
    assert.match(decodeURIComponent(cookie.value), /^s:[\w-]+\.[\w+/=-]+$/, 'a signed session ID');
  });

  it('honours a relative next path and refuses others', async () => {
    const cases: [string, string][] = [
      ['/dashboard?tab=1', '/dashboard?tab=1'],
      ['https://evil.example/', '/dashboard'],
      ['//evil.example', '/dashboard'],
      ['/\\evil.example', '/dashboard'],
    ];
    for (const [next, expected] of cases) {
      const res = await new Client(fixture.app.baseUrl).login(username, password, next);
      assert.equal(res.status, 303, next);
      assert.equal(res.headers.get('location'), expected, next);
    }
  });

  it('gives a new session ID and CSRF token at login, so those from before are worthless', async () => {
    const client = new Client(fixture.app.baseUrl);
    const tokenBefore = await client.csrfToken('/login');
    const before = client.cookies.get(sessionCookieName());
    assert.ok(before, 'the login form started a session');

    const res = await client.post('/login', { username, password, _csrf: tokenBefore });
    assert.equal(res.status, 303);
    const afterLogin = client.cookies.get(sessionCookieName());
    assert.ok(afterLogin);
    assert.notEqual(afterLogin, before);
    assert.notEqual(await client.csrfToken('/'), tokenBefore);

    const replay = new Client(fixture.app.baseUrl);
    replay.cookies.set(sessionCookieName(), before);
    assert.equal((await replay.get('/dashboard')).status, 302, 'the pre-login cookie is not logged in');
  });
});

describe('dashboard counters', () => {
  it('count per session and for the lifetime of the account', async () => {
    const password = 'counting sheep slowly';
    const username = uniqueUsername('Count');
    const first = new Client(fixture.app.baseUrl);
    await first.register(username, password);
    assert.deepEqual(await first.dashboardCounts(), { session: 1, lifetime: 1 });
    assert.deepEqual(await first.dashboardCounts(), { session: 2, lifetime: 2 });
    assert.deepEqual(await first.dashboardCounts(), { session: 3, lifetime: 3 });

    const user = await fixture.app.users.findOne({ usernameKey: username.toLowerCase() }).lean();
    assert.equal(user?.lifetimeVisits, 3, 'the lifetime count is on the user document');

    // a second login starts its own session counter, the lifetime one goes on
    const second = new Client(fixture.app.baseUrl);
    await second.login(username, password);
    assert.deepEqual(await second.dashboardCounts(), { session: 1, lifetime: 4 });
    assert.deepEqual(await first.dashboardCounts(), { session: 4, lifetime: 5 });
  });

  it('lose no lifetime visit when many requests arrive at once', async () => {
    const client = new Client(fixture.app.baseUrl);
    const username = uniqueUsername('Burst');
    await client.register(username);
    const statuses = await Promise.all(Array.from({ length: 20 }, async () => (await client.get('/dashboard')).status));
    assert.deepEqual(statuses, Array.from({ length: 20 }, () => 200));
    const user = await fixture.app.users.findOne({ usernameKey: username.toLowerCase() }).lean();
    assert.equal(user?.lifetimeVisits, 20);
  });

  it('send no-store so the browser keeps no copy of a private page', async () => {
    const client = new Client(fixture.app.baseUrl);
    await client.register(uniqueUsername('Cache'));
    const res = await client.get('/dashboard');
    assert.equal(res.headers.get('cache-control'), 'no-store');
  });

  it('end the session of an account that no longer exists', async () => {
    const client = new Client(fixture.app.baseUrl);
    const username = uniqueUsername('Gone');
    await client.register(username);
    await fixture.app.users.deleteOne({ usernameKey: username.toLowerCase() });
    const res = await client.get('/dashboard');
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/?notice=account-gone');
    assert.equal((await client.get('/dashboard')).status, 302);
  });
});

describe('logout', () => {
  it('deletes the session document, clears the cookie, and the old cookie stops working', async () => {
    const client = new Client(fixture.app.baseUrl);
    await client.register(uniqueUsername('Bye'));
    const oldCookie = client.cookies.get(sessionCookieName());
    assert.ok(oldCookie);
    const sid = sessionIdOf(client);
    assert.equal(await sessions().countDocuments({ _id: storageId(sid) as never }), 1);

    const res = await client.post('/logout');
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/?notice=signed-out');
    const cleared = res.headers.getSetCookie().map(parseSetCookie).find((c) => c.name === sessionCookieName());
    assert.ok(cleared, 'the cookie is cleared');
    assert.equal(cleared.value, '');
    // the redirect was sent after the store confirmed the deletion
    assert.equal(await sessions().countDocuments({ _id: storageId(sid) as never }), 0);

    const replay = new Client(fixture.app.baseUrl);
    replay.cookies.set(sessionCookieName(), oldCookie);
    const again = await replay.get('/dashboard');
    assert.equal(again.status, 302);
    assert.equal(again.headers.get('location'), '/login?next=/dashboard');

    const home = await new Client(fixture.app.baseUrl).get('/?notice=signed-out');
    assert.match(await home.text(), /You have signed out/);
  });

  it('is not a GET', async () => {
    const res = await new Client(fixture.app.baseUrl).get('/logout');
    assert.equal(res.status, 404);
  });
});
