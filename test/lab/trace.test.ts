// The lab's trace page: what a traced browser's requests did, in the order
// they did it (store calls, MongoDB commands, the response's headers and its
// end), with nothing secret in it, bounded, and absent in production.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTraceRecorder, MAX_EVENTS, MAX_REQUESTS, type TracedRequest, type TraceEvent } from '../../src/lab/trace/recorder.js';
import { TRACE_COOKIE } from '../../src/lab/trace/trace-cookie.js';
import { TracedStore } from '../../src/lab/trace/traced-store.js';
import { MongoStore } from 'connect-mongo';
import { ObjectId } from 'mongodb';
import { redactValues } from '../../src/lab/trace/redact-values.js';
import { SLOW_REQUEST_MS } from '../../src/lab/resurrection.js';
import { PRODUCTION_TEST_ENV, useTestApp } from '../helpers/app.js';
import { Client, sessionIdFromCookie, storedIdFromCookie, uniqueUsername } from '../helpers/client.js';

const fixture = useTestApp();

/** A browser that has opened the trace page: its requests are recorded from now on. */
async function tracedBrowser(): Promise<Client> {
  const client = new Client(fixture.app.baseUrl);
  const res = await client.get('/lab/trace');
  assert.equal(res.status, 200);
  await res.arrayBuffer();
  assert.ok(client.cookies.get(TRACE_COOKIE), 'the trace page sets the trace cookie');
  return client;
}

async function traceOf(client: Client): Promise<{ traced: boolean; requests: TracedRequest[] }> {
  const res = await client.get('/lab/trace.json');
  assert.equal(res.status, 200);
  return (await res.json()) as { traced: boolean; requests: TracedRequest[] };
}

/** The latest request to `method path`, once it has finished (the trace is read as it is written). */
async function finished(client: Client, method: string, path: string): Promise<TracedRequest> {
  for (let tries = 0; tries < 50; tries += 1) {
    const request = (await traceOf(client)).requests.findLast((r) => r.method === method && r.path === path);
    if (request?.events.some((e) => e.kind === 'finish')) return request;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no finished ${method} ${path} in the trace`);
}

const commands = (request: TracedRequest) => request.events.filter((e): e is Extract<TraceEvent, { kind: 'command' }> => e.kind === 'command');
const storeCalls = (request: TracedRequest) => request.events.filter((e): e is Extract<TraceEvent, { kind: 'store' }> => e.kind === 'store');
const eventOf = <K extends TraceEvent['kind']>(request: TracedRequest, kind: K) => request.events.find((e): e is Extract<TraceEvent, { kind: K }> => e.kind === kind);
// times are to a tenth of a ms: the sum is rounded back to a tenth, else 0.1 + 0.2 > 0.3
const ended = (e: { at: number; ms?: number }) => (e.ms === undefined ? Number.POSITIVE_INFINITY : Math.round((e.at + e.ms) * 10) / 10);

describe('the trace', () => {
  it('a dashboard view: the session read, the visit counted, the session saved, then the response finished', async () => {
    const client = await tracedBrowser();
    await (await client.register(uniqueUsername('trace'))).arrayBuffer();
    await (await client.get('/dashboard')).arrayBuffer();
    await (await client.get('/dashboard')).arrayBuffer();
    const view = await finished(client, 'GET', '/dashboard');
    assert.equal(view.status, 200);
    assert.deepEqual(
      commands(view).map((c) => `${c.name} ${c.collection}`),
      ['find sessions', 'findAndModify users', 'update sessions'],
    );
    const [find, visit, save] = commands(view);
    // the filters' keys, never their values
    assert.equal((find?.filter as Record<string, unknown> | undefined)?._id, '?');
    assert.ok(visit?.update && typeof visit.update === 'object' && '$inc' in visit.update, 'the visit is an $inc');
    // the store calls that sent them: a read when the request arrives, a save as it ends
    assert.deepEqual(storeCalls(view).map((c) => `${c.store} ${c.op}`), ['app get', 'app set']);
    assert.ok(storeCalls(view).every((c) => c.storedId.endsWith('…') && c.storedId.length === 7), 'stored IDs cut short');
    // they ran one after the other, and the response finished after the last
    assert.ok(find && visit && save && ended(find) <= visit.at && ended(visit) <= save.at);
    const finish = eventOf(view, 'finish');
    assert.ok(finish && finish.at >= ended(save), 'finished after the session was saved');
    assert.equal(view.durationMs, finish.at);
    assert.equal(view.sessionId, `${sessionIdFromCookie(client.cookies.get(fixture.app.config.session.cookieName)).slice(0, 6)}…`);
  });

  it('a login: the old session deleted, the new one inserted, the revocation check, and the 303 sent after them', async () => {
    const username = uniqueUsername('trace');
    await (await new Client(fixture.app.baseUrl).register(username)).arrayBuffer();
    const client = await tracedBrowser();
    const res = await client.login(username);
    assert.equal(res.status, 303);
    await res.arrayBuffer();
    const login = await finished(client, 'POST', '/login');
    const sessionCommands = commands(login).filter((c) => c.collection === 'sessions');
    const deleted = sessionCommands.find((c) => c.name === 'delete');
    const inserted = sessionCommands.find((c) => c.name === 'insert');
    assert.ok(deleted && inserted, `a delete and an insert on sessions: ${sessionCommands.map((c) => c.name).join(', ')}`);
    assert.ok(ended(deleted) <= inserted.at, 'the old session goes before the new one is stored');
    // regenerate: the store's destroy, then the new session's set
    const ops = storeCalls(login).map((c) => c.op);
    assert.ok(ops.indexOf('destroy') !== -1 && ops.indexOf('destroy') < ops.lastIndexOf('set'), ops.join(', '));
    // then the revocation check (session/revocation.ts): the account's generation, read after the insert
    const generation = commands(login).find((c) => c.collection === 'users' && c.name === 'find' && c.at >= ended(inserted));
    assert.ok(generation, `the account read again after the insert: ${commands(login).map((c) => `${c.name} ${c.collection ?? ''}`).join(', ')}`);
    const response = eventOf(login, 'response');
    assert.equal(response?.status, 303);
    assert.ok(response.at >= ended(inserted), 'the redirect leaves once the new session is stored');
    assert.ok(response.at >= ended(generation), 'and once the revocation check has answered');
    // the new session's cookie is set, by name only
    assert.ok(response.setCookie.includes(fixture.app.config.session.cookieName), response.setCookie.join(', '));
    assert.deepEqual(login.setCookie, response.setCookie);
  });

  it("the redirect race: the wrong way's 303 leaves before the session's insert, the right way's after", async () => {
    const client = await tracedBrowser();
    for (const way of ['wrong', 'right'] as const) {
      const token = await client.csrfToken('/lab/redirect-race');
      const res = await client.post(`/lab/redirect-race/${way}`, { _csrf: token, name: 'Ada' });
      assert.equal(res.status, 303);
      await res.arrayBuffer();
      const race = await finished(client, 'POST', `/lab/redirect-race/${way}`);
      // the new session's insert: connect-mongo (the lab's store) upserts
      const insert = commands(race).find((c) => c.collection === 'lab_sessions' && (c.name === 'insert' || (c.name === 'update' && c.upsert === true)));
      const response = eventOf(race, 'response');
      assert.ok(insert && response, `${way}: an insert and a response`);
      assert.equal(response.status, 303);
      if (way === 'wrong') assert.ok(response.at < insert.at, `wrong: 303 at ${response.at} ms, insert at ${insert.at} ms`);
      else assert.ok(response.at >= ended(insert), `right: 303 at ${response.at} ms, insert done at ${ended(insert)} ms`);
      // the lab's store call is there too: the save that the slow store holds back
      assert.ok(storeCalls(race).some((c) => c.store === 'lab' && c.op === 'set'));
    }
  });

  it('the resurrection race: the wrong way, the slow request saves the session again after the logout destroyed it', async () => {
    const client = await tracedBrowser();
    const base = '/lab/resurrection/wrong';
    const token = /data-csrf="([^"]+)"/.exec(await (await client.get(base)).text())?.[1] ?? '';
    const login = await client.post(`${base}/login`, { _csrf: token });
    assert.equal(login.status, 200);
    const { csrfToken } = (await login.json()) as { csrfToken: string };
    const slow = client.get(`${base}/slow`).then((res) => res.arrayBuffer());
    await new Promise((resolve) => setTimeout(resolve, SLOW_REQUEST_MS / 4));
    assert.equal((await client.post(`${base}/logout`, { _csrf: csrfToken })).status, 200);
    await slow;
    const [logout, slowRequest] = [await finished(client, 'POST', `${base}/logout`), await finished(client, 'GET', `${base}/slow`)];
    // on one clock: when each request arrived, plus its step's offset
    const clock = (request: TracedRequest, event: { at: number; ms?: number }) => Date.parse(request.startedAt) + ended(event);
    const destroyed = storeCalls(logout).find((c) => c.op === 'destroy');
    const savedAgain = storeCalls(slowRequest).find((c) => c.op === 'set');
    assert.ok(destroyed && savedAgain, 'the logout destroys, the slow request saves');
    assert.equal(savedAgain.storedId, destroyed.storedId, 'the same session');
    assert.ok(clock(slowRequest, savedAgain) > clock(logout, destroyed), 'the in-flight save lands after the destroy: the session is back');
  });

  it('shows no secret: no password, no session ID or cookie value, no CSRF token', async () => {
    const username = uniqueUsername('trace');
    const password = 'a known password 7Qz!';
    await (await new Client(fixture.app.baseUrl).register(username, password)).arrayBuffer();
    const client = await tracedBrowser();
    const token = await client.csrfToken('/login');
    const res = await client.post('/login', { _csrf: token, username, password });
    assert.equal(res.status, 303);
    await res.arrayBuffer();
    await (await client.get('/dashboard')).arrayBuffer();
    await finished(client, 'GET', '/dashboard');
    const json = await (await client.get('/lab/trace.json')).text();
    const cookie = client.cookies.get(fixture.app.config.session.cookieName) ?? '';
    assert.ok(json.includes('"POST"') && json.includes('/login'), 'the login is in the trace');
    for (const [what, secret] of [
      ['password', password],
      ['session ID', sessionIdFromCookie(cookie)],
      ['cookie value', cookie],
      ['cookie value, decoded', decodeURIComponent(cookie)],
      ['stored ID', storedIdFromCookie(cookie)],
      ['CSRF token', token],
      ['trace cookie', client.cookies.get(TRACE_COOKIE) ?? ''],
    ] as const) {
      assert.ok(secret.length > 10, what);
      assert.ok(!json.includes(secret), `no ${what} in the trace`);
    }
    assert.ok(!json.includes(username), 'query values are hidden, the username too');
  });

  it(`keeps the last ${MAX_REQUESTS} requests of a browser`, async () => {
    const client = await tracedBrowser();
    for (let i = 0; i < MAX_REQUESTS + 5; i += 1) await (await client.get(`/?n=${i}`)).arrayBuffer();
    await (await client.get('/nowhere')).arrayBuffer();
    const { requests } = await traceOf(client);
    assert.equal(requests.length, MAX_REQUESTS);
    assert.equal(requests.at(-1)?.path, '/nowhere');
    assert.equal(requests.at(-1)?.status, 404);
    // the oldest went first: the kept ones are the latest, in order
    const ids = requests.map((r) => r.id);
    assert.deepEqual(ids, ids.map((_, i) => (ids[0] ?? 0) + i));
  });

  it('records only browsers that opened the trace page, and only their own requests', async () => {
    const traced = await tracedBrowser();
    const other = new Client(fixture.app.baseUrl);
    await (await other.get('/login')).arrayBuffer();
    assert.deepEqual(await traceOf(other), { traced: false, requests: [] });
    assert.equal((await traceOf(traced)).requests.length, 0, "another browser's requests are not in this one's trace");
    // the trace page and its data are not in the trace either
    await (await traced.get('/lab/trace')).arrayBuffer();
    assert.equal((await traceOf(traced)).requests.length, 0);
    // a made-up trace cookie opens nothing
    const forged = new Client(fixture.app.baseUrl);
    forged.cookies.set(TRACE_COOKIE, 'x'.repeat(24));
    await (await forged.get('/')).arrayBuffer();
    assert.deepEqual(await traceOf(forged), { traced: false, requests: [] });
  });

  it('is linked from the lab and from its redirect race and resurrection experiments', async () => {
    const client = new Client(fixture.app.baseUrl);
    for (const page of ['/lab', '/lab/redirect-race', '/lab/resurrection/wrong']) {
      assert.match(await (await client.get(page)).text(), /href="\/lab\/trace"/, page);
    }
  });
});

describe('the trace recorder', () => {
  it('forgets the browser traced longest ago beyond its cap', () => {
    const recorder = createTraceRecorder({ maxBrowsers: 2, maxRequests: 3 });
    const [a, b] = [recorder.openBrowser(), recorder.openBrowser()];
    recorder.beginRequest(a, { method: 'GET', path: '/a', sessionId: null });
    const c = recorder.openBrowser();
    // a was traced more recently than b: b goes
    assert.equal(recorder.isTraced(b), false);
    assert.equal(recorder.isTraced(a), true);
    assert.equal(recorder.isTraced(c), true);
    for (let i = 0; i < 5; i += 1) recorder.beginRequest(a, { method: 'GET', path: `/${i}`, sessionId: null });
    assert.deepEqual(recorder.requestsOf(a).map((r) => r.path), ['/2', '/3', '/4']);
  });

  it(`keeps at most ${MAX_EVENTS} steps of a request, and counts the rest`, () => {
    const recorder = createTraceRecorder();
    const trace = recorder.beginRequest(recorder.openBrowser(), { method: 'GET', path: '/', sessionId: null });
    for (let i = 0; i < MAX_EVENTS + 7; i += 1) trace.begin({ kind: 'command', name: 'find' })();
    trace.mark({ kind: 'finish', at: trace.now() });
    assert.equal(trace.record.events.length, MAX_EVENTS);
    assert.equal(trace.record.eventsDropped, 8);
  });
});

describe('the trace in production', () => {
  const prod = useTestApp({ env: PRODUCTION_TEST_ENV });

  it('does not exist: no page, no data, no command listener, no trace cookie', async () => {
    const client = new Client(prod.app.baseUrl, { 'x-forwarded-proto': 'https' });
    for (const path of ['/lab/trace', '/lab/trace.json']) {
      const res = await client.get(path);
      assert.equal(res.status, 404, path);
      assert.ok(!res.headers.getSetCookie().some((c) => c.startsWith(TRACE_COOKIE)), path);
      await res.arrayBuffer();
    }
    const mongo = prod.app.connection.getClient();
    for (const event of ['commandStarted', 'commandSucceeded', 'commandFailed']) assert.equal(mongo.listenerCount(event), 0, event);
  });
});

describe('redacting a filter', () => {
  it('keeps the keys and operators, hides every value, BSON values included', () => {
    const filter = { _id: new ObjectId(), username: 'ada', expires: { $gt: new Date() }, $or: [{ a: 1 }, { b: [1, 2] }], tags: { $in: ['x', 'y', 'z', 'w'] } };
    assert.deepEqual(redactValues(filter), {
      _id: '?',
      username: '?',
      expires: { $gt: '?' },
      $or: [{ a: '?' }, { b: ['?', '?'] }],
      tags: { $in: ['?', '?', '?', '1 more'] },
    });
    // deep documents stop at a depth, many keys at a count
    const deep = redactValues({ a: { b: { c: { d: { e: 'secret' } } } } });
    assert.doesNotMatch(JSON.stringify(deep), /secret/);
    const wide = redactValues(Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, i]))) as Record<string, unknown>;
    assert.equal(Object.keys(wide).length, 17);
  });
});

describe('the traced session store', () => {
  it('has a touch() only where the store it wraps has one (the app store has none)', () => {
    const touchOf = (store: object) => typeof Reflect.get(store, 'touch');
    assert.equal(touchOf(fixture.app.store), 'undefined', 'the app store touches nothing');
    assert.equal(touchOf(new TracedStore(fixture.app.store, createTraceRecorder(), 'app')), 'undefined');
    // connect-mongo as it comes has one, and so has its traced store
    const plain = MongoStore.create({ client: fixture.app.connection.getClient(), collectionName: 'trace_touch_test', autoRemove: 'disabled' });
    assert.equal(touchOf(new TracedStore(plain, createTraceRecorder(), 'lab')), 'function');
  });
});
