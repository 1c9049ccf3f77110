// Forgot password, through a real SMTP server (the local mail catcher): the
// page tells nothing about which accounts exist, a link works once, for a
// while, and only the newest; a reset ends every session of the account;
// requests are throttled; tokens are neither stored nor logged.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SlowStore } from '../../../src/lab/slow-store.js';
import { useTestApp, type TestApp } from '../../helpers/app.js';
import { Client, uniqueUsername } from '../../helpers/client.js';
import { captureLogs } from '../../helpers/logs.js';
import { accountWithAddress, confirmAddress, linkIn, mailbox, PASSWORD, tokenIn, uniqueAddress } from '../../helpers/mail.js';

const NEW_PASSWORD = 'a brand new passphrase';
// each attack is repeated: one lucky interleaving proves nothing
const ROUNDS = 3;

const logs = captureLogs();
const t = useTestApp({
  env: { SESSION_ABSOLUTE_TIMEOUT: '1h', PASSWORD_RESET_REQUESTS_PER_IP_PER_HOUR: '100000', PASSWORD_RESET_MAILS_PER_ACCOUNT_PER_HOUR: '1000' },
  // every session save reaches the database 25 ms late, as over a real
  // network: the windows of the races below are as wide as in production
  wrapStore: (store) => new SlowStore(store, 25),
  // a provider that takes its time: if the page waited for it, it would show
  mailDelayMs: 300,
  logger: logs.logger,
});

const db = (app: TestApp) => app.connection.getClient().db(app.connection.name);

/** Asks for a reset link as a new visitor; the page always answers this way. */
async function askForLink(app: TestApp, identifier: string): Promise<Response> {
  const res = await new Client(app.baseUrl).post('/forgot-password', { identifier }, { formPage: '/forgot-password' });
  assert.equal(res.status, 303, `asking for ${identifier}`);
  assert.equal(res.headers.get('location'), '/forgot-password/sent');
  return res;
}

/** Asks for a link to this address and returns the mail that brings it. */
async function mailedLink(app: TestApp, identifier: string, email: string) {
  // mail already on its way (a sign-in alert) is out first
  await app.mailSettled();
  const after = mailbox(app).lastId();
  await askForLink(app, identifier);
  const mail = await mailbox(app).waitFor(email, { after });
  return { mail, link: linkIn(mail, '/reset-password'), token: tokenIn(mail, '/reset-password') };
}

/** Follows a link in a browser: the token goes into the session, and the URL is clean. */
async function follow(app: TestApp, link: string): Promise<Client> {
  const browser = new Client(app.baseUrl);
  const res = await browser.get(link);
  assert.equal(res.status, 303);
  assert.equal(res.headers.get('location'), '/reset-password', 'redirected to a URL without the token');
  return browser;
}

const choose = (browser: Client, password = NEW_PASSWORD) =>
  browser.post('/reset-password', { newPassword: password, confirmPassword: password }, { formPage: '/reset-password' });

/** Submits the form as a page loaded before the link died would (its CSRF token from another page). */
const chooseOnStalePage = (browser: Client) =>
  browser.post('/reset-password', { newPassword: NEW_PASSWORD, confirmPassword: NEW_PASSWORD }, { formPage: '/login' });

describe('forgot password', () => {
  it('mails a link to the confirmed address; the new password works, the old one no longer, and a notice follows', async () => {
    const { username, email } = await accountWithAddress(t.app, 'reset_happy');
    const { mail, link } = await mailedLink(t.app, username, email);
    assert.match(mail.subject, /Reset your Cloakroom password/);
    assert.match(mail.text, /works once, for 30 minutes/);
    assert.match(mail.text, /If you did not ask for this/);
    assert.match(mail.html, /<a href="http:\/\/localhost:\d+\/reset-password\?token=/, 'an HTML part with the link');

    const browser = await follow(t.app, link);
    const form = await browser.get('/reset-password');
    assert.equal(form.status, 200);
    assert.match(await form.text(), new RegExp(`For the account <strong>${username}</strong>`));

    const after = mailbox(t.app).lastId();
    const res = await choose(browser);
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/login?notice=password-reset');
    assert.equal((await new Client(t.app.baseUrl).login(username, PASSWORD)).status, 401, 'the old password is gone');
    assert.equal((await new Client(t.app.baseUrl).login(username, NEW_PASSWORD)).status, 303, 'the new one logs in');
    const notice = await mailbox(t.app).waitFor(email, { after });
    assert.match(notice.subject, /password was changed/);
  });

  it('finds the account by its confirmed address too, whatever its case', async () => {
    const { email } = await accountWithAddress(t.app, 'reset_byaddress');
    const { token } = await mailedLink(t.app, email.toUpperCase(), email);
    assert.ok(token.length >= 43, 'at least 256 bits, base64url');
  });

  it('checks the new password against the registration policy', async () => {
    const { username, email } = await accountWithAddress(t.app, 'reset_policy');
    const browser = await follow(t.app, (await mailedLink(t.app, username, email)).link);
    for (const [candidate, message] of [
      ['short', /at least 8 characters/],
      ['iloveyou', /common or breached/],
      [username, /must not be your username/],
    ] as const) {
      const res = await choose(browser, candidate);
      assert.equal(res.status, 400, candidate);
      assert.match(await res.text(), message);
    }
    const mismatch = await browser.post('/reset-password', { newPassword: NEW_PASSWORD, confirmPassword: 'something else' }, { formPage: '/reset-password' });
    assert.equal(mismatch.status, 400);
    assert.match(await mismatch.text(), /Passwords do not match/);
    // crafted bodies: a clear 400, never a 500
    const crafted = await browser.post('/reset-password', { newPassword: ['a', 'b'], confirmPassword: 'x' }, { formPage: '/reset-password' });
    assert.equal(crafted.status, 400);
    assert.equal((await choose(browser)).status, 303, 'the link still works after refusals');
  });
});

describe('no account enumeration', () => {
  it('answers the same status, place and page for a known account, an unknown name, an unknown or unconfirmed address', async () => {
    const known = await accountWithAddress(t.app, 'enum_known');
    // an account whose address was never confirmed
    const unconfirmed = uniqueAddress('enum_unconfirmed');
    const pendingUser = uniqueUsername('enum_pending');
    const before = mailbox(t.app).lastId();
    await new Client(t.app.baseUrl).post('/register', { username: pendingUser, password: PASSWORD, confirmPassword: PASSWORD, email: unconfirmed });
    await mailbox(t.app).waitFor(unconfirmed, { after: before });

    const pages = new Set<string>();
    const bodies = new Set<string>();
    for (const identifier of [known.username, known.email, uniqueUsername('nobody'), uniqueAddress('nobody'), pendingUser, unconfirmed]) {
      const visitor = new Client(t.app.baseUrl);
      const res = await visitor.post('/forgot-password', { identifier }, { formPage: '/forgot-password' });
      assert.equal(res.status, 303, identifier);
      assert.equal(res.headers.get('location'), '/forgot-password/sent', identifier);
      bodies.add(await res.text());
      pages.add(await (await visitor.get('/forgot-password/sent')).text());
    }
    assert.equal(bodies.size, 1, 'one answer for all');
    assert.equal(pages.size, 1, 'one page for all');

    await t.app.mailSettled();
    const mailsToUnconfirmed = mailbox(t.app).messages().filter((m) => m.to.includes(unconfirmed));
    assert.deepEqual(mailsToUnconfirmed.map((m) => m.subject), ['Confirm your email address for Cloakroom'], 'an unconfirmed address gets nothing but its confirmation');
  });

  it('takes about as long for an account that gets a mail as for a name that does not exist', async () => {
    // the mail server here takes 300 ms per message: a page that waited for
    // it (or for anything else only a real account costs) would show it
    const known = await accountWithAddress(t.app, 'enum_timing');
    const timed = async (identifier: string) => {
      const visitor = new Client(t.app.baseUrl);
      const csrf = await visitor.csrfToken('/forgot-password');
      const started = performance.now();
      await visitor.post('/forgot-password', { identifier, _csrf: csrf });
      return performance.now() - started;
    };
    const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
    const knownTimes: number[] = [];
    const unknownTimes: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      knownTimes.push(await timed(known.username));
      unknownTimes.push(await timed(uniqueUsername('nobody')));
    }
    await t.app.mailSettled();
    const difference = median(knownTimes) - median(unknownTimes);
    // loose on purpose (a busy machine): far below the mail server's 300 ms
    assert.ok(difference < 150, `known ${median(knownTimes).toFixed(0)} ms, unknown ${median(unknownTimes).toFixed(0)} ms`);
  });
});

describe('a reset link', () => {
  it('works once', async () => {
    const { username, email } = await accountWithAddress(t.app, 'once');
    const { link } = await mailedLink(t.app, username, email);
    assert.equal((await choose(await follow(t.app, link))).status, 303);
    const again = await follow(t.app, link);
    const page = await again.get('/reset-password');
    assert.equal(page.status, 400);
    assert.match(await page.text(), /This link no longer works/);
    assert.equal((await again.post('/reset-password', { newPassword: 'yet another passphrase', confirmPassword: 'yet another passphrase' }, { formPage: '/login' })).status, 400);
    assert.equal((await new Client(t.app.baseUrl).login(username, NEW_PASSWORD)).status, 303, 'the first reset stands');
  });

  it('works once when three browsers use it at the same moment', async () => {
    for (let round = 1; round <= ROUNDS; round += 1) {
      const { username, email } = await accountWithAddress(t.app, 'parallel');
      const { link } = await mailedLink(t.app, username, email);
      const browsers = await Promise.all([1, 2, 3].map(() => follow(t.app, link)));
      const tokens = await Promise.all(browsers.map((b) => b.csrfToken('/reset-password')));
      const passwords = ['first new passphrase', 'second new passphrase', 'third new passphrase'];
      const results = await Promise.all(
        browsers.map((b, i) => b.post('/reset-password', { newPassword: passwords[i] ?? '', confirmPassword: passwords[i] ?? '', _csrf: tokens[i] ?? '' })),
      );
      const statuses = results.map((r) => r.status);
      assert.deepEqual(statuses.filter((s) => s === 303).length, 1, `round ${round}: exactly one reset, got ${statuses.join(', ')}`);
      assert.deepEqual(statuses.filter((s) => s === 400).length, 2, `round ${round}`);
      const winner = passwords[statuses.indexOf(303)] ?? '';
      assert.equal((await new Client(t.app.baseUrl).login(username, winner)).status, 303, `round ${round}: the winner's password is the one set`);
    }
  });

  it('expires', async () => {
    const { username, email, userId } = await accountWithAddress(t.app, 'expiry');
    const issuedAt = Date.now();
    const { link } = await mailedLink(t.app, username, email);
    const stored = await t.app.users.findById(userId, { passwordReset: 1 }).lean();
    const expiresAt = stored?.passwordReset?.expiresAt?.getTime() ?? 0;
    assert.ok(expiresAt > issuedAt && expiresAt <= Date.now() + 30 * 60_000, 'ends within 30 minutes (PASSWORD_RESET_LINK_LIFETIME)');
    const browser = await follow(t.app, link);
    assert.equal((await browser.get('/reset-password')).status, 200);
    // the clock moves on: the link's end is now in the past
    await t.app.users.updateOne({ _id: userId }, { $set: { 'passwordReset.expiresAt': new Date(Date.now() - 1000) } });
    assert.equal((await browser.get('/reset-password')).status, 400);
    assert.equal((await browser.post('/reset-password', { newPassword: NEW_PASSWORD, confirmPassword: NEW_PASSWORD }, { formPage: '/login' })).status, 400);
    assert.equal((await new Client(t.app.baseUrl).login(username, PASSWORD)).status, 303, 'the password is unchanged');
  });

  it('stops working when a newer one is asked for', async () => {
    const { username, email } = await accountWithAddress(t.app, 'newer');
    const older = await mailedLink(t.app, username, email);
    const newer = await mailedLink(t.app, username, email);
    assert.notEqual(older.token, newer.token);
    assert.equal((await (await follow(t.app, older.link)).get('/reset-password')).status, 400, 'the older link is dead');
    assert.equal((await choose(await follow(t.app, newer.link))).status, 303, 'the newer one works');
  });

  it('stops working when the password is changed another way', async () => {
    const { username, email, client } = await accountWithAddress(t.app, 'changed');
    const { link } = await mailedLink(t.app, username, email);
    const changed = await client.post('/account/password', { currentPassword: PASSWORD, newPassword: NEW_PASSWORD, confirmPassword: NEW_PASSWORD }, { formPage: '/account/password' });
    assert.equal(changed.status, 303);
    assert.equal((await (await follow(t.app, link)).get('/reset-password')).status, 400);
  });

  it('stops working when the address it was mailed to is replaced or removed, opened before or not', async () => {
    const { username, email, client } = await accountWithAddress(t.app, 'moved');
    const opened = await follow(t.app, (await mailedLink(t.app, username, email)).link);
    const unopened = await mailedLink(t.app, username, email);
    // the account moves to a new address, confirmed through its link
    const newAddress = uniqueAddress('moved_new');
    const after = mailbox(t.app).lastId();
    assert.equal((await client.post('/account/email', { email: newAddress }, { formPage: '/account/email' })).status, 303);
    await confirmAddress(new Client(t.app.baseUrl), linkIn(await mailbox(t.app).waitFor(newAddress, { after }), '/verify-email'));
    assert.equal((await (await follow(t.app, unopened.link)).get('/reset-password')).status, 400, 'a link still in the old mailbox is dead');
    assert.equal((await chooseOnStalePage(opened)).status, 400, 'a link opened before the change is dead too');

    // and removing the address ends the link mailed to it
    const removed = await accountWithAddress(t.app, 'removed');
    const link = (await mailedLink(t.app, removed.username, removed.email)).link;
    const browser = await follow(t.app, link);
    assert.equal((await removed.client.post('/account/email/remove', {}, { formPage: '/account/email' })).status, 303);
    assert.equal((await chooseOnStalePage(browser)).status, 400);
    for (const who of [username, removed.username]) {
      assert.equal((await new Client(t.app.baseUrl).login(who, PASSWORD)).status, 303, 'the password is unchanged');
    }
  });

  it('gets a new session ID when opened: a session ID someone planted beforehand gains nothing (session fixation)', async () => {
    for (let round = 0; round < ROUNDS; round += 1) {
      const { username, email } = await accountWithAddress(t.app, `fixed${round}`);
      const { link } = await mailedLink(t.app, username, email);
      // the attacker starts a session, knows its ID and its CSRF token...
      const attacker = new Client(t.app.baseUrl);
      const csrf = await attacker.csrfToken('/login');
      // ...and plants that cookie in the victim's browser, who then opens the link
      const victim = new Client(t.app.baseUrl);
      for (const [name, value] of attacker.cookies) victim.cookies.set(name, value);
      assert.equal((await victim.get(link)).headers.get('location'), '/reset-password');
      assert.notEqual(victim.cookieHeader(), attacker.cookieHeader(), 'the link gave the victim a new session ID');
      assert.equal((await victim.get('/reset-password')).status, 200, 'the victim can go on');
      const res = await attacker.post('/reset-password', { newPassword: NEW_PASSWORD, confirmPassword: NEW_PASSWORD, _csrf: csrf });
      assert.notEqual(res.headers.get('location'), '/login?notice=password-reset', `round ${round}: the planted session cannot reset`);
      assert.equal((await new Client(t.app.baseUrl).login(username, PASSWORD)).status, 303, 'the password is unchanged');
      assert.equal((await choose(victim)).status, 303, 'the victim resets it');
    }
  });

  it('is stored only as a hash, and never logged', async () => {
    const { username, email } = await accountWithAddress(t.app, 'athash');
    const { link, token } = await mailedLink(t.app, username, email);
    const browser = await follow(t.app, link);
    await browser.get('/reset-password');
    const everything: string[] = [];
    for (const { name } of await db(t.app).listCollections().toArray()) {
      everything.push(JSON.stringify(await db(t.app).collection(name).find().toArray()));
    }
    assert.ok(everything.join('').includes('passwordReset'), 'the link is in the database, as a hash');
    assert.ok(!everything.join('').includes(token), 'the token itself is nowhere in the database');
    await choose(browser);
    await t.app.mailSettled();
    assert.ok(!logs.lines.join('\n').includes(token), 'nor in the logs');
    const events = new Set(logs.events().map((e) => e.event));
    for (const event of ['password-reset-requested', 'password-reset-mailed', 'password-reset', 'password-reset-unknown']) {
      assert.ok(events.has(event), `${event} is logged`);
    }
  });

  it('refuses a made-up or malformed token with the same page', async () => {
    for (const token of ['x'.repeat(43), 'short', '%00', '']) {
      const browser = new Client(t.app.baseUrl);
      const res = await browser.get(`/reset-password?token=${token}`);
      assert.equal(res.status, 303, token);
      const page = await browser.get('/reset-password');
      assert.equal(page.status, 400, token);
      assert.match(await page.text(), /This link no longer works/);
    }
  });
});

describe('a reset ends every session of the account', () => {
  it('also sessions in use while it happens', async () => {
    for (let round = 1; round <= ROUNDS; round += 1) {
      const { username, email, userId } = await accountWithAddress(t.app, 'reset_race');
      const victim = new Client(t.app.baseUrl);
      assert.equal((await victim.login(username, PASSWORD)).status, 303);
      const { link } = await mailedLink(t.app, username, email);
      const browser = await follow(t.app, link);
      const csrf = await browser.csrfToken('/reset-password');

      // three copies of the victim's cookie keep loading the dashboard
      const cookieName = t.app.config.session.cookieName;
      let stop = false;
      let started = 0;
      const tabs = Array.from({ length: 3 }, async () => {
        const tab = new Client(t.app.baseUrl);
        tab.cookies.set(cookieName, victim.cookies.get(cookieName) ?? '');
        while (!stop) {
          started += 1;
          await (await tab.get('/dashboard')).arrayBuffer();
        }
      });
      while (started < 6) await new Promise((resolve) => setImmediate(resolve));
      const res = await browser.post('/reset-password', { newPassword: NEW_PASSWORD, confirmPassword: NEW_PASSWORD, _csrf: csrf });
      stop = true;
      await Promise.all(tabs);

      assert.equal(res.status, 303);
      const sessions = db(t.app).collection('sessions');
      assert.equal(await sessions.countDocuments({ 'session.userId': userId }), 0, `round ${round}: a session document came back`);
      assert.equal((await victim.get('/dashboard')).status, 302, `round ${round}: the victim's cookie still logs in`);
    }
  });

  it('also logins that checked the old password at that moment', async () => {
    for (let round = 1; round <= ROUNDS; round += 1) {
      const { username, email, userId } = await accountWithAddress(t.app, 'reset_logins');
      const { link } = await mailedLink(t.app, username, email);
      const browser = await follow(t.app, link);
      const csrf = await browser.csrfToken('/reset-password');
      let stop = false;
      let attempts = 0;
      const attackers: Client[] = [];
      const threads = Array.from({ length: 3 }, async () => {
        while (!stop) {
          const attacker = new Client(t.app.baseUrl);
          attackers.push(attacker);
          attempts += 1;
          await (await attacker.login(username, PASSWORD)).arrayBuffer();
        }
      });
      while (attempts < 6) await new Promise((resolve) => setTimeout(resolve, 5));
      const res = await browser.post('/reset-password', { newPassword: NEW_PASSWORD, confirmPassword: NEW_PASSWORD, _csrf: csrf });
      stop = true;
      await Promise.all(threads);
      assert.equal(res.status, 303);
      for (const attacker of attackers) assert.equal((await attacker.get('/dashboard')).status, 302, `round ${round}: a login outlived the reset`);
      assert.equal(await db(t.app).collection('sessions').countDocuments({ 'session.userId': userId }), 0, `round ${round}`);
    }
  });
});

describe('throttling "forgot password"', () => {
  const limited = useTestApp({ env: { PASSWORD_RESET_REQUESTS_PER_IP_PER_HOUR: '4', PASSWORD_RESET_MAILS_PER_ACCOUNT_PER_HOUR: '2' } });

  it('sends an account at most its hourly number of mails, silently, whoever asks and however', async () => {
    const { username, email } = await accountWithAddress(limited.app, 'throttle_account');
    const after = mailbox(limited.app).lastId();
    // four requests at once, by name and by address (from one address, within its limit)
    await Promise.all([username, email, username, email].map((identifier) => askForLink(limited.app, identifier)));
    await limited.app.mailSettled();
    const resetMails = mailbox(limited.app).messages().filter((m) => m.id > after && m.to.includes(email));
    assert.equal(resetMails.length, 2, 'two mails, not four');
  });

  it('refuses an address past its hourly number of requests, for every name alike', async () => {
    const visitor = new Client(limited.app.baseUrl);
    // the first test used the four requests of 127.0.0.1: all further ones are refused
    const results = await Promise.all(
      [uniqueUsername('nobody'), uniqueAddress('nobody')].map((identifier) => visitor.post('/forgot-password', { identifier }, { formPage: '/forgot-password' })),
    );
    for (const res of results) {
      assert.equal(res.status, 429);
      assert.ok(Number(res.headers.get('retry-after')) > 0);
      assert.match(await res.text(), /Too many password resets/);
    }
  });
});
