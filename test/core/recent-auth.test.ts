// Sudo mode: deleting the account needs the password checked in the last
// REAUTH_WINDOW, in this session; after that, one prompt (/account/confirm),
// then the action. A stolen cookie, or a laptop left logged in, is not enough.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { codeAt } from '../../src/features/two-factor/totp.js';
import { useTestApp } from '../helpers/app.js';
import { turnOnTwoFactor } from '../helpers/two-factor.js';
import { Client, storedIdFromCookie, uniqueUsername } from '../helpers/client.js';

const password = 'the original passphrase';

const fixture = useTestApp({ env: { LOGIN_MAX_CONSECUTIVE_FAILURES: '5', REAUTH_WINDOW: '10m' } });

const sessions = () => fixture.app.connection.getClient().db(fixture.app.connection.name).collection<{ _id: string }>('sessions');
const cookieOf = (client: Client) => client.cookies.get(fixture.app.config.session.cookieName);

/** A logged-in client whose last password check is older than the window, as after a long coffee break. */
async function loggedInLongAgo(prefix: string) {
  const username = uniqueUsername(prefix);
  const client = new Client(fixture.app.baseUrl);
  assert.equal((await client.register(username, password)).status, 303);
  const { modifiedCount } = await sessions().updateOne(
    { _id: storedIdFromCookie(cookieOf(client)) },
    { $set: { 'session.authenticatedAt': Date.now() - 11 * 60_000 } },
  );
  assert.equal(modifiedCount, 1);
  return { username, client };
}

const accountExists = (username: string) => fixture.app.users.exists({ usernameKey: username.toLowerCase() });

/** A form post as a browser sends it from `page`: its CSRF token, and Referer. */
async function postFrom(client: Client, page: string, path: string, form: Record<string, string>) {
  const _csrf = await client.csrfToken('/account/password');
  return client.request(path, {
    method: 'POST',
    body: new URLSearchParams({ ...form, _csrf }),
    headers: { referer: new URL(page, fixture.app.baseUrl).href },
  });
}

describe('sudo mode', () => {
  it('lets a fresh login delete its account without asking again', async () => {
    const username = uniqueUsername('fresh');
    const client = new Client(fixture.app.baseUrl);
    await client.register(username, password);
    assert.equal((await client.get('/account/delete')).status, 200);
    const res = await client.post('/account/delete', { confirm: 'yes' }, { formPage: '/account/delete' });
    assert.equal(res.headers.get('location'), '/?notice=account-deleted');
    assert.equal(await accountExists(username), null);
  });

  it('sends an old login to the confirm page first, and back', async () => {
    const { username, client } = await loggedInLongAgo('old');
    const page = await client.get('/account/delete');
    assert.equal(page.status, 303);
    assert.equal(page.headers.get('location'), '/account/confirm?next=/account/delete');

    const confirm = await client.get('/account/confirm?next=/account/delete');
    assert.equal(confirm.status, 200);
    assert.match(await confirm.text(), /Confirm it is you/);
    const wrong = await client.post('/account/confirm', { password: 'not it', next: '/account/delete' }, { formPage: '/account/confirm' });
    assert.equal(wrong.status, 400);
    assert.match(await wrong.text(), /That is not your password/);
    assert.equal((await client.get('/account/delete')).status, 303, 'a wrong password confirms nothing');

    const right = await client.post('/account/confirm', { password, next: '/account/delete' }, { formPage: '/account/confirm' });
    assert.equal(right.status, 303);
    assert.equal(right.headers.get('location'), '/account/delete');
    assert.equal((await client.get('/account/delete')).status, 200);
    assert.ok(await accountExists(username));
  });

  it('refuses the action itself from tabs whose check is old, all at once', async () => {
    for (let round = 1; round <= 3; round += 1) {
      const { username, client } = await loggedInLongAgo(`tabs${round}`);
      const tabs = await Promise.all(
        Array.from({ length: 3 }, () => postFrom(client, '/account/delete', '/account/delete', { confirm: 'yes' })),
      );
      for (const res of tabs) {
        assert.equal(res.status, 303);
        // the form's data is not kept: back to the page the form was on, after confirming
        assert.equal(res.headers.get('location'), '/account/confirm?next=/account/delete');
      }
      assert.ok(await accountExists(username), `round ${round}: the account is still there`);
    }
  });

  it('never sends the user off-site after confirming', async () => {
    const { client } = await loggedInLongAgo('offsite');
    for (const next of ['https://evil.example/', '//evil.example', '/\\evil.example']) {
      const res = await client.post('/account/confirm', { password, next }, { formPage: '/account/confirm' });
      assert.equal(res.headers.get('location'), '/dashboard', next);
    }
  });

  it('is for logged-in users only', async () => {
    const res = await new Client(fixture.app.baseUrl).get('/account/confirm?next=/account/delete');
    assert.equal(res.status, 302);
    assert.match(res.headers.get('location') ?? '', /^\/login\?next=/);
  });

  it('counts wrong passwords on the confirm page toward the login lockout', async () => {
    const { username, client } = await loggedInLongAgo('lockout');
    for (let i = 0; i < 5; i += 1) {
      const res = await client.post('/account/confirm', { password: `not it ${i}` }, { formPage: '/account/confirm' });
      assert.equal(res.status, 400);
    }
    assert.equal((await client.post('/account/confirm', { password }, { formPage: '/account/confirm' })).status, 429);
    assert.equal((await new Client(fixture.app.baseUrl).login(username, password)).status, 429);
  });

  it('starts again when the password is changed', async () => {
    const { client } = await loggedInLongAgo('changed');
    const newPassword = 'a brand new passphrase';
    const res = await client.post('/account/password', { currentPassword: password, newPassword, confirmPassword: newPassword }, { formPage: '/account/password' });
    assert.equal(res.status, 303);
    assert.equal((await client.get('/account/delete')).status, 200);
  });
});

describe('sudo mode for an account with two-factor on', () => {
  /** A logged-in account with two-factor on, its last authentication older than the window. */
  async function twoFactorLongAgo(prefix: string) {
    const username = uniqueUsername(prefix);
    const client = new Client(fixture.app.baseUrl);
    assert.equal((await client.register(username, password)).status, 303);
    const { secret, recoveryCodes } = await turnOnTwoFactor(client);
    await longAgo(client);
    await anyStepAgain(username);
    return { username, client, secret, recoveryCodes };
  }
  async function longAgo(client: Client) {
    const { modifiedCount } = await sessions().updateOne({ _id: storedIdFromCookie(cookieOf(client)) }, { $set: { 'session.authenticatedAt': Date.now() - 11 * 60_000 } });
    assert.equal(modifiedCount, 1);
  }
  /** Forgets the last time step used, so that the current code is new again (the setup used it). */
  const anyStepAgain = (username: string) => fixture.app.users.updateOne({ usernameKey: username.toLowerCase() }, { $set: { 'twoFactor.lastUsedStep': 0 } });
  const confirm = (client: Client, form: Record<string, string>) => client.post('/account/confirm', { next: '/account/delete', ...form }, { formPage: '/account/confirm' });
  const inSudo = async (client: Client) => (await client.get('/account/delete')).status === 200;

  it('asks for the code as well as the password; the password alone is not enough', async () => {
    const { client, secret } = await twoFactorLongAgo('tf-confirm');
    const page = await (await client.get('/account/confirm?next=/account/delete')).text();
    assert.match(page, /name="code"/);
    const noCode = await confirm(client, { password });
    assert.equal(noCode.status, 400);
    assert.match(await noCode.text(), /Enter the code from your app/);
    assert.equal(await inSudo(client), false);
    // a code of ten minutes from now: not one the window accepts
    const wrongCode = await confirm(client, { password, code: codeAt(secret, Date.now() + 10 * 60_000) });
    assert.equal(wrongCode.status, 401);
    assert.equal(await inSudo(client), false);
    const right = await confirm(client, { password, code: codeAt(secret, Date.now()) });
    assert.equal(right.status, 303);
    assert.equal(right.headers.get('location'), '/account/delete');
    assert.equal(await inSudo(client), true);
  });

  it('each code confirms once, even sent by several copies of the browser at once; a recovery code works, once', async () => {
    const { username, client, secret, recoveryCodes } = await twoFactorLongAgo('tf-once');
    for (let round = 0; round < 3; round += 1) {
      // as if the next 30-second step had come
      await anyStepAgain(username);
      await longAgo(client);
      const code = codeAt(secret, Date.now());
      const _csrf = await client.csrfToken('/account/confirm');
      const copies = [0, 1, 2].map(() => {
        const copy = new Client(fixture.app.baseUrl);
        for (const [name, value] of client.cookies) copy.cookies.set(name, value);
        return copy;
      });
      const results = await Promise.all(copies.map((copy) => copy.post('/account/confirm', { _csrf, password, code, next: '/account/delete' })));
      const confirmed = results.filter((res) => res.status === 303).length;
      assert.ok(confirmed <= 1, `round ${round}: one code confirmed ${confirmed} times (${results.map((r) => r.status).join(', ')})`);
      // the same code again, later: used
      await longAgo(client);
      assert.equal((await confirm(client, { password, code })).status, 401, `round ${round}: a used code`);
    }
    const [recovery] = recoveryCodes;
    assert.ok(recovery);
    assert.equal((await confirm(client, { password, code: recovery })).status, 303);
    await longAgo(client);
    assert.equal((await confirm(client, { password, code: recovery })).status, 401, 'a recovery code works once');
  });

  it('a right password with wrong codes counts toward the lockout: the password alone never resets it', async () => {
    const { username, client, secret } = await twoFactorLongAgo('tf-lockout');
    const wrong = codeAt(secret, Date.now() + 10 * 60_000);
    for (let i = 0; i < 5; i += 1) assert.equal((await confirm(client, { password, code: wrong })).status, 401, `guess ${i}`);
    assert.equal((await confirm(client, { password, code: codeAt(secret, Date.now()) })).status, 429);
    assert.equal(await inSudo(client), false);
    assert.equal((await new Client(fixture.app.baseUrl).login(username, password)).status, 429);
  });
});
