// "Email me a sign-in link": the page tells nothing about which accounts
// exist; the link signs in once, in the browser that asked for it at once,
// elsewhere only after a yes (a mail scanner's GET changes nothing); the
// session is renewed; two-factor still asks for its code; and of several
// browsers opening one link at once, exactly one signs in.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useTestApp, type TestApp } from '../../helpers/app.js';
import { Client, uniqueUsername } from '../../helpers/client.js';
import { emailKey } from '../../../src/auth/email-address.js';
import { codeAt } from '../../../src/features/two-factor/totp.js';
import { turnOnTwoFactor } from '../../helpers/two-factor.js';
import { accountWithAddress, linkIn, mailbox } from '../../helpers/mail.js';

// each attack is repeated: one lucky interleaving proves nothing
const ROUNDS = 3;
const OPEN = '/sign-in-link/open';

const t = useTestApp({ env: { PASSWORD_RESET_REQUESTS_PER_IP_PER_HOUR: '100000', PASSWORD_RESET_MAILS_PER_ACCOUNT_PER_HOUR: '1000' } });

/** Asks for a link in this browser; the page always answers this way. */
async function askForLink(client: Client, identifier: string): Promise<void> {
  const res = await client.post('/sign-in-link', { identifier }, { formPage: '/sign-in-link' });
  assert.equal(res.status, 303, `asking for ${identifier}`);
  assert.equal(res.headers.get('location'), '/sign-in-link/sent');
}

/** Asks for a link in this browser and returns its path, from the mail that brings it. */
async function mailedLink(app: TestApp, client: Client, identifier: string, email: string): Promise<string> {
  // mail already on its way (a sign-in alert) is out first
  await app.mailSettled();
  const after = mailbox(app).lastId();
  await askForLink(client, identifier);
  const mail = await mailbox(app).waitFor(email, { after });
  assert.match(mail.subject, /sign-in link/);
  return linkIn(mail, OPEN);
}

const sessionCookie = (client: Client) => [...client.cookies].find(([name]) => name.endsWith('cloakroom.sid'))?.[1];
const confirmForm = (html: string) => ({
  token: /name="token" value="([^"]+)"/.exec(html)?.[1] ?? '',
  _csrf: /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '',
});

describe('a sign-in link', () => {
  it('answers the same for a known account, an unknown one and one without an address, and mails only the first', async () => {
    const { username, email } = await accountWithAddress(t.app, 'linkknown');
    await t.app.mailSettled();
    const after = mailbox(t.app).lastId();
    await askForLink(new Client(t.app.baseUrl), uniqueUsername('nobody'));
    const bare = uniqueUsername('linkbare');
    await new Client(t.app.baseUrl).register(bare, 'a passphrase of its own');
    await askForLink(new Client(t.app.baseUrl), bare);
    await askForLink(new Client(t.app.baseUrl), username);
    await mailbox(t.app).waitFor(email, { after });
    await t.app.mailSettled();
    const sent = mailbox(t.app).messages().filter((mail) => mail.id > after);
    assert.deepEqual(sent.map((mail) => [mail.to, mail.subject]), [[[email], 'Your Cloakroom sign-in link']], 'one mail, to the confirmed address');
  });

  it('opened in the browser that asked for it, signs in at once with a new session ID', async () => {
    const { username, email } = await accountWithAddress(t.app, 'linksame');
    const browser = new Client(t.app.baseUrl);
    const link = await mailedLink(t.app, browser, username, email);
    const before = sessionCookie(browser);
    const res = await browser.get(link);
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/dashboard');
    assert.notEqual(sessionCookie(browser), before, 'the session ID is renewed at sign-in');
    assert.match(await (await browser.get('/dashboard')).text(), new RegExp(username));
    assert.equal((await browser.get(link)).status, 400, 'it works once');
  });

  it('opened anywhere else, only asks first: a scanner\'s GET changes nothing, and a yes signs that device in', async () => {
    const { username, email } = await accountWithAddress(t.app, 'linkother');
    const link = await mailedLink(t.app, new Client(t.app.baseUrl), username, email);
    const scanner = new Client(t.app.baseUrl);
    for (let i = 0; i < 2; i += 1) {
      const page = await scanner.get(link);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /Sign in on this device\?/);
    }
    assert.equal((await scanner.get('/dashboard')).status, 302, 'the scanner is not signed in');
    const device = new Client(t.app.baseUrl);
    const yes = await device.post(OPEN, confirmForm(await (await device.get(link)).text()));
    assert.equal(yes.status, 303);
    assert.equal(yes.headers.get('location'), '/dashboard');
    assert.equal((await device.get('/dashboard')).status, 200);
  });

  it('signs in exactly one of three browsers saying yes at once', async () => {
    for (let round = 0; round < ROUNDS; round += 1) {
      const { username, email, userId } = await accountWithAddress(t.app, 'linkrace');
      const link = await mailedLink(t.app, new Client(t.app.baseUrl), username, email);
      const browsers = [new Client(t.app.baseUrl), new Client(t.app.baseUrl), new Client(t.app.baseUrl)];
      const forms = await Promise.all(browsers.map(async (b) => confirmForm(await (await b.get(link)).text())));
      const answers = await Promise.all(browsers.map((b, i) => b.post(OPEN, forms[i] ?? {})));
      assert.deepEqual(answers.map((r) => r.status).sort(), [303, 400, 400], `round ${round}`);
      const sessions = await t.app.connection.getClient().db(t.app.connection.name).collection('sessions').countDocuments({ 'session.userId': userId });
      assert.equal(sessions, 2, 'the registering browser and one more');
    }
  });

  it('counts as one factor: with two-factor on, the code step comes next', async () => {
    const { username, email, client, userId } = await accountWithAddress(t.app, 'linkcode');
    const { secret } = await turnOnTwoFactor(client);
    const browser = new Client(t.app.baseUrl);
    const link = await mailedLink(t.app, browser, username, email);
    const res = await browser.get(link);
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/login/two-factor');
    assert.equal((await browser.get('/dashboard')).status, 302, 'not signed in before the code');
    // the next step's code (the one that turned two-factor on is used up)
    const coded = await browser.post('/login/two-factor', { code: codeAt(secret, Date.now() + 30_000) }, { formPage: '/login/two-factor' });
    assert.equal(coded.headers.get('location'), '/dashboard');
    const [latest] = await t.app.securityLog.list(userId);
    assert.deepEqual(latest?.event, { type: 'signed-in', method: 'email-link-and-code', newBrowser: true }, 'the log says what signed in: no password');
  });

  it('no longer works once the account\'s address has changed, or a newer link was sent', async () => {
    const { username, email, userId } = await accountWithAddress(t.app, 'linkold');
    const browser = new Client(t.app.baseUrl);
    const first = await mailedLink(t.app, browser, username, email);
    const second = await mailedLink(t.app, browser, username, email);
    assert.equal((await browser.get(first)).status, 400, 'replaced by the newer one');
    await t.app.users.updateOne({ _id: userId }, { $set: { emailKey: 'someone-else@example.test' } });
    assert.equal((await browser.get(second)).status, 400, 'mailed to an address the account no longer has');
    assert.equal((await browser.get('/dashboard')).status, 302);
  });

  it('no longer works once its address was removed, even when the same address comes back', async () => {
    const { username, email, client, userId } = await accountWithAddress(t.app, 'linkback');
    const link = await mailedLink(t.app, new Client(t.app.baseUrl), username, email);
    assert.equal((await client.post('/account/email/remove', {}, { formPage: '/account/email' })).status, 303);
    // confirmed again, as after a new link to it: the old sign-in link stays dead
    const user = await t.app.users.findById(userId, { email: 1 }).lean();
    assert.equal(user?.email ?? undefined, undefined, 'the address is gone');
    await t.app.users.updateOne({ _id: userId }, { $set: { email, emailKey: emailKey(email) } });
    const page = await new Client(t.app.baseUrl).get(link);
    assert.equal(page.status, 400);
    assert.match(await page.text(), /This link no longer works/);
  });

  it('no longer works once every session of the account was signed out', async () => {
    const { username, email, client } = await accountWithAddress(t.app, 'linkrevoked');
    const link = await mailedLink(t.app, new Client(t.app.baseUrl), username, email);
    assert.equal((await client.post('/sessions/end-others', {}, { formPage: '/sessions' })).status, 303);
    const elsewhere = new Client(t.app.baseUrl);
    assert.equal((await elsewhere.get(link)).status, 400, '"sign out everywhere else" ended it');
  });

  it('refuses a made-up or malformed token with the same page', async () => {
    const client = new Client(t.app.baseUrl);
    assert.equal((await client.get(`${OPEN}?token=${'A'.repeat(43)}`)).status, 400);
    assert.equal((await client.get(`${OPEN}?token=<script>`)).status, 400);
    assert.equal((await client.post(OPEN, { token: 'x' }, { formPage: '/sign-in-link' })).status, 400);
  });
});
