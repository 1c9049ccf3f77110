// Verification mails asked for by registrations are limited per recipient on
// a count of their own: new accounts naming someone's address (the optional
// email field of the registration form) cannot use up the mails its owner
// needs to add that address on the account page, yet cannot flood it either.
// The registrations are sent all at once, as an attacker would, a few rounds.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useTestApp } from '../../helpers/app.js';
import { Client, uniqueUsername } from '../../helpers/client.js';
import { mailbox, PASSWORD, uniqueAddress } from '../../helpers/mail.js';

const ROUNDS = 3;
// both per-recipient limits at their documented default
const PER_ADDRESS = 3;
const t = useTestApp({
  env: {
    SESSION_ABSOLUTE_TIMEOUT: '1h',
    EMAIL_VERIFICATION_MAILS_PER_ADDRESS_PER_HOUR: String(PER_ADDRESS),
    EMAIL_VERIFICATION_MAILS_PER_ADDRESS_PER_HOUR_AT_REGISTRATION: String(PER_ADDRESS),
  },
});

/** A new account whose registration form named `email`; the status of that registration. */
async function registerNaming(email: string): Promise<number> {
  const client = new Client(t.app.baseUrl);
  const res = await client.post('/register', { username: uniqueUsername('naming'), password: PASSWORD, confirmPassword: PASSWORD, email });
  return res.status;
}

const mailsTo = (address: string, after: number) => mailbox(t.app).messages().filter((m) => m.id > after && m.to.includes(address)).length;

describe('verification mails asked for by registrations', () => {
  it('do not stop the owner from adding their own address on the account page', async () => {
    for (let round = 1; round <= ROUNDS; round += 1) {
      const victim = uniqueAddress('owner');
      const owner = new Client(t.app.baseUrl);
      assert.equal((await owner.register(uniqueUsername('owner'), PASSWORD)).status, 303);
      const before = mailbox(t.app).lastId();
      // five throwaway accounts at once, all naming the owner's address
      const statuses = await Promise.all([1, 2, 3, 4, 5].map(() => registerNaming(victim)));
      assert.deepEqual(statuses, [303, 303, 303, 303, 303], `round ${round}: the accounts are made`);
      await t.app.mailSettled();

      const after = mailbox(t.app).lastId();
      const res = await owner.post('/account/email', { email: victim }, { formPage: '/account/email' });
      assert.equal(res.status, 303, `round ${round}: the owner's request is not refused`);
      assert.equal(res.headers.get('location'), '/account/email?done=sent');
      const mail = await mailbox(t.app).waitFor(victim, { after });
      assert.match(mail.subject, /Confirm your email address/);
      assert.equal(mailsTo(victim, before), PER_ADDRESS + 1, `round ${round}: the registrations' mails, and the owner's`);
    }
  });

  it('still reach one address at most the hourly number, however many registrations name it at once', async () => {
    for (let round = 1; round <= ROUNDS; round += 1) {
      const victim = uniqueAddress('flooded');
      const before = mailbox(t.app).lastId();
      const statuses = await Promise.all(Array.from({ length: 8 }, () => registerNaming(victim)));
      // the account is made all the same: refusing it would tell that the address was asked for
      assert.deepEqual(new Set(statuses), new Set([303]), `round ${round}: ${statuses.join(',')}`);
      await t.app.mailSettled();
      assert.equal(mailsTo(victim, before), PER_ADDRESS, `round ${round}: ${PER_ADDRESS} mails, no more`);
    }
  });
});
