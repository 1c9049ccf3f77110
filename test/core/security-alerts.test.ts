// Security log and alerts: every change to how an account signs in is one
// line in its log (/account/activity) and one mail to its confirmed address,
// also when three tabs send the same change at once; a sign-in from a browser
// that never signed in to the account mails "a new sign-in", once; nothing
// secret reaches the log or a mail; and a stranger cannot flood the owner's
// mailbox by failing on purpose.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CaughtMail } from '../../src/mail/catcher.js';
import { useTestApp } from '../helpers/app.js';
import { Client } from '../helpers/client.js';
import { describeBrowser } from '../../src/session/describe-browser.js';
import { accountWithAddress, confirmAddress, linkIn, mailbox, PASSWORD, uniqueAddress } from '../helpers/mail.js';
import { turnOnTwoFactor } from '../helpers/two-factor.js';

const t = useTestApp({ env: { LOGIN_MAX_CONSECUTIVE_FAILURES: '3', LOGIN_LOCKOUT: '1s' } });

const db = () => t.app.connection.getClient().db(t.app.connection.name);

/** What happened between two points: the account's new log lines (by type) and the mails to its address. */
async function after(userId: string, email: string, action: () => Promise<unknown>) {
  await t.app.mailSettled();
  const since = mailbox(t.app).lastId();
  const before = await db().collection('security_events').countDocuments({ userId });
  await action();
  await t.app.mailSettled();
  const events = (await t.app.securityLog.list(userId)).slice(0, (await db().collection('security_events').countDocuments({ userId })) - before);
  const mails = mailbox(t.app)
    .messages()
    .filter((m: CaughtMail) => m.id > since && m.to.includes(email));
  return { types: events.map((e) => e.event.type).sort(), mails };
}

/** The same form from three copies of one browser at once (three tabs). */
function threeTabs(client: Client, path: string, form: Record<string, string>, formPage: string) {
  return Promise.all(
    [0, 1, 2].map(async () => {
      const tab = new Client(t.app.baseUrl);
      for (const [name, value] of client.cookies) tab.cookies.set(name, value);
      return tab.post(path, form, { formPage });
    }),
  );
}

describe('alerts', () => {
  it('a password changed from three tabs at once: changed once, one line, one mail', async () => {
    const { client, email, userId } = await accountWithAddress(t.app, 'alert_pw');
    const next = 'a brand new passphrase';
    let statuses: number[] = [];
    const { types, mails } = await after(userId, email, async () => {
      statuses = (await threeTabs(client, '/account/password', { currentPassword: PASSWORD, newPassword: next, confirmPassword: next }, '/account/password')).map((r) => r.status);
    });
    assert.equal(statuses.filter((s) => s === 303).length, 1, `one tab changed it (${statuses.join(', ')})`);
    assert.deepEqual(types.filter((type) => type === 'password-changed'), ['password-changed']);
    assert.equal(mails.length, 1, mails.map((m) => m.subject).join(' | '));
    assert.match(mails[0]?.subject ?? '', /password was changed/);
    assert.match(mails[0]?.text ?? '', /\/not-me\?token=[\w-]{43}/, '"This wasn\'t me"');
    assert.ok(!mails[0]?.text.includes(next), 'never the password');
  });

  it('two-factor turned on, new recovery codes, then off from three tabs at once: one line and one mail each', async () => {
    const { client, email, userId } = await accountWithAddress(t.app, 'alert_tf');
    let codes: string[] = [];
    const on = await after(userId, email, async () => {
      codes = (await turnOnTwoFactor(client)).recoveryCodes;
    });
    assert.ok(on.types.includes('two-factor-on'));
    assert.deepEqual(on.mails.map((m) => m.subject), ['Two-factor login was turned on for your Cloakroom account']);
    const made = await after(userId, email, () => client.post('/account/recovery-codes', {}, { formPage: '/account/password' }));
    assert.deepEqual(made.types, ['recovery-codes-made']);
    assert.equal(made.mails.length, 1);
    const off = await after(userId, email, () => threeTabs(client, '/account/two-factor/off', {}, '/account/password'));
    assert.deepEqual(off.types.filter((type) => type === 'two-factor-off'), ['two-factor-off']);
    assert.deepEqual(off.mails.map((m) => m.subject), ['Two-factor login was turned off for your Cloakroom account']);
    // nothing secret anywhere in the log
    const stored = JSON.stringify(await db().collection('security_events').find({ userId }).toArray());
    for (const code of codes) assert.ok(!stored.includes(code), 'no recovery code in the log');
    assert.ok(!stored.includes(PASSWORD));
  });

  it('the address removed from three tabs at once: one line, one mail to the removed address', async () => {
    const { client, email, userId } = await accountWithAddress(t.app, 'alert_rm');
    const { types, mails } = await after(userId, email, () => threeTabs(client, '/account/email/remove', {}, '/account/email'));
    assert.deepEqual(types, ['email-removed']);
    assert.deepEqual(mails.map((m) => m.subject), ['Your email address was removed from Cloakroom']);
  });

  it('a new browser: "a new sign-in", once; the same browser again, even after a logout: nothing', async () => {
    const { username, email, userId } = await accountWithAddress(t.app, 'alert_new');
    const browser = new Client(t.app.baseUrl, { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36' });
    const first = await after(userId, email, () => browser.login(username, PASSWORD));
    assert.deepEqual(first.types, ['signed-in']);
    assert.deepEqual(first.mails.map((m) => m.subject), ['A new sign-in to your Cloakroom account']);
    assert.match(first.mails[0]?.text ?? '', /Browser: Chrome 156 on Linux\. Address: 127\.0\.0\.1\./);
    const again = await after(userId, email, async () => {
      await browser.post('/logout');
      await browser.login(username, PASSWORD);
    });
    assert.deepEqual(again.types, ['sessions-ended', 'signed-in']);
    assert.equal(again.mails.length, 0, 'a known browser');
    // and the activity page marks this browser's lines
    const page = await (await browser.get('/account/activity')).text();
    assert.match(page, /This browser/);
  });

  it('failures and lockouts are logged, but mail nobody: a stranger cannot flood the owner\'s mailbox', async () => {
    const { username, email, userId } = await accountWithAddress(t.app, 'alert_flood');
    const { types, mails } = await after(userId, email, async () => {
      for (let round = 0; round < 3; round += 1) {
        await Promise.all([0, 1, 2].map(() => new Client(t.app.baseUrl).login(username, 'not the password')));
        await new Promise((resolve) => setTimeout(resolve, 1100));
      }
    });
    assert.ok(types.includes('sign-in-failed') && types.includes('locked-out'), types.join(', '));
    assert.equal(mails.length, 0);
  });
});

/** Follows a "This wasn't me" link from a mail and presses its button, in a browser of its own. */
async function pressNotMe(mail: CaughtMail | undefined): Promise<Response> {
  assert.ok(mail, 'an alert mail');
  const browser = new Client(t.app.baseUrl);
  const html = await (await browser.get(linkIn(mail, '/not-me'))).text();
  const field = (name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1] ?? '';
  return browser.post('/not-me', { token: field('token'), _csrf: field('_csrf') });
}

/** Resets the password through the link mailed to this address; answers where the new password's login leads. */
async function resetAndLogIn(username: string, email: string, newPassword: string): Promise<string | null> {
  const reset = await mailbox(t.app).waitFor(email, { after: 0 });
  const mail = mailbox(t.app).messages().find((m) => m.to.includes(email) && /reset-password\?token=/.test(m.text)) ?? reset;
  const browser = new Client(t.app.baseUrl);
  await browser.get(linkIn(mail, '/reset-password'));
  const done = await browser.post('/reset-password', { newPassword, confirmPassword: newPassword }, { formPage: '/reset-password' });
  assert.equal(done.headers.get('location'), '/login?notice=password-reset');
  return (await new Client(t.app.baseUrl).login(username, newPassword)).headers.get('location');
}

describe('"This wasn\'t me", against an intruder who knew the password', () => {
  it('undoes the two-factor enrolment its alert was about: the intruder\'s app does not keep the owner out after the reset', async () => {
    const { username, email, userId } = await accountWithAddress(t.app, 'undo_tf');
    const intruder = new Client(t.app.baseUrl);
    const { mails } = await after(userId, email, async () => {
      assert.equal((await intruder.login(username, PASSWORD)).status, 303);
      await turnOnTwoFactor(intruder);
    });
    const alert = mails.find((m) => /turned on/.test(m.subject));
    assert.equal((await pressNotMe(alert)).headers.get('location'), '/not-me/review');
    await t.app.mailSettled();
    assert.equal(await resetAndLogIn(username, email, 'the owner is back'), '/dashboard', 'the password alone, as before the intrusion');
    const user = await t.app.users.findById(userId, { twoFactor: 1 }).lean();
    assert.equal(user?.twoFactor, undefined);
  });

  it('forgets the browsers the account knew: the intruder\'s next sign-in is mailed about again', async () => {
    const { username, email, userId } = await accountWithAddress(t.app, 'forget_browsers');
    const intruder = new Client(t.app.baseUrl);
    const first = await after(userId, email, () => intruder.login(username, PASSWORD));
    assert.equal((await pressNotMe(first.mails[0])).status, 303);
    await t.app.mailSettled();
    const newPassword = 'the owner is back';
    await resetAndLogIn(username, email, newPassword);
    const again = await after(userId, email, () => intruder.login(username, newPassword));
    assert.deepEqual(again.mails.map((m) => m.subject), ['A new sign-in to your Cloakroom account']);
  });

  it('a link mailed to an address the account no longer has signs everyone out, and does nothing more', async () => {
    const { client, email } = await accountWithAddress(t.app, 'moved');
    const theirs = uniqueAddress('moved_thief');
    // an intruder in sudo mode moves the address to theirs and confirms it
    let since = mailbox(t.app).lastId();
    await client.post('/account/email', { email: theirs }, { formPage: '/account/email' });
    const verification = await mailbox(t.app).waitFor(theirs, { after: since });
    await t.app.mailSettled();
    since = mailbox(t.app).lastId();
    assert.equal(await confirmAddress(new Client(t.app.baseUrl), linkIn(verification, '/verify-email')), '/verify-email/done?outcome=verified');
    const told = await mailbox(t.app).waitFor(email, { after: since });
    assert.match(told.subject, /email address was changed/);
    await t.app.mailSettled();
    since = mailbox(t.app).lastId();
    const res = await pressNotMe(told);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /Every session was signed out/);
    assert.equal((await client.get('/dashboard')).status, 302, 'signed out');
    await t.app.mailSettled();
    assert.equal(mailbox(t.app).messages().filter((m) => m.id > since && /reset-password/.test(m.text)).length, 0, 'no reset link to the new address');
  });
});

describe('the log, against whoever guesses', () => {
  it('wrong passwords from anyone never push the account\'s real history out of its log', async () => {
    const { client, username, userId } = await accountWithAddress(t.app, 'wipe');
    await client.post('/sessions/end-others', {}, { formPage: '/sessions' });
    await t.app.securityLog.record(userId, { type: 'password-changed' }, { ip: '192.0.2.1', browser: 'Chrome 156 on Linux', browserKey: undefined });
    const cap = t.app.config.securityLog.maxPerAccount;
    for (let i = 0; i < cap + 5; i += 1) {
      await t.app.securityLog.record(userId, { type: 'sign-in-failed', method: 'password' }, { ip: '198.51.100.7', browser: 'Unknown browser', browserKey: undefined });
    }
    const types = (await t.app.securityLog.list(userId)).map((e) => e.event.type);
    assert.ok(types.includes('password-changed'), 'the change is still there');
    assert.ok(types.includes('signed-in'), 'the first sign-in is still there');
    assert.equal(types.filter((type) => type === 'sign-in-failed').length, cap, `failures kept to ${cap} (${username})`);
  });

  it('shows only browser names it knows: a User-Agent cannot write a sentence into the page or a mail', () => {
    assert.equal(describeBrowser('URGENT: account suspended, verify at https://evil.example/login now/1 x'), 'Unknown browser');
    assert.equal(describeBrowser('Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36'), 'Chrome 156 on Linux');
  });
});
