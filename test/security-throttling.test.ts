// Login throttling (ASVS V6.3.1, OWASP Authentication cheat sheet), with small
// limits. TRUST_PROXY lets each test speak from its own address through
// X-Forwarded-For, as clients behind a proxy would.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestApp } from './helpers/app.js';
import { Client, uniqueUsername } from './helpers/client.js';
import { startTestDatabase, type TestDatabase } from './helpers/database.js';

let db: TestDatabase;
let uri: string;
let app: TestApp;
const password = 'the right passphrase';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const LIMITS = {
  TRUST_PROXY: 'loopback',
  LOGIN_MAX_CONSECUTIVE_FAILURES: '3',
  LOGIN_LOCKOUT: '2s',
  LOGIN_MAX_FAILURES_PER_IP_PER_DAY: '5',
  REGISTRATIONS_PER_IP_PER_HOUR: '3',
};

let lastAddress = 0;
/** An IPv4 address no other test uses. */
function freshAddress(): string {
  lastAddress += 1;
  return `198.18.${lastAddress >> 8}.${lastAddress & 255}`;
}

/** A client speaking from an address no other test uses. */
function clientFrom(target: TestApp = app): Client {
  return new Client(target.baseUrl, { 'x-forwarded-for': freshAddress() });
}

async function registered(): Promise<string> {
  const username = uniqueUsername('throttle');
  // registrations are limited per address too: each account from its own
  assert.equal((await clientFrom().register(username, password)).status, 303);
  return username;
}

before(async () => {
  db = await startTestDatabase();
  uri = db.freshUri();
  app = await startTestApp({ uri, env: LIMITS });
});

after(async () => {
  await app.close();
  await db.stop();
});

describe('consecutive failures for one username from one address', () => {
  it('lock the pair out with a 429 page and Retry-After, then let it try again', async () => {
    const username = await registered();
    const client = clientFrom();
    for (let i = 0; i < 3; i += 1) assert.equal((await client.login(username, 'wrong guess')).status, 401);

    // now even the right password is refused, without checking it
    const blocked = await client.login(username, password);
    assert.equal(blocked.status, 429);
    const retryAfter = Number(blocked.headers.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= 2, `Retry-After ${retryAfter}`);
    const html = await blocked.text();
    assert.match(html, /too many failed attempts to log in to this account/i);
    assert.match(html, /try again in/i);

    await sleep(2100);
    assert.equal((await client.login(username, password)).status, 303, 'after the lockout, the right password works');
  });

  it('are reset by a successful login', async () => {
    const username = await registered();
    const client = clientFrom();
    for (let i = 0; i < 2; i += 1) assert.equal((await client.login(username, 'wrong guess')).status, 401);
    assert.equal((await client.login(username, password)).status, 303);
    const again = clientFrom();
    // the counter above was per address too; from this one, two more failures are fine
    for (let i = 0; i < 2; i += 1) assert.equal((await again.login(username, 'wrong guess')).status, 401);
    assert.equal((await again.login(username, password)).status, 303);
  });

  it('do not lock the account out for other addresses', async () => {
    const username = await registered();
    const attacker = clientFrom();
    for (let i = 0; i < 4; i += 1) await attacker.login(username, 'wrong guess');
    assert.equal((await attacker.login(username, password)).status, 429);
    assert.equal((await clientFrom().login(username, password)).status, 303, 'the owner elsewhere gets in');
  });
});

describe('failures per address per day', () => {
  it('stop one address trying many usernames', async () => {
    const client = clientFrom();
    // five failures, each on a different username: no pair reaches its limit
    for (let i = 0; i < 5; i += 1) {
      assert.equal((await client.login(uniqueUsername('spray'), 'wrong guess')).status, 401);
    }
    const res = await client.login(await registered(), password);
    assert.equal(res.status, 429);
    assert.ok(Number(res.headers.get('retry-after')) > 60 * 60, 'blocked for the rest of the day');
  });
});

describe('IPv6 clients', () => {
  it('are counted by their /64, and an IPv4-mapped address as the IPv4 one', async () => {
    const network = `2001:db8:${(lastAddress += 1).toString(16)}`;
    const from = (address: string) => new Client(app.baseUrl, { 'x-forwarded-for': address });

    const username = await registered();
    // three failures, each from another address of one /64
    for (const host of ['1::a', '1::b', '1:ffff:ffff:ffff:ffff']) {
      assert.equal((await from(`${network}:${host}`).login(username, 'wrong guess')).status, 401);
    }
    assert.equal((await from(`${network}:1::c`).login(username, password)).status, 429, 'the whole /64 is locked');
    assert.equal((await from(`${network}:2::a`).login(username, password)).status, 303, 'the next /64 is not');

    const other = await registered();
    const v4 = freshAddress();
    for (const address of [v4, `::ffff:${v4}`, v4]) {
      assert.equal((await from(address).login(other, 'wrong guess')).status, 401);
    }
    assert.equal((await from(`::ffff:${v4}`).login(other, password)).status, 429, 'one address, however written');
  });
});

describe('registrations per address per hour', () => {
  it('are limited', async () => {
    const client = clientFrom();
    for (let i = 0; i < 3; i += 1) {
      const fresh = new Client(app.baseUrl, client.defaultHeaders);
      assert.equal((await fresh.register(uniqueUsername('farm'), password)).status, 303);
    }
    const res = await new Client(app.baseUrl, client.defaultHeaders).register(uniqueUsername('farm'), password);
    assert.equal(res.status, 429);
    assert.ok(res.headers.get('retry-after'));
    assert.match(await res.text(), /Too many accounts have been created from your network/);
  });
});

describe('registering a taken username', () => {
  let costly: TestApp;
  before(async () => {
    // cost 11: the hash outweighs the database round trips, as it does in production
    costly = await startTestApp({ uri, env: { TRUST_PROXY: 'loopback', BCRYPT_COST: '11' } });
  });
  after(() => costly.close());

  it('takes as long as registering a free one', async (t) => {
    const taken = uniqueUsername('taken');
    assert.equal((await clientFrom(costly).register(taken, password)).status, 303);
    const times = { taken: [] as number[], free: [] as number[] };
    for (let i = 0; i < 5; i += 1) {
      for (const kind of ['taken', 'free'] as const) {
        const client = clientFrom(costly);
        const _csrf = await client.csrfToken('/register');
        const username = kind === 'taken' ? taken : uniqueUsername('timing');
        const started = performance.now();
        const res = await client.post('/register', { username, password, confirmPassword: password, _csrf });
        await res.arrayBuffer();
        times[kind].push(performance.now() - started);
        assert.equal(res.status, kind === 'taken' ? 409 : 303);
      }
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
    t.diagnostic(`median: taken ${median(times.taken).toFixed(0)} ms, free ${median(times.free).toFixed(0)} ms`);
    assert.ok(
      median(times.taken) >= 0.5 * median(times.free),
      `taken ${median(times.taken).toFixed(0)} ms vs free ${median(times.free).toFixed(0)} ms: the timing tells them apart`,
    );
  });
});

describe('the counters', () => {
  it('live in MongoDB, so every instance of the app sees them', async () => {
    const second = await startTestApp({ uri, env: LIMITS });
    try {
      const username = await registered();
      const headers = clientFrom().defaultHeaders;
      for (let i = 0; i < 3; i += 1) await new Client(app.baseUrl, headers).login(username, 'wrong guess');
      assert.equal((await new Client(second.baseUrl, headers).login(username, password)).status, 429);
      const stored = await app.connection.getClient().db(app.connection.name).collection('rate_limits').countDocuments();
      assert.ok(stored > 0);
    } finally {
      await second.close();
    }
  });
});
