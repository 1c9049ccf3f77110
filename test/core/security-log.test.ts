// The security log: each account's events, newest first, on /account/activity
// for its owner only; kept within a retention time and a cap per account
// (even when several requests write at once); and never more of an event
// than its whitelisted fields.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { MAX_PASSKEY_NAME_LENGTH } from '../../src/features/passkeys/ceremonies.js';
import { loadConfig } from '../../src/config.js';
import { describeEvent } from '../../src/security-log/describe.js';
import type { EventContext, SecurityEvent } from '../../src/security-log/events.js';
import { createSecurityLog, ensureSecurityLogIndexes, SECURITY_EVENTS_COLLECTION } from '../../src/security-log/store.js';
import { useTestApp } from '../helpers/app.js';
import { Client, uniqueUsername } from '../helpers/client.js';
import { quietLogger } from '../helpers/database.js';

const CAP = 10;
const fixture = useTestApp({ env: { SECURITY_LOG_MAX_PER_ACCOUNT: String(CAP), SECURITY_LOG_RETENTION: '30d' } });

const log = () => fixture.app.securityLog;
const db = () => fixture.app.connection.getClient().db(fixture.app.connection.name);
const storedEvents = () => db().collection(SECURITY_EVENTS_COLLECTION);

const HERE: EventContext = { ip: '203.0.113.7', browser: 'Firefox 140 on Linux', browserKey: undefined };
// an account ID no other test uses (the store takes any string)
const someAccount = () => `account-${randomBytes(6).toString('hex')}`;
const minutesAgo = (n: number, from = Date.now()) => new Date(from - n * 60_000);

async function registeredAccount(): Promise<{ client: Client; userId: string }> {
  const username = uniqueUsername('activity');
  const client = new Client(fixture.app.baseUrl);
  assert.equal((await client.register(username)).status, 303);
  const user = await fixture.app.users.findOne({ usernameKey: username.toLowerCase() }).lean();
  assert.ok(user);
  return { client, userId: String(user._id) };
}

describe('the security log', () => {
  it('lists an account\'s events newest first, with where they came from', async () => {
    const account = someAccount();
    const now = Date.now();
    await log().record(account, { type: 'password-changed' }, HERE, minutesAgo(30, now));
    await log().record(account, { type: 'signed-in', method: 'passkey', newBrowser: true }, { ...HERE, browserKey: 'k'.repeat(43) }, minutesAgo(10, now));
    await log().record(account, { type: 'sign-in-failed', method: 'password' }, HERE, minutesAgo(20, now));
    await log().record(someAccount(), { type: 'two-factor-on' }, HERE);

    const events = await log().list(account);
    assert.deepEqual(
      events.map((e) => e.event.type),
      ['signed-in', 'sign-in-failed', 'password-changed'],
    );
    assert.deepEqual(events[0], {
      event: { type: 'signed-in', method: 'passkey', newBrowser: true },
      at: minutesAgo(10, now),
      ip: '203.0.113.7',
      browser: 'Firefox 140 on Linux',
      browserKey: 'k'.repeat(43),
    });
    assert.equal(events[1]?.browserKey, undefined);
    assert.equal((await log().list(account, 1)).length, 1, 'a limit gives the newest only');
  });

  it('forgets an account, and only that account', async () => {
    const [gone, kept] = [someAccount(), someAccount()];
    await log().record(gone, { type: 'password-changed' }, HERE);
    await log().record(kept, { type: 'password-changed' }, HERE);
    await log().forget(gone);
    assert.equal((await log().list(gone)).length, 0);
    assert.equal((await log().list(kept)).length, 1);
  });

  it('keeps only the whitelisted fields of an event: never a password, a token or a code', async () => {
    const account = someAccount();
    const leaky = { type: 'recovery-code-used', left: 7, code: 'abcd-efgh', password: 'hunter2', token: 'secret-token', user: { passwordHash: '$2b$10$x' } };
    await log().record(account, leaky as never, { ...HERE, cookie: 'sid=s:secret', password: 'hunter2' } as never);
    const docs = await storedEvents().find({ userId: account }).toArray();
    assert.equal(docs.length, 1);
    assert.deepEqual(Object.keys(docs[0] ?? {}).sort(), ['_id', 'at', 'browser', 'ip', 'left', 'type', 'userId']);
    const raw = JSON.stringify(docs);
    for (const secret of ['abcd-efgh', 'hunter2', 'secret-token', '$2b$', 'sid=']) assert.ok(!raw.includes(secret), `${secret} is not stored`);
  });

  it('cuts strings short and drops control characters; refuses what is not an event', async () => {
    const account = someAccount();
    const name = `Laptop\r\nBcc: everyone@example.com ${'x'.repeat(200)}`;
    const browser = `Chrome ${'9'.repeat(500)}`;
    await log().record(account, { type: 'passkey-added', name }, { ip: '198.51.100.1', browser, browserKey: 'not a hash!' });
    const [logged] = await log().list(account);
    assert.ok(logged && logged.event.type === 'passkey-added');
    assert.equal(logged.event.name.length, MAX_PASSKEY_NAME_LENGTH, 'as long as a passkey name may be');
    assert.ok(!/[\r\n]/.test(logged.event.name));
    assert.ok(logged.browser.length <= 120);
    assert.equal(logged.browserKey, undefined, 'a browser key that is not a hash is left out');
    await log().record(account, { type: 'password-changed' }, { ip: undefined, browser: 42 } as never);
    const [missing] = await log().list(account);
    assert.deepEqual([missing?.ip, missing?.browser], ['', 'Unknown browser'], 'what is not a string is not stored');

    await assert.rejects(log().record(account, { type: 'password-stolen' } as never, HERE), TypeError);
    await assert.rejects(log().record(account, { type: 'recovery-code-used', left: -1 }, HERE), TypeError);
    await assert.rejects(log().record(account, { type: 'signed-in', method: 'magic', newBrowser: false } as never, HERE), TypeError);
    assert.equal((await log().list(account)).length, 2, 'nothing more stored');
  });

  it('keeps the newest events of an account up to the cap', async () => {
    const [busy, quiet] = [someAccount(), someAccount()];
    await log().record(quiet, { type: 'password-changed' }, HERE);
    const start = Date.now() - 60 * 60_000;
    for (let i = 0; i < CAP + 5; i += 1) {
      await log().record(busy, { type: 'recovery-code-used', left: i }, HERE, new Date(start + i * 1000));
    }
    const kept = await log().list(busy);
    assert.equal(await storedEvents().countDocuments({ userId: busy }), CAP);
    assert.deepEqual(
      kept.map((e) => (e.event.type === 'recovery-code-used' ? e.event.left : -1)),
      Array.from({ length: CAP }, (_, i) => CAP + 4 - i),
      'the newest ones, newest first',
    );
    assert.equal(await storedEvents().countDocuments({ userId: quiet }), 1, 'another account keeps its own');
  });

  it('holds the cap when several requests record for one account at once', async () => {
    const account = someAccount();
    const start = Date.now() - 60 * 60_000;
    const batches = 3;
    const perBatch = CAP;
    // three callers at once, each recording its events one after another;
    // every event its own moment, so that "the newest" is one known set
    await Promise.all(
      Array.from({ length: batches }, async (_, batch) => {
        for (let i = 0; i < perBatch; i += 1) {
          const n = i * batches + batch;
          await log().record(account, { type: 'recovery-code-used', left: n }, HERE, new Date(start + n * 1000));
        }
      }),
    );
    const total = batches * perBatch;
    assert.equal(await storedEvents().countDocuments({ userId: account }), CAP);
    assert.deepEqual(
      (await log().list(account)).map((e) => (e.event.type === 'recovery-code-used' ? e.event.left : -1)),
      Array.from({ length: CAP }, (_, i) => total - 1 - i),
    );
  });

  it('holds the cap for events of the same moment, recorded at once', async () => {
    const account = someAccount();
    const at = new Date();
    await Promise.all(
      Array.from({ length: 3 }, async () => {
        for (let i = 0; i < CAP; i += 1) await log().record(account, { type: 'sign-in-failed', method: 'password' }, HERE, at);
      }),
    );
    assert.equal(await storedEvents().countDocuments({ userId: account }), CAP);
  });

  it('indexes an account\'s events newest first, and lets them expire after SECURITY_LOG_RETENTION', async () => {
    const indexes = await storedEvents().indexes();
    assert.ok(indexes.some((index) => JSON.stringify(index.key) === JSON.stringify({ userId: 1, at: -1, _id: -1 })), 'the account\'s events, newest first');
    const onAt = indexes.find((index) => JSON.stringify(index.key) === JSON.stringify({ at: 1 }));
    assert.ok(onAt, 'an index on at in either expiry mode');
    if (onAt.name === 'at_ttl') {
      assert.equal(onAt.expireAfterSeconds, 30 * 86_400);
    } else {
      // a server without TTL indexes: the sweep's index
      assert.equal(onAt.name, 'at_sweep');
      assert.equal(onAt.expireAfterSeconds, undefined);
    }
  });

  it('starts again after SECURITY_LOG_RETENTION changed: a TTL index gets the new lifetime, a sweep index stays', async () => {
    const collection = db().collection(`security_events_${randomBytes(4).toString('hex')}`);
    const settings = (retention: string) => loadConfig({ SECURITY_LOG_RETENTION: retention, SESSION_EXPIRY_MODE: 'auto' });
    (await ensureSecurityLogIndexes(collection, settings('90d'), quietLogger))();
    const onAt = async () => (await collection.indexes()).find((index) => JSON.stringify(index.key) === JSON.stringify({ at: 1 }));
    const before = await onAt();
    // the second start must not fail on the index the first one made
    (await ensureSecurityLogIndexes(collection, settings('7d'), quietLogger))();
    const after = await onAt();
    if (before?.name === 'at_ttl') assert.equal(after?.expireAfterSeconds, 7 * 86_400, 'a TTL index with the new lifetime');
    // servers without TTL indexes (the local stand-in): the sweep's plain index, whose lifetime is the sweep's own
    else assert.deepEqual([before?.name, after?.name, after?.expireAfterSeconds], ['at_sweep', 'at_sweep', undefined]);
  });

  it('sweeps events older than the retention on servers without TTL indexes', async (t) => {
    t.mock.timers.enable({ apis: ['setInterval'] });
    const collection = db().collection(`security_events_${randomBytes(4).toString('hex')}`);
    const config = loadConfig({ SECURITY_LOG_RETENTION: '30d', SESSION_EXPIRY_MODE: 'sweep', SESSION_SWEEP_INTERVAL_MINUTES: '1' });
    const stop = await ensureSecurityLogIndexes(collection, config, quietLogger);
    const swept = createSecurityLog(collection, { maxPerAccount: CAP });
    const account = someAccount();
    await swept.record(account, { type: 'password-changed' }, HERE, new Date(Date.now() - 31 * 86_400_000));
    await swept.record(account, { type: 'password-reset' }, HERE, new Date(Date.now() - 29 * 86_400_000));
    t.mock.timers.tick(60_000);
    for (let i = 0; i < 100 && (await collection.countDocuments()) > 1; i += 1) await new Promise((resolve) => setTimeout(resolve, 20));
    stop();
    assert.deepEqual(
      (await swept.list(account)).map((e) => e.event.type),
      ['password-reset'],
      'the older one swept, the younger kept',
    );
  });
});

describe('/account/activity', () => {
  it('shows the signed-in owner their own events only, newest first', async () => {
    const alice = await registeredAccount();
    const bob = await registeredAccount();
    await fixture.app.securityLog.record(alice.userId, { type: 'passkey-added', name: 'Alice’s laptop' }, HERE, minutesAgo(5));
    await fixture.app.securityLog.record(alice.userId, { type: 'recovery-code-used', left: 7 }, { ...HERE, ip: '192.0.2.44' }, minutesAgo(1));
    await fixture.app.securityLog.record(bob.userId, { type: 'passkey-added', name: 'Bob’s phone' }, HERE);

    const res = await alice.client.get('/account/activity');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const html = await res.text();
    assert.ok(html.includes('Passkey “Alice’s laptop” added'));
    assert.ok(html.includes('Recovery code used: 7 left'));
    assert.ok(html.indexOf('Recovery code used') < html.indexOf('Alice’s laptop'), 'newest first');
    assert.ok(html.includes('192.0.2.44'));
    assert.ok(html.includes('Firefox 140 on Linux'));
    assert.match(html, /<time datetime="\d{4}-\d\d-\d\dT[\d:.]+Z">\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC<\/time>/);
    assert.match(html, /src="\/js\/local-time\.[0-9a-f]{10}\.js"/);
    assert.ok(!html.includes('Bob’s phone'), 'another account\'s events are never shown');

    const bobs = await (await bob.client.get('/account/activity')).text();
    assert.ok(bobs.includes('Bob’s phone'));
    assert.ok(!bobs.includes('Alice’s laptop'));
  });

  it('escapes what an event carries, and says so when there is nothing yet', async () => {
    const { client, userId } = await registeredAccount();
    const empty = await (await client.get('/account/activity')).text();
    if ((await fixture.app.securityLog.list(userId)).length === 0) assert.ok(empty.includes('data-testid="activity-empty"'));
    await fixture.app.securityLog.record(userId, { type: 'passkey-renamed', name: '<script>alert(1)</script>' }, { ...HERE, browser: '<b>bold</b>' });
    const html = await (await client.get('/account/activity')).text();
    assert.ok(!html.includes('<script>alert(1)'));
    assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
    assert.ok(!html.includes('<b>bold</b>'));
  });

  it('goes with the account when the account is deleted', async () => {
    const username = uniqueUsername('goodbye');
    assert.equal((await new Client(fixture.app.baseUrl).register(username)).status, 303);
    // logged in a moment ago: deleting is behind sudo mode
    const client = new Client(fixture.app.baseUrl);
    assert.equal((await client.login(username)).status, 303);
    const user = await fixture.app.users.findOne({ usernameKey: username.toLowerCase() }).lean();
    assert.ok(user);
    const userId = String(user._id);
    await fixture.app.securityLog.record(userId, { type: 'password-changed' }, HERE);
    const res = await client.post('/account/delete', { confirm: 'yes' }, { formPage: '/account/delete' });
    assert.equal(res.headers.get('location'), '/?notice=account-deleted');
    assert.equal(await storedEvents().countDocuments({ userId }), 0);
  });

  it('is for signed-in visitors only, and linked from the header and the dashboard', async () => {
    const anonymous = await new Client(fixture.app.baseUrl).get('/account/activity');
    assert.equal(anonymous.status, 302);
    assert.match(anonymous.headers.get('location') ?? '', /^\/login\?next=(\/|%2F)account(\/|%2F)activity$/);
    const { client } = await registeredAccount();
    const dashboard = await (await client.get('/dashboard')).text();
    assert.equal(dashboard.match(/href="\/account\/activity"/g)?.length, 2, 'in the header and in the account links');
  });
});

describe('describing events', () => {
  it('says what happened in a plain sentence', () => {
    const cases: [SecurityEvent, string][] = [
      [{ type: 'signed-in', method: 'passkey', newBrowser: false }, 'Signed in with a passkey'],
      [{ type: 'signed-in', method: 'recovery-code', newBrowser: false }, 'Signed in with a recovery code'],
      [{ type: 'sign-in-failed', method: 'password' }, 'Wrong password'],
      [{ type: 'locked-out', method: 'code' }, 'Locked out after too many wrong codes'],
      [{ type: 'sessions-ended', by: 'password-reset', count: 2 }, '2 sessions were signed out (a password reset)'],
      [{ type: 'sessions-ended', by: 'sign-out-everywhere', count: 1 }, '1 other session was signed out (“Sign out everywhere else”)'],
      [{ type: 'sessions-ended', by: 'this-browser', count: 1 }, 'Signed out'],
      [{ type: 'passkey-added', name: 'MacBook' }, 'Passkey “MacBook” added'],
      [{ type: 'signed-in', method: 'provider', newBrowser: true }, 'Signed in with a sign-in provider, from a browser not seen before'],
      [{ type: 'signed-in', method: 'provider-and-code', newBrowser: false }, 'Signed in with a sign-in provider and a code from an authenticator app'],
      [{ type: 'provider-linked', name: 'Google' }, 'Sign-in with Google linked'],
      [{ type: 'provider-unlinked', name: 'Google' }, 'Sign-in with Google unlinked'],
      [{ type: 'sessions-ended', by: 'provider-unlinked', count: 1 }, '1 other session was signed out (a sign-in provider unlinked)'],
      [{ type: 'recovery-code-used', left: 7 }, 'Recovery code used: 7 left'],
      [{ type: 'recovery-code-used', left: 0 }, 'Recovery code used: none left'],
      [{ type: 'email-change-cancelled', by: 'owner' }, 'Email address change cancelled'],
    ];
    for (const [event, sentence] of cases) assert.equal(describeEvent(event), sentence);
  });
});
