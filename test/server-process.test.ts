// The compiled server as a process: it fails fast on bad configuration,
// starts with the local database, serves, and exits 0 on SIGTERM.
// Needs `npm run build` first (npm test does it).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { PROJECT_ROOT } from '../src/paths.js';

const SERVER = path.join(PROJECT_ROOT, 'dist', 'server.js');

interface Run {
  code: number | null;
  output: string;
}

function startServer(env: Record<string, string>) {
  assert.ok(existsSync(SERVER), 'dist/server.js is missing: run npm run build first');
  // a clean environment: nothing from the caller's MONGODB_URI or .env leaks in
  const child = spawn(process.execPath, [SERVER], {
    cwd: PROJECT_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
  const exited = new Promise<Run>((resolve) => child.once('exit', (code) => resolve({ code, output })));
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

  it('gives up quickly with a clear message when MongoDB cannot be reached', async () => {
    const { code, output } = await startServer({
      NODE_ENV: 'test',
      MONGODB_URI: 'mongodb://127.0.0.1:1/cloakroom',
      DB_SERVER_SELECTION_TIMEOUT_MS: '500',
    }).exited;
    assert.equal(code, 1);
    assert.match(output, /Cannot reach MongoDB at mongodb:\/\/127\.0\.0\.1:1\/cloakroom/);
  });

  it('starts with the local database, serves pages, and exits 0 on SIGTERM', { timeout: 240_000 }, async () => {
    const server = startServer({ NODE_ENV: 'test', PORT: '0', LOG_LEVEL: 'info', BCRYPT_COST: '10' });
    const [, url] = await server.waitFor(/Cloakroom is listening on (http:\/\/\S+?)"/);
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
});
