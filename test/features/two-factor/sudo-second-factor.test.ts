// No side door around the second factor: on an account with two-factor on,
// nothing starts sudo mode without it. The attacker here holds a copy of the
// owner's session cookie *and* knows the password, exactly the case the
// second factor exists for. The password form asks for the code as the
// confirm page does (checks/reauthenticate.ts), and every code typed anywhere
// counts against the account (features/two-factor/code-attempts.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { codeAt } from '../../../src/features/two-factor/totp.js';
import { SECOND_FACTOR_FAILURES_PER_ACCOUNT } from '../../../src/security/throttle.js';
import { useTestApp } from '../../helpers/app.js';
import { Client, freshAddress, storedIdFromCookie, uniqueUsername } from '../../helpers/client.js';
import { captureLogs } from '../../helpers/logs.js';
import { turnOnTwoFactor } from '../../helpers/two-factor.js';

const password = 'the owner passphrase';
const stolenNew = 'the thief passphrase';
const logs = captureLogs();

const fixture = useTestApp({
  logger: logs.logger,
  env: { LOGIN_MAX_CONSECUTIVE_FAILURES: '5', LOGIN_CHECKS_AT_ONCE_PER_IP: '1000', TRUST_PROXY: 'loopback', REAUTH_WINDOW: '10m' },
});


const db = () => fixture.app.connection.getClient().db(fixture.app.connection.name);
const cookieOf = (client: Client) => client.cookies.get(fixture.app.config.session.cookieName);

/** An owner with two-factor on and a confirmed address, logged in long enough ago that sudo mode has ended. */
async function ownerWithTwoFactor(prefix: string) {
  const username = uniqueUsername(prefix);
  const owner = new Client(fixture.app.baseUrl);
  assert.equal((await owner.register(username, password)).status, 303);
  const { secret } = await turnOnTwoFactor(owner);
  const email = `${username.toLowerCase()}@example.test`;
  const key = { usernameKey: username.toLowerCase() };
  // a confirmed address (as the link would); any code step usable again
  await fixture.app.users.updateOne(key, { $set: { email, emailKey: email, 'twoFactor.lastUsedStep': 0 } });
  await db().collection('sessions').updateOne({ _id: storedIdFromCookie(cookieOf(owner)) as never }, { $set: { 'session.authenticatedAt': Date.now() - 11 * 60_000 } });
  const user = await fixture.app.users.findOne(key).lean();
  assert.ok(user);
  return { username, owner, secret, email, userId: String(user._id) };
}

/** A copy of the owner's browser: the stolen cookie, from an address of its own. */
function thiefWith(owner: Client): Client {
  const thief = new Client(fixture.app.baseUrl, { 'x-forwarded-for': freshAddress() });
  for (const [name, value] of owner.cookies) thief.cookies.set(name, value);
  return thief;
}

const wrongCodeFor = (secret: string) => String((Number(codeAt(secret, Date.now())) + 500_000) % 1_000_000).padStart(6, '0');

describe('the password form is no side door into sudo mode', () => {
  it('a stolen cookie plus the password, from three tabs at once: no new password, no passkey, two-factor stays on', async () => {
    for (let round = 1; round <= 2; round += 1) {
      const { username, owner, secret } = await ownerWithTwoFactor(`door${round}`);
      const before = await fixture.app.users.findOne({ usernameKey: username.toLowerCase() }, { passwordHash: 1, twoFactor: 1 }).lean();
      const thieves = [thiefWith(owner), thiefWith(owner), thiefWith(owner)];
      const chains = await Promise.all(
        thieves.map(async (thief) => {
          const steps: Record<string, number | string | null> = {};
          const _csrf = await thief.csrfToken('/account/password');
          const change = { _csrf, currentPassword: password, newPassword: stolenNew, confirmPassword: stolenNew };
          steps.noCode = (await thief.post('/account/password', change)).status;
          steps.wrongCode = (await thief.post('/account/password', { ...change, code: wrongCodeFor(secret) })).status;
          // then everything sudo mode guards, as the chain of the attack went on
          steps.passkey = (await thief.get('/account/passkeys/new')).headers.get('location');
          steps.off = (await thief.post('/account/two-factor/off', { _csrf })).headers.get('location');
          steps.codes = (await thief.post('/account/recovery-codes', { _csrf })).headers.get('location');
          steps.email = (await thief.post('/account/email', { _csrf, email: 'thief@example.test' })).headers.get('location');
          steps.remove = (await thief.post('/account/delete', { _csrf, confirm: 'yes' })).headers.get('location');
          return steps;
        }),
      );
      for (const steps of chains) {
        assert.equal(steps.noCode, 400, `round ${round}: the password alone changes nothing (${JSON.stringify(steps)})`);
        assert.equal(steps.wrongCode, 401, `round ${round}: nor with a wrong code`);
        for (const guarded of ['passkey', 'off', 'codes', 'email', 'remove'] as const) {
          assert.match(String(steps[guarded]), /^\/account\/confirm\?next=/, `round ${round}: ${guarded} still asks to confirm (${JSON.stringify(steps)})`);
        }
      }
      const after = await fixture.app.users.findOne({ usernameKey: username.toLowerCase() }, { passwordHash: 1, twoFactor: 1, pendingEmail: 1 }).lean();
      assert.equal(after?.passwordHash, before?.passwordHash, `round ${round}: the password is the owner's`);
      assert.ok(after?.twoFactor, `round ${round}: two-factor is still on`);
      assert.equal(after?.pendingEmail?.address, undefined, `round ${round}: no address change asked`);
      assert.equal(await db().collection('passkeys').countDocuments({ userId: String(before?._id) }), 0, `round ${round}: no passkey added`);
    }
  });

  it('with the code as well, the owner changes the password and is in sudo mode', async () => {
    const { owner, secret } = await ownerWithTwoFactor('door-owner');
    const page = await (await owner.get('/account/password')).text();
    assert.match(page, /name="code"/, 'the form asks for the code');
    const change = { currentPassword: password, newPassword: stolenNew, confirmPassword: stolenNew, code: codeAt(secret, Date.now()) };
    const res = await owner.post('/account/password', change, { formPage: '/account/password' });
    assert.equal(res.status, 303);
    assert.equal((await owner.get('/account/passkeys/new')).status, 200, 'both factors: sudo mode');
  });
});

describe('codes typed anywhere count against the account', () => {
  it(`the confirm page: 30 wrong codes from 30 addresses at once → ${SECOND_FACTOR_FAILURES_PER_ACCOUNT} checked, one warning, one mail, the right code refused after`, async () => {
    for (let round = 1; round <= 2; round += 1) {
      const { owner, secret, email, userId } = await ownerWithTwoFactor(`confirm-spread${round}`);
      const thieves = Array.from({ length: 30 }, () => thiefWith(owner));
      const _csrf = await owner.csrfToken('/account/confirm');
      const wrong = wrongCodeFor(secret);
      const after = fixture.app.mail?.lastId() ?? 0;
      const responses = await Promise.all(thieves.map((thief) => thief.post('/account/confirm', { _csrf, password, code: wrong, next: '/account/delete' })));
      const counts: Record<number, number> = {};
      for (const res of responses) counts[res.status] = (counts[res.status] ?? 0) + 1;
      assert.deepEqual(counts, { 401: SECOND_FACTOR_FAILURES_PER_ACCOUNT, 429: 30 - SECOND_FACTOR_FAILURES_PER_ACCOUNT }, `round ${round}`);
      const late = thiefWith(owner);
      assert.equal((await late.post('/account/confirm', { _csrf, password, code: codeAt(secret, Date.now()), next: '/account/delete' })).status, 429, 'the right code, after');
      await fixture.app.mailSettled();
      const notices = (fixture.app.mail?.messages() ?? []).filter((m) => m.id > after && m.to.includes(email) && /has your Cloakroom password/.test(m.subject));
      assert.equal(notices.length, 1, `round ${round}: one mail to the owner`);
      assert.equal(logs.events().filter((e) => e.event === 'two-factor-account-locked' && e.userId === userId).length, 1, `round ${round}: one warning`);
    }
  });

  it('a right password on the password form never resets the count of wrong codes', async () => {
    const { owner, secret } = await ownerWithTwoFactor('reset-by-password');
    const thief = thiefWith(owner);
    const wrong = wrongCodeFor(secret);
    const statuses: number[] = [];
    let current = password;
    let _csrf = await thief.csrfToken('/account/password');
    for (let i = 0; i < 36 && !statuses.includes(429); i += 1) {
      if (i % 4 === 3) {
        // the right current password, as the old side door let it reset the lockout
        const next = `${stolenNew} ${i}`;
        const res = await thief.post('/account/password', { _csrf, currentPassword: current, newPassword: next, confirmPassword: next });
        if (res.status === 303) {
          // changed (the old side door): a new session ID, and its new token
          current = next;
          _csrf = await thief.csrfToken('/account/password');
        }
        continue;
      }
      statuses.push((await thief.post('/account/confirm', { _csrf, password: current, code: wrong })).status);
    }
    assert.ok(statuses.includes(429), `refused at last (${statuses.join(', ')})`);
    assert.ok(statuses.filter((s) => s === 401).length <= SECOND_FACTOR_FAILURES_PER_ACCOUNT, `at most ${SECOND_FACTOR_FAILURES_PER_ACCOUNT} codes checked (${statuses.join(', ')})`);
  });
});
