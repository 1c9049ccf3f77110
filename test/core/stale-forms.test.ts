// A login or registration form left open in one tab while the session
// changes in another (two clients sharing one cookie jar, as two tabs of a
// browser): never a dead end. Logged in meanwhile, it goes on to where it
// was going; logged out meanwhile, it comes back with what was typed (never
// the password) and says why, and works when sent again.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useTestApp } from '../helpers/app.js';
import { Client, uniqueUsername } from '../helpers/client.js';

const fixture = useTestApp();
const PASSWORD = 'a sturdy old lantern';
const WHY = /This form has expired: you signed in or out in another tab or window/;

/** The page's form token. */
function tokenIn(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  assert.ok(match?.[1], 'a CSRF token in the page');
  return match[1];
}

async function registered(): Promise<string> {
  const username = uniqueUsername('stale');
  assert.equal((await new Client(fixture.app.baseUrl).register(username, PASSWORD)).status, 303);
  return username;
}

describe('a login form from before a login in another tab', () => {
  it('goes on to the page it was for', async () => {
    const username = await registered();
    const tab1 = new Client(fixture.app.baseUrl);
    const tab2 = tab1.tab();
    const stale = tokenIn(await (await tab2.get('/login?next=/sessions')).text());
    assert.equal((await tab1.login(username, PASSWORD)).status, 303);
    const res = await tab2.post('/login', { username, password: PASSWORD, next: '/sessions', _csrf: stale });
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/sessions');
    // without a next: the dashboard
    const res2 = await tab2.post('/login', { username, password: PASSWORD, _csrf: stale });
    assert.equal(res2.headers.get('location'), '/dashboard');
    assert.equal((await tab2.get('/dashboard')).status, 200, 'still logged in');
  });
});

describe('a login form from before a logout in another tab', () => {
  it('comes back with the username typed and why, and works when sent again', async () => {
    const username = await registered();
    const tab1 = new Client(fixture.app.baseUrl);
    const tab2 = tab1.tab();
    const stale = tokenIn(await (await tab2.get('/login?next=/sessions')).text());
    assert.equal((await tab1.login(username, PASSWORD)).status, 303);
    assert.equal((await tab1.post('/logout', {}, { formPage: '/dashboard' })).status, 303);

    const res = await tab2.post('/login', { username, password: PASSWORD, next: '/sessions', rememberMe: 'on', _csrf: stale });
    assert.equal(res.status, 403);
    const html = await res.text();
    assert.match(html, WHY);
    assert.match(html, new RegExp(`name="username" type="text" value="${username}"`), 'the username kept');
    assert.match(html, /name="next" value="\/sessions"/, 'where it was going, kept');
    assert.match(html, /id="rememberMe"[^>]*checked/, '"Keep me signed in" kept');
    assert.doesNotMatch(html, new RegExp(PASSWORD), 'never the password');
    assert.equal((await tab2.get('/dashboard')).status, 302, 'not logged in');

    // the form as it came back, with its new token, logs in
    const again = await tab2.post('/login', { username, password: PASSWORD, next: '/sessions', _csrf: tokenIn(html) });
    assert.equal(again.status, 303);
    assert.equal(again.headers.get('location'), '/sessions');
  });

  it('comes back the same when the session was ended from elsewhere and its cookie is still there', async () => {
    const username = await registered();
    const tab1 = new Client(fixture.app.baseUrl);
    const tab2 = tab1.tab();
    const stale = tokenIn(await (await tab2.get('/login')).text());
    assert.equal((await tab1.login(username, PASSWORD)).status, 303);
    // "sign out everywhere" from another device: the cookie stays, its session is gone
    await new Promise<void>((resolve, reject) => fixture.app.store.clear((err: unknown) => (err instanceof Error ? reject(err) : resolve())));
    const res = await tab2.post('/login', { username, password: PASSWORD, _csrf: stale });
    assert.equal(res.status, 403);
    const html = await res.text();
    assert.match(html, WHY);
    assert.match(html, new RegExp(`value="${username}"`));
  });
});

describe('a registration form from before a session change in another tab', () => {
  it('goes on to the dashboard after a login there, and makes no account', async () => {
    const username = await registered();
    const tab1 = new Client(fixture.app.baseUrl);
    const tab2 = tab1.tab();
    const stale = tokenIn(await (await tab2.get('/register')).text());
    assert.equal((await tab1.login(username, PASSWORD)).status, 303);
    const newName = uniqueUsername('never');
    const res = await tab2.post('/register', { username: newName, password: PASSWORD, confirmPassword: PASSWORD, _csrf: stale });
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/dashboard');
    assert.equal(await fixture.app.users.exists({ usernameKey: newName.toLowerCase() }), null);
  });

  it('comes back with the username and address typed after a logout there', async () => {
    const username = await registered();
    const tab1 = new Client(fixture.app.baseUrl);
    const tab2 = tab1.tab();
    const stale = tokenIn(await (await tab2.get('/register')).text());
    assert.equal((await tab1.login(username, PASSWORD)).status, 303);
    assert.equal((await tab1.post('/logout', {}, { formPage: '/dashboard' })).status, 303);
    const newName = uniqueUsername('later');
    const email = `${newName.toLowerCase()}@example.test`;
    const res = await tab2.post('/register', { username: newName, password: PASSWORD, confirmPassword: PASSWORD, email, _csrf: stale });
    assert.equal(res.status, 403);
    const html = await res.text();
    assert.match(html, WHY);
    assert.match(html, new RegExp(`name="username" type="text" value="${newName}"`));
    assert.match(html, new RegExp(`value="${email}"`));
    assert.doesNotMatch(html, new RegExp(PASSWORD));
    assert.equal(await fixture.app.users.exists({ usernameKey: newName.toLowerCase() }), null, 'no account yet');
    const again = await tab2.post('/register', { username: newName, password: PASSWORD, confirmPassword: PASSWORD, _csrf: tokenIn(html) });
    assert.equal(again.status, 303);
  });
});
