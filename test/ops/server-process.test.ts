// The compiled server as a process: it fails fast on bad configuration,
// starts with the local database, serves, and exits 0 on SIGTERM.
// Needs `npm run build` first (npm test does it).
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { startLocalDatabase } from '../../src/db/local/index.js';
import { PROJECT_ROOT } from '../../src/paths.js';
import { Client } from '../helpers/client.js';
import { quietLogger } from '../helpers/database.js';

// the same process, through the instrumented server: every session save takes 1.5 s
const SLOW_SERVER = { NODE_ENV: 'test', PORT: '0', LOG_LEVEL: 'info', BCRYPT_COST: '10', SESSION_STORE_DELAY_MS: '1500' };

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

const SERVER = path.join(PROJECT_ROOT, 'dist', 'server.js');
// tools/instrumented-server.ts running dist/ (CLOAKROOM_BUILD=dist)
const INSTRUMENTED = ['--import', 'tsx', path.join(PROJECT_ROOT, 'tools', 'instrumented-server.ts')];

interface Run {
  code: number | null;
  output: string;
}

// a failed test must not leave a server running (and the test file waiting on it)
const started = new Set<ChildProcess>();
after(() => {
  for (const child of started) child.kill('SIGKILL');
});

function startServer(env: Record<string, string>, options: { instrumented?: boolean } = {}) {
  assert.ok(existsSync(SERVER), 'dist/server.js is missing: run npm run build first');
  // a clean environment: nothing from the caller's MONGODB_URI or .env leaks in
  const child = spawn(process.execPath, options.instrumented ? INSTRUMENTED : [SERVER], {
    cwd: PROJECT_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...(options.instrumented ? { CLOAKROOM_BUILD: 'dist' } : {}), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
  started.add(child);
  const exited = new Promise<Run>((resolve) =>
    child.once('exit', (code) => {
      started.delete(child);
      resolve({ code, output });
    }),
  );
  const waitFor = async (pattern: RegExp): Promise<RegExpExecArray> => {
    for (;;) {
      const match = pattern.exec(output);
      if (match) return match;
      if (child.exitCode !== null) assert.fail(`server exited early:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  return { child, exited, waitFor };
}

describe('the server process', () => {
  it('refuses to start in production without MONGODB_URI and SESSION_SECRET', async () => {
    const { code, output } = await startServer({ NODE_ENV: 'production' }).exited;
    assert.equal(code, 1);
    assert.match(output, /MONGODB_URI is required when NODE_ENV=production/);
    assert.match(output, /SESSION_SECRET is required/);
    assert.doesNotMatch(output, /\n\s+at /, 'a message, not a stack trace');
  });

  it('has no slow session store in production: the instrumented server refuses one, the server has none', async () => {
    const production = { NODE_ENV: 'production', MONGODB_URI: 'mongodb://127.0.0.1:1/cloakroom', SESSION_SECRET: 's'.repeat(40), PASSWORD_PEPPER: 'p'.repeat(40), PUBLIC_URL: 'https://cloakroom.test', TWO_FACTOR_KEY: 'k'.repeat(40), EMAIL: 'off', SESSION_STORE_DELAY_MS: '300' };
    const { code, output } = await startServer(production, { instrumented: true }).exited;
    assert.equal(code, 1);
    assert.match(output, /SESSION_STORE_DELAY_MS slows every login down on purpose, for tests; it is refused when NODE_ENV=production/);
  });

  it('in production, refuses TRUST_PROXY=true and warns at startup about a hop count', { timeout: 60_000 }, async () => {
    const production = {
      NODE_ENV: 'production',
      PORT: '0',
      LOG_LEVEL: 'info',
      SESSION_SECRET: 's'.repeat(40),
      PASSWORD_PEPPER: 'p'.repeat(40),
      TWO_FACTOR_KEY: 'k'.repeat(40),
      PUBLIC_URL: 'https://cloakroom.test',
      EMAIL: 'off',
    };
    const refused = await startServer({ ...production, MONGODB_URI: 'mongodb://127.0.0.1:1/cloakroom', TRUST_PROXY: 'true' }).exited;
    assert.equal(refused.code, 1);
    assert.match(refused.output, /TRUST_PROXY=true trusts every address/);

    const db = await startLocalDatabase({ engine: 'auto', dataDir: undefined, logger: quietLogger });
    try {
      const server = startServer({ ...production, MONGODB_URI: db.uri('proxy'), TRUST_PROXY: '1' });
      const [line] = await server.waitFor(/.*TRUST_PROXY=1 .*/);
      assert.match(line, /"level":40/, 'a warning');
      assert.match(line, /forge its address.*set TRUST_PROXY to your proxies' addresses instead: loopback/);
      await server.waitFor(/Cloakroom is listening/);
      server.child.kill('SIGTERM');
      assert.equal((await server.exited).code, 0);
    } finally {
      await db.stop();
    }
  });

  it('retries an unreachable MongoDB with growing pauses, then gives up with a clear message', async () => {
    const { code, output } = await startServer({
      NODE_ENV: 'test',
      MONGODB_URI: 'mongodb://127.0.0.1:1/cloakroom',
      DB_SERVER_SELECTION_TIMEOUT_MS: '300',
      DB_STARTUP_TIMEOUT: '4s',
    }).exited;
    assert.equal(code, 1);
    assert.match(output, /attempt 1, .*trying again in 1 s/);
    assert.match(output, /attempt 2, .*trying again in 2 s/);
    assert.match(output, /Cannot reach MongoDB at mongodb:\/\/127\.0\.0\.1:1\/cloakroom \(\d attempts\)/);
  });

  it('waits for a database that starts after it', { timeout: 60_000 }, async () => {
    const port = await freePort();
    const server = startServer({
      NODE_ENV: 'test',
      PORT: '0',
      LOG_LEVEL: 'info',
      MONGODB_URI: `mongodb://127.0.0.1:${port}/late`,
      DB_SERVER_SELECTION_TIMEOUT_MS: '300',
      DB_STARTUP_TIMEOUT: '40s',
    });
    await server.waitFor(/not reachable \(attempt 1/);
    const db = await startLocalDatabase({ engine: 'auto', dataDir: undefined, logger: quietLogger, port });
    try {
      await server.waitFor(/Cloakroom is listening/);
      server.child.kill('SIGTERM');
      assert.equal((await server.exited).code, 0);
    } finally {
      await db.stop();
    }
  });

  it('starts with the local database, serves pages, and exits 0 on SIGTERM', { timeout: 240_000 }, async () => {
    const server = startServer({ NODE_ENV: 'test', PORT: '0', LOG_LEVEL: 'info', BCRYPT_COST: '10' });
    const [, url] = await server.waitFor(/listening on (http:\/\/\S+?) /);
    assert.ok(url);
    const home = await fetch(url.replace('localhost', '127.0.0.1'));
    assert.equal(home.status, 200);
    assert.match(await home.text(), /Cloakroom/);
    const css = await fetch(`${url.replace('localhost', '127.0.0.1')}/css/site.css`);
    assert.equal(css.status, 200);

    server.child.kill('SIGTERM');
    const { code, output } = await server.exited;
    assert.equal(code, 0, output);
    assert.match(output, /shut down cleanly/);
    assert.match(output, /Local database: /);
  });

  it('on SIGTERM, finishes the request in flight, then exits 0', { timeout: 60_000 }, async () => {
    // every session save takes 1.5 s: a login is a slow request
    const server = startServer({ ...SLOW_SERVER, SHUTDOWN_GRACE_SECONDS: '10' }, { instrumented: true });
    const [, url] = await server.waitFor(/listening on (http:\/\/\S+?) /);
    const base = (url ?? '').replace('localhost', '127.0.0.1');
    await new Client(base).register('shutdown_user', 'a patient passphrase');
    const client = new Client(base);
    const token = await client.csrfToken('/login');

    // the login's session save takes 1.5 s; the signal comes 300 ms in
    const inFlight = client.post('/login', { username: 'shutdown_user', password: 'a patient passphrase', _csrf: token });
    await new Promise((resolve) => setTimeout(resolve, 300));
    server.child.kill('SIGTERM');

    const res = await inFlight;
    assert.equal(res.status, 303, 'the login in flight completed');
    const { code, output } = await server.exited;
    assert.equal(code, 0, output);
    assert.match(output, /SIGTERM received/);
    assert.match(output, /shut down cleanly/);
  });

  it('on SIGTERM, while a health check polls /readyz, serves until it has answered 503, then exits 0', { timeout: 60_000 }, async () => {
    const server = startServer({ NODE_ENV: 'test', PORT: '0', LOG_LEVEL: 'info', BCRYPT_COST: '10' });
    const [, url] = await server.waitFor(/listening on (http:\/\/\S+?) /);
    const base = (url ?? '').replace('localhost', '127.0.0.1');
    // a fresh connection each, as a proxy's health check makes them
    const get = (pathname: string) =>
      new Promise<http.IncomingMessage>((resolve, reject) => {
        http.get(`${base}${pathname}`, { agent: false }, (res) => {
          res.resume();
          resolve(res);
        }).on('error', reject);
      });
    // a proxy's active health check, every 300 ms
    for (let i = 0; i < 3; i += 1) {
      assert.equal((await get('/readyz')).statusCode, 200);
      await new Promise((resolve) => setTimeout(resolve, 300));
    }

    server.child.kill('SIGTERM');
    await server.waitFor(/SIGTERM received/);
    // still listening (the proxy has not heard yet), and no keep-alive
    const page = await get('/');
    assert.equal(page.statusCode, 200);
    assert.equal(page.headers.connection, 'close');
    // the proxy's next check hears it; shortly after, the server closes
    assert.equal((await get('/readyz')).statusCode, 503);
    const heard = Date.now();
    const { code, output } = await server.exited;
    assert.equal(code, 0, output);
    assert.ok(Date.now() - heard < 3000, `exited ${Date.now() - heard} ms after the 503`);
  });

  it('a second signal exits at once', { timeout: 60_000 }, async () => {
    const server = startServer(SLOW_SERVER, { instrumented: true });
    const [, url] = await server.waitFor(/listening on (http:\/\/\S+?) /);
    const client = new Client((url ?? '').replace('localhost', '127.0.0.1'));
    const pending = client.register('impatient_user', 'a patient passphrase').catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 300));
    server.child.kill('SIGTERM');
    await server.waitFor(/SIGTERM received/);
    // a second press, as a person makes it
    await new Promise((resolve) => setTimeout(resolve, 600));
    server.child.kill('SIGTERM');
    const { code, output } = await server.exited;
    assert.equal(code, 1);
    assert.match(output, /SIGTERM again: exiting now/);
    await pending;
  });

  it('one Ctrl+C delivered twice at once (a watcher passing it on) is one graceful shutdown', { timeout: 60_000 }, async () => {
    const server = startServer({ NODE_ENV: 'test', PORT: '0', LOG_LEVEL: 'info', BCRYPT_COST: '10' });
    await server.waitFor(/listening on/);
    server.child.kill('SIGINT');
    server.child.kill('SIGINT');
    const { code, output } = await server.exited;
    assert.equal(code, 0);
    assert.doesNotMatch(output, /again: exiting now/);
    assert.match(output, /shut down cleanly/);
  });

  it('names a port that is taken, and how to choose another', { timeout: 60_000 }, async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as net.AddressInfo;
    try {
      const { code, output } = await startServer({ NODE_ENV: 'test', PORT: String(port), LOG_LEVEL: 'info', BCRYPT_COST: '10' }).exited;
      assert.equal(code, 1);
      assert.match(output, new RegExp(`Port ${port} on 127\\.0\\.0\\.1 is already in use`));
      assert.match(output, new RegExp(`PORT=${port + 1} npm run dev`));
    } finally {
      taken.close();
    }
  });
});
