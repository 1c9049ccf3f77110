// Passkeys: adding one, signing in with it, renaming and removing it, and the
// guarantees around the ceremonies: a challenge is used once and expires, a
// response is accepted once even when sent by several clients at once, a
// counter going backwards is refused (and warned about only when the
// signature is good over this challenge: a replayed old response is logged as
// a replay, not as a clone), the origin and RP ID come from the
// configuration and not from the request, and one account cannot touch
// another's passkeys. The browser side is a soft authenticator in Node
// (test/helpers/soft-authenticator.ts); e2e/passkeys.spec.ts uses Chromium's.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Types } from 'mongoose';
import type { PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { ConfigError, loadConfig } from '../../../src/config.js';
import { FEATURE_SETTINGS } from '../../../src/features/index.js';
import type { RelyingParty } from '../../../src/features/passkeys/settings.js';
import { useTestApp } from '../../helpers/app.js';
import { turnOnTwoFactor } from '../../helpers/two-factor.js';
import { Client, storedIdFromCookie, uniqueUsername } from '../../helpers/client.js';
import { captureLogs } from '../../helpers/logs.js';
import { SoftAuthenticator, type Tampering } from '../../helpers/soft-authenticator.js';
import { accountWithAddress, linkIn, mailbox, PASSWORD } from '../../helpers/mail.js';

// the site's public address: what passkeys are bound to. The test server
// itself listens on http://127.0.0.1:<port>, which is not it.
const PUBLIC_URL = 'https://cloakroom.test';
const logs = captureLogs();
const fixture = useTestApp({ env: { PUBLIC_URL, LOGIN_MAX_CONSECUTIVE_FAILURES: '4' }, logger: logs.logger });

const db = () => fixture.app.connection.getClient().db(fixture.app.connection.name);
const cookieOf = (client: Client) => client.cookies.get(fixture.app.config.session.cookieName);

async function json<T>(res: Response): Promise<T> {
  assert.equal(res.status, 200, `options answered ${res.status}`);
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  return (await res.json()) as T;
}

/** A new account, logged in, with one passkey on a soft authenticator. */
async function accountWithPasskey(prefix: string, name = 'Laptop') {
  const username = uniqueUsername(prefix);
  const client = new Client(fixture.app.baseUrl);
  assert.equal((await client.register(username)).status, 303);
  const authenticator = new SoftAuthenticator(PUBLIC_URL);
  const added = await addPasskey(client, authenticator, name);
  assert.equal(added.status, 303, 'the passkey is added');
  const user = await fixture.app.users.findOne({ usernameKey: username.toLowerCase() }).lean();
  assert.ok(user);
  return { username, userId: String(user._id), client, authenticator };
}

async function addPasskey(client: Client, authenticator: SoftAuthenticator, name: string, tampering: Tampering = {}) {
  const _csrf = await client.csrfToken('/account/passkeys/new');
  const options = await json<PublicKeyCredentialCreationOptionsJSON>(await client.get('/account/passkeys/new/options'));
  const { response } = authenticator.create(options, tampering);
  return client.post('/account/passkeys', { _csrf, name, response: JSON.stringify(response) });
}

/** A fresh browser's login page: its CSRF token, and the options with the challenge in its session. */
async function loginPage() {
  const client = new Client(fixture.app.baseUrl);
  const _csrf = await client.csrfToken('/login');
  const options = await json<PublicKeyCredentialRequestOptionsJSON>(await client.get('/login/passkey'));
  return { client, _csrf, options };
}

async function signInWithPasskey(authenticator: SoftAuthenticator, tampering: Tampering = {}) {
  const { client, _csrf, options } = await loginPage();
  const res = await client.post('/login/passkey', { _csrf, response: JSON.stringify(authenticator.get(options, undefined, tampering)) });
  return { client, res };
}

async function passkeysOf(userId: string) {
  return db().collection('passkeys').find({ userId: new Types.ObjectId(userId) }).toArray();
}

describe('adding a passkey and signing in with it', () => {
  it('stores the public key, counter and transports, lists it, and signs its owner in', async () => {
    const { userId, username, client, authenticator } = await accountWithPasskey('add');
    const [stored, ...more] = await passkeysOf(userId);
    assert.ok(stored);
    assert.equal(more.length, 0);
    assert.equal(stored.credentialId, authenticator.passkeys[0]?.credentialId.toString('base64url'));
    assert.ok(stored.publicKey, 'the public key');
    assert.equal(stored.counter, 0);
    assert.deepEqual(stored.transports, ['internal']);
    assert.equal(stored.lastUsedAt, null);
    assert.notEqual(stored.userHandle, userId, 'the user handle is random, not the user ID');

    const list = await (await client.get('/account/passkeys')).text();
    assert.match(list, /Laptop/);
    assert.match(list, /Last used<\/dt><dd>never/);

    assert.equal((await client.post('/logout')).status, 303);
    const { client: browser, res } = await signInWithPasskey(authenticator);
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/dashboard');
    const dashboard = await browser.get('/dashboard');
    assert.equal(dashboard.status, 200);
    assert.match(await dashboard.text(), new RegExp(`Hello, ${username}`));
    const [used] = await passkeysOf(userId);
    assert.ok(used?.lastUsedAt instanceof Date, 'last use recorded');
    assert.equal(used.counter, 1);
    assert.match(await (await browser.get('/account/passkeys')).text(), /Last used<\/dt><dd><time/);
    assert.ok(logs.events().some((e) => e.event === 'login' && e.method === 'passkey' && e.userId === userId));
  });

  it('signs in with a new session ID and the next path, like a password login', async () => {
    const { authenticator } = await accountWithPasskey('next');
    const { client, _csrf, options } = await loginPage();
    const before = cookieOf(client);
    const res = await client.post('/login/passkey', { _csrf, next: '/sessions', response: JSON.stringify(authenticator.get(options)) });
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/sessions');
    assert.notEqual(cookieOf(client), before, 'session fixation: a new ID at login');
  });

  it('"Keep me signed in" applies to a passkey login too', async () => {
    const { authenticator } = await accountWithPasskey('remember');
    const persistent = async (rememberMe: string) => {
      const { client, _csrf, options } = await loginPage();
      const res = await client.post('/login/passkey', { _csrf, rememberMe, response: JSON.stringify(authenticator.get(options)) });
      assert.equal(res.status, 303);
      const cookie = res.headers.getSetCookie().find((c) => c.startsWith(`${fixture.app.config.session.cookieName}=`));
      assert.ok(cookie);
      return /; Expires=/i.test(cookie);
    };
    assert.equal(await persistent('on'), true, 'ticked: a persistent cookie');
    assert.equal(await persistent(''), false, 'unticked: a browser-session cookie');
  });

  it('counts as both factors: an account with two-factor on signs in with a passkey without the code step', async () => {
    const { authenticator, username, userId } = await accountWithPasskey('both');
    // two-factor on, as features/two-factor/routes.ts leaves it (the secret is never read here)
    await fixture.app.users.collection.updateOne(
      { _id: new Types.ObjectId(userId) },
      { $set: { twoFactor: { secret: 'sealed', enabledAt: new Date(), lastUsedStep: 0, recoveryCodes: ['x'] } } },
    );
    const password = await new Client(fixture.app.baseUrl).login(username);
    assert.equal(password.status, 303);
    assert.notEqual(password.headers.get('location'), '/dashboard', 'the password alone goes on to the code step');
    const { client, res } = await signInWithPasskey(authenticator);
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/dashboard');
    assert.equal((await client.get('/dashboard')).status, 200);
  });

  it('names the passkey, and refuses an empty name or a response that is not one', async () => {
    const username = uniqueUsername('names');
    const client = new Client(fixture.app.baseUrl);
    await client.register(username);
    const authenticator = new SoftAuthenticator(PUBLIC_URL);
    const empty = await addPasskey(client, authenticator, '   ');
    assert.equal(empty.status, 400);
    assert.match(await empty.text(), /Give the passkey a name/);
    for (const response of ['', 'not json', '{"id":"x"}', JSON.stringify({ id: 'a', rawId: 'b', type: 'public-key', response: {} })]) {
      const res = await client.post('/account/passkeys', { name: 'Phone', response }, { formPage: '/account/passkeys/new' });
      assert.equal(res.status, 400, response);
    }
    const garbled = await new Client(fixture.app.baseUrl).post('/login/passkey', { response: '{"id":"a","rawId":"a","type":"public-key","response":{"signature":5}}' }, { formPage: '/login' });
    assert.equal(garbled.status, 400);
  });

  it('cannot register the same credential twice', async () => {
    const { client, userId } = await accountWithPasskey('twice');
    const _csrf = await client.csrfToken('/account/passkeys/new');
    const options = await json<PublicKeyCredentialCreationOptionsJSON>(await client.get('/account/passkeys/new/options'));
    const authenticator = new SoftAuthenticator(PUBLIC_URL);
    const { response } = authenticator.create(options);
    const first = await client.post('/account/passkeys', { _csrf, name: 'Key', response: JSON.stringify(response) });
    assert.equal(first.status, 303);
    // the same answer again: its challenge is gone
    const again = await client.post('/account/passkeys', { _csrf, name: 'Key', response: JSON.stringify(response) });
    assert.equal(again.status, 400);
    assert.equal((await passkeysOf(userId)).length, 2);
  });
});

describe('the same registration, sent by several clients at once', () => {
  it('stores one passkey', async () => {
    const username = uniqueUsername('addrace');
    const client = new Client(fixture.app.baseUrl);
    await client.register(username);
    const user = await fixture.app.users.findOne({ usernameKey: username.toLowerCase() }).lean();
    for (let round = 0; round < 3; round += 1) {
      const _csrf = await client.csrfToken('/account/passkeys/new');
      const options = await json<PublicKeyCredentialCreationOptionsJSON>(await client.get('/account/passkeys/new/options'));
      const response = JSON.stringify(new SoftAuthenticator(PUBLIC_URL).create(options).response);
      const copies = [0, 1, 2].map(() => {
        const copy = new Client(fixture.app.baseUrl);
        for (const [name, value] of client.cookies) copy.cookies.set(name, value);
        return copy;
      });
      const results = await Promise.all(copies.map((copy) => copy.post('/account/passkeys', { _csrf, name: `Key ${round}`, response })));
      assert.ok(results.filter((res) => res.status === 303).length <= 1, `round ${round}: ${results.map((r) => r.status).join(', ')}`);
      assert.equal((await passkeysOf(String(user?._id))).length, round + 1, `round ${round}: one passkey more`);
    }
  });
});

describe('the challenge', () => {
  it('is used once: the same response sent again, by this browser or another, does not sign in', async () => {
    const { authenticator } = await accountWithPasskey('once');
    const { client, _csrf, options } = await loginPage();
    const response = JSON.stringify(authenticator.get(options, undefined, { counter: 0 }));
    const thief = await loginPage();
    assert.equal((await client.post('/login/passkey', { _csrf, response })).status, 303);
    // the first browser again: a new session since login, no challenge in it
    assert.equal((await client.post('/login/passkey', { response }, { formPage: '/' })).status, 400);
    // another browser, with a challenge of its own: the response signs a different one
    const replay = await thief.client.post('/login/passkey', { _csrf: thief._csrf, response });
    assert.equal(replay.status, 401);
    assert.equal((await thief.client.get('/dashboard')).status, 302);
  });

  it('is taken out of the session before the response is checked, even when the check fails', async () => {
    const { authenticator } = await accountWithPasskey('taken');
    const { client, _csrf, options } = await loginPage();
    const bad = await client.post('/login/passkey', { _csrf, response: JSON.stringify(authenticator.get(options, undefined, { origin: 'https://evil.example' })) });
    assert.equal(bad.status, 401);
    // a correct answer to the same challenge now finds none
    const good = await client.post('/login/passkey', { _csrf, response: JSON.stringify(authenticator.get(options)) });
    assert.equal(good.status, 400);
    assert.match(await good.text(), /took too long/);
  });

  it('expires after five minutes', async () => {
    const { authenticator } = await accountWithPasskey('expiry');
    const { client, _csrf, options } = await loginPage();
    const stored = await db().collection('sessions').findOne({ _id: storedIdFromCookie(cookieOf(client)) as never });
    const issued = (stored?.session as { passkeyChallenges?: { login?: { expiresAt: number } } } | undefined)?.passkeyChallenges?.login;
    assert.ok(issued, 'the challenge is in the session document');
    assert.ok(issued.expiresAt > Date.now() + 4 * 60_000 && issued.expiresAt <= Date.now() + 5 * 60_000);
    assert.equal(options.timeout, 5 * 60_000, "and the browser's timeout says the same");
    // five minutes later, as far as the session is concerned
    await db()
      .collection('sessions')
      .updateOne({ _id: storedIdFromCookie(cookieOf(client)) as never }, { $set: { 'session.passkeyChallenges.login.expiresAt': Date.now() - 1 } });
    const late = await client.post('/login/passkey', { _csrf, response: JSON.stringify(authenticator.get(options)) });
    assert.equal(late.status, 400);
    assert.equal((await client.get('/dashboard')).status, 302);
  });
});

describe('one response, sent by several clients at once', () => {
  for (const kind of [
    { what: 'a passkey with a signature counter', counter: undefined },
    { what: 'a synced passkey (its counter always 0)', counter: 0 },
  ]) {
    it(`signs in at most once: ${kind.what}`, async () => {
      const { authenticator } = await accountWithPasskey('parallel');
      for (let round = 0; round < 4; round += 1) {
        const { client, _csrf, options } = await loginPage();
        const response = JSON.stringify(authenticator.get(options, undefined, kind.counter === undefined ? {} : { counter: kind.counter }));
        // three copies of this browser (its cookie), posting the same answer together
        const copies = [0, 1, 2].map(() => {
          const copy = new Client(fixture.app.baseUrl);
          for (const [name, value] of client.cookies) copy.cookies.set(name, value);
          return copy;
        });
        const results = await Promise.all(copies.map((copy) => copy.post('/login/passkey', { _csrf, response })));
        const signedIn = results.filter((res) => res.status === 303).length;
        assert.ok(signedIn <= 1, `round ${round}: ${signedIn} sign-ins from one response (${results.map((r) => r.status).join(', ')})`);
        const dashboards = await Promise.all(copies.map(async (copy) => (await copy.get('/dashboard')).status));
        assert.ok(dashboards.filter((status) => status === 200).length <= 1, `round ${round}: ${dashboards.join(', ')}`);
      }
    });
  }
});

describe('one response, on one session, with the same synced passkey signing in elsewhere meanwhile', () => {
  // a synced passkey's counter stays 0, so the counter cannot tell a response
  // used already from a new one: only the challenge can
  const synced = { counter: 0 };

  /** Several copies of one browser (its cookie). */
  function copiesOf(client: Client, count: number) {
    return Array.from({ length: count }, () => {
      const copy = new Client(fixture.app.baseUrl);
      for (const [name, value] of client.cookies) copy.cookies.set(name, value);
      return copy;
    });
  }

  it('is accepted once, even when the session is written back with the challenge still in it', async () => {
    const { authenticator, client } = await accountWithPasskey('written-back');
    const _csrf = await client.csrfToken('/account/confirm?next=/account/passkeys/new');
    const options = await json<PublicKeyCredentialRequestOptionsJSON>(await client.get('/account/confirm/passkey'));
    const response = JSON.stringify(authenticator.get(options, undefined, synced));
    // the session as a request that read it now would save it at its end
    const sessions = db().collection('sessions');
    const _id = storedIdFromCookie(cookieOf(client)) as never;
    const readEarlier = await sessions.findOne({ _id });
    assert.ok(readEarlier);

    const first = await client.post('/account/confirm/passkey', { _csrf, next: '/account/passkeys/new', response });
    assert.equal(first.status, 303, 'the response is accepted once');
    // the same passkey signs in somewhere else meanwhile (its counter still 0)
    assert.equal((await signInWithPasskey(authenticator, synced)).res.status, 303);
    // ...and that slower request saves the session it read: the challenge is back in it
    await sessions.updateOne({ _id }, { $set: { session: readEarlier.session } });

    const again = await client.post('/account/confirm/passkey', { _csrf, next: '/account/passkeys/new', response });
    assert.equal(again.status, 401, 'the same response is refused the second time');
    assert.ok(logs.events().some((e) => e.event === 'reauth-failed' && e.reason === 'already-used'));
  });

  it('signs in at most once when copies of one browser post it together while other logins of the passkey run', async () => {
    const { authenticator } = await accountWithPasskey('parallel-synced');
    for (let round = 0; round < 8; round += 1) {
      const { client, _csrf, options } = await loginPage();
      const response = JSON.stringify(authenticator.get(options, undefined, synced));
      // four at once: the most logins one address may have in progress
      const others = [await loginPage()];
      const copies = copiesOf(client, 3);
      const [results] = await Promise.all([
        Promise.all(copies.map((copy) => copy.post('/login/passkey', { _csrf, response }))),
        // other logins of the same passkey, each with a challenge of its own
        Promise.all(others.map((other) => other.client.post('/login/passkey', { _csrf: other._csrf, response: JSON.stringify(authenticator.get(other.options, undefined, synced)) }))),
      ]);
      const signedIn = results.filter((res) => res.status === 303).length;
      assert.ok(signedIn <= 1, `round ${round}: ${signedIn} sign-ins from one response (${results.map((r) => r.status).join(', ')})`);
      const dashboards = await Promise.all(copies.map(async (copy) => (await copy.get('/dashboard')).status));
      assert.ok(dashboards.filter((status) => status === 200).length <= 1, `round ${round}: ${dashboards.join(', ')}`);
    }
  });
});

describe('what a response must match', () => {
  it('a counter that goes backwards is refused, and logged', async () => {
    const { authenticator, userId } = await accountWithPasskey('counter');
    assert.equal((await signInWithPasskey(authenticator, { counter: 5 })).res.status, 303);
    const { client, res } = await signInWithPasskey(authenticator, { counter: 3 });
    assert.equal(res.status, 401);
    assert.equal((await client.get('/dashboard')).status, 302);
    assert.ok(logs.events().some((e) => e.event === 'login-failed' && e.reason === 'counter-went-backwards' && e.level === 40));
    const [stored] = await passkeysOf(userId);
    assert.equal(stored?.counter, 5);
    assert.equal((await signInWithPasskey(authenticator, { counter: 6 })).res.status, 303, 'a higher one is fine');
  });

  it('an old response replayed against a fresh challenge is refused and logged as a replay, not as a cloned authenticator', async () => {
    const { authenticator, userId } = await accountWithPasskey('replay');
    // an earlier login that worked: its response is what a thief would keep
    const earlier = await loginPage();
    const old = JSON.stringify(authenticator.get(earlier.options));
    assert.equal((await earlier.client.post('/login/passkey', { _csrf: earlier._csrf, response: old })).status, 303);
    const logged = logs.lines.length;
    // a fresh challenge in another browser's session; the old answer sent to it
    const thief = await loginPage();
    const res = await thief.client.post('/login/passkey', { _csrf: thief._csrf, response: old });
    assert.equal(res.status, 401);
    assert.equal((await thief.client.get('/dashboard')).status, 302);
    const events = logs.lines.slice(logged).map((line) => JSON.parse(line) as Record<string, unknown>);
    const failed = events.filter((e) => e.event === 'login-failed');
    assert.deepEqual(
      failed.map((e) => ({ reason: e.reason, level: e.level })),
      [{ reason: 'replayed', level: 30 }],
      'one failure, at info, as a replay',
    );
    assert.ok(!events.some((e) => e.reason === 'counter-went-backwards'), 'no clone warning');
    const [stored] = await passkeysOf(userId);
    assert.equal(stored?.counter, 1, 'the counter is unchanged');
  });

  it('a cloned authenticator (the same key, its counter lower, signing the fresh challenge) is refused and warned about', async () => {
    const { authenticator, userId } = await accountWithPasskey('clone');
    assert.equal((await signInWithPasskey(authenticator)).res.status, 303);
    assert.equal((await signInWithPasskey(authenticator)).res.status, 303);
    // a copy of the key made when the counter was lower: it counts on from there
    const [original] = authenticator.passkeys;
    assert.ok(original);
    const clone = new SoftAuthenticator(PUBLIC_URL);
    clone.passkeys.push({ ...original, counter: 0 });
    const logged = logs.lines.length;
    const { client, res } = await signInWithPasskey(clone);
    assert.equal(res.status, 401);
    assert.equal((await client.get('/dashboard')).status, 302);
    const failed = logs.lines
      .slice(logged)
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((e) => e.event === 'login-failed');
    assert.deepEqual(
      failed.map((e) => ({ reason: e.reason, level: e.level })),
      [{ reason: 'counter-went-backwards', level: 40 }],
    );
    const [stored] = await passkeysOf(userId);
    assert.equal(stored?.counter, 2, 'the counter is unchanged');
    assert.equal((await signInWithPasskey(authenticator)).res.status, 303, 'the original signs in still');
  });

  it('the origin and RP ID are the configured ones (PUBLIC_URL), not the address the request came to', async () => {
    const { authenticator } = await accountWithPasskey('origin');
    const requestOrigin = fixture.app.baseUrl; // http://127.0.0.1:<port>: what a Host header would say
    const options = await json<PublicKeyCredentialRequestOptionsJSON>(await new Client(fixture.app.baseUrl).get('/login/passkey'));
    assert.equal(options.rpId, 'cloakroom.test');
    for (const tampering of [{ origin: requestOrigin }, { rpId: '127.0.0.1' }, { origin: 'https://evil.example', rpId: 'evil.example' }]) {
      assert.equal((await signInWithPasskey(authenticator, tampering)).res.status, 401, JSON.stringify(tampering));
    }
    assert.equal((await signInWithPasskey(authenticator)).res.status, 303);

    const { client, userId } = await accountWithPasskey('origin-add');
    const other = new SoftAuthenticator(PUBLIC_URL);
    assert.equal((await addPasskey(client, other, 'Wrong origin', { origin: requestOrigin })).status, 400);
    assert.equal((await addPasskey(client, other, 'Wrong RP', { rpId: '127.0.0.1' })).status, 400);
    assert.equal((await passkeysOf(userId)).length, 1, 'neither was stored');
  });

  it('user verification is required, to add a passkey and to sign in with it', async () => {
    const { authenticator, client, userId } = await accountWithPasskey('uv');
    assert.equal((await signInWithPasskey(authenticator, { userVerified: false })).res.status, 401);
    assert.equal((await addPasskey(client, new SoftAuthenticator(PUBLIC_URL), 'No PIN', { userVerified: false })).status, 400);
    assert.equal((await passkeysOf(userId)).length, 1);
  });

  it('an unknown or removed passkey signs nobody in', async () => {
    const stranger = new SoftAuthenticator(PUBLIC_URL);
    stranger.create({ challenge: 'x', rp: { id: 'cloakroom.test', name: 'x' }, user: { id: 'dXNlcg', name: 'u', displayName: 'u' }, pubKeyCredParams: [] });
    assert.equal((await signInWithPasskey(stranger)).res.status, 401);
  });

  it('failures are throttled like passwords: locked for the passkey and address after LOGIN_MAX_CONSECUTIVE_FAILURES', async () => {
    const { authenticator } = await accountWithPasskey('throttle');
    for (let i = 0; i < 4; i += 1) assert.equal((await signInWithPasskey(authenticator, { userVerified: false })).res.status, 401);
    const locked = await signInWithPasskey(authenticator);
    assert.equal(locked.res.status, 429);
    assert.ok(Number(locked.res.headers.get('retry-after')) > 0);
  });
});

describe('managing passkeys', () => {
  it('renames and removes your own', async () => {
    const { client, userId, authenticator } = await accountWithPasskey('manage');
    const [stored] = await passkeysOf(userId);
    const id = String(stored?._id);
    const renamed = await client.post('/account/passkeys/rename', { id, name: 'Work laptop' }, { formPage: '/account/passkeys' });
    assert.equal(renamed.status, 303);
    assert.match(await (await client.get('/account/passkeys?done=renamed')).text(), /Work laptop/);
    assert.equal((await client.post('/account/passkeys/rename', { id, name: '' }, { formPage: '/account/passkeys' })).status, 400);

    // every account has a password: its only passkey may go
    const removed = await client.post('/account/passkeys/remove', { id }, { formPage: '/account/passkeys' });
    assert.equal(removed.status, 303);
    assert.equal((await passkeysOf(userId)).length, 0);
    assert.equal((await signInWithPasskey(authenticator)).res.status, 401, 'a removed passkey signs nobody in');
  });

  it('removing one signs out every other session of the account (the passkey may have signed one in), and says so', async () => {
    const { client, username, userId, authenticator } = await accountWithPasskey('remove-others');
    // the passkey's own session (whoever holds the lost device), and a password login
    const { client: byPasskey, res } = await signInWithPasskey(authenticator);
    assert.equal(res.status, 303);
    const byPassword = new Client(fixture.app.baseUrl);
    assert.equal((await byPassword.login(username)).status, 303);
    const before = cookieOf(client);

    const [stored] = await passkeysOf(userId);
    const removed = await client.post('/account/passkeys/remove', { id: String(stored?._id) }, { formPage: '/account/passkeys' });
    assert.equal(removed.status, 303);
    assert.equal(removed.headers.get('location'), '/account/passkeys?done=removed&ended=2');
    assert.match(await (await client.get('/account/passkeys?done=removed&ended=2')).text(), /2 other sessions were signed out/);
    for (const other of [byPasskey, byPassword]) assert.equal((await other.get('/dashboard')).status, 302, 'the other session is over');
    // this one stays logged in, under a new session ID and the new generation
    assert.notEqual(cookieOf(client), before);
    assert.equal((await client.get('/dashboard')).status, 200);
    const user = await fixture.app.users.findById(userId, { sessionGeneration: 1 }).lean();
    const session = await db().collection('sessions').findOne({ _id: storedIdFromCookie(cookieOf(client)) as never });
    assert.equal((session?.session as { generation?: number } | undefined)?.generation, user?.sessionGeneration);
    assert.ok(logs.events().some((e) => e.event === 'passkey-removed' && e.otherSessionsEnded === 2));
  });

  it("another account's passkey ID finds nothing: not renamed, not removed, by several attackers at once", async () => {
    const victim = await accountWithPasskey('victim');
    const [stored] = await passkeysOf(victim.userId);
    const id = String(stored?._id);
    const attackers = await Promise.all(
      [0, 1, 2].map(async () => {
        const attacker = new Client(fixture.app.baseUrl);
        await attacker.register(uniqueUsername('attacker'));
        return attacker;
      }),
    );
    for (let round = 0; round < 2; round += 1) {
      const results = await Promise.all(
        attackers.flatMap((attacker) => [
          attacker.post('/account/passkeys/remove', { id }, { formPage: '/account/passkeys' }),
          attacker.post('/account/passkeys/rename', { id, name: 'pwned' }, { formPage: '/account/passkeys' }),
        ]),
      );
      assert.deepEqual(results.map((res) => res.status), [404, 404, 404, 404, 404, 404]);
    }
    const [after] = await passkeysOf(victim.userId);
    assert.equal(after?.name, 'Laptop');
    assert.doesNotMatch(await (await attackers[0]!.get('/account/passkeys')).text(), /Laptop/, "and it is not on the attacker's list");
    assert.equal((await signInWithPasskey(victim.authenticator)).res.status, 303);
  });

  it('never removes the last way to sign in, even when two removals run at once', async () => {
    // No account is without a password today, so the database is edited to
    // make one: an account with two passkeys and nothing else.
    for (let round = 0; round < 3; round += 1) {
      const { client, userId } = await accountWithPasskey('passwordless');
      assert.equal((await addPasskey(client, new SoftAuthenticator(PUBLIC_URL), 'Phone')).status, 303);
      await fixture.app.users.collection.updateOne({ _id: new Types.ObjectId(userId) }, { $unset: { passwordHash: '' } });
      const ids = (await passkeysOf(userId)).map((p) => String(p._id));
      assert.equal(ids.length, 2);
      const results = await Promise.all(ids.map((id) => client.post('/account/passkeys/remove', { id }, { formPage: '/account/passkeys' })));
      assert.ok(results.some((res) => res.status === 409), `round ${round}: ${results.map((r) => r.status).join(', ')}`);
      const left = await passkeysOf(userId);
      assert.ok(left.length >= 1, `round ${round}: no way left to sign in`);
      // and one at a time: the last one stays, with a message saying why
      const last = await client.post('/account/passkeys/remove', { id: String(left[0]?._id) }, { formPage: '/account/passkeys' });
      if (left.length === 1) {
        assert.equal(last.status, 409);
        assert.match(await last.text(), /only way left to sign in/);
      }
      assert.ok((await passkeysOf(userId)).length >= 1);
    }
  });

  it('deleting the account deletes its passkeys', async () => {
    const { client, userId } = await accountWithPasskey('delete');
    const res = await client.post('/account/delete', { password: 'correct horse battery', confirm: 'yes' }, { formPage: '/account/delete' });
    assert.equal(res.status, 303);
    assert.equal((await passkeysOf(userId)).length, 0);
  });

  it('the pages and options need a login; adding one is refused without one', async () => {
    for (const path of ['/account/passkeys', '/account/passkeys/new', '/account/passkeys/new/options']) {
      const res = await new Client(fixture.app.baseUrl).get(path);
      assert.equal(res.status, 302, path);
      assert.match(res.headers.get('location') ?? '', /^\/login\?next=/);
    }
    const anonymous = new Client(fixture.app.baseUrl);
    const res = await anonymous.post('/account/passkeys', { name: 'x', response: '{}' }, { formPage: '/login' });
    // a form is not repeated after the login: to the login page alone (middleware/require-login.ts)
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/login');
  });
});

describe('the browser half', () => {
  it('is served from this site, as ES modules', async () => {
    for (const path of ['/js/passkeys.js', '/js/simplewebauthn-browser/index.js', '/js/simplewebauthn-browser/methods/startAuthentication.js']) {
      const res = await fetch(`${fixture.app.baseUrl}${path}`);
      assert.equal(res.status, 200, path);
      assert.match(res.headers.get('content-type') ?? '', /javascript/, path);
      await res.arrayBuffer();
    }
  });

  it('the login page offers passkeys in the username autofill, and the password form still works alone', async () => {
    const html = await (await new Client(fixture.app.baseUrl).get('/login')).text();
    assert.match(html, /autocomplete="username webauthn"/);
    assert.match(html, /<form class="passkey-login" method="post" action="\/login\/passkey"[^>]* hidden/);
    assert.match(html, /<script type="module" src="\/js\/passkeys\.[0-9a-f]+\.js">/);
  });
});

describe('sudo mode', () => {
  /** Makes this session's last authentication older than REAUTH_WINDOW (10 minutes). */
  async function longAgo(client: Client) {
    const { modifiedCount } = await db()
      .collection('sessions')
      .updateOne({ _id: storedIdFromCookie(cookieOf(client)) as never }, { $set: { 'session.authenticatedAt': Date.now() - 11 * 60_000 } });
    assert.equal(modifiedCount, 1);
  }

  it('adding and removing a passkey need a recent authentication; renaming does not', async () => {
    const { client, userId } = await accountWithPasskey('sudo');
    const [stored] = await passkeysOf(userId);
    await longAgo(client);
    for (const path of ['/account/passkeys/new', '/account/passkeys/new/options']) {
      const res = await client.get(path);
      assert.equal(res.status, 303, path);
      assert.match(res.headers.get('location') ?? '', /^\/account\/confirm\?next=/, path);
    }
    const remove = await client.post('/account/passkeys/remove', { id: String(stored?._id) }, { formPage: '/account/passkeys' });
    assert.equal(remove.status, 303);
    assert.match(remove.headers.get('location') ?? '', /^\/account\/confirm/);
    assert.equal((await passkeysOf(userId)).length, 1, 'not removed');
    const rename = await client.post('/account/passkeys/rename', { id: String(stored?._id), name: 'Still mine' }, { formPage: '/account/passkeys' });
    assert.equal(rename.status, 303);
  });

  it('"use a passkey instead" on the confirm page: one of your own passkeys confirms, and back to where you were', async () => {
    const { client, authenticator } = await accountWithPasskey('confirm');
    await longAgo(client);
    const _csrf = await client.csrfToken('/account/confirm?next=/account/passkeys/new');
    const options = await json<PublicKeyCredentialRequestOptionsJSON>(await client.get('/account/confirm/passkey'));
    assert.deepEqual(
      options.allowCredentials?.map((c) => c.id),
      [authenticator.passkeys[0]?.credentialId.toString('base64url')],
      "only this user's passkeys are offered",
    );
    const res = await client.post('/account/confirm/passkey', { _csrf, next: '/account/passkeys/new', response: JSON.stringify(authenticator.get(options)) });
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/account/passkeys/new');
    assert.equal((await client.get('/account/passkeys/new')).status, 200);
    assert.ok(logs.events().some((e) => e.event === 'reauthenticated' && e.method === 'passkey'));
  });

  it('a passkey alone confirms an account with two-factor on: it is both factors', async () => {
    const { client, authenticator } = await accountWithPasskey('confirm-2fa');
    await turnOnTwoFactor(client);
    await longAgo(client);
    const page = await (await client.get('/account/confirm?next=/account/passkeys/new')).text();
    assert.match(page, /name="code"/, 'the password form asks for the code too');
    const _csrf = await client.csrfToken('/account/confirm?next=/account/passkeys/new');
    const options = await json<PublicKeyCredentialRequestOptionsJSON>(await client.get('/account/confirm/passkey'));
    const res = await client.post('/account/confirm/passkey', { _csrf, next: '/account/passkeys/new', response: JSON.stringify(authenticator.get(options)) });
    assert.equal(res.status, 303);
    assert.equal((await client.get('/account/passkeys/new')).status, 200);
  });

  it("another account's passkey does not confirm this session", async () => {
    const victim = await accountWithPasskey('confirm-victim');
    const attacker = await accountWithPasskey('confirm-attacker');
    await longAgo(victim.client);
    const _csrf = await victim.client.csrfToken('/account/confirm?next=/account/delete');
    const options = await json<PublicKeyCredentialRequestOptionsJSON>(await victim.client.get('/account/confirm/passkey'));
    // the attacker's own passkey, signing the challenge of the victim's session
    const res = await victim.client.post('/account/confirm/passkey', { _csrf, next: '/account/delete', response: JSON.stringify(attacker.authenticator.get(options)) });
    assert.equal(res.status, 401);
    assert.match(await res.text(), /did not confirm it is you/);
    assert.equal((await victim.client.get('/account/delete')).status, 303, 'still not recently authenticated');
  });
});

describe('configuration', () => {
  const base = { NODE_ENV: 'test' };
  // the passkeys feature's settings, as the app loads them (features/passkeys/settings.ts)
  const relyingParty = (env: Record<string, string>) => loadConfig(env, FEATURE_SETTINGS).settings.passkeys as RelyingParty;
  const problems = (env: Record<string, string>) => {
    try {
      loadConfig(env, FEATURE_SETTINGS);
      return [];
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      return err.problems;
    }
  };

  it("the RP ID is PUBLIC_URL's host, or a domain it is under", () => {
    assert.deepEqual(relyingParty({ ...base, PUBLIC_URL: 'https://login.example.com' }), {
      rpId: 'login.example.com',
      origin: 'https://login.example.com',
      rpName: 'Cloakroom',
    });
    assert.equal(relyingParty({ ...base, PUBLIC_URL: 'https://login.example.com', WEBAUTHN_RP_ID: 'example.com' }).rpId, 'example.com');
    assert.equal(relyingParty({ ...base, PORT: '4000' }).origin, 'http://localhost:4000');
  });

  it('refuses an RP ID the browser would refuse, naming the variable', () => {
    for (const [env, message] of [
      [{ PUBLIC_URL: 'https://login.example.com', WEBAUTHN_RP_ID: 'other.example' }, /WEBAUTHN_RP_ID must be PUBLIC_URL's host/],
      [{ PUBLIC_URL: 'https://login.example.com', WEBAUTHN_RP_ID: 'ample.com' }, /WEBAUTHN_RP_ID must be PUBLIC_URL's host/],
      [{ PUBLIC_URL: 'http://127.0.0.1:3000', WEBAUTHN_RP_ID: '127.0.0.1' }, /WEBAUTHN_RP_ID must be a domain name/],
      [{ PUBLIC_URL: 'https://example.com', WEBAUTHN_RP_ID: 'https://example.com' }, /WEBAUTHN_RP_ID must be a domain name/],
    ] as const) {
      assert.ok(problems({ ...base, ...env }).some((p) => message.test(p)), JSON.stringify(env));
    }
    const production = { NODE_ENV: 'production', MONGODB_URI: 'mongodb://db/x', SESSION_SECRET: 's'.repeat(40), PASSWORD_PEPPER: 'p'.repeat(40) };
    assert.ok(problems({ ...production, PUBLIC_URL: 'https://192.0.2.10' }).some((p) => /IP address: passkeys need a domain name/.test(p)));
    assert.deepEqual(
      problems({ ...production, PUBLIC_URL: 'https://example.com' }).filter((p) => /PUBLIC_URL|WEBAUTHN_RP_ID|passkey/.test(p)),
      [],
    );
  });
});

describe('mail about passkeys', () => {
  it('tells the confirmed address when a passkey is added, naming it', async () => {
    const { email, client } = await accountWithAddress(fixture.app, 'pk_notice');
    const after = mailbox(fixture.app).lastId();
    assert.equal((await addPasskey(client, new SoftAuthenticator(PUBLIC_URL), 'Not my key')).status, 303);
    const notice = await mailbox(fixture.app).waitFor(email, { after });
    assert.match(notice.subject, /A passkey was added/);
    assert.match(notice.text, /"Not my key"/);
    assert.match(notice.text, new RegExp(`${PUBLIC_URL}/account/passkeys`));
  });

  it('the notice after a password reset names the passkeys that still sign in, and where to remove them', async () => {
    const { username, email, client } = await accountWithAddress(fixture.app, 'pk_reset');
    for (const name of ['Laptop', 'Phone']) assert.equal((await addPasskey(client, new SoftAuthenticator(PUBLIC_URL), name)).status, 303);
    // the two "passkey added" notices are out of the way first
    await fixture.app.mailSettled();
    let after = mailbox(fixture.app).lastId();
    assert.equal((await new Client(fixture.app.baseUrl).post('/forgot-password', { identifier: username }, { formPage: '/forgot-password' })).status, 303);
    const link = linkIn(await mailbox(fixture.app).waitFor(email, { after }), '/reset-password');
    const browser = new Client(fixture.app.baseUrl);
    assert.equal((await browser.get(link)).status, 303);
    after = mailbox(fixture.app).lastId();
    const reset = await browser.post('/reset-password', { newPassword: `${PASSWORD} anew`, confirmPassword: `${PASSWORD} anew` }, { formPage: '/reset-password' });
    assert.equal(reset.headers.get('location'), '/login?notice=password-reset');
    const notice = await mailbox(fixture.app).waitFor(email, { after });
    assert.match(notice.subject, /password was changed/);
    assert.match(notice.text, /Your account has 2 passkeys\. A new password does not change them: each still signs in without a password/);
    assert.match(notice.text, new RegExp(`${PUBLIC_URL}/account/passkeys`));
  });
});
