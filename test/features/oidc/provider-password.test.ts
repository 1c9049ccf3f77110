// An account a provider made (src/features/oidc/): its password is a random
// one nobody knows. Against the real local provider, with mail off (no
// "Forgot your password?"). What each test guards:
//
//   its owner sets a first password from the password form, in sudo mode
//   confirmed with the provider, with no current one, then logs in with it;
//   it ends the other sessions and is logged as a password change
//   without sudo mode the form is refused (to the confirm page)
//   an account whose password is known must give it: no form without it
//   only a subject linked to this very account confirms sudo mode
//   the ways in are counted across features (auth/ways-in.ts): with one
//   passkey and one link, removing both is refused, in either order, and
//   when both are sent at once
//   a link's old mark of an unknown password moves to its own collection
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import type { PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/server';
import { createLinkModel, createUnknownPasswordModel, moveLinkMarks } from '../../../src/features/oidc/links.js';
import { Client, storedIdFromCookie, testIdText, uniqueUsername } from '../../helpers/client.js';
import { codeAt } from '../../../src/features/two-factor/totp.js';
import { recoveryCodesAfter, turnOnTwoFactor } from '../../helpers/two-factor.js';
import { OIDC_CALLBACK_PATH } from '../../../src/features/oidc/settings.js';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { startTestDatabase, type TestDatabase } from '../../helpers/database.js';
import { signInAtProvider, TEST_PUBLIC_URL, useProviderApp } from '../../helpers/oidc.js';
import { freePort } from '../../helpers/production.js';
import { waitForListening } from '../../../tools/listening.js';
import { SoftAuthenticator } from '../../helpers/soft-authenticator.js';

const t = useProviderApp({ env: { EMAIL: 'off' } });
const db = () => t.app.connection.getClient().db(t.app.connection.name);
const cookieOf = (client: Client) => client.cookies.get(t.app.config.session.cookieName);
const NEW_PASSWORD = 'a brand new secret of mine';

let lastUser = 0;
/** A user of the local provider no other test signs in as. */
function providerUser(): { login: string; email: string } {
  lastUser += 1;
  const login = `pw${lastUser}-${process.pid}`;
  const email = `${login}@example.test`;
  t.provider.addUser(login, { email, email_verified: true });
  return { login, email };
}

/** A browser signed up (or in) through the provider as `login`. */
async function signedInWithProvider(login: string, client = new Client(t.app.baseUrl)): Promise<Client> {
  const start = await client.post('/login/oidc/start', {}, { formPage: '/login' });
  assert.equal(start.status, 303);
  const done = await client.get(await signInAtProvider(start.headers.get('location') ?? '', login));
  assert.equal(done.status, 303, 'signed in through the provider');
  return client;
}

async function userIdOf(email: string): Promise<string> {
  const user = await t.app.users.findOne({ email }, { _id: 1 }).lean();
  assert.ok(user, 'the account exists');
  return String(user._id);
}

/** Sudo mode's window closed for this browser's session. */
async function leaveSudoMode(client: Client): Promise<void> {
  await db().collection('sessions').updateOne({ _id: storedIdFromCookie(cookieOf(client)) as never }, { $set: { 'session.authenticatedAt': 0 } });
}

async function addPasskey(client: Client): Promise<void> {
  const _csrf = await client.csrfToken('/account/passkeys/new');
  const optionsRes = await client.get('/account/passkeys/new/options');
  assert.equal(optionsRes.status, 200);
  const { response } = new SoftAuthenticator(TEST_PUBLIC_URL).create((await optionsRes.json()) as PublicKeyCredentialCreationOptionsJSON);
  const added = await client.post('/account/passkeys', { _csrf, name: 'Laptop', response: JSON.stringify(response) });
  assert.equal(added.status, 303, 'the passkey is added');
}

/** A provider-made account with one passkey: its link's ID and its passkey's. */
async function providerAccountWithPasskey() {
  const { login, email } = providerUser();
  const client = await signedInWithProvider(login);
  await addPasskey(client);
  const userId = await userIdOf(email);
  const linkId = /name="id" value="([0-9a-f]{24})"/.exec(await (await client.get('/account/linked')).text())?.[1] ?? '';
  const passkeyId = /name="id" value="([0-9a-f]{24})"/.exec(await (await client.get('/account/passkeys')).text())?.[1] ?? '';
  assert.ok(linkId && passkeyId);
  const waysLeft = async () => {
    const oid = new (await import('mongodb')).ObjectId(userId);
    return (await db().collection('oidcLinks').countDocuments({ userId: oid })) + (await db().collection('passkeys').countDocuments({ userId: oid }));
  };
  const unlink = (as = client) => as.post('/account/linked/unlink', { id: linkId }, { formPage: '/account/linked' });
  const removePasskey = (as = client) => as.post('/account/passkeys/remove', { id: passkeyId }, { formPage: '/account/passkeys' });
  return { client, userId, unlink, removePasskey, waysLeft };
}

describe('a first password for an account a provider made, with mail off', () => {
  it('is set in sudo mode confirmed with the provider, with no current password; it then signs in, and the other sessions end', async () => {
    assert.equal(t.app.config.mail.enabled, false, 'mail is off');
    const { login, email } = providerUser();
    const client = await signedInWithProvider(login);
    const elsewhere = await signedInWithProvider(login);
    const userId = await userIdOf(email);
    const hashBefore = (await t.app.users.findById(userId).lean())?.passwordHash;

    // out of sudo mode: the form and its answer go to the confirm page first
    await leaveSudoMode(client);
    const form = await client.get('/account/password');
    assert.equal(form.status, 303);
    assert.equal(form.headers.get('location'), '/account/confirm?next=/account/password');
    const refused = await client.post('/account/password', { newPassword: NEW_PASSWORD, confirmPassword: NEW_PASSWORD }, { formPage: '/dashboard' });
    assert.equal(refused.status, 303);
    assert.match(refused.headers.get('location') ?? '', /^\/account\/confirm/);
    assert.equal((await t.app.users.findById(userId).lean())?.passwordHash, hashBefore, 'nothing set without sudo mode');

    // the confirm page asks for no password it could not know, and offers the provider
    const confirmPage = await (await client.get('/account/confirm?next=/account/password')).text();
    assert.doesNotMatch(confirmPage, /name="password"/);
    assert.match(confirmPage, /Confirm with Example ID/);
    const toProvider = await client.post('/account/confirm/oidc', { next: '/account/password' }, { formPage: '/account/confirm?next=/account/password' });
    assert.equal(toProvider.status, 303);
    const back = await client.get(await signInAtProvider(toProvider.headers.get('location') ?? '', login));
    assert.equal(back.status, 303);
    assert.equal(back.headers.get('location'), '/account/password');

    // a first password: no current one asked
    const page = await client.get('/account/password');
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /Set a password/);
    assert.doesNotMatch(html, /name="currentPassword"/);
    const set = await client.post('/account/password', { newPassword: NEW_PASSWORD, confirmPassword: NEW_PASSWORD }, { formPage: '/account/password' });
    assert.equal(set.status, 303);
    assert.equal(set.headers.get('location'), '/account/password?set=1');

    const { username } = (await t.app.users.findById(userId).lean()) ?? { username: '' };
    assert.equal((await new Client(t.app.baseUrl).login(username, NEW_PASSWORD)).status, 303, 'the password signs in');
    assert.notEqual((await elsewhere.get('/dashboard')).status, 200, 'the other session ended');
    assert.equal((await client.get('/dashboard')).status, 200, 'this one goes on');
    const log = (await t.app.securityLog.list(userId)).map(({ event }) => event);
    assert.ok(log.some((e) => e.type === 'sudo-confirmed' && e.method === 'provider'), 'confirmed with the provider');
    assert.ok(log.some((e) => e.type === 'password-changed'), 'logged as a password change');
    assert.ok(log.some((e) => e.type === 'sessions-ended' && e.by === 'password-change' && e.count === 1));

    // an ordinary password account now: the form asks for the current one, and the link may go
    assert.match(await (await client.get('/account/password')).text(), /name="currentPassword"/);
    const linkId = /name="id" value="([0-9a-f]{24})"/.exec(await (await client.get('/account/linked')).text())?.[1] ?? '';
    assert.equal((await client.post('/account/linked/unlink', { id: linkId }, { formPage: '/account/linked' })).status, 303);
  });

  it('is no way around the current password of an account that has one', async () => {
    const client = new Client(t.app.baseUrl);
    const username = uniqueUsername('haspw');
    await client.register(username);
    const res = await client.post('/account/password', { newPassword: NEW_PASSWORD, confirmPassword: NEW_PASSWORD }, { formPage: '/account/password' });
    assert.equal(res.status, 400);
    assert.match(await res.text(), /Enter your current password/);
    assert.equal((await new Client(t.app.baseUrl).login(username, NEW_PASSWORD)).status, 401);
    assert.equal((await new Client(t.app.baseUrl).login(username)).status, 303);
  });
});

describe('confirming sudo mode with the provider', () => {
  it('only with a subject linked to this account, and only for an account with no password anyone knows', async () => {
    const mine = providerUser();
    const someoneElse = providerUser();
    await signedInWithProvider(someoneElse.login);
    const client = await signedInWithProvider(mine.login);
    await leaveSudoMode(client);
    const start = await client.post('/account/confirm/oidc', { next: '/account/password' }, { formPage: '/account/confirm' });
    const back = await client.get(await signInAtProvider(start.headers.get('location') ?? '', someoneElse.login));
    assert.equal(back.status, 403);
    assert.match(await back.text(), /does not sign in to this account/);
    assert.equal((await client.get('/account/delete')).status, 303, 'still not in sudo mode');
    // its own subject: sudo mode, and on to where it was going
    const again = await client.post('/account/confirm/oidc', { next: '/account/delete' }, { formPage: '/account/confirm' });
    const confirmed = await client.get(await signInAtProvider(again.headers.get('location') ?? '', mine.login));
    assert.equal(confirmed.status, 303);
    assert.equal(confirmed.headers.get('location'), '/account/delete');
    assert.equal((await client.get('/account/delete')).status, 200, 'in sudo mode');

    const withPassword = new Client(t.app.baseUrl);
    await withPassword.register(uniqueUsername('haspw'));
    const refused = await withPassword.post('/account/confirm/oidc', {}, { formPage: '/account/confirm' });
    assert.equal(refused.status, 400);
    assert.match(await refused.text(), /Confirm with your password: Example ID confirms only an account that has none/);
  });

  it('with two-factor on, asks for the code next, alone: the provider is the first factor, and sudo mode needs both', async () => {
    const { login, email } = providerUser();
    const client = await signedInWithProvider(login);
    // just signed up: sudo mode, to turn two-factor on
    const { secret, recoveryCodes } = await turnOnTwoFactor(client);
    await leaveSudoMode(client);
    const page = await (await client.get('/account/confirm?next=/account/delete')).text();
    assert.match(page, /Confirm with Example ID/, 'the provider is offered with two-factor on');
    assert.match(page, /Then a code from your authenticator app/);

    const start = await client.post('/account/confirm/oidc', { next: '/account/delete' }, { formPage: '/account/confirm' });
    const back = await client.get(await signInAtProvider(start.headers.get('location') ?? '', login));
    assert.equal(back.status, 303);
    assert.equal(back.headers.get('location'), '/account/confirm?next=/account/delete', 'on to the code');
    assert.equal((await client.get('/account/delete')).status, 303, 'the provider alone: not in sudo mode');
    const codePage = await (await client.get('/account/confirm?next=/account/delete')).text();
    assert.match(codePage, /You confirmed with Example ID/);
    assert.match(codePage, /name="firstFactor" value="waiting"/);
    assert.doesNotMatch(codePage, /name="password"/);

    const confirmCode = (code: string, as = client) => as.post('/account/confirm', { firstFactor: 'waiting', code, next: '/account/delete' }, { formPage: '/account/confirm' });
    const wrong = await confirmCode('000000');
    assert.equal(wrong.status, 401);
    assert.equal((await client.get('/account/delete')).status, 303, 'a wrong code: not in sudo mode');
    // a password field sent with the code-only form changes nothing: the
    // first factor is the one waiting
    const right = await client.post('/account/confirm', { firstFactor: 'waiting', password: 'not the password', code: codeAt(secret, Date.now() + 30_000), next: '/account/delete' }, { formPage: '/account/confirm' });
    assert.equal(right.status, 303);
    assert.equal(right.headers.get('location'), '/account/delete');
    assert.equal((await client.get('/account/delete')).status, 200, 'in sudo mode');
    const [latest] = await t.app.securityLog.list(await userIdOf(email));
    assert.deepEqual(latest?.event, { type: 'sudo-confirmed', method: 'provider-and-code' });

    // used once: the proof is gone with the code that completed it
    await leaveSudoMode(client);
    const again = await confirmCode(recoveryCodes[0] ?? '');
    assert.equal(again.status, 400);
    assert.match(await again.text(), /waited too long for its code, or was used already/);
    assert.equal((await client.get('/account/delete')).status, 303, 'not in sudo mode');
  });

  it('the code-only form without a fresh confirmation of the provider: refused, from three tabs at once, a right recovery code in each', async () => {
    const { login } = providerUser();
    const client = await signedInWithProvider(login);
    const { recoveryCodes } = await turnOnTwoFactor(client);
    await leaveSudoMode(client);
    // a stolen cookie and a code: no provider login behind them
    const tabs = await Promise.all(recoveryCodes.slice(0, 3).map((code) => client.post('/account/confirm', { firstFactor: 'waiting', code, next: '/account/delete' }, { formPage: '/account/confirm' })));
    assert.deepEqual(tabs.map((res) => res.status), [400, 400, 400]);
    assert.equal((await client.get('/account/delete')).status, 303, 'not in sudo mode');

    // a confirmation whose code came too late
    const start = await client.post('/account/confirm/oidc', { next: '/account/delete' }, { formPage: '/account/confirm' });
    await client.get(await signInAtProvider(start.headers.get('location') ?? '', login));
    await db().collection('sessions').updateOne({ _id: storedIdFromCookie(cookieOf(client)) as never }, { $set: { 'session.sudoFirstFactor.until': Date.now() - 1 } });
    const late = await client.post('/account/confirm', { firstFactor: 'waiting', code: recoveryCodes[3] ?? '', next: '/account/delete' }, { formPage: '/account/confirm' });
    assert.equal(late.status, 400);
    assert.equal((await client.get('/account/delete')).status, 303, 'not in sudo mode');
    // the codes typed without a confirmation were never checked: the first still works
    const fresh = await client.post('/account/confirm/oidc', { next: '/account/delete' }, { formPage: '/account/confirm' });
    await client.get(await signInAtProvider(fresh.headers.get('location') ?? '', login));
    const right = await client.post('/account/confirm', { firstFactor: 'waiting', code: recoveryCodes[0] ?? '', next: '/account/delete' }, { formPage: '/account/confirm' });
    assert.equal(right.status, 303);
    assert.equal((await client.get('/account/delete')).status, 200, 'in sudo mode');
  });

  it('a confirmation waiting for its code is dropped when the session is renewed: after a first password is set, it confirms nothing', async () => {
    const { login } = providerUser();
    const client = await signedInWithProvider(login);
    const { secret, recoveryCodes } = await turnOnTwoFactor(client);
    // still in sudo mode from the sign-in: a confirmation with the provider now waits for its code...
    const start = await client.post('/account/confirm/oidc', { next: '/account/delete' }, { formPage: '/account/confirm' });
    assert.equal((await client.get(await signInAtProvider(start.headers.get('location') ?? '', login))).headers.get('location'), '/account/confirm?next=/account/delete');
    // ...when a first password is set, which renews the session
    const set = await client.post('/account/password', { newPassword: NEW_PASSWORD, confirmPassword: NEW_PASSWORD }, { formPage: '/account/password' });
    assert.equal(set.status, 303);
    await leaveSudoMode(client);
    const page = await (await client.get('/account/confirm?next=/account/delete')).text();
    assert.match(page, /name="password"/, 'the password is asked for now');
    assert.doesNotMatch(page, /name="firstFactor"/);
    // three tabs at once, each with a right code (the app's next one, or a recovery code)
    const codes = [codeAt(secret, Date.now() + 30_000), ...recoveryCodes.slice(0, 2)];
    const late = await Promise.all(codes.map((code) => client.post('/account/confirm', { firstFactor: 'waiting', code, next: '/account/delete' }, { formPage: '/account/confirm' })));
    assert.deepEqual(late.map((res) => res.status), [400, 400, 400]);
    assert.equal((await client.get('/account/delete')).status, 303, 'not in sudo mode');
  });

  it('only with a login just made at the provider, not one it remembers (prompt and max_age ignored)', async () => {
    const mine = providerUser();
    // the person's browser at the provider keeps its session there
    const atProvider = new Client(new URL(t.provider.issuer).origin);
    const client = new Client(t.app.baseUrl);
    const signIn = await client.post('/login/oidc/start', {}, { formPage: '/login' });
    assert.equal((await client.get(await signInAtProvider(signIn.headers.get('location') ?? '', mine.login, atProvider))).status, 303);
    await leaveSudoMode(client);
    // a provider that ignores prompt=login and max_age=0 answers from its
    // own session: its auth_time is that earlier login's
    const start = await client.post('/account/confirm/oidc', { next: '/account/delete' }, { formPage: '/account/confirm' });
    const asked = new URL(start.headers.get('location') ?? '');
    assert.equal(asked.searchParams.get('prompt'), 'login');
    assert.equal(asked.searchParams.get('max_age'), '0');
    asked.searchParams.delete('prompt');
    asked.searchParams.delete('max_age');
    // as if the confirmation had started a minute after that login (the
    // pending trip's start, in the stored session)
    const state = asked.searchParams.get('state') ?? '';
    const trip = `session.oidcPending.${state}.createdAt`;
    const stored = await db().collection('sessions').findOne({ _id: storedIdFromCookie(cookieOf(client)) as never });
    const startedAt = (stored?.session as { oidcPending?: Record<string, { createdAt: number }> } | undefined)?.oidcPending?.[state]?.createdAt;
    assert.equal(typeof startedAt, 'number', 'the trip is in the session');
    await db().collection('sessions').updateOne({ _id: storedIdFromCookie(cookieOf(client)) as never }, { $set: { [trip]: (startedAt ?? 0) + 60_000 } });
    const back = await client.get(await signInAtProvider(asked.href, mine.login, atProvider));
    assert.equal(back.status, 400);
    assert.equal((await client.get('/account/delete')).status, 303, 'not in sudo mode');
  });
});

describe('sudo mode after signing in with the provider', () => {
  const short = useProviderApp({ env: { EMAIL: 'off', REAUTH_WINDOW: '1s' } });

  /** A new person at the provider, and how a browser signs in as them: the person's browser at the provider keeps its session there. */
  function rememberedAtProvider(login: string) {
    short.provider.addUser(login, { email: `${login}@example.test`, email_verified: true });
    const atProvider = new Client(new URL(short.provider.issuer).origin);
    return async (client: Client) => {
      const start = await client.post('/login/oidc/start', {}, { formPage: '/login' });
      return client.get(await signInAtProvider(start.headers.get('location') ?? '', login, atProvider));
    };
  }

  it('counts from the login at the provider: one it remembers from before the window is no fresh proof', async () => {
    const signIn = rememberedAtProvider(`stale-${process.pid}`);
    const first = new Client(short.app.baseUrl);
    assert.equal((await signIn(first)).status, 303);
    await first.post('/logout');
    // the window (1 s) passes; someone at the same browser signs in again:
    // the provider answers from its session, with no login page
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const again = new Client(short.app.baseUrl);
    assert.equal((await signIn(again)).status, 303);
    assert.equal((await again.get('/dashboard')).status, 200, 'signed in');
    const page = await again.get('/account/password');
    assert.equal(page.status, 303, 'not in sudo mode');
    assert.match(page.headers.get('location') ?? '', /^\/account\/confirm/);
  });

  it('with two-factor on, still counts from the login at the provider: a right code now makes a remembered login no fresher', async () => {
    const signIn = rememberedAtProvider(`stale2fa-${process.pid}`);
    const first = new Client(short.app.baseUrl);
    assert.equal((await signIn(first)).status, 303);
    // two-factor turned on in sudo mode (held open for each of its two
    // requests: the window here is 1 s)
    const sessions = short.app.connection.getClient().db(short.app.connection.name).collection('sessions');
    const enterSudoMode = () => sessions.updateOne({ _id: storedIdFromCookie(first.cookies.get(short.app.config.session.cookieName)) as never }, { $set: { 'session.authenticatedAt': Date.now() } });
    await enterSudoMode();
    const setup = await first.get('/account/two-factor');
    assert.equal(setup.status, 200);
    const secret = testIdText(await setup.text(), 'totp-secret');
    await enterSudoMode();
    const recoveryCodes = await recoveryCodesAfter(first, await first.post('/account/two-factor', { code: codeAt(secret, Date.now()) }, { formPage: '/account/two-factor' }));
    await first.post('/logout');
    await new Promise((resolve) => setTimeout(resolve, 1500));

    // four browsers at the same provider session at once, each with a right
    // code (the app's next one, or a recovery code): signed in, none in sudo mode
    const codes = [codeAt(secret, Date.now() + 30_000), ...recoveryCodes.slice(0, 3)];
    await Promise.all(codes.map(async (code) => {
      const again = new Client(short.app.baseUrl);
      const back = await signIn(again);
      assert.equal(back.headers.get('location'), '/login/two-factor', 'the code step comes');
      const coded = await again.post('/login/two-factor', { code }, { formPage: '/login/two-factor' });
      assert.equal(coded.status, 303);
      assert.equal((await again.get('/dashboard')).status, 200, 'signed in');
      const page = await again.get('/account/password');
      assert.equal(page.status, 303, 'not in sudo mode');
      assert.match(page.headers.get('location') ?? '', /^\/account\/confirm/);
    }));
  });
});

describe('a provider whose clock runs 20 s behind this one', () => {
  // the local provider as a process of its own (tools/e2e-oidc-provider.ts:
  // any login is a new verified person), its clock set back
  let provider: ChildProcess | undefined;
  let db: TestDatabase | undefined;
  let app: TestApp | undefined;
  before(async () => {
    const port = await freePort();
    const secret = 'a secret of the provider behind';
    provider = spawn(process.execPath, ['--import', 'tsx', '--import', './test/helpers/clock-offset.ts', 'tools/e2e-oidc-provider.ts'], {
      env: { ...process.env, CLOCK_OFFSET_MS: '-20000', OIDC_PROVIDER_PORT: String(port), OIDC_CLIENT_SECRET: secret, OIDC_REDIRECT_URI: `${TEST_PUBLIC_URL}${OIDC_CALLBACK_PATH}` },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const issuer = await waitForListening(provider);
    db = await startTestDatabase();
    const env = { EMAIL: 'off', OIDC_ISSUER: issuer, OIDC_CLIENT_ID: 'cloakroom-local', OIDC_CLIENT_SECRET: secret, OIDC_PROVIDER_NAME: 'Example ID' };
    app = await startTestApp({ uri: db.freshUri(), env });
  });
  after(async () => {
    await app?.close();
    provider?.kill();
    await db?.stop();
  });

  it('still confirms sudo mode with a login made there just now: the login\'s age is read on its own clock', async () => {
    if (!app) throw new Error('not started');
    const login = `behind${process.pid}`;
    const client = new Client(app.baseUrl);
    const signIn = await client.post('/login/oidc/start', {}, { formPage: '/login' });
    assert.equal((await client.get(await signInAtProvider(signIn.headers.get('location') ?? '', login))).status, 303);
    await app.connection.getClient().db(app.connection.name).collection('sessions').updateOne({ _id: storedIdFromCookie(client.cookies.get(app.config.session.cookieName)) as never }, { $set: { 'session.authenticatedAt': 0 } });
    const start = await client.post('/account/confirm/oidc', { next: '/account/delete' }, { formPage: '/account/confirm' });
    const back = await client.get(await signInAtProvider(start.headers.get('location') ?? '', login));
    assert.equal(back.status, 303);
    assert.equal(back.headers.get('location'), '/account/delete');
    assert.equal((await client.get('/account/delete')).status, 200, 'in sudo mode');
  });
});

describe('the last way in of a provider account with one passkey', () => {
  it('stays: the passkey removed, the link cannot go (and mail being off, no "Forgot your password?")', async () => {
    const account = await providerAccountWithPasskey();
    assert.equal((await account.removePasskey()).status, 303);
    const refused = await account.unlink();
    assert.equal(refused.status, 409);
    const text = await refused.text();
    assert.match(text, /only way into your account/);
    assert.doesNotMatch(text, /Forgot your password/);
    assert.match(text, /“Change password” sets a first one/);
    assert.equal(await account.waysLeft(), 1);
  });

  it('counts only links this provider signs in with: one from an issuer set before is no way in', async () => {
    const { login, email } = providerUser();
    const client = await signedInWithProvider(login);
    const userId = await userIdOf(email);
    const { ObjectId } = await import('mongodb');
    const links = db().collection('oidcLinks');
    const current = await links.findOne({ userId: new ObjectId(userId) });
    assert.ok(current, 'linked by the sign-in');
    // a link made while OIDC_ISSUER named another provider
    await links.insertOne({ userId: new ObjectId(userId), issuer: 'https://old-provider.example', subject: 'gone', email, linkedAt: new Date() });
    const refused = await client.post('/account/linked/unlink', { id: String(current._id) }, { formPage: '/account/linked' });
    assert.equal(refused.status, 409);
    assert.equal(await links.countDocuments({ _id: current._id }), 1, 'still linked');
  });

  it('stays: the link unlinked, the passkey cannot go', async () => {
    const account = await providerAccountWithPasskey();
    assert.equal((await account.unlink()).status, 303);
    const refused = await account.removePasskey();
    assert.equal(refused.status, 409);
    assert.match(await refused.text(), /only way left to sign in/);
    assert.equal(await account.waysLeft(), 1);
  });

  it('stays when two tabs remove the passkey and unlink the provider at once', async () => {
    for (let round = 0; round < 5; round += 1) {
      const account = await providerAccountWithPasskey();
      const answers = await Promise.all([account.removePasskey(account.client.tab()), account.unlink(account.client.tab())]);
      const statuses = answers.map((res) => res.status);
      assert.ok(statuses.every((status) => status === 303 || status === 409), `round ${round}: ${statuses.join(', ')}`);
      assert.ok((await account.waysLeft()) >= 1, `round ${round}: no way in left (answers ${statuses.join(', ')})`);
    }
  });
});

describe('links made before unknown passwords had their own collection', () => {
  it('hand their mark over at startup, and no longer carry it', async () => {
    const { ObjectId } = await import('mongodb');
    const links = createLinkModel(t.app.connection);
    const unknownPasswords = createUnknownPasswordModel(t.app.connection);
    const userId = new ObjectId();
    await links.collection.insertOne({ userId, issuer: 'https://old.example', subject: `legacy-${String(userId)}`, linkedAt: new Date(), placeholderPasswordHash: 'the random hash' });
    await moveLinkMarks(links, unknownPasswords);
    await moveLinkMarks(links, unknownPasswords);
    assert.equal((await unknownPasswords.findOne({ userId }).lean())?.passwordHash, 'the random hash');
    assert.equal(await unknownPasswords.countDocuments({ userId }), 1, 'once, however often it runs');
    assert.equal(await links.collection.countDocuments({ userId, placeholderPasswordHash: { $exists: true } }), 0);
  });
});
