// Login throttling (ASVS V6.3.1, OWASP Authentication cheat sheet), with small
// limits. TRUST_PROXY lets each test speak from its own address through
// X-Forwarded-For, as clients behind a proxy would. The attacks are sent as a
// script would send them: many requests at once, on one form token.
// Its own setup, not useTestApp(): all its apps run on one database, as the instances of a deployment do.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { BcryptFunctions } from '../../src/auth/passwords.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { Client, freshAddress, uniqueUsername } from '../helpers/client.js';
import { startTestDatabase, type TestDatabase } from '../helpers/database.js';

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
  // no cap on logins at once from one address, so that the attacks below
  // meet the counters only; the cap has a test of its own
  LOGIN_CHECKS_AT_ONCE_PER_IP: '1000',
};


/** A client speaking from an address no other test uses. */
function clientFrom(target: TestApp = app): Client {
  return new Client(target.baseUrl, { 'x-forwarded-for': freshAddress() });
}

/** Another browser at the same address as this client. */
function sameAddressAs(client: Client, target: TestApp = app): Client {
  return new Client(target.baseUrl, client.defaultHeaders);
}

/** The same browser (its address and cookies), talking to another instance of the app. */
function sameBrowserOn(client: Client, target: TestApp): Client {
  const copy = new Client(target.baseUrl, client.defaultHeaders);
  for (const [name, value] of client.cookies) copy.cookies.set(name, value);
  return copy;
}

async function registered(target: TestApp = app): Promise<string> {
  const username = uniqueUsername('throttle');
  // registrations are limited per address too: each account from its own
  assert.equal((await clientFrom(target).register(username, password)).status, 303);
  return username;
}

/** Posts one form many times at once, on one CSRF token, as a script would. */
async function allAtOnce(client: Client, path: string, forms: Record<string, string>[]): Promise<Response[]> {
  // the form's page and its action are the same path here
  const _csrf = await client.csrfToken(path);
  return Promise.all(forms.map((form) => client.post(path, { ...form, _csrf })));
}

function wrongGuesses(username: string, count: number): Record<string, string>[] {
  return Array.from({ length: count }, (_, i) => ({ username, password: `wrong guess ${i}` }));
}

const statusCounts = (responses: Response[]) => {
  const counts: Record<number, number> = {};
  for (const res of responses) counts[res.status] = (counts[res.status] ?? 0) + 1;
  return counts;
};

/** A password check that ran: when it entered the hashing threads' queue and when it was answered. */
interface Check {
  hash: string;
  started: number;
  ended: number;
}

/** Wraps the hashing threads to record every password check that ran (a refused one is not). */
function recordChecks() {
  const checks: Check[] = [];
  const wrap = (hashing: BcryptFunctions): BcryptFunctions => ({
    hash: (data, cost) => hashing.hash(data, cost),
    async compare(data, encrypted) {
      const started = performance.now();
      const result = await hashing.compare(data, encrypted);
      checks.push({ hash: encrypted, started, ended: performance.now() });
      return result;
    },
  });
  return { checks, wrap };
}

/** Checks that were queued or running when this one started. */
function checksAhead(check: Check, checks: Check[]): number {
  return checks.filter((other) => other !== check && other.started <= check.started && other.ended > check.started).length;
}

/** The most checks that were queued or running at the same moment. */
function mostAtOnce(checks: Check[]): number {
  return Math.max(0, ...checks.map((check) => checksAhead(check, checks) + 1));
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

describe('parallel guesses', () => {
  // the default limit of 10 failures in a row
  const recorded = recordChecks();
  let first: TestApp;
  let second: TestApp;
  before(async () => {
    const env = {
      ...LIMITS,
      LOGIN_MAX_CONSECUTIVE_FAILURES: '10',
      LOGIN_LOCKOUT: '1m',
      LOGIN_MAX_FAILURES_PER_IP_PER_DAY: '100000',
    };
    // two instances on one database: the counting must hold across them
    first = await startTestApp({ uri, env, wrapPasswordHashing: recorded.wrap });
    second = await startTestApp({ uri, env, wrapPasswordHashing: recorded.wrap });
  });
  after(async () => {
    await first.close();
    await second.close();
  });

  it('count one by one: of 40 sent at once, at most 10 reach the password check', async (t) => {
    for (let round = 1; round <= 2; round += 1) {
      const username = await registered(first);
      const attacker = clientFrom(first);
      const checksBefore = recorded.checks.length;
      // half of the guesses to each instance
      const _csrf = await attacker.csrfToken('/login');
      const elsewhere = sameBrowserOn(attacker, second);
      const responses = await Promise.all(
        wrongGuesses(username, 40).map((form, i) => (i % 2 === 0 ? attacker : elsewhere).post('/login', { ...form, _csrf })),
      );
      const checked = recorded.checks.length - checksBefore;
      const statuses = statusCounts(responses);
      t.diagnostic(`round ${round}: ${checked} of 40 checked; statuses ${JSON.stringify(statuses)}`);
      assert.ok(checked <= 10, `${checked} guesses reached the password check (limit 10)`);
      assert.deepEqual(statuses, { 401: checked, 429: 40 - checked });
      for (const res of responses.filter((r) => r.status === 429)) {
        const retryAfter = Number(res.headers.get('retry-after'));
        assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}: the lockout, not a day`);
      }

      // and now the pair is locked: the right password waits too
      const late = await attacker.login(username, password);
      assert.equal(late.status, 429, 'locked after the burst');
      assert.ok(Number(late.headers.get('retry-after')) <= 60);
      assert.equal(recorded.checks.length - checksBefore, checked, 'the refused login was not checked');
    }
  });

  it('count one by one when re-authenticating too', async (t) => {
    for (let round = 1; round <= 2; round += 1) {
      const username = uniqueUsername('reauth');
      const owner = clientFrom(first);
      assert.equal((await owner.register(username, password)).status, 303);
      const checksBefore = recorded.checks.length;
      const hashBefore = (await first.users.findOne({ usernameKey: username.toLowerCase() }).lean())?.passwordHash;
      const next = 'a brand new passphrase';
      const forms = Array.from({ length: 40 }, (_, i) => ({ currentPassword: `not it ${i}`, newPassword: next, confirmPassword: next }));
      const responses = await allAtOnce(owner, '/account/password', forms);
      const checked = recorded.checks.length - checksBefore;
      t.diagnostic(`round ${round}: ${checked} of 40 checked; statuses ${JSON.stringify(statusCounts(responses))}`);
      assert.ok(checked <= 10, `${checked} current-password guesses were checked (limit 10)`);
      assert.deepEqual(statusCounts(responses), { 400: checked, 429: 40 - checked });
      // the same counter as the login form
      assert.equal((await sameAddressAs(owner, first).login(username, password)).status, 429);
      const after = await first.users.findOne({ usernameKey: username.toLowerCase() }).lean();
      assert.equal(after?.passwordHash, hashBefore, 'the password is unchanged');
    }
  });
});

describe('an address past its daily limit', () => {
  it('is slowed down, not shut out: one failure per username, and the right password gets in', async (t) => {
    // an office: many people behind one address, one of them an attacker
    const office = clientFrom();
    // five failures on five usernames: the address reaches its limit (5)
    const sprayed = await allAtOnce(
      office,
      '/login',
      Array.from({ length: 5 }, () => ({ username: uniqueUsername('spray'), password: 'wrong guess' })),
    );
    assert.deepEqual(statusCounts(sprayed), { 401: 5 });

    for (let round = 1; round <= 2; round += 1) {
      const colleague = await registered();
      const target = await registered();
      // forty guesses at one account, all at once, while a colleague logs in
      const [guesses, colleagueLogin] = await Promise.all([
        allAtOnce(sameAddressAs(office), '/login', wrongGuesses(target, 40)),
        sameAddressAs(office).login(colleague, password),
      ]);
      t.diagnostic(`round ${round}: colleague ${colleagueLogin.status}; guesses ${JSON.stringify(statusCounts(guesses))}`);
      assert.equal(colleagueLogin.status, 303, 'the colleague at the same address logs in');
      const checked = guesses.filter((res) => res.status === 401).length;
      assert.ok(checked <= 1, `${checked} guesses were checked: one per username past the daily limit`);
      for (const res of guesses.filter((r) => r.status === 429)) {
        assert.ok(Number(res.headers.get('retry-after')) <= 2, 'Retry-After is the lockout, not a day');
      }

      // the target's failure locked it at this address, for the lockout only
      const fromOffice = await sameAddressAs(office).login(target, password);
      assert.equal(fromOffice.status, 429);
      const retryAfter = Number(fromOffice.headers.get('retry-after'));
      assert.ok(retryAfter >= 1 && retryAfter <= 2, `Retry-After ${retryAfter}`);
      assert.equal((await clientFrom().login(target, password)).status, 303, 'elsewhere the target logs in');
    }
  });
});

describe('IPv6 clients', () => {
  it('are counted by their /64, and an IPv4-mapped address as the IPv4 one', async () => {
    // a /64 of its own: no other test of this file speaks IPv6
    const network = '2001:db8:64';
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

describe('password checks at once', () => {
  const recorded = recordChecks();
  let busy: TestApp;
  before(async () => {
    busy = await startTestApp({
      uri,
      // the default cap (4 at once per address) and two hashing threads; no
      // lockout in the way, so that every guess would be checked
      env: {
        TRUST_PROXY: 'loopback',
        PASSWORD_HASH_THREADS: '2',
        LOGIN_MAX_CONSECUTIVE_FAILURES: '1000',
        LOGIN_MAX_FAILURES_PER_IP_PER_DAY: '100000',
      },
      wrapPasswordHashing: recorded.wrap,
    });
  });
  after(() => busy.close());

  it('are capped per address, so a burst from one address does not hold up anyone else', async (t) => {
    const victim = await registered(busy);
    const bystanderName = await registered(busy);
    const bystanderHash = (await busy.users.findOne({ usernameKey: bystanderName }).lean())?.passwordHash;

    const timedLogin = async () => {
      const bystander = clientFrom(busy);
      const _csrf = await bystander.csrfToken('/login');
      const started = performance.now();
      const res = await bystander.post('/login', { username: bystanderName, password, _csrf });
      const check = recorded.checks.findLast((c) => c.hash === bystanderHash);
      return { status: res.status, ms: performance.now() - started, check };
    };
    const idle = await timedLogin();
    assert.equal(idle.status, 303);
    assert.ok(idle.check);

    for (let round = 1; round <= 2; round += 1) {
      const from = recorded.checks.length;
      const attacker = clientFrom(busy);
      const _csrf = await attacker.csrfToken('/login');
      const burst = Promise.all(wrongGuesses(victim, 150).map((form) => attacker.post('/login', { ...form, _csrf })));
      const during = await timedLogin();
      const responses = await burst;
      const checks = recorded.checks.slice(from);
      assert.equal(during.status, 303);
      assert.ok(during.check && during.check !== idle.check, 'the bystander’s password was checked');
      const ahead = checksAhead(during.check, checks);
      t.diagnostic(
        `round ${round}: the bystander's login took ${during.ms.toFixed(0)} ms (idle ${idle.ms.toFixed(0)} ms), ` +
          `its check ${(during.check.ended - during.check.started).toFixed(0)} ms with ${ahead} ahead ` +
          `(idle ${(idle.check.ended - idle.check.started).toFixed(0)} ms); at most ${mostAtOnce(checks)} checks at once; ` +
          `burst ${JSON.stringify(statusCounts(responses))}`,
      );
      // what decides the bystander's wait: at most four of the attacker's
      // hashes ahead of it, not 150. (The times above are for reading: on a
      // shared machine they vary too much to assert; npm run bench measures speed.)
      assert.ok(mostAtOnce(checks) <= 5, `${mostAtOnce(checks)} password checks at once`);
      assert.ok(ahead <= 4, `${ahead} checks were ahead of the bystander's`);

      const statuses = statusCounts(responses);
      assert.deepEqual(Object.keys(statuses).sort(), ['401', '429']);
      const refused = responses.find((res) => res.status === 429);
      assert.equal(refused?.headers.get('retry-after'), '1');
      assert.match((await refused?.text()) ?? '', /Too many logins from your network are being checked at this moment/);
    }
  });
});

describe('a full password-hashing queue', () => {
  const recorded = recordChecks();
  let oneThread: TestApp;
  before(async () => {
    oneThread = await startTestApp({
      uri,
      // one thread and eight waiting hashes (QUEUED_HASHES_PER_THREAD)
      env: { TRUST_PROXY: 'loopback', PASSWORD_HASH_THREADS: '1', BCRYPT_COST: '11', LOGIN_MAX_FAILURES_PER_IP_PER_DAY: '100000' },
      wrapPasswordHashing: recorded.wrap,
    });
  });
  after(() => oneThread.close());

  it('answers 503 with Retry-After at once, and gives the attempt back', async (t) => {
    const username = await registered(oneThread);
    // forty people at forty addresses, all at once: no per-address limit applies
    const people = Array.from({ length: 40 }, () => clientFrom(oneThread));
    const tokens = await Promise.all(people.map((person) => person.csrfToken('/login')));
    const started = performance.now();
    const results = await Promise.all(
      people.map(async (person, i) => {
        const res = await person.post('/login', { username, password: 'wrong guess', _csrf: tokens[i] ?? '' });
        const html = await res.text();
        return { res, html, ms: performance.now() - started, address: person.defaultHeaders['x-forwarded-for'] ?? '' };
      }),
    );
    const busy = results.filter(({ res }) => res.status === 503);
    const lastCheckMs = Math.max(...results.filter(({ res }) => res.status === 401).map((r) => r.ms));
    t.diagnostic(
      `${busy.length} of 40 refused, the slowest refusal after ${Math.max(...busy.map((r) => r.ms)).toFixed(0)} ms; ` +
        `the last check answered after ${lastCheckMs.toFixed(0)} ms; at most ${mostAtOnce(recorded.checks)} checks at once`,
    );
    assert.deepEqual([...new Set(results.map(({ res }) => res.status))].sort(), [401, 503], 'never a 500');
    // one hashing and eight waiting, never more
    assert.ok(mostAtOnce(recorded.checks) <= 9, `${mostAtOnce(recorded.checks)} checks at once`);
    for (const { res, html, ms } of busy) {
      assert.equal(res.headers.get('retry-after'), '2');
      assert.match(html, /checking a great many passwords/);
      // refused without waiting for the hashes ahead of it
      assert.ok(ms < lastCheckMs, `a refusal took ${ms.toFixed(0)} ms, the last check ${lastCheckMs.toFixed(0)} ms`);
    }

    // no password was checked for them: nothing stays counted against those addresses
    const rateLimits = oneThread.connection.getClient().db(oneThread.connection.name).collection('rate_limits');
    const keys = busy.flatMap(({ address }) => [`login_fail_ip_day:${address}`, `login_fail_user_ip:${username}_${address}`]);
    const points = (await rateLimits.find({ key: { $in: keys } }).toArray()).map((counter) => Number(counter.points));
    assert.ok(points.every((p) => p === 0), `points left: ${points.join(', ')}`);
  });
});

describe('registrations per address per hour', () => {
  it('are limited', async () => {
    const client = clientFrom();
    for (let i = 0; i < 3; i += 1) {
      const fresh = sameAddressAs(client);
      assert.equal((await fresh.register(uniqueUsername('farm'), password)).status, 303);
    }
    const res = await sameAddressAs(client).register(uniqueUsername('farm'), password);
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
    const taken = await registered(costly);
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

describe('new sessions for the anonymous forms', () => {
  let forms: TestApp;
  before(async () => {
    forms = await startTestApp({ uri, env: { TRUST_PROXY: 'loopback', ANONYMOUS_SESSIONS_PER_IP_PER_HOUR: '5' } });
  });
  after(() => forms.close());

  const storedSessions = () => forms.connection.getClient().db(forms.connection.name).collection('sessions').countDocuments();

  it('are limited per address, so one address cannot fill the sessions collection', async (t) => {
    for (let round = 1; round <= 3; round += 1) {
      const address = clientFrom(forms).defaultHeaders;
      const before = await storedSessions();
      const visitors = Array.from({ length: 12 }, () => new Client(forms.baseUrl, address));
      const pages = await Promise.all(visitors.map((visitor, i) => visitor.get(i % 2 === 0 ? '/login' : '/register')));
      const stored = (await storedSessions()) - before;
      t.diagnostic(`round ${round}: ${stored} sessions stored; pages ${JSON.stringify(statusCounts(pages))}`);
      assert.equal(stored, 5);
      assert.deepEqual(statusCounts(pages), { 200: 5, 429: 7 });
      const refused = pages.find((res) => res.status === 429);
      const retryAfter = Number(refused?.headers.get('retry-after'));
      assert.ok(retryAfter >= 1 && retryAfter <= 3600, `Retry-After ${retryAfter}`);
      assert.match((await refused?.text()) ?? '', /opened too many times from your network/);

      // those who got a form reload it freely: their session is reused
      const admitted = visitors.filter((_, i) => pages[i]?.status === 200);
      for (const visitor of admitted) assert.equal((await visitor.get('/login')).status, 200);
      assert.equal((await storedSessions()) - before, 5);
      // and another address is not affected
      assert.equal((await clientFrom(forms).get('/login')).status, 200);
    }
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

describe('new sessions for the anonymous forms, a tenth of them counted in memory', () => {
  // 30 an hour: the first 3 from an address are counted in each process's
  // memory, the other 27 in MongoDB (security/throttle.ts)
  const env = { TRUST_PROXY: 'loopback', ANONYMOUS_SESSIONS_PER_IP_PER_HOUR: '30' };
  let one: TestApp;
  let other: TestApp;
  before(async () => {
    [one, other] = await Promise.all([startTestApp({ uri, env }), startTestApp({ uri, env })]);
  });
  after(() => Promise.all([one.close(), other.close()]));

  const counterOf = (address: string) =>
    one.connection.getClient().db(one.connection.name).collection('rate_limits').findOne({ key: `anon_session_ip_hour:${address}` });

  it('the first ones cost no counter in the database', async () => {
    const address = freshAddress();
    for (let i = 0; i < 3; i += 1) assert.equal((await new Client(one.baseUrl, { 'x-forwarded-for': address }).get('/login')).status, 200);
    assert.equal(await counterOf(address), null, 'three new sessions: no counter stored');
    assert.equal((await new Client(one.baseUrl, { 'x-forwarded-for': address }).get('/login')).status, 200);
    assert.equal((await counterOf(address))?.points, 1, 'the fourth is counted in MongoDB');
  });

  it('still stop one process at the limit, however many arrive at once', async () => {
    const address = { 'x-forwarded-for': freshAddress() };
    const pages = await Promise.all(Array.from({ length: 40 }, () => new Client(one.baseUrl, address).get('/login')));
    assert.deepEqual(statusCounts(pages), { 200: 30, 429: 10 });
  });

  it('let two processes on one database past it by one tenth at most', async () => {
    const address = { 'x-forwarded-for': freshAddress() };
    const pages = await Promise.all(Array.from({ length: 80 }, (_, i) => new Client((i % 2 === 0 ? one : other).baseUrl, address).get('/register')));
    assert.deepEqual(statusCounts(pages), { 200: 33, 429: 47 });
  });
});

describe('failed logins per address per day, a tenth of them counted in memory', () => {
  // 20 a day: the first 2 from an address are counted in each process's
  // memory, the other 18 in MongoDB (security/throttle.ts splitCounter)
  const env = { ...LIMITS, LOGIN_MAX_FAILURES_PER_IP_PER_DAY: '20' };
  let one: TestApp;
  let other: TestApp;
  before(async () => {
    [one, other] = await Promise.all([startTestApp({ uri, env }), startTestApp({ uri, env })]);
  });
  after(() => Promise.all([one.close(), other.close()]));

  const counterOf = (address: string) =>
    one.connection.getClient().db(one.connection.name).collection('rate_limits').findOne({ key: `login_fail_ip_day:${address}` });
  /** Wrong passwords for `count` usernames from one address, ten at once (more would fill the hashing queue: 503). */
  const spray = async (target: TestApp, headers: Record<string, string>, count: number) => {
    const responses: Response[] = [];
    for (let sent = 0; sent < count; sent += 10) {
      const forms = Array.from({ length: Math.min(10, count - sent) }, () => ({ username: uniqueUsername('spray'), password: 'wrong guess' }));
      responses.push(...(await allAtOnce(new Client(target.baseUrl, headers), '/login', forms)));
    }
    return responses;
  };
  /** How many of three guesses at one account, one after another, reach the password check. */
  const checkedOfThree = async (target: TestApp, headers: Record<string, string>) => {
    const username = await registered(target);
    const statuses = [];
    for (let i = 0; i < 3; i += 1) statuses.push((await new Client(target.baseUrl, headers).login(username, `wrong guess ${i}`)).status);
    return statuses.filter((status) => status === 401).length;
  };

  it('the first ones cost no counter in the database, and a right password gives its point back', async () => {
    const headers = { 'x-forwarded-for': freshAddress() };
    const address = headers['x-forwarded-for'];
    assert.deepEqual(statusCounts(await spray(one, headers, 1)), { 401: 1 });
    const username = await registered(one);
    assert.equal((await new Client(one.baseUrl, headers).login(username, password)).status, 303);
    assert.deepEqual(statusCounts(await spray(one, headers, 1)), { 401: 1 });
    assert.equal(await counterOf(address), null, 'two failures and a success: no counter stored');
    assert.deepEqual(statusCounts(await spray(one, headers, 1)), { 401: 1 });
    assert.equal((await counterOf(address))?.points, 1, 'the third failure is counted in MongoDB');
  });

  it('still stop one process exactly at the limit, however many arrive at once', async () => {
    const atLimit = { 'x-forwarded-for': freshAddress() };
    assert.deepEqual(statusCounts(await spray(one, atLimit, 20)), { 401: 20 });
    assert.equal(await checkedOfThree(one, atLimit), 1, 'past the limit: one failure per username');
    // two below it: two more failures before the limit (the 19th and 20th), then one per username
    const belowLimit = { 'x-forwarded-for': freshAddress() };
    assert.deepEqual(statusCounts(await spray(one, belowLimit, 18)), { 401: 18 });
    assert.equal(await checkedOfThree(one, belowLimit), 2, 'the limit exactly: neither sooner nor later');
  });

  it('let two processes on one database past it by one tenth at most', async () => {
    const headers = { 'x-forwarded-for': freshAddress() };
    // 11 failures through each: 2 + 2 in memory, 18 in MongoDB
    const sprayed = await Promise.all([spray(one, headers, 11), spray(other, headers, 11)]);
    assert.deepEqual(statusCounts(sprayed.flat()), { 401: 22 });
    assert.equal(await checkedOfThree(one, headers), 1);
    assert.equal(await checkedOfThree(other, headers), 1);
  });
});
