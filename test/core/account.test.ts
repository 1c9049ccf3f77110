// Account lifecycle: change password (and sign out everywhere else), delete
// the account (and every session), demo mode.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { removeExpiredDemoAccounts } from '../../src/demo.js';
import { sessionRevocation } from '../../src/session/revocation.js';
import { userSessions } from '../../src/session/user-sessions.js';
import { useTestApp } from '../helpers/app.js';
import { Client, storedIdFromCookie, uniqueUsername } from '../helpers/client.js';

const password = 'the original passphrase';
const newPassword = 'a brand new passphrase';

const fixture = useTestApp({
  // short idle timeout: sessions are re-checked against their account every
  // 600 ms (a tenth of it), yet a form's GET and POST fit on a busy machine
  env: { LOGIN_MAX_CONSECUTIVE_FAILURES: '3', SESSION_IDLE_TIMEOUT: '6s', SESSION_ABSOLUTE_TIMEOUT: '1h' },
});

const sessions = () => fixture.app.connection.getClient().db(fixture.app.connection.name).collection('sessions');
const cookieOf = (client: Client) => client.cookies.get(fixture.app.config.session.cookieName);

async function loggedInTwice(prefix: string) {
  const username = uniqueUsername(prefix);
  const first = new Client(fixture.app.baseUrl);
  await first.register(username, password);
  const second = new Client(fixture.app.baseUrl);
  await second.login(username, password);
  const third = new Client(fixture.app.baseUrl);
  await third.login(username, password);
  return { username, first, others: [second, third] };
}

describe('changing the password', () => {
  it('needs the right current password, and counts wrong ones toward the login lockout', async () => {
    const { username, first } = await loggedInTwice('wrongcurrent');
    for (let i = 0; i < 3; i += 1) {
      const res = await first.post('/account/password', { currentPassword: 'not it', newPassword, confirmPassword: newPassword }, { formPage: '/account/password' });
      assert.equal(res.status, 400);
      assert.match(await res.text(), /That is not your current password/);
    }
    // the same counter as /login: locked out there too
    assert.equal((await new Client(fixture.app.baseUrl).login(username, password)).status, 429);
  });

  it('follows the registration policy', async () => {
    const { first } = await loggedInTwice('policy');
    for (const [candidate, message] of [
      ['short', /at least 8 characters/],
      ['iloveyou', /common or breached/],
      [password, /must be different/],
    ] as const) {
      const res = await first.post('/account/password', { currentPassword: password, newPassword: candidate, confirmPassword: candidate }, { formPage: '/account/password' });
      assert.equal(res.status, 400, candidate);
      assert.match(await res.text(), message);
    }
  });

  it('gives this session a new ID, keeps it logged in, and signs out every other session', async () => {
    const { username, first, others } = await loggedInTwice('change');
    await first.get('/dashboard');
    const before = cookieOf(first);
    const res = await first.post('/account/password', { currentPassword: password, newPassword, confirmPassword: newPassword }, { formPage: '/account/password' });
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/account/password?changed=2');
    assert.match(await (await first.get('/account/password?changed=2')).text(), /2 other sessions were signed out/);

    assert.notEqual(cookieOf(first), before, 'a new session ID');
    assert.deepEqual(await first.dashboardCounts(), { session: 2, lifetime: 2 }, 'still logged in, same session data');
    for (const other of others) assert.equal((await other.get('/dashboard')).status, 302, 'other sessions are anonymous');
    const replay = new Client(fixture.app.baseUrl);
    replay.cookies.set(fixture.app.config.session.cookieName, before ?? '');
    assert.equal((await replay.get('/dashboard')).status, 302, 'the old ID of this session too');

    assert.equal((await new Client(fixture.app.baseUrl).login(username, password)).status, 401, 'the old password is gone');
    assert.equal((await new Client(fixture.app.baseUrl).login(username, newPassword)).status, 303);
  });
});

describe('deleting the account', () => {
  it('needs an explicit confirmation (and a recent password check: test/core/recent-auth.test.ts)', async () => {
    const { username, first } = await loggedInTwice('carefully');
    const noConfirm = await first.post('/account/delete', {}, { formPage: '/account/delete' });
    assert.equal(noConfirm.status, 400);
    assert.match(await noConfirm.text(), /Tick the box/);
    assert.ok(await fixture.app.users.exists({ usernameKey: username.toLowerCase() }));
  });

  it('removes the user and every session, clears the cookie, and leaves nothing behind', async () => {
    const { username, first, others } = await loggedInTwice('goodbye');
    const user = await fixture.app.users.findOne({ usernameKey: username.toLowerCase() }).lean();
    assert.ok(user);
    const userId = String(user._id);
    assert.equal(await sessions().countDocuments({ 'session.userId': userId }), 3);

    const res = await first.post('/account/delete', { confirm: 'yes' }, { formPage: '/account/delete' });
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/?notice=account-deleted');
    assert.ok(res.headers.getSetCookie().some((c) => c.startsWith(`${fixture.app.config.session.cookieName}=;`)), 'cookie cleared');

    assert.equal(await fixture.app.users.collection.countDocuments({ usernameKey: username.toLowerCase() }), 0);
    assert.equal(await sessions().countDocuments({ 'session.userId': userId }), 0);
    for (const other of others) assert.equal((await other.get('/dashboard')).status, 302);
    const login = await new Client(fixture.app.baseUrl).login(username, password);
    assert.equal(login.status, 401);
    assert.match(await login.text(), /Invalid username or password/);
    assert.match(await (await new Client(fixture.app.baseUrl).get('/?notice=account-deleted')).text(), /Nothing of it is left here/);
  });

  it('leaves sessions of a vanished account anonymous at their next check', async () => {
    const client = new Client(fixture.app.baseUrl);
    const username = uniqueUsername('vanish');
    await client.register(username, password);
    // as if a deletion stopped halfway, or a TTL index removed the account
    await fixture.app.users.deleteOne({ usernameKey: username.toLowerCase() });
    await new Promise((resolve) => setTimeout(resolve, 700));
    const home = await client.get('/');
    assert.equal(home.status, 303);
    assert.equal(home.headers.get('location'), '/?notice=account-gone');
    assert.equal(await sessions().countDocuments({ _id: storedIdFromCookie(cookieOf(client)) as never }), 0);
    assert.doesNotMatch(await (await client.get('/')).text(), /Signed in as/);
  });

  it('pages are private: login required and never cached', async () => {
    for (const path of ['/account/password', '/account/delete']) {
      const anonymous = await new Client(fixture.app.baseUrl).get(path);
      assert.equal(anonymous.status, 302, path);
      assert.equal(anonymous.headers.get('location'), `/login?next=${path}`);
    }
    const client = new Client(fixture.app.baseUrl);
    await client.register(uniqueUsername('private'), password);
    for (const path of ['/account/password', '/account/delete']) {
      const res = await client.get(path);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('cache-control'), 'no-store');
    }
  });
});

describe('demo mode', () => {
  const demo = useTestApp({ env: { DEMO_MODE: 'true', DEMO_ACCOUNT_TTL: '24h' } });

  it('shows a banner on every page, only in demo mode', async () => {
    assert.doesNotMatch(await (await new Client(fixture.app.baseUrl).get('/')).text(), /public demo/);
    for (const path of ['/', '/login', '/register', '/nowhere']) {
      assert.match(await (await new Client(demo.app.baseUrl).get(path)).text(), /This is a public demo\. Accounts are deleted 1 day after/, path);
    }
  });

  it('removes accounts older than the TTL, with their sessions, and keeps the rest', async () => {
    const old = new Client(fixture.app.baseUrl);
    const oldName = uniqueUsername('olddemo');
    await old.register(oldName, password);
    const fresh = new Client(fixture.app.baseUrl);
    const freshName = uniqueUsername('newdemo');
    await fresh.register(freshName, password);
    // make one of them a day and a minute old
    await fixture.app.users.collection.updateOne(
      { usernameKey: oldName.toLowerCase() },
      { $set: { createdAt: new Date(Date.now() - 24 * 3_600_000 - 60_000) } },
    );
    const sessionsOf = userSessions(fixture.app.connection.getClient(), fixture.app.connection.name, sessionRevocation(fixture.app.users));
    const removed = await removeExpiredDemoAccounts(fixture.app.users, sessionsOf, 24 * 3_600_000);
    assert.equal(removed, 1);
    assert.equal(await fixture.app.users.exists({ usernameKey: oldName.toLowerCase() }), null);
    assert.equal(await sessions().countDocuments({ _id: storedIdFromCookie(cookieOf(old)) as never }), 0);
    assert.ok(await fixture.app.users.exists({ usernameKey: freshName.toLowerCase() }));
    assert.equal((await fresh.get('/dashboard')).status, 200);
  });
});

describe('session revocation', () => {
  it('lets a session stand only for an existing account of the same generation, and refuses anything else without throwing', async () => {
    const revocation = sessionRevocation(fixture.app.users);
    const client = new Client(fixture.app.baseUrl);
    const username = uniqueUsername('generation');
    await client.register(username, password);
    const user = await fixture.app.users.findOne({ usernameKey: username.toLowerCase() }).lean();
    assert.ok(user);
    const userId = String(user._id);
    assert.equal(await revocation.mayStand({ userId, generation: 0 }), true);
    assert.deepEqual(await revocation.revokeAll(userId), { generation: 1, cleared: [] });
    assert.equal(await revocation.mayStand({ userId, generation: 0 }), false, 'revoked');
    assert.equal(await revocation.mayStand({ userId, generation: 1 }), true);
    assert.equal(await revocation.mayStand({ userId: 'not-an-account-id', generation: 0 }), false);
    assert.equal(await revocation.mayStand({ userId: '0123456789abcdef01234567', generation: 0 }), false, 'no such account');
  });
});
