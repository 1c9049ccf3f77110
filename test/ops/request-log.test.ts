// The request log: in production one JSON line per request, static files
// included, as log collectors expect; in development one short line per
// page, none for the stylesheet, scripts and favicon, and the
// authentication events still there.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { prettyFactory } from 'pino-pretty';
import { DEVELOPMENT_PRETTY_OPTIONS } from '../../src/logger.js';
import { PRODUCTION_TEST_ENV, useTestApp } from '../helpers/app.js';
import { Client, uniqueUsername } from '../helpers/client.js';
import { captureLogs, eventually } from '../helpers/logs.js';

const STATIC = ['/css/site.css', '/js/passkeys.js', '/favicon.ico'];

interface RequestLine {
  msg: string;
  req?: { id?: string; method?: string; path?: string };
  res?: { status?: number };
  responseTime?: number;
}

function requestLines(lines: string[]): RequestLine[] {
  return lines.map((line) => JSON.parse(line) as RequestLine).filter((entry) => entry.req !== undefined && entry.res !== undefined);
}

describe('in production', () => {
  const logs = captureLogs();
  const prod = useTestApp({ env: PRODUCTION_TEST_ENV, logger: logs.logger });

  it('logs every request as a JSON line, static files included', async () => {
    const client = new Client(prod.app.baseUrl, { 'x-forwarded-proto': 'https' });
    for (const path of ['/login', ...STATIC]) await (await client.get(path)).arrayBuffer();
    await eventually(() => requestLines(logs.lines).length >= 1 + STATIC.length, 'a line per request');
    const byPath = new Map(requestLines(logs.lines).map((line) => [line.req?.path, line]));
    for (const path of ['/login', ...STATIC]) {
      const line = byPath.get(path);
      assert.ok(line, `a line for ${path}`);
      assert.equal(line.req?.method, 'GET');
      assert.match(line.req?.id ?? '', /^[\w-]{36}$/, 'a request id');
      assert.equal(typeof line.res?.status, 'number');
      assert.equal(typeof line.responseTime, 'number');
    }
    assert.match(byPath.get('/login')?.msg ?? '', /^GET \/login 200 \d+ms$/);
  });

  it('costs one log call per request, and no logger of its own per request', async (t) => {
    // a child logger per request (what pino-http makes) serializes its
    // bindings up front: a few percent of a page's CPU for one line
    const original = logs.logger.child.bind(logs.logger);
    let children = 0;
    // children inherit this through their prototype, as pino makes them
    t.mock.method(logs.logger, 'child', (...args: Parameters<typeof original>) => {
      children += 1;
      return original(...args);
    });
    const client = new Client(prod.app.baseUrl, { 'x-forwarded-proto': 'https' });
    const before = requestLines(logs.lines).length;
    for (let i = 0; i < 5; i += 1) await (await client.get('/')).arrayBuffer();
    await eventually(() => requestLines(logs.lines).length >= before + 5, 'a line per request');
    assert.equal(children, 0, 'no child logger');
    assert.equal(requestLines(logs.lines).length, before + 5, 'one line each');
  });
});

describe('in development', () => {
  const logs = captureLogs();
  const dev = useTestApp({ env: { NODE_ENV: 'development' }, logger: logs.logger });

  it('logs no line for static files, one for each page, and the authentication events', async () => {
    const client = new Client(dev.app.baseUrl);
    for (const path of STATIC) await (await client.get(path)).arrayBuffer();
    await (await client.get('/login')).arrayBuffer();
    const username = uniqueUsername('devlog');
    assert.equal((await client.register(username)).status, 303);
    await eventually(() => requestLines(logs.lines).some((line) => line.req?.path === '/register'), 'the registration logged');
    const paths = requestLines(logs.lines).map((line) => line.req?.path);
    for (const path of STATIC) assert.ok(!paths.includes(path), `no line for ${path}`);
    assert.ok(!logs.lines.some((line) => /\/(?:css|js)\/|favicon/.test(line)), 'static files appear in no line');
    // the login page, then the registration's form and its post
    assert.deepEqual(paths, ['/login', '/register', '/register']);
    assert.ok(logs.events().some((e) => e.event === 'register'), 'the registration event');
  });

  it('shows each request as one short line, and an event on one line with its fields', () => {
    const pretty = prettyFactory({ ...DEVELOPMENT_PRETTY_OPTIONS, colorize: false });
    const request = requestLines(logs.lines).find((line) => line.req?.path === '/login');
    assert.ok(request);
    const shown = pretty(JSON.stringify(request));
    assert.match(shown, /^\[\d\d:\d\d:\d\d\] INFO: GET \/login 200 \d+ms\n$/);
    const event = logs.lines.find((line) => line.includes('"event":"register"'));
    assert.ok(event);
    const eventShown = pretty(event);
    assert.equal(eventShown.split('\n').length, 2, 'one line');
    assert.match(eventShown, /INFO: account created \{.*"event":"register"/);
  });
});
