// "This wasn't me" (features/mail/not-me.ts, features/mail/not-me-links.ts): opening the
// link changes nothing; the button works once, even pressed in three
// browsers at once; it signs every session of the account out, cancels a
// waiting address change and mails a reset link; the review page lists and
// removes that account's passkeys only, for its own browser only; and the
// token is never stored as it is.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Types } from 'mongoose';
import { hashLinkToken } from '../../../src/auth/link-tokens.js';
import { NOT_ME_LINKS_COLLECTION, notMeLinks, notMeUrl } from '../../../src/features/mail/not-me-links.js';
import { createPasskeyModel } from '../../../src/features/passkeys/model.js';
import { SESSIONS_COLLECTION } from '../../../src/session/store.js';
import { useTestApp, type TestApp } from '../../helpers/app.js';
import { Client, storedIdFromCookie } from '../../helpers/client.js';
import { accountWithAddress, linkIn, mailbox, PASSWORD, uniqueAddress } from '../../helpers/mail.js';
import { turnOnTwoFactor } from '../../helpers/two-factor.js';

const t = useTestApp();

const db = (app: TestApp) => app.connection.getClient().db(app.connection.name);
const links = (app: TestApp) => notMeLinks(db(app).collection(NOT_ME_LINKS_COLLECTION));
/** A link as an alert mails it: to the account's confirmed address. */
async function linkFor(userId: string): Promise<string> {
  const user = await t.app.users.findById(userId, { emailKey: 1 }).lean();
  return links(t.app).create({ userId, mailedTo: user?.emailKey ?? '' });
}

/** A passkey record on an account, as a registration ceremony would leave it. */
async function addPasskey(app: TestApp, userId: string, name: string): Promise<string> {
  const passkey = await createPasskeyModel(app.connection).create({
    userId: new Types.ObjectId(userId),
    credentialId: new Types.ObjectId().toHexString(),
    publicKey: Buffer.from('not a real key'),
    userHandle: new Types.ObjectId().toHexString(),
    name,
    deviceType: 'singleDevice',
  });
  return String(passkey._id);
}

/** A hidden field of the page's first form (there must be one). */
function hiddenField(html: string, name: string): string {
  const value = new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1];
  assert.ok(value, `a ${name} field on the page`);
  return value;
}

/** Opens the link in a browser and answers the page's form fields. */
async function openLink(client: Client, token: string): Promise<{ status: number; html: string; token: string; csrf: string }> {
  const res = await client.get(`/not-me?token=${token}`);
  const html = await res.text();
  return { status: res.status, html, token: hiddenField(html, 'token'), csrf: hiddenField(html, '_csrf') };
}

/** Opens the link and presses the button, as its owner does. */
async function pressButton(client: Client, token: string): Promise<Response> {
  const page = await openLink(client, token);
  assert.equal(page.status, 200);
  return client.post('/not-me', { token: page.token, _csrf: page.csrf });
}

/** Whether a browser is signed in: the dashboard, or the login page. */
async function signedIn(client: Client): Promise<boolean> {
  const res = await client.get('/dashboard');
  if (res.status === 200) return true;
  assert.match(res.headers.get('location') ?? '', /^\/login/);
  return false;
}

/** The page a browser without a grant gets (and not, say, a refused CSRF token). */
async function assertClosed(res: Response): Promise<void> {
  assert.equal(res.status, 403);
  assert.match(await res.text(), /This page has closed/);
}

describe('"This wasn\'t me" links', () => {
  it('are for a mail: PUBLIC_URL, /not-me, the token', () => {
    assert.equal(notMeUrl('https://cloakroom.example', 'abc'), 'https://cloakroom.example/not-me?token=abc');
  });

  it('open a page with one button, and opening it changes nothing', async () => {
    const { client, userId } = await accountWithAddress(t.app, 'notme_get');
    await t.app.users.updateOne({ _id: userId }, { $set: { pendingEmail: { address: 'x@example.test', key: 'x@example.test', tokenHash: 'h', expiresAt: new Date(Date.now() + 60_000) } } });
    const token = await linkFor(userId);
    // a mail scanner, and the owner's own browser, both open the link
    for (const browser of [new Client(t.app.baseUrl), client]) {
      const page = await openLink(browser, token);
      assert.equal(page.status, 200);
      assert.equal(page.token, token);
      assert.match(page.html, /<form method="post" action="\/not-me">/);
      assert.ok(page.csrf);
    }
    assert.equal(await signedIn(client), true);
    assert.equal(await db(t.app).collection(NOT_ME_LINKS_COLLECTION).countDocuments({ tokenHash: hashLinkToken(token) }), 1);
    const user = await t.app.users.findById(userId, { pendingEmail: 1 }).lean();
    assert.equal(user?.pendingEmail?.address, 'x@example.test');
  });

  it('sign every session out, cancel a waiting address change, mail a reset link, and open the review page', async () => {
    const { client: victim, username, email, userId } = await accountWithAddress(t.app, 'notme_post');
    const elsewhere = new Client(t.app.baseUrl);
    assert.equal((await elsewhere.login(username, PASSWORD)).status, 303);
    // someone signed in asks to move the account to their own address
    const theirs = uniqueAddress('intruder');
    assert.equal((await victim.post('/account/email', { email: theirs }, { formPage: '/account/email' })).status, 303);
    assert.equal((await t.app.users.findById(userId, { pendingEmail: 1 }).lean())?.pendingEmail?.address, theirs);

    const token = await linkFor(userId);
    const owner = new Client(t.app.baseUrl);
    const page = await openLink(owner, token);
    const before = owner.cookies.get('cloakroom.sid');
    // the notice of the address change is out first: the next mail there is ours
    await t.app.mailSettled();
    const after = mailbox(t.app).lastId();
    const res = await owner.post('/not-me', { token: page.token, _csrf: page.csrf });
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/not-me/review');
    // a new session ID for the browser that pressed it (session fixation)
    assert.ok(owner.cookies.get('cloakroom.sid'));
    assert.notEqual(owner.cookies.get('cloakroom.sid'), before);

    // every session of the account is out
    assert.equal(await signedIn(victim), false);
    assert.equal(await signedIn(elsewhere), false);
    // ...and the button signed nobody in
    assert.equal(await signedIn(owner), false);
    // the intruder's address is no longer waiting
    assert.equal((await t.app.users.findById(userId, { pendingEmail: 1 }).lean())?.pendingEmail, undefined);

    // a reset link to the confirmed address, which works
    const mail = await mailbox(t.app).waitFor(email, { after });
    assert.equal(mail.subject, 'Choose a new Cloakroom password');
    const reset = new Client(t.app.baseUrl);
    assert.equal((await reset.get(linkIn(mail, '/reset-password'))).status, 303);
    const newPassword = 'a brand new passphrase';
    const done = await reset.post('/reset-password', { newPassword, confirmPassword: newPassword }, { formPage: '/reset-password' });
    assert.equal(done.headers.get('location'), '/login?notice=password-reset');
    assert.equal((await new Client(t.app.baseUrl).login(username, newPassword)).status, 303);

    const review = await owner.get('/not-me/review');
    assert.equal(review.status, 200);
    const html = await review.text();
    assert.match(html, /Every session of .* has been signed out/);
    assert.match(html, /A link to choose a new password is on its way/);
  });

  it('work once: of three browsers pressing the button at once, exactly one gets through', async () => {
    for (let round = 0; round < 3; round += 1) {
      const { userId } = await accountWithAddress(t.app, `notme_race${round}`);
      const token = await linkFor(userId);
      const browsers = [new Client(t.app.baseUrl), new Client(t.app.baseUrl), new Client(t.app.baseUrl)];
      const pages = await Promise.all(browsers.map((b) => openLink(b, token)));
      const results = await Promise.all(browsers.map((b, i) => b.post('/not-me', { token, _csrf: pages[i]?.csrf ?? '' })));
      const statuses = results.map((r) => r.status).sort();
      assert.deepEqual(statuses, [303, 400, 400], `round ${round}`);
      // the others were told the link no longer works
      for (const r of results.filter((r) => r.status === 400)) assert.match(await r.text(), /This link no longer works/);
      // and only the winner may review the account
      const reviews = await Promise.all(browsers.map(async (b) => (await b.get('/not-me/review')).status));
      assert.deepEqual(reviews.sort(), [200, 403, 403]);
    }
  });

  it('answer a used, expired, unknown or mangled link with a page that says so, never an error', async () => {
    const { userId } = await accountWithAddress(t.app, 'notme_bad');
    const used = await linkFor(userId);
    assert.equal((await pressButton(new Client(t.app.baseUrl), used)).status, 303);
    const expired = await linkFor(userId);
    await db(t.app).collection(NOT_ME_LINKS_COLLECTION).updateOne({ tokenHash: hashLinkToken(expired) }, { $set: { expiresAt: new Date(Date.now() - 1000) } });
    const unknown = 'A'.repeat(43);
    const browser = new Client(t.app.baseUrl);
    for (const path of [`/not-me?token=${used}`, `/not-me?token=${expired}`, `/not-me?token=${unknown}`, '/not-me?token=short', '/not-me?token[$ne]=x', '/not-me']) {
      const res = await browser.get(path);
      assert.equal(res.status, 400, path);
      assert.match(await res.text(), /This link no longer works/, path);
    }
    // the button of a page opened before the link was spent
    const csrf = await browser.csrfToken('/login');
    for (const token of [used, expired, unknown, '', 'x']) {
      const res = await browser.post('/not-me', { token, _csrf: csrf });
      assert.equal(res.status, 400, token);
    }
    assert.equal((await browser.post('/not-me', { _csrf: csrf })).status, 400);
  });

  it('never store the token as it is: only its SHA-256, and nowhere else', async () => {
    const { userId } = await accountWithAddress(t.app, 'notme_hash');
    const token = await linkFor(userId);
    const stored = await db(t.app).collection(NOT_ME_LINKS_COLLECTION).find({ userId }).toArray();
    assert.equal(stored.length, 1);
    assert.equal(stored[0]?.tokenHash, hashLinkToken(token));
    // 7 days
    const lifetime = (stored[0]?.expiresAt as Date).getTime() - Date.now();
    assert.ok(lifetime > 7 * 86_400_000 - 60_000 && lifetime <= 7 * 86_400_000);
    // opened, and the button pressed: still nowhere in the database
    const browser = new Client(t.app.baseUrl);
    const page = await openLink(browser, token);
    const everywhere = async () => {
      for (const { name } of await db(t.app).listCollections().toArray()) {
        const docs = JSON.stringify(await db(t.app).collection(name).find().toArray());
        assert.ok(!docs.includes(token), `the token is in ${name}`);
      }
    };
    await everywhere();
    await browser.post('/not-me', { token: page.token, _csrf: page.csrf });
    await everywhere();
  });

  describe('the review page', () => {
    it('lists the account\'s passkeys and the state of two-factor, and offers no way to weaken it', async () => {
      const { client, userId } = await accountWithAddress(t.app, 'notme_list');
      await turnOnTwoFactor(client);
      await addPasskey(t.app, userId, 'Laptop');
      await addPasskey(t.app, userId, 'Phone');
      const owner = new Client(t.app.baseUrl);
      await pressButton(owner, await linkFor(userId));
      const html = await (await owner.get('/not-me/review')).text();
      assert.equal(html.match(/data-testid="passkey-row"/g)?.length, 2);
      assert.match(html, /Laptop/);
      assert.match(html, /Phone/);
      assert.match(html, /Two-factor login is on, with 10 recovery\s+codes left/);
      assert.match(html, /href="\/account\/two-factor"/);
      // no form that turns it off or makes codes; and the grant is no login for those pages
      assert.doesNotMatch(html, /action="\/account\//);
      const csrf = hiddenField(html, '_csrf');
      for (const path of ['/account/two-factor/off', '/account/recovery-codes']) {
        const res = await owner.post(path, { _csrf: csrf });
        assert.ok([302, 303].includes(res.status), `${path}: ${res.status}`);
        assert.match(res.headers.get('location') ?? '', /^\/login/);
      }
      assert.ok((await t.app.users.findById(userId, { twoFactor: 1 }).lean())?.twoFactor);
    });

    it('removes a passkey of that account, and signs every session out again', async () => {
      const { username, userId } = await accountWithAddress(t.app, 'notme_remove');
      const laptop = await addPasskey(t.app, userId, 'Laptop');
      const phone = await addPasskey(t.app, userId, 'Phone');
      const owner = new Client(t.app.baseUrl);
      await pressButton(owner, await linkFor(userId));
      // someone signs in meanwhile (with the passkey, say)
      const intruder = new Client(t.app.baseUrl);
      assert.equal((await intruder.login(username, PASSWORD)).status, 303);
      const csrf = hiddenField(await (await owner.get('/not-me/review')).text(), '_csrf');
      const res = await owner.post('/not-me/passkeys/remove', { id: laptop, _csrf: csrf });
      assert.equal(res.status, 303);
      assert.equal(res.headers.get('location'), '/not-me/review?done=removed');
      const passkeys = createPasskeyModel(t.app.connection);
      assert.equal(await passkeys.exists({ _id: laptop }), null);
      assert.ok(await passkeys.exists({ _id: phone }));
      assert.equal(await signedIn(intruder), false);
      const html = await (await owner.get('/not-me/review?done=removed')).text();
      assert.equal(html.match(/data-testid="passkey-row"/g)?.length, 1);
      assert.match(html, /The passkey has been removed/);
    });

    it("removes no other account's passkey", async () => {
      const { userId } = await accountWithAddress(t.app, 'notme_mine');
      const mine = await addPasskey(t.app, userId, 'My key');
      const other = await accountWithAddress(t.app, 'notme_theirs');
      const theirs = await addPasskey(t.app, other.userId, 'Their key');
      const owner = new Client(t.app.baseUrl);
      await pressButton(owner, await linkFor(userId));
      const csrf = hiddenField(await (await owner.get('/not-me/review')).text(), '_csrf');
      for (const id of [theirs, new Types.ObjectId().toHexString(), 'not-an-id']) {
        const res = await owner.post('/not-me/passkeys/remove', { id, _csrf: csrf });
        assert.equal(res.status, 404, id);
        assert.match(await res.text(), /No such passkey/);
      }
      assert.ok(await createPasskeyModel(t.app.connection).exists({ _id: theirs }));
      assert.ok(await createPasskeyModel(t.app.connection).exists({ _id: mine }));
      // its owner's sessions were not touched
      assert.equal(await signedIn(other.client), true);
    });

    it('is closed to a browser without the grant, signed in or not, and after 15 minutes', async () => {
      const { client, userId } = await accountWithAddress(t.app, 'notme_closed');
      const passkey = await addPasskey(t.app, userId, 'Laptop');
      const stranger = new Client(t.app.baseUrl);
      // the account's own login is no grant either
      for (const browser of [stranger, client]) {
        await assertClosed(await browser.get('/not-me/review'));
        const csrf = await browser.csrfToken(browser === client ? '/sessions' : '/login');
        await assertClosed(await browser.post('/not-me/passkeys/remove', { id: passkey, _csrf: csrf }));
      }
      // a grant past its 15 minutes
      const owner = new Client(t.app.baseUrl);
      await pressButton(owner, await linkFor(userId));
      const csrf = hiddenField(await (await owner.get('/not-me/review')).text(), '_csrf');
      const _id = storedIdFromCookie(owner.cookies.get('cloakroom.sid'));
      await db(t.app).collection<{ _id: string }>(SESSIONS_COLLECTION).updateOne({ _id }, { $set: { 'session.notMeGrant.until': Date.now() - 1 } });
      await assertClosed(await owner.get('/not-me/review'));
      await assertClosed(await owner.post('/not-me/passkeys/remove', { id: passkey, _csrf: csrf }));
      assert.ok(await createPasskeyModel(t.app.connection).exists({ _id: passkey }));
    });
  });

  it("sign out the owner's own session when pressed there, and open the review in its place", async () => {
    const { client, userId } = await accountWithAddress(t.app, 'notme_self');
    assert.equal((await pressButton(client, await linkFor(userId))).status, 303);
    assert.equal((await client.get('/not-me/review')).status, 200);
    assert.equal(await signedIn(client), false);
  });
});
