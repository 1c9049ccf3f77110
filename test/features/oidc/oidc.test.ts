// Signing in with an OpenID provider (src/features/oidc/), against the real
// local provider (dev-provider.ts: oidc-provider on a free port), its login
// page answered over HTTP. What each test guards:
//
//   a first sign-in with a verified address makes the account, in a new session
//   the same subject signs in to the same account again
//   the state: missing, unknown, or used once already -> the clear 400 page
//   the nonce and the PKCE verifier are checked (the pending entry tampered with)
//   two tabs' sign-ins do not overwrite each other
//   no verified address -> no account; an address an account has confirmed -> never linked
//   two-factor: its code step still comes after the provider
//   linking in sudo mode, a subject linked once, never unlinking the last way in
//   a provider that stopped answering -> a clear page, soon
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { redactOidcSession } from '../../../src/features/oidc/session-data.js';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { startTestDatabase, type TestDatabase } from '../../helpers/database.js';
import { Client, freshAddress, storedIdFromCookie, uniqueUsername } from '../../helpers/client.js';
import { signInAtProvider, useProviderApp } from '../../helpers/oidc.js';
import { turnOnTwoFactor } from '../../helpers/two-factor.js';
import { freePort } from '../../helpers/production.js';
import { codeAt } from '../../../src/features/two-factor/totp.js';

const t = useProviderApp();
const sessions = () => t.app.connection.getClient().db(t.app.connection.name).collection('sessions');
const oidcLinks = () => t.app.connection.getClient().db(t.app.connection.name).collection('oidcLinks');
const cookieOf = (client: Client) => client.cookies.get(t.app.config.session.cookieName);
const NOT_FINISHED = /This sign-in could not be finished/;
const UNKNOWN_STATE = /not started in this browser, took longer than ten minutes, or was already used/;
const CHECKS_FAILED = /did not pass our checks/;

let lastUser = 0;
/** A user of the local provider no other test signs in as. */
function providerUser(verified = true): { login: string; email: string } {
  lastUser += 1;
  const login = `user${lastUser}-${process.pid}`;
  const email = `${login}@example.test`;
  t.provider.addUser(login, { email, email_verified: verified });
  return { login, email };
}

/** "Sign in with Example ID" on the login page: where the app sends the browser, and the state it took. */
async function startSignIn(client: Client, form: Record<string, string> = {}): Promise<{ authorizationUrl: string; state: string }> {
  const res = await client.post('/login/oidc/start', form, { formPage: '/login' });
  assert.equal(res.status, 303);
  const authorizationUrl = res.headers.get('location') ?? '';
  assert.ok(authorizationUrl.startsWith(t.provider.issuer), authorizationUrl);
  return { authorizationUrl, state: new URL(authorizationUrl).searchParams.get('state') ?? '' };
}

/** The whole trip: start, the provider's login page, and the callback URL it sends the browser back to. */
async function tripThroughProvider(client: Client, login: string): Promise<{ callback: string; state: string }> {
  const { authorizationUrl, state } = await startSignIn(client);
  return { callback: await signInAtProvider(authorizationUrl, login), state };
}

async function userIdOfSession(client: Client): Promise<string | undefined> {
  const stored = await sessions().findOne({ _id: storedIdFromCookie(cookieOf(client)) as never });
  return (stored?.session as { userId?: string } | undefined)?.userId;
}

describe('signing up and in with the provider', () => {
  it('makes an account for a verified address on the first sign-in, in a new session, and signs in to it again', async () => {
    const { login, email } = providerUser();
    const client = new Client(t.app.baseUrl);
    const { callback } = await tripThroughProvider(client, login);
    const anonymous = cookieOf(client);
    assert.ok(anonymous, 'the pending sign-in is in an anonymous session');

    const done = await client.get(callback);
    assert.equal(done.status, 303);
    assert.equal(done.headers.get('location'), '/dashboard');
    assert.notEqual(cookieOf(client), anonymous, 'a new session ID at sign-in');
    assert.equal((await client.get('/dashboard')).status, 200);

    const user = await t.app.users.findOne({ email }).lean();
    assert.ok(user, 'an account with the address');
    assert.equal(user.username, login, "named after the address's local part");
    assert.equal(user.emailKey, email, 'the address confirmed on it');
    assert.equal(await userIdOfSession(client), String(user._id));
    const log = await t.app.securityLog.list(String(user._id));
    assert.ok(log.some(({ event }) => event.type === 'signed-in' && event.method === 'provider'), 'the security log has the sign-in');

    // no password anyone knows: the password form refuses every one
    const byPassword = await new Client(t.app.baseUrl).login(login, 'correct horse battery');
    assert.equal(byPassword.status, 401);

    // out, and in again: the same account, no second one
    await client.post('/logout', {}, { formPage: '/dashboard' });
    const again = await tripThroughProvider(client, login);
    assert.equal((await client.get(again.callback)).status, 303);
    assert.equal(await userIdOfSession(client), String(user._id));
    assert.equal(await t.app.users.countDocuments({ email }), 1);
  });

  it('carries "next" through the trip', async () => {
    const { login } = providerUser();
    const client = new Client(t.app.baseUrl);
    const { authorizationUrl } = await startSignIn(client, { next: '/sessions' });
    const done = await client.get(await signInAtProvider(authorizationUrl, login));
    assert.equal(done.headers.get('location'), '/sessions');
  });
});

describe("the login page's Content-Security-Policy", () => {
  it("lets its form send the browser on to the provider (form-action), and nowhere else", async () => {
    const csp = (await new Client(t.app.baseUrl).get('/login')).headers.get('content-security-policy') ?? '';
    const formAction = /form-action ([^;]+)/.exec(csp)?.[1]?.split(' ');
    assert.deepEqual(formAction, ["'self'", new URL(t.provider.issuer).origin], 'Chromium stops a form whose redirect goes to an origin not listed here');
  });
});

describe('the callback refuses what this browser did not start', () => {
  it('without a state, or with one it never sent: the clear 400 page, nobody signed in', async () => {
    const { login } = providerUser();
    const client = new Client(t.app.baseUrl);
    const { callback, state } = await tripThroughProvider(client, login);
    for (const bad of [callback.replace(`state=${state}`, ''), callback.replace(`state=${state}`, 'state=not-a-state-we-sent')]) {
      const res = await client.get(bad);
      assert.equal(res.status, 400, bad);
      const page = await res.text();
      assert.match(page, NOT_FINISHED);
      assert.match(page, UNKNOWN_STATE);
      assert.match(page, /href="\/login"/, 'with a way to try again');
    }
    assert.equal(await userIdOfSession(client), undefined);
  });

  it("refuses another browser's callback (login CSRF): the state is bound to the session that started it", async () => {
    const { login } = providerUser();
    const victim = new Client(t.app.baseUrl);
    const { callback } = await tripThroughProvider(new Client(t.app.baseUrl), login);
    const res = await victim.get(callback);
    assert.equal(res.status, 400);
    assert.match(await res.text(), UNKNOWN_STATE);
  });

  it('uses a pending sign-in once: the same callback again is refused before any exchange', async () => {
    // an unverified address: the first callback ends without signing in, the session stays the same
    const { login } = providerUser(false);
    const client = new Client(t.app.baseUrl);
    const { callback } = await tripThroughProvider(client, login);
    assert.equal((await client.get(callback)).status, 403);
    const replay = await client.get(callback);
    assert.equal(replay.status, 400);
    assert.match(await replay.text(), UNKNOWN_STATE, 'refused for its state, not by the provider');
  });

  it('a replayed callback after a sign-in: this browser goes on, a copy of the old cookie signs no one in', async () => {
    const { login } = providerUser();
    const client = new Client(t.app.baseUrl);
    const { callback } = await tripThroughProvider(client, login);
    const thief = new Client(t.app.baseUrl, {}, new Map(client.cookies));
    assert.equal((await client.get(callback)).status, 303);
    const again = await client.get(callback);
    assert.equal(again.status, 303, 'already signed in: on to the dashboard');
    assert.equal(again.headers.get('location'), '/dashboard');
    // the old cookie names the session the sign-in replaced: the core sends it to the login page
    const stolen = await thief.get(callback);
    assert.equal(stolen.status, 302);
    assert.match(stolen.headers.get('location') ?? '', /^\/login\?/);
    assert.equal(await userIdOfSession(thief), undefined);
  });

  it('the same callback twice at once: one sign-in at most', async () => {
    const { login } = providerUser();
    const client = new Client(t.app.baseUrl);
    const { callback } = await tripThroughProvider(client, login);
    // two copies of the browser, the same cookie: both may read the pending
    // sign-in before either has taken it out; the provider takes a code once
    const copies = [new Client(t.app.baseUrl, {}, new Map(client.cookies)), new Client(t.app.baseUrl, {}, new Map(client.cookies))];
    const answers = await Promise.all(copies.map((copy) => copy.get(callback)));
    const signedIn = answers.filter((res) => res.status === 303 && res.headers.get('location') === '/dashboard');
    // one, or none: when both exchanged the code, the provider saw it used
    // twice and revoked what it had issued for it (RFC 6749 4.1.2)
    assert.ok(signedIn.length <= 1, answers.map((res) => res.status).join(', '));
    assert.ok(answers.every((res) => res.status < 500));
  });

  it("checks the ID token's nonce", async () => {
    const { login } = providerUser();
    const client = new Client(t.app.baseUrl);
    const { callback, state } = await tripThroughProvider(client, login);
    await sessions().updateOne({ _id: storedIdFromCookie(cookieOf(client)) as never }, { $set: { [`session.oidcPending.${state}.nonce`]: 'another-nonce' } });
    const res = await client.get(callback);
    assert.equal(res.status, 400);
    assert.match(await res.text(), CHECKS_FAILED);
    assert.equal(await userIdOfSession(client), undefined);
  });

  it('exchanges the code only with its PKCE verifier', async () => {
    const { login } = providerUser();
    const client = new Client(t.app.baseUrl);
    const { callback, state } = await tripThroughProvider(client, login);
    await sessions().updateOne({ _id: storedIdFromCookie(cookieOf(client)) as never }, { $set: { [`session.oidcPending.${state}.codeVerifier`]: 'x'.repeat(43) } });
    const res = await client.get(callback);
    assert.equal(res.status, 400);
    assert.match(await res.text(), CHECKS_FAILED);
    assert.equal(await userIdOfSession(client), undefined);
  });

  it('says so when the provider did not sign in (cancelled there), and the pending sign-in is used up', async () => {
    const client = new Client(t.app.baseUrl);
    const { state } = await startSignIn(client);
    const cancelled = await client.get(`/login/oidc/callback?error=access_denied&state=${state}`);
    assert.equal(cancelled.status, 400);
    assert.match(await cancelled.text(), /Example ID did not sign you in \(access_denied\)/);
    const again = await client.get(`/login/oidc/callback?error=access_denied&state=${state}`);
    assert.match(await again.text(), UNKNOWN_STATE);
  });

  it('refuses a pending sign-in older than ten minutes', async () => {
    const { login } = providerUser();
    const client = new Client(t.app.baseUrl);
    const { callback, state } = await tripThroughProvider(client, login);
    await sessions().updateOne({ _id: storedIdFromCookie(cookieOf(client)) as never }, { $set: { [`session.oidcPending.${state}.createdAt`]: Date.now() - 10 * 60_000 - 1 } });
    const res = await client.get(callback);
    assert.equal(res.status, 400);
    assert.match(await res.text(), UNKNOWN_STATE);
  });
});

describe('the session inspector', () => {
  it("cuts each pending sign-in's nonce and verifier short", () => {
    const session: Record<string, unknown> = { oidcPending: { 'state-0123456789': { nonce: 'n'.repeat(43), codeVerifier: 'v'.repeat(43), createdAt: 1, next: '/dashboard', intent: 'sign-in', rememberMe: false } } };
    redactOidcSession(session, (value) => `${String(value).slice(0, 4)}…`);
    assert.deepEqual(session.oidcPending, { 'stat…': { nonce: 'nnnn…', codeVerifier: 'vvvv…', createdAt: 1, next: '/dashboard', intent: 'sign-in', rememberMe: false } });
  });
});

describe('two tabs', () => {
  it("keeps both tabs' sign-ins: either finishes, and the other then goes on signed in", async () => {
    const { login } = providerUser();
    const client = new Client(t.app.baseUrl);
    const first = await tripThroughProvider(client, login);
    const second = await tripThroughProvider(client.tab(), login);
    assert.notEqual(first.state, second.state);
    // the second start did not overwrite the first: the first finishes
    const done = await client.get(first.callback);
    assert.equal(done.status, 303);
    assert.equal(done.headers.get('location'), '/dashboard');
    // the second tab's trip belonged to the anonymous session the sign-in replaced
    const other = await client.tab().get(second.callback);
    assert.equal(other.status, 303);
    assert.equal(other.headers.get('location'), '/dashboard');
    assert.equal((await client.get('/dashboard')).status, 200);
  });

  it('the later tab finishes first just as well', async () => {
    const { login } = providerUser();
    const client = new Client(t.app.baseUrl);
    await tripThroughProvider(client, login);
    const second = await tripThroughProvider(client.tab(), login);
    assert.equal((await client.get(second.callback)).status, 303);
    assert.equal((await client.get('/dashboard')).status, 200);
  });
});

describe('which account, if any', () => {
  it('makes no account for an address the provider has not verified', async () => {
    const { login, email } = providerUser(false);
    const client = new Client(t.app.baseUrl);
    const { callback } = await tripThroughProvider(client, login);
    const res = await client.get(callback);
    assert.equal(res.status, 403);
    assert.match(await res.text(), /did not confirm an email address/);
    assert.equal(await t.app.users.countDocuments({ email }), 0);
    assert.equal(await userIdOfSession(client), undefined);
  });

  it('never links to an account by its confirmed address: the page says to link from the settings', async () => {
    const { login, email } = providerUser();
    const owner = new Client(t.app.baseUrl);
    const username = uniqueUsername('owner');
    await owner.register(username);
    await t.app.users.updateOne({ username }, { $set: { email, emailKey: email } });

    const stranger = new Client(t.app.baseUrl);
    const { callback } = await tripThroughProvider(stranger, login);
    const res = await stranger.get(callback);
    assert.equal(res.status, 409);
    const page = await res.text();
    assert.match(page, /Log in with your password, then link Example ID from your settings/);
    assert.equal(await userIdOfSession(stranger), undefined);
    assert.equal(await oidcLinks().countDocuments({ email }), 0);
    assert.equal(await t.app.users.countDocuments({ emailKey: email }), 1);
  });

  it('asks for the two-factor code after the provider, where the account has it on', async () => {
    const { login } = providerUser();
    const client = new Client(t.app.baseUrl);
    assert.equal((await client.get((await tripThroughProvider(client, login)).callback)).status, 303);
    // just signed in: sudo mode, as after a password
    const { secret } = await turnOnTwoFactor(client);
    await client.post('/logout', {}, { formPage: '/dashboard' });

    const again = new Client(t.app.baseUrl);
    const res = await again.get((await tripThroughProvider(again, login)).callback);
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/login/two-factor');
    assert.equal(await userIdOfSession(again), undefined, 'not signed in before the code');
    // the next step's code (the one that turned two-factor on is used up)
    const coded = await again.post('/login/two-factor', { code: codeAt(secret, Date.now() + 30_000) }, { formPage: '/login/two-factor' });
    assert.equal(coded.status, 303);
    assert.equal(coded.headers.get('location'), '/dashboard');
    const userId = (await userIdOfSession(again)) ?? '';
    const [latest] = await t.app.securityLog.list(userId);
    assert.deepEqual(latest?.event, { type: 'signed-in', method: 'provider-and-code', newBrowser: true }, 'the log says what signed in: no password');
  });
});

describe('linked sign-in (/account/linked)', () => {
  async function linkFrom(client: Client, login: string): Promise<Response> {
    const start = await client.post('/account/linked/link', {}, { formPage: '/account/linked' });
    assert.equal(start.status, 303);
    return client.get(await signInAtProvider(start.headers.get('location') ?? '', login));
  }

  it('links the provider to an account with a password, which then signs in with it', async () => {
    const { login } = providerUser();
    const username = uniqueUsername('linker');
    const client = new Client(t.app.baseUrl);
    await client.register(username);
    const linked = await linkFrom(client, login);
    assert.equal(linked.status, 303);
    assert.equal(linked.headers.get('location'), '/account/linked');
    const page = await (await client.get('/account/linked')).text();
    assert.match(page, /data-testid="linked-provider"/);
    assert.match(page, /Example ID is linked: you can sign in with it/);

    const other = new Client(t.app.baseUrl);
    assert.equal((await other.get((await tripThroughProvider(other, login)).callback)).status, 303);
    const user = await t.app.users.findOne({ username }).lean();
    assert.equal(await userIdOfSession(other), String(user?._id));
  });

  it('asks for sudo mode first', async () => {
    const client = new Client(t.app.baseUrl);
    await client.register(uniqueUsername('stale'));
    await sessions().updateOne({ _id: storedIdFromCookie(cookieOf(client)) as never }, { $set: { 'session.authenticatedAt': 0 } });
    const res = await client.post('/account/linked/link', {}, { formPage: '/account/linked' });
    assert.equal(res.status, 303);
    assert.match(res.headers.get('location') ?? '', /^\/account\/confirm/);
  });

  it("refuses a subject linked to another account", async () => {
    const { login } = providerUser();
    const first = new Client(t.app.baseUrl);
    await first.register(uniqueUsername('first'));
    assert.equal((await linkFrom(first, login)).status, 303);
    const second = new Client(t.app.baseUrl);
    await second.register(uniqueUsername('second'));
    const res = await linkFrom(second, login);
    assert.equal(res.status, 409);
    assert.match(await res.text(), /already signs in to another account/);
  });

  it('keeps a way in for an account with two links and no password, unlinked one after the other or both at once', async () => {
    for (const atOnce of [false, true]) {
      const [first, second] = [providerUser(), providerUser()];
      const client = new Client(t.app.baseUrl);
      assert.equal((await client.get((await tripThroughProvider(client, first.login)).callback)).status, 303);
      await linkFrom(client, second.login);
      const page = await (await client.get('/account/linked')).text();
      const ids = [...page.matchAll(/name="id" value="([0-9a-f]{24})"/g)].map((m) => m[1] ?? '');
      assert.equal(ids.length, 2);
      const unlink = (id: string) => client.post('/account/linked/unlink', { id }, { formPage: '/account/linked' });
      const answers = atOnce ? await Promise.all(ids.map(unlink)) : [await unlink(ids[0] ?? ''), await unlink(ids[1] ?? '')];
      const left = await oidcLinks().countDocuments({ email: { $in: [first.email, second.email] } });
      assert.ok(left >= 1, `${atOnce ? 'at once' : 'in turn'}: ${left} links left, answers ${answers.map((r) => r.status).join(', ')}`);
    }
  });

  it('never unlinks the last way in; an account with a password may unlink, and its other sessions end', async () => {
    const { login } = providerUser();
    const client = new Client(t.app.baseUrl);
    assert.equal((await client.get((await tripThroughProvider(client, login)).callback)).status, 303);
    const page = await (await client.get('/account/linked')).text();
    const id = /name="id" value="([0-9a-f]{24})"/.exec(page)?.[1] ?? '';
    const refused = await client.post('/account/linked/unlink', { id }, { formPage: '/account/linked' });
    assert.equal(refused.status, 409);
    assert.match(await refused.text(), /only way into your account/);
    assert.equal(await oidcLinks().countDocuments({ _id: new (await import('mongodb')).ObjectId(id) }), 1);

    const withPassword = new Client(t.app.baseUrl);
    const username = uniqueUsername('haspw');
    await withPassword.register(username);
    const other = providerUser();
    await linkFrom(withPassword, other.login);
    // signed in with the provider elsewhere: that session ends with the link
    const elsewhere = new Client(t.app.baseUrl);
    assert.equal((await elsewhere.get((await tripThroughProvider(elsewhere, other.login)).callback)).status, 303);
    assert.equal((await elsewhere.get('/dashboard')).status, 200);
    const linkedPage = await (await withPassword.get('/account/linked')).text();
    const linkId = /name="id" value="([0-9a-f]{24})"/.exec(linkedPage)?.[1] ?? '';
    const unlinked = await withPassword.post('/account/linked/unlink', { id: linkId }, { formPage: '/account/linked' });
    assert.equal(unlinked.status, 303);
    assert.equal(await oidcLinks().countDocuments({ email: other.email }), 0);
    assert.match(await (await withPassword.get('/account/linked')).text(), /Example ID is unlinked/);
    assert.notEqual((await elsewhere.get('/dashboard')).status, 200, 'the other session ended');
    assert.equal((await withPassword.get('/dashboard')).status, 200, 'this one goes on');
    assert.equal((await new Client(t.app.baseUrl).login(username)).status, 303, 'the password still signs in');
  });
});

describe('new accounts through the provider', () => {
  // two registrations an hour per address, as the registration form counts them
  const limited = useProviderApp({ env: { REGISTRATIONS_PER_IP_PER_HOUR: '2', TRUST_PROXY: 'loopback' } });

  it("count against the address's registrations: past the limit, a 429 and no account", async () => {
    const address = { 'x-forwarded-for': freshAddress() };
    const signUp = async (n: number) => {
      const login = `farm${n}-${process.pid}`;
      limited.provider.addUser(login, { email: `${login}@example.test`, email_verified: true });
      const client = new Client(limited.app.baseUrl, address);
      const start = await client.post('/login/oidc/start', {}, { formPage: '/login' });
      const callback = await signInAtProvider(start.headers.get('location') ?? '', login);
      return { login, res: await client.get(callback) };
    };
    const made = [await signUp(1), await signUp(2), await signUp(3)];
    assert.deepEqual(made.map(({ res }) => res.status), [303, 303, 429]);
    assert.equal(await limited.app.users.exists({ emailKey: `${made[2]?.login ?? ''}@example.test` }), null, 'no account for the third');
  });
});

describe('a provider that stopped answering', () => {
  const down = useProviderApp();

  it('ends the callback with a clear page, not a 500, within seconds', async () => {
    const login = `gone-${process.pid}`;
    down.provider.addUser(login, { email: `${login}@example.test`, email_verified: true });
    const client = new Client(down.app.baseUrl);
    const start = await client.post('/login/oidc/start', {}, { formPage: '/login' });
    const callback = await signInAtProvider(start.headers.get('location') ?? '', login);
    await down.provider.stop();
    const startedAt = Date.now();
    const res = await client.get(callback);
    assert.equal(res.status, 502);
    assert.match(await res.text(), /Example ID could not be reached/);
    assert.ok(Date.now() - startedAt < 10_000);
    assert.equal(await down.app.users.countDocuments({ email: `${login}@example.test` }), 0);
  });
});

describe('a provider down since the app started', () => {
  // nothing listens at its address: its metadata never came in, so the app
  // cannot tell which links are ways in
  let db: TestDatabase | undefined;
  let app: TestApp | undefined;
  let issuer = '';
  before(async () => {
    issuer = `http://127.0.0.1:${await freePort()}`;
    db = await startTestDatabase();
    app = await startTestApp({ uri: db.freshUri(), env: { OIDC_ISSUER: issuer, OIDC_CLIENT_ID: 'c', OIDC_CLIENT_SECRET: 's', OIDC_PROVIDER_NAME: 'Example ID' } });
  });
  after(async () => {
    await app?.close();
    await db?.stop();
  });

  it('unlinking says it cannot be reached, not that the link is the last way in, from two tabs at once; the link stays', async () => {
    if (!app) throw new Error('not started');
    const client = new Client(app.baseUrl);
    const username = uniqueUsername('down');
    await client.register(username);
    const user = await app.users.findOne({ username }, { _id: 1 }).lean();
    const links = app.connection.getClient().db(app.connection.name).collection('oidcLinks');
    const { insertedId } = await links.insertOne({ userId: user?._id, issuer, subject: `s-${username}`, email: `${username}@example.test`, linkedAt: new Date() });
    // just registered: sudo mode
    const tabs = await Promise.all([1, 2].map(() => client.post('/account/linked/unlink', { id: String(insertedId) }, { formPage: '/account/linked' })));
    for (const res of tabs) {
      assert.equal(res.status, 503);
      const text = await res.text();
      assert.match(text, /Example ID cannot be reached just now/);
      assert.doesNotMatch(text, /only way into your account/);
    }
    assert.equal(await links.countDocuments({ _id: insertedId }), 1);
  });
});

describe('a provider that never answers', () => {
  // accepts connections and says nothing: only the timeout ends the wait
  let silent: net.Server | undefined;
  let db: TestDatabase | undefined;
  let app: TestApp | undefined;
  before(async () => {
    silent = net.createServer(() => {});
    await new Promise<void>((resolve) => silent?.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    db = await startTestDatabase();
    app = await startTestApp({ uri: db.freshUri(), env: { OIDC_ISSUER: `http://127.0.0.1:${port}`, OIDC_CLIENT_ID: 'c', OIDC_CLIENT_SECRET: 's' } });
  });
  after(async () => {
    await app?.close();
    silent?.close();
    await db?.stop();
  });

  it('answers "Sign in with…" with a clear page within ten seconds', async () => {
    const client = new Client(app?.baseUrl ?? '');
    const startedAt = Date.now();
    const res = await client.post('/login/oidc/start', {}, { formPage: '/login' });
    assert.equal(res.status, 502);
    assert.match(await res.text(), /could not be reached just now/);
    assert.ok(Date.now() - startedAt < 10_000, `${Date.now() - startedAt} ms`);
  });
});
