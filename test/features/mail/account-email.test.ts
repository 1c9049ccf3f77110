// The account's email address: optional, confirmed by a link mailed to it
// (single use, hashed, expiring), unique among confirmed addresses, shown to
// its owner only; a change tells the old address.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import addressparser from 'nodemailer/lib/addressparser/index.js';
import { PLAIN_ADDRESS } from '../../../src/auth/email-address.js';
import { useTestApp } from '../../helpers/app.js';
import { Client, storedIdFromCookie, uniqueUsername } from '../../helpers/client.js';
import { accountWithAddress, confirmAddress, linkIn, mailbox, PASSWORD, tokenIn, uniqueAddress } from '../../helpers/mail.js';

const ROUNDS = 3;
const t = useTestApp({ env: { SESSION_ABSOLUTE_TIMEOUT: '1h' } });

async function registered(prefix: string) {
  const username = uniqueUsername(prefix);
  const client = new Client(t.app.baseUrl);
  assert.equal((await client.register(username, PASSWORD)).status, 303);
  return { username, client };
}

/** Asks for an address on the account page; returns the confirmation mail. */
async function addAddress(client: Client, email: string) {
  const after = mailbox(t.app).lastId();
  const res = await client.post('/account/email', { email }, { formPage: '/account/email' });
  assert.equal(res.status, 303);
  assert.equal(res.headers.get('location'), '/account/email?done=sent');
  return mailbox(t.app).waitFor(email, { after });
}

const confirmedOn = async (client: Client) => /data-testid="confirmed-email">([^<]*)</.exec(await (await client.get('/account/email')).text())?.[1];

describe('adding an address', () => {
  it('at registration: confirmed once the mailed link is followed', async () => {
    const { client, email } = await accountWithAddress(t.app, 'at_register');
    assert.equal(await confirmedOn(client), email);
  });

  it('later, on the account page: waiting until its link is followed, then confirmed', async () => {
    const { client } = await registered('later');
    const email = uniqueAddress('later');
    const mail = await addAddress(client, email);
    assert.match(mail.subject, /Confirm your email address/);
    assert.match(mail.text, /works once, for 1 day/);
    const page = await (await client.get('/account/email')).text();
    assert.match(page, new RegExp(`data-testid="pending-email">${email.replace(/\./g, '\\.')}`));
    assert.equal(await confirmedOn(client), 'none');
    assert.equal(await confirmAddress(client, linkIn(mail, '/verify-email')), '/verify-email/done?outcome=verified');
    assert.equal(await confirmedOn(client), email);
  });

  it('refuses what is not an address, with a clear message', async () => {
    const { client } = await registered('bad_address');
    for (const email of ['', 'no-at-sign', 'two@@example.test', 'a b@example.test', 'x'.repeat(250) + '@example.test']) {
      const res = await client.post('/account/email', { email }, { formPage: '/account/email' });
      assert.equal(res.status, 400, email);
    }
    // what a mail library reads as a display name, a comment or a list: the
    // stored string would not be the mailbox the mail goes to
    const victim = uniqueAddress('plain');
    for (const email of [`a<${victim}>`, `b <${victim}>`, `x(note)@example.test`, `"a b"@example.test`, `a,${victim}`, `a;${victim}`, `a:b@example.test`, 'a@[127.0.0.1]', 'a@exa_mple.test', 'a..b@example.test', 'a@example']) {
      const res = await client.post('/account/email', { email }, { formPage: '/account/email' });
      assert.equal(res.status, 400, email);
      assert.match(await res.text(), /Enter an email address like name@example.com/, email);
    }
    const crafted = await client.post('/account/email', { email: ['a@example.test', 'b@example.test'] }, { formPage: '/account/email' });
    assert.equal(crafted.status, 400);
    const atRegistration = await new Client(t.app.baseUrl).post('/register', { username: uniqueUsername('bad_reg'), password: PASSWORD, confirmPassword: PASSWORD, email: 'not an address' });
    assert.equal(atRegistration.status, 400);
    assert.match(await atRegistration.text(), /Enter an email address like name@example.com/);
  });

  it('accepts a plain address, which a mail library reads as exactly that one address', () => {
    for (const email of ['name@example.com', 'first.last+tag@mail.example.co.uk', "o'brien@example.test", 'x-y_z@sub-domain.example']) {
      assert.match(email, PLAIN_ADDRESS);
      assert.deepEqual(addressparser(email), [{ address: email, name: '' }], email);
    }
  });

  it('is for logged-in visitors only, and the page shows nobody else\'s address', async () => {
    assert.equal((await new Client(t.app.baseUrl).get('/account/email')).status, 302);
    const { email } = await accountWithAddress(t.app, 'private');
    const { client: other } = await registered('nosy');
    assert.ok(!(await (await other.get('/account/email')).text()).includes(email));
  });
});

describe('a confirmation link', () => {
  it('works once, also when three browsers follow it at the same moment', async () => {
    for (let round = 1; round <= ROUNDS; round += 1) {
      const { client } = await registered('verify_parallel');
      const mail = await addAddress(client, uniqueAddress('verify_parallel'));
      const link = linkIn(mail, '/verify-email');
      const outcomes = (await Promise.all([1, 2, 3].map(() => confirmAddress(new Client(t.app.baseUrl), link)))).sort();
      assert.deepEqual(outcomes, ['/verify-email/done?outcome=invalid', '/verify-email/done?outcome=invalid', '/verify-email/done?outcome=verified'], `round ${round}`);
    }
  });

  it('changes nothing when opened, as a mail scanner does: only the page\'s button (a POST with its CSRF token) confirms', async () => {
    const { client, username } = await registered('verify_scanner');
    const email = uniqueAddress('verify_scanner');
    const link = linkIn(await addAddress(client, email), '/verify-email');
    // a gateway opens the link, several times, from browsers of its own
    for (const res of await Promise.all([1, 2, 3].map(() => new Client(t.app.baseUrl).get(link)))) {
      assert.equal(res.status, 200);
      assert.match(await res.text(), /Confirm this address/);
    }
    assert.equal(await confirmedOn(client), 'none', 'opening the link confirmed nothing');
    assert.ok((await t.app.users.findOne({ usernameKey: username.toLowerCase() }, { pendingEmail: 1 }).lean())?.pendingEmail?.address, 'still waiting');
    // the button without the page's CSRF token is refused, and confirms nothing
    const token = tokenIn(await mailbox(t.app).waitFor(email), '/verify-email');
    const forged = await new Client(t.app.baseUrl).post('/verify-email', { token }, { csrf: false });
    assert.equal(forged.status, 403);
    assert.equal(await confirmedOn(client), 'none');
    assert.equal(await confirmAddress(new Client(t.app.baseUrl), link), '/verify-email/done?outcome=verified');
    assert.equal(await confirmedOn(client), email);
  });

  it('expires, and only the newest one works', async () => {
    const { client, username } = await registered('verify_expiry');
    const older = await addAddress(client, uniqueAddress('verify_first'));
    const newer = await addAddress(client, uniqueAddress('verify_second'));
    assert.equal(await confirmAddress(client, linkIn(older, '/verify-email')), '/verify-email/done?outcome=invalid', 'replaced');
    await t.app.users.updateOne({ usernameKey: username.toLowerCase() }, { $set: { 'pendingEmail.expiresAt': new Date(Date.now() - 1000) } });
    assert.equal(await confirmAddress(client, linkIn(newer, '/verify-email')), '/verify-email/done?outcome=invalid', 'expired');
    assert.equal(await confirmedOn(client), 'none');
  });

  it('is stored only as a hash', async () => {
    const { client } = await registered('verify_hash');
    const token = tokenIn(await addAddress(client, uniqueAddress('verify_hash')), '/verify-email');
    const users = await t.app.connection.getClient().db(t.app.connection.name).collection('users').find().toArray();
    assert.ok(!JSON.stringify(users).includes(token));
  });

  it('cannot take an address another account has confirmed; several may wait for it, the first link followed wins', async () => {
    for (let round = 1; round <= ROUNDS; round += 1) {
      const email = uniqueAddress('contested');
      const accounts = await Promise.all([1, 2, 3].map(() => registered('contested')));
      const mails = [];
      for (const { client } of accounts) mails.push(await addAddress(client, email));
      const outcomes = (await Promise.all(mails.map((mail) => confirmAddress(new Client(t.app.baseUrl), linkIn(mail, '/verify-email'))))).sort();
      assert.deepEqual(outcomes, ['/verify-email/done?outcome=taken', '/verify-email/done?outcome=taken', '/verify-email/done?outcome=verified'], `round ${round}`);
      assert.equal(await t.app.users.countDocuments({ emailKey: email }), 1, `round ${round}`);
    }
  });
});

describe('changing the address', () => {
  it('needs the password checked recently (sudo mode): an old login is asked for it first, and nothing is sent', async () => {
    const { client } = await registered('sudo');
    const sessions = t.app.connection.getClient().db(t.app.connection.name).collection<{ _id: string }>('sessions');
    await sessions.updateOne(
      { _id: storedIdFromCookie(client.cookies.get(t.app.config.session.cookieName)) },
      { $set: { 'session.authenticatedAt': Date.now() - 11 * 60_000 } },
    );
    const page = await client.get('/account/email');
    assert.equal(page.status, 303);
    assert.equal(page.headers.get('location'), '/account/confirm?next=/account/email');
    const csrf = await client.csrfToken('/account/password');
    const after = mailbox(t.app).lastId();
    const email = uniqueAddress('sudo');
    for (const path of ['/account/email', '/account/email/remove']) {
      const res = await client.post(path, { email, _csrf: csrf });
      assert.equal(res.status, 303, path);
      assert.match(res.headers.get('location') ?? '', /^\/account\/confirm\?next=/, path);
    }
    await t.app.mailSettled();
    assert.equal(mailbox(t.app).lastId(), after, 'no mail was sent');
  });

  it('keeps the confirmed one until the new one is confirmed, and tells the old one', async () => {
    const { client, email } = await accountWithAddress(t.app, 'change');
    const after = mailbox(t.app).lastId();
    const newEmail = uniqueAddress('changed');
    const confirmation = await addAddress(client, newEmail);
    const notice = await mailbox(t.app).waitFor(email, { after });
    assert.match(notice.subject, /email address is being changed/);
    assert.equal(await confirmedOn(client), email, 'the old address stays until the new one is confirmed');
    await confirmAddress(client, linkIn(confirmation, '/verify-email'));
    assert.equal(await confirmedOn(client), newEmail);
  });

  it('removing it leaves the account without one, and tells the address', async () => {
    const { client, username, email } = await accountWithAddress(t.app, 'remove');
    const after = mailbox(t.app).lastId();
    const res = await client.post('/account/email/remove', {}, { formPage: '/account/email' });
    assert.match((await mailbox(t.app).waitFor(email, { after })).subject, /was removed/);
    assert.equal(res.status, 303);
    assert.equal(await confirmedOn(client), 'none');
    const user = await t.app.users.findOne({ usernameKey: username.toLowerCase() }).lean();
    assert.equal(user?.emailKey, undefined);
  });
});

describe('verification mails', () => {
  const limited = useTestApp({ env: { SESSION_ABSOLUTE_TIMEOUT: '1h', EMAIL_VERIFICATION_MAILS_PER_ACCOUNT_PER_HOUR: '3', EMAIL_VERIFICATION_MAILS_PER_ADDRESS_PER_HOUR: '2' } });

  async function loggedIn(prefix: string) {
    const client = new Client(limited.app.baseUrl);
    assert.equal((await client.register(uniqueUsername(prefix), PASSWORD)).status, 303);
    return client;
  }
  const ask = async (client: Client, email: string) => {
    const csrf = await client.csrfToken('/account/email');
    return (await client.post('/account/email', { email, _csrf: csrf })).status;
  };
  const mailsTo = (addresses: string[]) => mailbox(limited.app).messages().filter((m) => m.to.some((to) => addresses.includes(to))).length;

  it('go out at most the hourly number per account, also when asked for all at once; past it a 429 and nothing sent', async () => {
    for (let round = 1; round <= ROUNDS; round += 1) {
      const client = await loggedIn('verify_flood');
      const addresses = Array.from({ length: 8 }, () => uniqueAddress('flooded'));
      const statuses = await Promise.all(addresses.map((email) => ask(client, email)));
      assert.deepEqual(statuses.filter((s) => s === 303).length, 3, `round ${round}: ${statuses.join(',')}`);
      assert.deepEqual(statuses.filter((s) => s === 429).length, 5, `round ${round}`);
      await limited.app.mailSettled();
      assert.equal(mailsTo(addresses), 3, `round ${round}: three mails, no more`);
    }
  });

  it('reach one address at most its hourly number, whichever accounts ask, all at once', async () => {
    for (let round = 1; round <= ROUNDS; round += 1) {
      const victim = uniqueAddress('victim');
      const clients = await Promise.all([1, 2, 3, 4, 5].map(() => loggedIn('verify_victim')));
      const statuses = await Promise.all(clients.map((client) => ask(client, victim)));
      assert.equal(statuses.filter((s) => s === 303).length, 2, `round ${round}: ${statuses.join(',')}`);
      assert.equal(statuses.filter((s) => s === 429).length, 3, `round ${round}`);
      await limited.app.mailSettled();
      assert.equal(mailsTo([victim]), 2, `round ${round}: two mails, no more`);
    }
  });
});
