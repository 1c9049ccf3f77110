// Two-factor login (TOTP, RFC 6238) through the app: turning it on, the
// pending session between password and code, replay, recovery codes, the
// lockout, revocation during the 5 minutes. Codes are computed here with the
// same TOTP module, at Date.now().
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import mongoose from 'mongoose';
import { codeAt, TOTP_PERIOD_S } from '../../../src/features/two-factor/totp.js';
import { SECOND_FACTOR_FAILURES_PER_ACCOUNT } from '../../../src/security/throttle.js';
import { PENDING_LOGIN_MAX_AGE_MS } from '../../../src/session/pending-login.js';
import { useTestApp } from '../../helpers/app.js';
import { Client, freshAddress, parseSetCookie, storedIdFromCookie, testIdText, uniqueUsername } from '../../helpers/client.js';
import { captureLogs } from '../../helpers/logs.js';
import { recoveryCodesAfter, recoveryCodesIn, turnOnTwoFactor } from '../../helpers/two-factor.js';

const password = 'the right passphrase';
const PERIOD_MS = TOTP_PERIOD_S * 1000;

const logs = captureLogs();
// every secret and recovery code this file sees: none may ever reach the log
const secrets: string[] = [];

const fixture = useTestApp({
  logger: logs.logger,
  // the lockout's limit, and no cap on checks at once: the parallel attacks meet the counters only
  env: { LOGIN_MAX_CONSECUTIVE_FAILURES: '10', LOGIN_CHECKS_AT_ONCE_PER_IP: '1000', TRUST_PROXY: 'loopback' },
});


const db = () => fixture.app.connection.getClient().db(fixture.app.connection.name);
const cookieOf = (client: Client) => client.cookies.get(fixture.app.config.session.cookieName);
const storedSession = async (client: Client) => db().collection('sessions').findOne({ _id: storedIdFromCookie(cookieOf(client)) as never });

interface TwoFactorUser {
  username: string;
  secret: string;
  recoveryCodes: string[];
  /** the browser that registered and turned two-factor on, still logged in */
  owner: Client;
}

const twoFactorSecrets = new Map<string, string>();

/** Registers an account and turns two-factor on, reading the secret from the page as a person would. */
async function twoFactorUser(prefix = 'tf'): Promise<TwoFactorUser> {
  const username = uniqueUsername(prefix);
  const owner = new Client(fixture.app.baseUrl);
  assert.equal((await owner.register(username, password)).status, 303);
  const { secret, recoveryCodes } = await turnOnTwoFactor(owner);
  secrets.push(secret, ...recoveryCodes);
  twoFactorSecrets.set(username, secret);
  // the setup code's step counts as used; logins in these tests may use any step in the window
  await allowAnyStep(username);
  return { username, secret, recoveryCodes, owner };
}

/** Forgets the last step used, so that a test can log in again within one 30-second step. */
async function allowAnyStep(username: string): Promise<void> {
  await fixture.app.users.updateOne({ usernameKey: username.toLowerCase() }, { $set: { 'twoFactor.lastUsedStep': 0 } });
}

/** A new browser with the right password in: a pending login. */
async function pendingLogin(username: string, next?: string, headers: Record<string, string> = {}): Promise<Client> {
  const client = new Client(fixture.app.baseUrl, headers);
  const res = await client.login(username, password, next);
  assert.equal(res.status, 303);
  assert.equal(res.headers.get('location'), '/login/two-factor');
  return client;
}

function sendCode(client: Client, code: string, _csrf?: string): Promise<Response> {
  return client.post('/login/two-factor', _csrf === undefined ? { code } : { code, _csrf }, { formPage: '/login/two-factor' });
}

function statusCounts(responses: Response[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const res of responses) counts[res.status] = (counts[res.status] ?? 0) + 1;
  return counts;
}

describe('turning two-factor on', () => {
  it('shows a QR code and the secret, keeps the secret out of the session in the clear, and needs one right code', async () => {
    const username = uniqueUsername('setup');
    const owner = new Client(fixture.app.baseUrl);
    await owner.register(username, password);
    const html = await (await owner.get('/account/two-factor')).text();
    const secret = testIdText(html, 'totp-secret');
    assert.match(secret, /^[A-Z2-7]{32}$/);
    assert.match(html, /<img class="qr-code" src="data:image\/svg\+xml;base64,[A-Za-z0-9+/=]+"/);
    assert.doesNotMatch(html, /style=/, 'no inline style (CSP)');
    assert.equal(testIdText(await (await owner.get('/account/two-factor')).text(), 'totp-secret'), secret, 'the same secret on reload');

    const stored = JSON.stringify(await storedSession(owner));
    assert.ok(!stored.includes(secret), 'the session document holds the secret encrypted only');
    assert.match(stored, /"sealedSecret":"v1\./);

    const wrong = await owner.post('/account/two-factor', { code: String((Number(codeAt(secret, Date.now())) + 1) % 1_000_000).padStart(6, '0') }, { formPage: '/account/two-factor' });
    assert.equal(wrong.status, 400);
    assert.match(await wrong.text(), /That code is not right/);
    assert.equal((await fixture.app.users.findOne({ usernameKey: username.toLowerCase() }).lean())?.twoFactor, undefined, 'still off');

    const right = await owner.post('/account/two-factor', { code: codeAt(secret, Date.now()) }, { formPage: '/account/two-factor' });
    const codes = await recoveryCodesAfter(owner, right);
    assert.equal(codes.length, 10);

    const user = await fixture.app.users.findOne({ usernameKey: username.toLowerCase() }).lean();
    const document = JSON.stringify(user);
    assert.match(user?.twoFactor?.secret ?? '', /^v1\./);
    assert.ok(!document.includes(secret), 'the user document holds the secret encrypted only');
    assert.equal(user?.twoFactor?.recoveryCodes.length, 10);
    for (const code of codes) assert.ok(!document.includes(code) && !document.includes(code.replaceAll('-', '')), 'codes stored hashed');
    assert.ok(!JSON.stringify(await storedSession(owner)).includes('sealedSecret'), 'the setup is gone from the session');

    const after = await (await owner.get('/account/two-factor')).text();
    assert.match(after, /Two-factor login is on/);
    assert.ok(!after.includes(secret) && !after.includes('totp-secret'), 'the secret is never shown again');
    assert.match(testIdText(after, 'recovery-codes-left'), /^Recovery codes left:/);
  });

  it('shows the setup page (and makes its secret) only after a recent password check (sudo mode)', async () => {
    const owner = new Client(fixture.app.baseUrl);
    await owner.register(uniqueUsername('setup-sudo'), password);
    // as if the login were older than REAUTH_WINDOW
    await db().collection('sessions').updateOne({ _id: storedIdFromCookie(cookieOf(owner)) as never }, { $set: { 'session.authenticatedAt': 0 } });
    const res = await owner.get('/account/two-factor');
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/account/confirm?next=/account/two-factor');
    assert.doesNotMatch(await res.text(), /totp-secret/);
    assert.ok(!JSON.stringify(await storedSession(owner)).includes('sealedSecret'), 'no setup secret in the session');
    const confirmed = await owner.post('/account/confirm', { password, next: '/account/two-factor' }, { formPage: '/account/confirm' });
    assert.equal(confirmed.headers.get('location'), '/account/two-factor');
    assert.equal((await owner.get('/account/two-factor')).status, 200);
  });

  it('is only for a logged-in user', async () => {
    const anonymous = new Client(fixture.app.baseUrl);
    assert.equal((await anonymous.get('/account/two-factor')).status, 302);
  });
});

describe('the pending session', () => {
  it('after the right password holds who and since when, with no userId, in a new session', async () => {
    const { username } = await twoFactorUser('pending');
    const client = new Client(fixture.app.baseUrl);
    await client.get('/login');
    const before = cookieOf(client);
    const res = await client.login(username, password);
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/login/two-factor');
    assert.notEqual(cookieOf(client), before, 'a new session ID');
    const stored = (await storedSession(client)) as { session: Record<string, unknown> } | null;
    assert.ok(stored);
    assert.equal(stored.session.userId, undefined);
    const pending = stored.session.pendingLogin as { username: string; startedAt: number };
    assert.equal(pending.username, username);
    assert.ok(Math.abs(Date.now() - pending.startedAt) < 60_000);
    const page = await client.get('/login/two-factor');
    assert.equal(page.status, 200);
    assert.match(await page.text(), /Two-factor check/);
  });

  it('is anonymous on every page that needs a login', async () => {
    const { username } = await twoFactorUser('anonymous');
    const generation = (await fixture.app.users.findOne({ usernameKey: username.toLowerCase() }).lean())?.sessionGeneration;
    const client = await pendingLogin(username);
    for (const path of ['/dashboard', '/dashboard/session.json', '/sessions', '/account/password', '/account/confirm', '/account/delete', '/account/two-factor']) {
      const res = await client.get(path);
      assert.equal(res.status, 302, path);
      assert.match(res.headers.get('location') ?? '', /^\/login\?next=/, path);
    }
    for (const path of ['/sessions/end-others', '/account/password', '/account/confirm', '/account/delete', '/account/two-factor', '/account/recovery-codes', '/account/two-factor/off']) {
      const res = await client.post(path, { currentPassword: password, password, confirm: 'yes', newPassword: 'another passphrase 1', confirmPassword: 'another passphrase 1' }, { formPage: '/login/two-factor' });
      // a form is not repeated after the login: to the login page alone
      assert.equal(res.status, 303, path);
      assert.equal(res.headers.get('location'), '/login', path);
    }
    const home = await (await client.get('/')).text();
    assert.doesNotMatch(home, /Signed in as/);
    const user = await fixture.app.users.findOne({ usernameKey: username.toLowerCase() }).lean();
    assert.ok(user?.twoFactor, 'nothing was changed');
    assert.equal(user.sessionGeneration, generation, 'no session was revoked');
  });

  it('becomes a login only with a right code: a new session, saved, then the redirect to next', async () => {
    const { username, secret } = await twoFactorUser('next');
    const client = await pendingLogin(username, '/sessions');
    const pendingCookie = cookieOf(client);
    const res = await sendCode(client, codeAt(secret, Date.now()));
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/sessions');
    assert.notEqual(cookieOf(client), pendingCookie, 'a new session ID at login');
    const stored = (await storedSession(client)) as { session: Record<string, unknown> } | null;
    assert.equal(typeof stored?.session.userId, 'string');
    assert.equal(stored?.session.pendingLogin, undefined);
    assert.equal((await client.get('/sessions')).status, 200);
    // the pending session is gone with its ID
    const replay = new Client(fixture.app.baseUrl);
    replay.cookies.set(fixture.app.config.session.cookieName, pendingCookie ?? '');
    assert.equal((await replay.get('/login/two-factor')).status, 302);
  });

  it('lives in a browser-session cookie, which closing the browser drops, and is stored for 5 minutes at most', async () => {
    const { username } = await twoFactorUser('browser-session');
    for (const rememberMe of [false, true]) {
      const client = new Client(fixture.app.baseUrl);
      const res = await client.post('/login', rememberMe ? { username, password, rememberMe: 'on' } : { username, password });
      assert.equal(res.headers.get('location'), '/login/two-factor');
      const cookie = res.headers.getSetCookie().map(parseSetCookie).find((c) => c.name === fixture.app.config.session.cookieName);
      assert.ok(cookie);
      assert.equal(cookie.attributes.expires, undefined, `no Expires (rememberMe ${rememberMe})`);
      assert.equal(cookie.attributes['max-age'], undefined, `no Max-Age (rememberMe ${rememberMe})`);
      // and it stays one while the code page is used
      const page = await client.get('/login/two-factor');
      for (const raw of page.headers.getSetCookie()) assert.equal(parseSetCookie(raw).attributes.expires, undefined);
      const stored = (await storedSession(client)) as { expires: Date } | null;
      assert.ok(stored && stored.expires.getTime() <= Date.now() + PENDING_LOGIN_MAX_AGE_MS, `stored until ${stored?.expires.toISOString()}`);
    }
  });

  it('carries "Keep me signed in" through to the login', async () => {
    const { username, secret } = await twoFactorUser('kept');
    const client = new Client(fixture.app.baseUrl);
    assert.equal((await client.post('/login', { username, password, rememberMe: 'on' })).headers.get('location'), '/login/two-factor');
    assert.equal((await sendCode(client, codeAt(secret, Date.now()))).status, 303);
    const stored = (await storedSession(client)) as { session: Record<string, unknown> } | null;
    assert.equal(stored?.session.rememberMe, true);
  });

  it('ends after 5 minutes', async () => {
    const { username, secret } = await twoFactorUser('late');
    const client = await pendingLogin(username);
    const _csrf = await client.csrfToken('/login/two-factor');
    await db().collection('sessions').updateOne({ _id: storedIdFromCookie(cookieOf(client)) as never }, { $set: { 'session.pendingLogin.startedAt': Date.now() - PENDING_LOGIN_MAX_AGE_MS - 1 } });
    const res = await sendCode(client, codeAt(secret, Date.now()), _csrf);
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/login?expired=two-factor');
    assert.equal((await client.get('/dashboard')).status, 302);
    assert.match(await (await client.get('/login?expired=two-factor')).text(), /within 5 minutes/);
  });

  it('can be abandoned, and a new login afterwards is clean', async () => {
    const { username, secret } = await twoFactorUser('abandon');
    const other = await twoFactorUser('other');
    const client = await pendingLogin(username);
    const abandoned = storedIdFromCookie(cookieOf(client));
    const res = await client.post('/login/start-again', {}, { formPage: '/login/two-factor' });
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/login');
    assert.equal(await db().collection('sessions').countDocuments({ _id: abandoned as never }), 0, 'the pending session is deleted');

    // halfway as one user, then the login form again as another: the first is gone
    const halfway = await client.login(username, password);
    assert.equal(halfway.status, 303);
    const first = storedIdFromCookie(cookieOf(client));
    assert.equal((await client.get('/login')).status, 200, 'the login form is shown to a pending session');
    assert.equal((await client.login(other.username, password)).status, 303);
    assert.equal(await db().collection('sessions').countDocuments({ _id: first as never }), 0);
    assert.equal((await sendCode(client, codeAt(secret, Date.now()))).status, 401, "the first user's code is not asked for any more");
    assert.equal((await sendCode(client, codeAt(other.secret, Date.now()))).status, 303);
    assert.match(await (await client.get('/dashboard')).text(), new RegExp(`Hello, ${other.username}`));
  });

  it('dies with a password change during the 5 minutes', async () => {
    const { username, secret, owner, recoveryCodes } = await twoFactorUser('revoked');
    const client = await pendingLogin(username);
    // the owner's password form asks for a second factor too: a recovery code, so no time step is used
    const changed = await owner.post(
      '/account/password',
      { currentPassword: password, newPassword: 'a brand new passphrase', confirmPassword: 'a brand new passphrase', code: recoveryCodes[0] ?? '' },
      { formPage: '/account/password' },
    );
    assert.equal(changed.status, 303);
    const res = await sendCode(client, codeAt(secret, Date.now()));
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/login?expired=two-factor');
    assert.equal((await client.get('/dashboard')).status, 302, 'not logged in');
    const user = await fixture.app.users.findOne({ usernameKey: username.toLowerCase() }).lean();
    assert.equal(user?.twoFactor?.lastUsedStep, 0, 'and the code was not used up');
  });
});

describe('codes', () => {
  it('a used code cannot be used again, nor one of an earlier step in the window', async () => {
    const { username, secret } = await twoFactorUser('replay');
    const now = Date.now();
    const code = codeAt(secret, now);
    assert.equal((await sendCode(await pendingLogin(username), code)).status, 303);
    const again = await sendCode(await pendingLogin(username), code);
    assert.equal(again.status, 401);
    assert.match(await again.text(), /used already/);
    assert.equal((await sendCode(await pendingLogin(username), codeAt(secret, now - PERIOD_MS))).status, 401, 'the step before');
    // the next step's code is still good
    assert.equal((await sendCode(await pendingLogin(username), codeAt(secret, now + PERIOD_MS))).status, 303);
  });

  it('the same code sent by several logins at once signs in one of them', async () => {
    const { username, secret } = await twoFactorUser('replay-parallel');
    for (let round = 1; round <= 3; round += 1) {
      await allowAnyStep(username);
      const clients = await Promise.all(Array.from({ length: 5 }, () => pendingLogin(username)));
      const tokens = await Promise.all(clients.map((client) => client.csrfToken('/login/two-factor')));
      const code = codeAt(secret, Date.now());
      const responses = await Promise.all(clients.map((client, i) => sendCode(client, code, tokens[i])));
      assert.deepEqual(statusCounts(responses), { 303: 1, 401: 4 }, `round ${round}`);
    }
  });

  it('takes a recovery code once, typed any way', async () => {
    const { username, recoveryCodes } = await twoFactorUser('recovery');
    const [code = ''] = recoveryCodes;
    const res = await sendCode(await pendingLogin(username, '/account/two-factor'), ` ${code.toUpperCase()} `);
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/account/two-factor');
    assert.equal((await sendCode(await pendingLogin(username), code)).status, 401, 'used once');
    const user = await fixture.app.users.findOne({ usernameKey: username.toLowerCase() }).lean();
    assert.equal(user?.twoFactor?.recoveryCodes.length, 9);
  });

  it('the same recovery code sent by several logins at once signs in one of them', async () => {
    const { username, recoveryCodes } = await twoFactorUser('recovery-parallel');
    for (const code of recoveryCodes.slice(0, 3)) {
      const clients = await Promise.all(Array.from({ length: 5 }, () => pendingLogin(username)));
      const tokens = await Promise.all(clients.map((client) => client.csrfToken('/login/two-factor')));
      const responses = await Promise.all(clients.map((client, i) => sendCode(client, code, tokens[i])));
      assert.deepEqual(statusCounts(responses), { 303: 1, 401: 4 });
    }
  });

  it('new recovery codes replace the old ones', async () => {
    const { username, recoveryCodes, owner } = await twoFactorUser('new-codes');
    const res = await owner.post('/account/recovery-codes', {}, { formPage: '/account/two-factor' });
    const fresh = await recoveryCodesAfter(owner, res);
    assert.equal(fresh.length, 10);
    assert.equal((await sendCode(await pendingLogin(username), recoveryCodes[0] ?? '')).status, 401, 'an old code is dead');
    assert.equal((await sendCode(await pendingLogin(username), fresh[0] ?? '')).status, 303);
  });

  it('are shown on a page of their own, once: the form redirects there, and the session holds them for that one view', async () => {
    const { owner } = await twoFactorUser('shown-once');
    for (let round = 1; round <= 3; round += 1) {
      const made = await owner.post('/account/recovery-codes', {}, { formPage: '/account/two-factor' });
      // a 303, not the codes: reloading what the browser shows next never posts the form again
      assert.equal(made.status, 303, `round ${round}`);
      assert.equal(made.headers.get('location'), '/account/recovery-codes');
      assert.doesNotMatch(await made.text(), /<code>/);
      // waiting in the session, and kept out of the inspector meanwhile
      const inspected = await (await owner.get('/dashboard/session.json')).text();
      assert.doesNotMatch(inspected, /[a-z2-9]{6}-[a-z2-9]{6}-[a-z2-9]{6}-[a-z2-9]{6}/, 'a recovery code in the inspector');
      const stored = JSON.stringify(await storedSession(owner));
      assert.match(stored, /recoveryCodesToShow/);
      // the one view: several requests at once, as a double reload makes, and then none
      const pages = await Promise.all([owner.get('/account/recovery-codes'), owner.get('/account/recovery-codes')]);
      const shown = await Promise.all(pages.map(async (page) => recoveryCodesIn(await page.text())));
      assert.ok(shown.some((codes) => codes.length === 10), `round ${round}: the codes were shown`);
      assert.ok(!JSON.stringify(await storedSession(owner)).includes('recoveryCodesToShow'), 'deleted from the session once shown');
      const again = await owner.get('/account/recovery-codes');
      assert.equal(again.status, 303);
      assert.equal(again.headers.get('location'), '/account/two-factor');
    }
  });

  it('turning it on or off and new recovery codes need a recent password check (sudo mode)', async () => {
    const { username, owner } = await twoFactorUser('sudo');
    const setupUser = new Client(fixture.app.baseUrl);
    await setupUser.register(uniqueUsername('sudo-setup'), password);
    const tokens = { owner: await owner.csrfToken('/account/two-factor'), setupUser: await setupUser.csrfToken('/account/two-factor') };
    // as if the login were older than REAUTH_WINDOW
    for (const client of [owner, setupUser]) {
      await db().collection('sessions').updateOne({ _id: storedIdFromCookie(cookieOf(client)) as never }, { $set: { 'session.authenticatedAt': 0 } });
    }
    for (const path of ['/account/two-factor/off', '/account/recovery-codes']) {
      const res = await owner.post(path, { _csrf: tokens.owner });
      assert.equal(res.status, 303, path);
      assert.match(res.headers.get('location') ?? '', /^\/account\/confirm\?next=/, path);
    }
    const enable = await setupUser.post('/account/two-factor', { _csrf: tokens.setupUser, code: '123456' });
    assert.match(enable.headers.get('location') ?? '', /^\/account\/confirm\?next=/);
    const user = await fixture.app.users.findOne({ usernameKey: username.toLowerCase() }).lean();
    assert.ok(user?.twoFactor, 'still on');
  });

  it('turned off, the page says so instead of starting a new setup at once', async () => {
    const { owner } = await twoFactorUser('off-notice');
    const res = await owner.post('/account/two-factor/off', {}, { formPage: '/account/two-factor' });
    assert.equal(res.headers.get('location'), '/account/two-factor?done=off');
    const html = await (await owner.get('/account/two-factor?done=off')).text();
    assert.match(testIdText(html, 'two-factor-status'), /^Two-factor login is off\./);
    assert.doesNotMatch(html, /data-testid="totp-secret"|class="qr-code"/, 'no new secret or QR code');
    assert.match(html, /<a class="button" href="\/account\/two-factor">Set up two-factor login again<\/a>/);
    // the setup comes when asked for
    assert.match(await (await owner.get('/account/two-factor')).text(), /data-testid="totp-secret"/);
  });

  it('after a login with a recovery code, the next page says how many are left, once', async () => {
    const { username, recoveryCodes } = await twoFactorUser('used-notice');
    const client = await pendingLogin(username, '/sessions');
    const res = await sendCode(client, recoveryCodes[0] ?? '');
    assert.equal(res.headers.get('location'), '/sessions');
    assert.match(await (await client.get('/sessions')).text(), /Recovery code used: 9 left\./);
    assert.doesNotMatch(await (await client.get('/sessions')).text(), /Recovery code used/, 'once');
    // a login with the app's code says nothing of recovery codes
    await allowAnyStep(username);
    const other = await pendingLogin(username);
    assert.equal((await sendCode(other, codeAt(twoFactorSecrets.get(username) ?? '', Date.now()))).status, 303);
    assert.doesNotMatch(await (await other.get('/dashboard')).text(), /Recovery code used/);
  });

  it('after a password check with a recovery code, the next page says how many are left', async () => {
    const { recoveryCodes, owner } = await twoFactorUser('used-confirm');
    const res = await owner.post('/account/confirm', { password, code: recoveryCodes[1] ?? '', next: '/account/two-factor' }, { formPage: '/account/confirm' });
    assert.equal(res.headers.get('location'), '/account/two-factor');
    const html = await (await owner.get('/account/two-factor')).text();
    assert.match(html, /Recovery code used: 9 left\./);
    assert.match(html, /Recovery codes left: <strong>9<\/strong> of 10/);
  });

  it('turned off, the password alone logs in again', async () => {
    const { username, owner } = await twoFactorUser('off');
    assert.equal((await owner.post('/account/two-factor/off', {}, { formPage: '/account/two-factor' })).status, 303);
    const client = new Client(fixture.app.baseUrl);
    const res = await client.login(username, password);
    assert.equal(res.headers.get('location'), '/dashboard');
    assert.equal((await client.get('/dashboard')).status, 200);
  });
});

describe('turning two-factor on or off', () => {
  const signedIn = async (client: Client) => (await client.get('/dashboard')).status === 200;

  it('on: ends every other session of the account; this one stays, with a new ID', async () => {
    const username = uniqueUsername('on-ends');
    const owner = new Client(fixture.app.baseUrl);
    await owner.register(username, password);
    const others = [new Client(fixture.app.baseUrl), new Client(fixture.app.baseUrl), new Client(fixture.app.baseUrl)];
    for (const other of others) assert.equal((await other.login(username, password)).status, 303);
    assert.ok((await Promise.all(others.map(signedIn))).every(Boolean));
    const secret = testIdText(await (await owner.get('/account/two-factor')).text(), 'totp-secret');
    const before = cookieOf(owner);
    const res = await owner.post('/account/two-factor', { code: codeAt(secret, Date.now()) }, { formPage: '/account/two-factor' });
    assert.equal(res.status, 303);
    for (const other of others) assert.equal(await signedIn(other), false, 'another session survived');
    assert.ok(await signedIn(owner), 'this session stays');
    assert.notEqual(cookieOf(owner), before, 'with a new ID');
  });

  it('off: ends every other session of the account, and tells a confirmed address', async () => {
    const { username, secret, owner } = await twoFactorUser('off-ends');
    const email = `${username.toLowerCase()}@example.test`;
    await fixture.app.users.updateOne({ usernameKey: username.toLowerCase() }, { $set: { email, emailKey: email } });
    const others: Client[] = [];
    for (let i = 0; i < 3; i += 1) {
      await allowAnyStep(username);
      const client = await pendingLogin(username);
      assert.equal((await sendCode(client, codeAt(secret, Date.now()))).status, 303);
      others.push(client);
    }
    // and one halfway through its login
    const halfway = await pendingLogin(username);
    const before = cookieOf(owner);
    assert.equal((await owner.post('/account/two-factor/off', {}, { formPage: '/account/two-factor' })).status, 303);
    for (const other of others) assert.equal(await signedIn(other), false, 'another session survived');
    await allowAnyStep(username);
    assert.equal((await sendCode(halfway, codeAt(secret, Date.now()))).headers.get('location'), '/login?expired=two-factor', 'a login halfway through cannot finish');
    assert.equal(await signedIn(halfway), false);
    assert.ok(await signedIn(owner), 'this session stays');
    assert.notEqual(cookieOf(owner), before, 'with a new ID');

    await fixture.app.mailSettled();
    const notices = (fixture.app.mail?.messages() ?? []).filter((m) => m.to.includes(email) && /turned off/.test(m.subject));
    assert.equal(notices.length, 1, 'one notice to the confirmed address');
    assert.match(notices[0]?.text ?? '', /\/account\/two-factor/);
  });
});

describe('code guessing', () => {
  it('counts one by one: of 40 wrong codes sent at once, at most 10 are checked, and then the right one is refused', async (t) => {
    for (let round = 1; round <= 2; round += 1) {
      const { username, secret } = await twoFactorUser('guess');
      const client = await pendingLogin(username);
      const _csrf = await client.csrfToken('/login/two-factor');
      const right = codeAt(secret, Date.now());
      const wrong = Array.from({ length: 40 }, (_, i) => String((Number(right) + 1 + i) % 1_000_000).padStart(6, '0'));
      // a code is checked against the account's secret, read from the users
      // collection: only the burst's checks read it meanwhile (the notice
      // to the owner reads the user too, but not the secret)
      let checked = 0;
      mongoose.set('debug', (collection: string, method: string, ...args: unknown[]) => {
        if (collection === 'users' && method === 'findOne' && JSON.stringify(args).includes('twoFactor')) checked += 1;
      });
      const responses = await Promise.all(wrong.map((code) => sendCode(client, code, _csrf))).finally(() => mongoose.set('debug', false));
      const statuses = statusCounts(responses);
      t.diagnostic(`round ${round}: ${checked} of 40 checked; statuses ${JSON.stringify(statuses)}`);
      assert.ok(checked <= 10, `${checked} codes were checked (limit 10)`);
      assert.deepEqual(statuses, { 401: checked, 429: 40 - checked });
      assert.equal((await sendCode(client, right, _csrf)).status, 429, 'locked: even the right code');
      // the password is locked too: the same counter
      assert.equal((await new Client(fixture.app.baseUrl).login(username, password)).status, 429);
    }
  });

  it('typing the right password again does not reset the count of wrong codes', async () => {
    const { username, secret } = await twoFactorUser('again');
    const wrong = String((Number(codeAt(secret, Date.now())) + 500_000) % 1_000_000).padStart(6, '0');
    const first = await pendingLogin(username);
    for (let i = 0; i < 6; i += 1) assert.equal((await sendCode(first, wrong)).status, 401);
    const second = await pendingLogin(username);
    for (let i = 0; i < 4; i += 1) assert.equal((await sendCode(second, wrong)).status, 401);
    assert.equal((await sendCode(second, codeAt(secret, Date.now()))).status, 429, 'ten wrong codes in a row: locked');
  });
});

describe('code guessing from many addresses', () => {
  /** Gives the account a confirmed address, as the verification link would. */
  async function confirmAddress(username: string): Promise<string> {
    const email = `${username.toLowerCase()}@example.test`;
    await fixture.app.users.updateOne({ usernameKey: username.toLowerCase() }, { $set: { email, emailKey: email } });
    return email;
  }
  const fromAnywhere = (username: string) => pendingLogin(username, undefined, { 'x-forwarded-for': freshAddress() });
  const wrongCodeFor = (secret: string) => String((Number(codeAt(secret, Date.now())) + 500_000) % 1_000_000).padStart(6, '0');
  const noticesTo = (email: string) => (mailbox().messages() ?? []).filter((m) => m.to.includes(email) && /has your Cloakroom password/.test(m.subject));
  const mailbox = () => {
    assert.ok(fixture.app.mail);
    return fixture.app.mail;
  };

  it(`closes the account's code step after ${SECOND_FACTOR_FAILURES_PER_ACCOUNT} wrong codes, wherever they come from, and mails the owner once`, async (t) => {
    for (let round = 1; round <= 2; round += 1) {
      const { username, secret } = await twoFactorUser('spread');
      const email = await confirmAddress(username);
      const userId = String((await fixture.app.users.findOne({ usernameKey: username.toLowerCase() }, { _id: 1 }).lean())?._id);
      // thirty pending logins, each from an address of its own, each with one wrong code at once
      // (logged in five at a time: the password hashing queue is not what this test is about)
      const clients: Client[] = [];
      while (clients.length < 30) clients.push(...(await Promise.all(Array.from({ length: 5 }, () => fromAnywhere(username)))));
      const tokens = await Promise.all(clients.map((client) => client.csrfToken('/login/two-factor')));
      const wrong = wrongCodeFor(secret);
      const responses = await Promise.all(clients.map((client, i) => sendCode(client, wrong, tokens[i])));
      const statuses = statusCounts(responses);
      t.diagnostic(`round ${round}: statuses ${JSON.stringify(statuses)}`);
      assert.deepEqual(statuses, { 401: SECOND_FACTOR_FAILURES_PER_ACCOUNT, 429: 30 - SECOND_FACTOR_FAILURES_PER_ACCOUNT }, `round ${round}`);
      const refused = responses.find((res) => res.status === 429);
      assert.match(await (refused?.text() ?? Promise.resolve('')), /too many wrong codes for this account/);

      // a new address with the right password and the right code: still closed
      const late = await fromAnywhere(username);
      assert.equal((await sendCode(late, codeAt(secret, Date.now()))).status, 429, 'the right code, from a new address');
      assert.equal((await late.get('/dashboard')).status, 302, 'not logged in');

      await fixture.app.mailSettled();
      const notices = noticesTo(email);
      assert.equal(notices.length, 1, 'one notice');
      assert.match(notices[0]?.text ?? '', new RegExp(`wrong two-factor code ${SECOND_FACTOR_FAILURES_PER_ACCOUNT} times`));
      assert.match(notices[0]?.text ?? '', /\/forgot-password/);
      assert.equal(logs.events().filter((e) => e.event === 'two-factor-account-locked' && e.userId === userId).length, 1, 'one warning in the log');
    }
  });

  it('starts counting again only after a complete login: the right password alone does not', async () => {
    const { username, secret } = await twoFactorUser('spread-reset');
    const wrong = wrongCodeFor(secret);
    const wrongFromAnywhere = async (times: number) => {
      for (let i = 0; i < times; i += 1) assert.equal((await sendCode(await fromAnywhere(username), wrong)).status, 401);
    };
    await wrongFromAnywhere(SECOND_FACTOR_FAILURES_PER_ACCOUNT - 1);
    // a complete login: the count starts again
    assert.equal((await sendCode(await fromAnywhere(username), codeAt(secret, Date.now()))).status, 303);
    await wrongFromAnywhere(SECOND_FACTOR_FAILURES_PER_ACCOUNT);
    // every one of those logins typed the right password: the count went on
    assert.equal((await sendCode(await fromAnywhere(username), codeAt(secret, Date.now() + PERIOD_MS))).status, 429);
  });
});

describe('the log', () => {
  it('tells what happened, and never a secret, a recovery code or its hash', async () => {
    const { username, secret, recoveryCodes } = await twoFactorUser('logged');
    assert.equal((await sendCode(await pendingLogin(username), '000000' === codeAt(secret, Date.now()) ? '111111' : '000000')).status, 401);
    assert.equal((await sendCode(await pendingLogin(username), recoveryCodes[0] ?? '')).status, 303);
    const events = logs.events().map((entry) => entry.event);
    for (const event of ['two-factor-enabled', 'login-password-ok', 'two-factor-failed', 'recovery-code-used']) assert.ok(events.includes(event), event);
    assert.ok(logs.events().some((entry) => entry.event === 'login' && entry.secondFactor === 'recovery'));
    const user = await fixture.app.users.findOne({ usernameKey: username.toLowerCase() }).lean();
    const stored = [user?.twoFactor?.secret ?? '', ...(user?.twoFactor?.recoveryCodes ?? [])];
    for (const line of logs.lines) {
      for (const value of [...secrets, ...stored]) assert.ok(!line.includes(value), 'a secret in the log');
      assert.doesNotMatch(line, /"code"/, 'a code field in the log');
    }
  });
});
