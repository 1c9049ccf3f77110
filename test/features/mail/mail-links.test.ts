// Mailed links in a browser whose session has ended: a reset link and a
// verification link work, logged in or not, also when the browser still
// shows a cookie whose session was signed out elsewhere or timed out. They
// are never bounced to the login page, and their token never lands in a
// `next`.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useTestApp } from '../../helpers/app.js';
import { Client, storedIdFromCookie } from '../../helpers/client.js';
import { accountWithAddress, confirmAddress, linkIn, mailbox, uniqueAddress } from '../../helpers/mail.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const NEW_PASSWORD = 'a brand new passphrase';

const t = useTestApp({
  // short enough to wait for in a test, long enough for a form's GET and POST
  env: { SESSION_IDLE_TIMEOUT: '2s', PASSWORD_RESET_REQUESTS_PER_IP_PER_HOUR: '100000' },
});

const sessions = () => t.app.connection.getClient().db(t.app.connection.name).collection('sessions');

/** Signs this browser's session out from elsewhere: its document goes, its cookie stays. */
async function endElsewhere(client: Client) {
  const result = await sessions().deleteOne({ _id: storedIdFromCookie(client.cookies.get(t.app.config.session.cookieName)) as never });
  assert.equal(result.deletedCount, 1);
}

/** A reset link mailed to this account's address. */
async function resetLink(username: string, email: string) {
  const after = mailbox(t.app).lastId();
  assert.equal((await new Client(t.app.baseUrl).post('/forgot-password', { identifier: username }, { formPage: '/forgot-password' })).status, 303);
  return linkIn(await mailbox(t.app).waitFor(email, { after }), '/reset-password');
}

/** Opens a reset link in this browser and chooses a new password; fails if it is bounced anywhere. */
async function resetWith(browser: Client, link: string) {
  const opened = await browser.get(link);
  assert.equal(opened.headers.get('location'), '/reset-password', 'the link page, not the login page');
  const form = await browser.get('/reset-password');
  assert.equal(form.status, 200);
  const res = await browser.post('/reset-password', { newPassword: NEW_PASSWORD, confirmPassword: NEW_PASSWORD }, { formPage: '/reset-password' });
  assert.equal(res.headers.get('location'), '/login?notice=password-reset');
}

describe('a reset link in a browser whose session ended', () => {
  it('works when the session was signed out elsewhere', async () => {
    const { username, email, client } = await accountWithAddress(t.app, 'stale_reset');
    const link = await resetLink(username, email);
    await endElsewhere(client);
    await resetWith(client, link);
    assert.equal((await new Client(t.app.baseUrl).login(username, NEW_PASSWORD)).status, 303);
  });

  it('works when the session timed out', async () => {
    const { username, email, client } = await accountWithAddress(t.app, 'expired_reset');
    const link = await resetLink(username, email);
    await sleep(2300);
    await resetWith(client, link);
    assert.equal((await new Client(t.app.baseUrl).login(username, NEW_PASSWORD)).status, 303);
  });
});

describe('a verification link in a browser whose session ended', () => {
  for (const [how, end] of [
    ['signed out elsewhere', endElsewhere],
    ['timed out', () => sleep(2300)],
  ] as const) {
    it(`confirms the address when the session was ${how}`, async () => {
      const { client, userId } = await accountWithAddress(t.app, 'stale_verify');
      const address = uniqueAddress('stale_verify_new');
      const after = mailbox(t.app).lastId();
      assert.equal((await client.post('/account/email', { email: address }, { formPage: '/account/email' })).status, 303);
      const link = linkIn(await mailbox(t.app).waitFor(address, { after }), '/verify-email');
      await end(client);
      assert.equal(await confirmAddress(client, link), '/verify-email/done?outcome=verified');
      assert.equal((await t.app.users.findById(userId, { email: 1 }).lean())?.email, address);
      const done = await client.get('/verify-email/done?outcome=verified');
      assert.equal(done.status, 200, 'the outcome page too');
    });
  }
});

describe('a page that needs a login', () => {
  it('never carries a token into the login page\'s next', async () => {
    const { client } = await accountWithAddress(t.app, 'no_token_next');
    await endElsewhere(client);
    const res = await client.get('/dashboard?token=abc');
    assert.equal(res.headers.get('location'), '/login?next=/dashboard');
  });
});
