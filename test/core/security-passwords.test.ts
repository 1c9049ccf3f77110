// Passwords (ASVS V6.2, NIST SP 800-63B, OWASP Password Storage cheat sheet).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import bcrypt from 'bcrypt';
import { commonPasswordCount, isCommonPassword } from '../../src/auth/common-passwords.js';
import { createPasswordHasher, prehash, type BcryptFunctions } from '../../src/auth/passwords.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { useTestApp } from '../helpers/app.js';
import { Client, uniqueUsername } from '../helpers/client.js';
import { eventLoopTurnsDuring } from '../helpers/event-loop.js';

const PEPPER = 'a-test-pepper-that-is-long-enough-123';

describe('hashing', () => {
  const hasher = createPasswordHasher({ cost: 10, pepper: PEPPER });

  it('does not truncate: passwords sharing their first 72 bytes do not unlock each other', async () => {
    const shared = 'x'.repeat(72);
    const hash = await hasher.hash(`${shared}-first`);
    assert.equal(await hasher.verify(`${shared}-first`, hash), true);
    assert.equal(await hasher.verify(`${shared}-second`, hash), false);
    // plain bcrypt would have accepted it: this is what the pre-hash prevents
    const plain = await bcrypt.hash(`${shared}-first`, 10);
    assert.equal(await bcrypt.compare(`${shared}-second`, plain), true);
  });

  it('counts every character of long Unicode passwords', async () => {
    const emoji = '🔑'.repeat(30); // 120 bytes in UTF-8
    const hash = await hasher.hash(`${emoji}a`);
    assert.equal(await hasher.verify(`${emoji}a`, hash), true);
    assert.equal(await hasher.verify(`${emoji}b`, hash), false);
  });

  it('treats the same text in different Unicode forms as one password (NFKC)', async () => {
    const composed = 'caf\u00e9 cr\u00e8me 2024';
    const decomposed = composed.normalize('NFD');
    assert.notEqual(composed, decomposed);
    assert.equal(await hasher.verify(decomposed, await hasher.hash(composed)), true);
  });

  it('depends on the pepper, so a stolen database alone cannot be checked', () => {
    assert.notEqual(prehash('same password', PEPPER), prehash('same password', `${PEPPER}-other`));
    // 64 base64 characters: well under bcrypt's 72-byte limit
    assert.equal(prehash('p'.repeat(128), PEPPER).length, 64);
  });

  it('runs bcrypt on a comparison even when the user does not exist', async () => {
    const calls: string[] = [];
    const spy: BcryptFunctions = {
      hash: async (data, cost) => {
        calls.push('hash');
        return bcrypt.hash(data, cost);
      },
      compare: async (data, encrypted) => {
        calls.push('compare');
        return bcrypt.compare(data, encrypted);
      },
    };
    const spied = createPasswordHasher({ cost: 10, pepper: PEPPER, bcrypt: spy });
    const real = await hasher.hash('some password');
    calls.length = 0;
    assert.equal(await spied.verify('some password', real), true);
    assert.deepEqual(calls, ['compare'], 'a real user: one comparison');
    calls.length = 0;
    assert.equal(await spied.verify('some password', undefined), false);
    // no such user: the same comparison (plus the dummy hash, once per process)
    assert.deepEqual(calls.filter((c) => c === 'compare'), ['compare']);
    calls.length = 0;
    await spied.verify('another', undefined);
    assert.deepEqual(calls, ['compare']);
  });

  it('keeps the event loop free while hashing', async () => {
    const turns = await eventLoopTurnsDuring(() => createPasswordHasher({ cost: 12, pepper: PEPPER }).hash('hashing on the thread pool'));
    // a synchronous hash would have allowed no turn at all while it ran
    assert.ok(turns > 1, `the event loop turned ${turns} times during the hash`);
  });
});

describe('the common-password list', () => {
  it('comes from a package and has well over 10,000 entries', () => {
    assert.ok(commonPasswordCount() >= 10_000, String(commonPasswordCount()));
  });

  it('matches regardless of case', () => {
    for (const p of ['password', 'PASSWORD1', 'iloveyou', 'qwertyuiop', 'Sunshine']) assert.equal(isCommonPassword(p), true, p);
    assert.equal(isCommonPassword('a sturdy old lantern by the sea'), false);
  });
});

describe('bcrypt cost', () => {
  const production = { NODE_ENV: 'production', MONGODB_URI: 'mongodb://db/x', SESSION_SECRET: 's'.repeat(40), PASSWORD_PEPPER: PEPPER, PUBLIC_URL: 'https://cloakroom.test', TWO_FACTOR_KEY: 'k'.repeat(40), EMAIL: 'off' };

  it('is at least 12 in production and never below 10 anywhere', () => {
    assert.throws(() => loadConfig({ ...production, BCRYPT_COST: '11' }), ConfigError);
    assert.equal(loadConfig({ ...production }).passwords.bcryptCost, 12);
    assert.throws(() => loadConfig({ BCRYPT_COST: '9' }), ConfigError);
  });

  it('production needs a real pepper', () => {
    const { PASSWORD_PEPPER: _omit, ...withoutPepper } = production;
    assert.throws(() => loadConfig(withoutPepper), /PASSWORD_PEPPER is required/);
    assert.throws(() => loadConfig({ ...production, PASSWORD_PEPPER: 'short' }), /PASSWORD_PEPPER must be/);
  });
});

describe('the registration policy', () => {
  const fixture = useTestApp();

  async function register(password: string, username = uniqueUsername('policy')) {
    const client = new Client(fixture.app.baseUrl);
    const res = await client.post('/register', { username, password, confirmPassword: password });
    return { res, client, username, html: res.status === 303 ? '' : await res.text() };
  }

  it('accepts any Unicode: spaces, accents, emoji, up to 128 characters', async () => {
    for (const password of ['🔒 café crème brûlée 🔑', '         spaces only?', 'ü'.repeat(128), '👩‍👩‍👧‍👦'.repeat(8)]) {
      const { res, username } = await register(password);
      assert.equal(res.status, 303, password);
      assert.equal((await new Client(fixture.app.baseUrl).login(username, password)).status, 303, `log in with ${password}`);
    }
  });

  it('counts characters as people do: an emoji family is one', async () => {
    // 7 graphemes, though far more code units
    const { res, html } = await register('👩‍👩‍👧‍👦'.repeat(7));
    assert.equal(res.status, 400);
    assert.match(html, /at least 8 characters/);
  });

  it('refuses short, over-long, common and username passwords with a reason', async () => {
    const username = uniqueUsername('Policy');
    const cases: [string, RegExp][] = [
      ['seven77', /at least 8 characters/],
      ['x'.repeat(129), /at most 128 characters/],
      ['iloveyou', /list of common or breached passwords/],
      ['Password1', /list of common or breached passwords/],
      [username.toUpperCase(), /must not be your username/],
    ];
    for (const [password, message] of cases) {
      const { res, html } = await register(password, username);
      assert.equal(res.status, 400, password);
      assert.match(html, message, password);
    }
    assert.equal(await fixture.app.users.exists({ usernameKey: username.toLowerCase() }), null);
  });

  it('imposes no composition rules', async () => {
    // all lower-case letters and spaces: long and uncommon is what counts
    const { res } = await register('correct horse battery staple lantern');
    assert.equal(res.status, 303);
  });
});
