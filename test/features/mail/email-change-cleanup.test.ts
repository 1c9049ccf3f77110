// A pending address change does not outlive the owner's clean-up. An intruder
// signed in as the owner (the password seen over a shoulder, or a stolen
// cookie in sudo mode) asks to move the account's address to one of theirs;
// its link needs no session, and once confirmed, the next reset link would go
// to them. So the change ends with every revocation (a password change, a
// reset, "sign out everywhere else": session/revocation.ts), with the session
// that asked for it, and when the owner types their own address again; and
// confirming a new address tells the old one.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useTestApp } from '../../helpers/app.js';
import { Client, storedIdFromCookie } from '../../helpers/client.js';
import { accountWithAddress, confirmAddress, linkIn, mailbox, PASSWORD, uniqueAddress } from '../../helpers/mail.js';

const t = useTestApp();
const NEW_PASSWORD = 'the owner took it back';

/** The owner (with a confirmed address), and an intruder signed in with the password, who asks for an address of theirs. */
async function intrusion(prefix: string) {
  const owner = await accountWithAddress(t.app, prefix);
  const intruder = new Client(t.app.baseUrl);
  assert.equal((await intruder.login(owner.username, PASSWORD)).status, 303);
  const theirs = uniqueAddress(`${prefix}_thief`);
  const after = mailbox(t.app).lastId();
  const asked = await intruder.post('/account/email', { email: theirs }, { formPage: '/account/email' });
  assert.equal(asked.headers.get('location'), '/account/email?done=sent');
  const link = linkIn(await mailbox(t.app).waitFor(theirs, { after }), '/verify-email');
  // the old address's notice of the change, sent in the background, is out too
  await t.app.mailSettled();
  return { ...owner, intruder, theirs, link };
}

/** The intruder's link, followed from three browsers at once: what each was told, and the account's address after. */
async function linkUsedFromThreeBrowsers(link: string, userId: string) {
  const outcomes = await Promise.all([0, 1, 2].map(() => confirmAddress(new Client(t.app.baseUrl), link)));
  const user = await t.app.users.findById(userId, { email: 1, pendingEmail: 1 }).lean();
  return { outcomes, email: user?.email, pending: user?.pendingEmail?.address };
}

const db = () => t.app.connection.getClient().db(t.app.connection.name);

const cleanUps: Record<string, (o: Awaited<ReturnType<typeof intrusion>>) => Promise<void>> = {
  'a password change': async ({ client }) => {
    const res = await client.post('/account/password', { currentPassword: PASSWORD, newPassword: NEW_PASSWORD, confirmPassword: NEW_PASSWORD }, { formPage: '/account/password' });
    assert.equal(res.status, 303);
  },
  '"sign out everywhere else"': async ({ client }) => {
    assert.equal((await client.post('/sessions/end-others', {}, { formPage: '/sessions' })).status, 303);
  },
  'a password reset': async ({ email }) => {
    const after = mailbox(t.app).lastId();
    await new Client(t.app.baseUrl).post('/forgot-password', { identifier: email }, { formPage: '/forgot-password' });
    const browser = new Client(t.app.baseUrl);
    await browser.get(linkIn(await mailbox(t.app).waitFor(email, { after }), '/reset-password'));
    const res = await browser.post('/reset-password', { newPassword: NEW_PASSWORD, confirmPassword: NEW_PASSWORD }, { formPage: '/reset-password' });
    assert.equal(res.headers.get('location'), '/login?notice=password-reset');
  },
  'ending the session that asked for it': async ({ client, intruder }) => {
    // the owner, on "Your sessions", ends the one they do not recognise
    const stored = await db().collection('sessions').findOne({ _id: storedIdFromCookie(intruder.cookies.get(t.app.config.session.cookieName)) as never });
    const handle = (stored?.session as { handle?: string } | undefined)?.handle;
    assert.ok(handle);
    const res = await client.post('/sessions/end', { handle }, { formPage: '/sessions' });
    assert.equal(res.headers.get('location'), '/sessions?notice=session-ended');
  },
  'the owner typing their own address again': async ({ client, email }) => {
    const res = await client.post('/account/email', { email }, { formPage: '/account/email' });
    assert.equal(res.headers.get('location'), '/account/email?done=kept');
  },
};

describe('a pending address change', () => {
  for (const [name, cleanUp] of Object.entries(cleanUps)) {
    it(`ends with ${name}: its link no longer confirms, from any browser`, async () => {
      const intrusionCase = await intrusion('cleanup');
      await cleanUp(intrusionCase);
      const after = await linkUsedFromThreeBrowsers(intrusionCase.link, intrusionCase.userId);
      assert.deepEqual(after.outcomes, Array(3).fill('/verify-email/done?outcome=invalid'), name);
      assert.equal(after.email, intrusionCase.email, 'the owner\'s address stays');
      assert.equal(after.pending, undefined, 'nothing is waiting any more');
    });
  }

  it('confirmed, it tells the address it replaced', async () => {
    const { client, email } = await accountWithAddress(t.app, 'replaced');
    const next = uniqueAddress('replaced_new');
    let after = mailbox(t.app).lastId();
    await client.post('/account/email', { email: next }, { formPage: '/account/email' });
    const link = linkIn(await mailbox(t.app).waitFor(next, { after }), '/verify-email');
    await t.app.mailSettled();
    after = mailbox(t.app).lastId();
    assert.equal(await confirmAddress(client, link), '/verify-email/done?outcome=verified');
    const notice = await mailbox(t.app).waitFor(email, { after });
    assert.match(notice.subject, /email address was changed/);
  });
});
