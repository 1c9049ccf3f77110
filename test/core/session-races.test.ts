// Sessions that stay ended, attacked the way browsers and attackers really
// send requests: in parallel. While a session is being ended (logout, "sign
// out", "sign out everywhere else", a password change, account deletion),
// three clients keep using its cookie; a request that read the session before
// it was deleted must not write it back. And logins still checking the old
// password when it changes must not come out with a session.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SlowStore } from '../../src/lab/slow-store.js';
import { useTestApp } from '../helpers/app.js';
import { Client, uniqueUsername } from '../helpers/client.js';

const password = 'the original passphrase';
const newPassword = 'a brand new passphrase';
// each attack is repeated: one lucky interleaving proves nothing
const ROUNDS = 4;
// clients that keep using the cookie while it is ended
const TABS = 3;

// every session save reaches the database 25 ms late, as over a real network
// rather than loopback: the windows these races need are as wide as in production
const t = useTestApp({ env: { SESSION_ABSOLUTE_TIMEOUT: '1h' }, wrapStore: (store) => new SlowStore(store, 25) });

const sessions = () => t.app.connection.getClient().db(t.app.connection.name).collection('sessions');
const cookieName = () => t.app.config.session.cookieName;

/** A second browser with the same cookie, as a copied ticket would be. */
function sameCookie(client: Client): Client {
  const copy = new Client(t.app.baseUrl);
  copy.cookies.set(cookieName(), client.cookies.get(cookieName()) ?? '');
  return copy;
}

/**
 * Runs `end` while TABS copies of the victim's cookie keep loading the
 * dashboard (each view reads the session and saves it again); waits until
 * every request in flight has finished.
 */
async function endWhileInUse(victim: Client, end: () => Promise<Response>): Promise<Response> {
  let stop = false;
  let started = 0;
  const tabs = Array.from({ length: TABS }, async () => {
    const tab = sameCookie(victim);
    while (!stop) {
      started += 1;
      const res = await tab.get('/dashboard');
      await res.arrayBuffer();
    }
  });
  // the tabs are busy before the session is ended
  while (started < TABS * 2) await new Promise((resolve) => setImmediate(resolve));
  const ended = await end();
  stop = true;
  await Promise.all(tabs);
  return ended;
}

/** After the attack: the cookie logs no one in, and no document of the victim's session is left. */
async function assertEnded(victim: Client, userId: string, sessionsLeft: number, round: number) {
  // the documents first: a later request may tidy up what it finds
  assert.equal(
    await sessions().countDocuments({ 'session.userId': userId }),
    sessionsLeft,
    `round ${round}: a session document came back`,
  );
  const res = await sameCookie(victim).get('/sessions');
  assert.equal(res.status, 302, `round ${round}: the ended session's cookie is still logged in`);
}

async function userIdOf(username: string): Promise<string> {
  const user = await t.app.users.findOne({ usernameKey: username.toLowerCase() }, { _id: 1 }).lean();
  assert.ok(user);
  return String(user._id);
}

/** Registers a user; returns the victim's browser and a second browser of the same user. */
async function twoBrowsers(prefix: string) {
  const username = uniqueUsername(prefix);
  const other = new Client(t.app.baseUrl);
  assert.equal((await other.register(username, password)).status, 303);
  const victim = new Client(t.app.baseUrl);
  assert.equal((await victim.login(username, password)).status, 303);
  return { username, userId: await userIdOf(username), victim, other };
}

/** The handle of the victim's session, as the other browser's "Your sessions" page shows it. */
async function handleOfOtherSession(other: Client): Promise<string> {
  const html = await (await other.get('/sessions')).text();
  const rows = html.split('data-testid="session-row"').slice(1);
  const row = rows.find((r) => !r.startsWith(' data-current="true"'));
  const handle = row && /name="handle" value="([^"]+)"/.exec(row)?.[1];
  assert.ok(handle, 'the other session is listed');
  return handle;
}

describe('an ended session stays ended while requests of it are in flight', () => {
  it('logout', async () => {
    for (let round = 1; round <= ROUNDS; round += 1) {
      const { userId, victim, other } = await twoBrowsers('race_logout');
      const res = await endWhileInUse(victim, () => victim.post('/logout'));
      assert.equal(res.status, 303);
      await assertEnded(victim, userId, 1, round);
      assert.equal((await other.get('/dashboard')).status, 200, 'the other browser is still logged in');
    }
  });

  it('signing out one session from "Your sessions"', async () => {
    for (let round = 1; round <= ROUNDS; round += 1) {
      const { userId, victim, other } = await twoBrowsers('race_endone');
      const handle = await handleOfOtherSession(other);
      const res = await endWhileInUse(victim, () => other.post('/sessions/end', { handle }, { formPage: '/sessions' }));
      assert.equal(res.headers.get('location'), '/sessions?notice=session-ended');
      await assertEnded(victim, userId, 1, round);
    }
  });

  it('signing out everywhere else', async () => {
    for (let round = 1; round <= ROUNDS; round += 1) {
      const { userId, victim, other } = await twoBrowsers('race_others');
      const res = await endWhileInUse(victim, () => other.post('/sessions/end-others', {}, { formPage: '/sessions' }));
      assert.equal(res.status, 303);
      await assertEnded(victim, userId, 1, round);
    }
  });

  it('changing the password', async () => {
    for (let round = 1; round <= ROUNDS; round += 1) {
      const { userId, victim, other } = await twoBrowsers('race_password');
      const res = await endWhileInUse(victim, () =>
        other.post('/account/password', { currentPassword: password, newPassword, confirmPassword: newPassword }, { formPage: '/account/password' }),
      );
      assert.equal(res.status, 303);
      await assertEnded(victim, userId, 1, round);
    }
  });

  it('deleting the account', async () => {
    for (let round = 1; round <= ROUNDS; round += 1) {
      const { userId, victim, other } = await twoBrowsers('race_delete');
      const res = await endWhileInUse(victim, () =>
        other.post('/account/delete', { confirm: 'yes' }, { formPage: '/account/delete' }),
      );
      assert.equal(res.headers.get('location'), '/?notice=account-deleted');
      await assertEnded(victim, userId, 0, round);
    }
  });
});

describe('logins still running when every session is revoked', () => {
  // an attacker who knows the old password keeps logging in from a few
  // threads while the owner changes it; any login that checked the old
  // password before the change must not be left with a session after it
  async function raceLogins(username: string, revoke: () => Promise<Response>) {
    let stop = false;
    const attackers: Client[] = [];
    let attempts = 0;
    const threads = Array.from({ length: 3 }, async () => {
      while (!stop) {
        const attacker = new Client(t.app.baseUrl);
        attackers.push(attacker);
        attempts += 1;
        await (await attacker.login(username, password)).arrayBuffer();
      }
    });
    while (attempts < 6) await new Promise((resolve) => setTimeout(resolve, 5));
    const res = await revoke();
    stop = true;
    await Promise.all(threads);
    return { res, attackers };
  }

  it('a password change leaves no session to a login that checked the old password', async () => {
    for (let round = 1; round <= ROUNDS; round += 1) {
      const username = uniqueUsername('race_login');
      const owner = new Client(t.app.baseUrl);
      assert.equal((await owner.register(username, password)).status, 303);
      const userId = await userIdOf(username);
      const { res, attackers } = await raceLogins(username, () =>
        owner.post('/account/password', { currentPassword: password, newPassword, confirmPassword: newPassword }, { formPage: '/account/password' }),
      );
      assert.equal(res.status, 303);
      for (const attacker of attackers) {
        assert.equal((await attacker.get('/dashboard')).status, 302, `round ${round}: an attacker's login outlived the password change`);
      }
      assert.equal(await sessions().countDocuments({ 'session.userId': userId }), 1, `round ${round}: only the owner's session is left`);
      assert.equal((await owner.get('/dashboard')).status, 200, 'the owner stays logged in');
    }
  });

});
