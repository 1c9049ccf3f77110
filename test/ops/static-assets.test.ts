// Static assets: served from their folders only, linked by content-hashed
// URL and cached as immutable, precompressed (never compressed per request),
// and never a reason to look up or set a session.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import express from 'express';
import * as staticAssetsModule from '../../src/middleware/static-assets.js';
import { PUBLIC_DIR } from '../../src/paths.js';
import { PRODUCTION_TEST_ENV, useTestApp } from '../helpers/app.js';

const fixture = useTestApp({ env: PRODUCTION_TEST_ENV });
const HTTPS = { 'x-forwarded-proto': 'https' };
const IMMUTABLE = 'public, max-age=31536000, immutable';
const SITE_CSS = readFileSync(path.join(PUBLIC_DIR, 'css', 'site.css'));

/** A GET that sends exactly these headers and keeps the body as it came (fetch() would decode it). */
function rawGet(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers: { ...HTTPS, ...headers } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      })
      .on('error', reject);
  });
}

/** The stylesheet's URL as the login page links it. */
async function linkedStylesheet(): Promise<string> {
  const html = await (await fetch(`${fixture.app.baseUrl}/login`, { headers: HTTPS })).text();
  const href = /<link rel="stylesheet" href="([^"]+)"/.exec(html)?.[1] ?? '';
  return href;
}

describe('static assets', () => {
  it('are compressed for browsers that accept it, and cached for an hour in production', async () => {
    const res = await fetch(`${fixture.app.baseUrl}/css/site.css`, { headers: { ...HTTPS, 'accept-encoding': 'gzip' } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-encoding'), 'gzip');
    assert.match(res.headers.get('content-type') ?? '', /^text\/css/);
    assert.equal(res.headers.get('cache-control'), 'public, max-age=3600');
    assert.ok(res.headers.get('etag'), 'an ETag to revalidate with');
    assert.equal(res.headers.getSetCookie().length, 0);
    assert.match(await res.text(), /body/);
  });

  it('answer a revalidation with 304 Not Modified', async () => {
    const first = await fetch(`${fixture.app.baseUrl}/css/site.css`, { headers: HTTPS });
    await first.arrayBuffer();
    const etag = first.headers.get('etag') ?? '';
    // fetch() adds "Cache-Control: no-cache" to a conditional request unless
    // it has one: max-age=0 is what a browser sends when it revalidates
    const again = await fetch(`${fixture.app.baseUrl}/css/site.css`, {
      headers: { ...HTTPS, 'if-none-match': etag, 'cache-control': 'max-age=0' },
    });
    assert.equal(again.status, 304);
  });

  it('are not looked for outside their folders', async () => {
    for (const path of ['/site.css', '/css/../package.json', '/css/%2e%2e/package.json', '/public/css/site.css']) {
      const res = await fetch(`${fixture.app.baseUrl}${path}`, { headers: HTTPS });
      assert.ok([403, 404].includes(res.status), `${path}: ${res.status}`);
      await res.arrayBuffer();
    }
  });

  it('while pages are not compressed: they carry a CSRF token (BREACH)', async () => {
    const res = await fetch(`${fixture.app.baseUrl}/login`, { headers: { ...HTTPS, 'accept-encoding': 'gzip' } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-encoding'), null);
    await res.arrayBuffer();
  });

  it('are linked by content-hashed URL, cached for a year as immutable', async () => {
    const href = await linkedStylesheet();
    assert.match(href, /^\/css\/site\.[0-9a-f]{10}\.css$/);
    const res = await rawGet(`${fixture.app.baseUrl}${href}`);
    assert.equal(res.status, 200);
    assert.equal(res.headers['cache-control'], IMMUTABLE);
    assert.match(res.headers['content-type'] ?? '', /^text\/css/);
    assert.deepEqual(res.body, SITE_CSS);
    assert.equal(res.headers['set-cookie'], undefined);

    const login = await (await fetch(`${fixture.app.baseUrl}/login`, { headers: HTTPS })).text();
    const script = /<script type="module" src="(\/js\/passkeys\.[0-9a-f]{10}\.js)"/.exec(login)?.[1];
    assert.ok(script, 'the passkey script, by hashed URL');
    const passkeys = await rawGet(`${fixture.app.baseUrl}${script}`);
    assert.equal(passkeys.headers['cache-control'], IMMUTABLE);
    // it imports the passkey library from the library's hashed folder, whose
    // modules import each other by relative URL
    const library = /from '(\/js\/simplewebauthn-browser\.[0-9a-f]{10}\/)index\.js'/.exec(passkeys.body.toString())?.[1];
    assert.ok(library, 'the library, by hashed folder');
    for (const file of ['index.js', 'methods/startAuthentication.js']) {
      const res = await rawGet(`${fixture.app.baseUrl}${library}${file}`);
      assert.equal(res.status, 200, file);
      assert.equal(res.headers['cache-control'], IMMUTABLE, file);
      assert.match(res.headers['content-type'] ?? '', /^text\/javascript/, file);
    }
  });

  it('come precompressed as brotli or gzip as Accept-Encoding asks, with Vary, and as they are otherwise', async () => {
    const url = `${fixture.app.baseUrl}${await linkedStylesheet()}`;
    const cases: [string | undefined, string | undefined][] = [
      ['gzip, deflate, br, zstd', 'br'],
      ['br', 'br'],
      ['gzip', 'gzip'],
      ['br;q=0.5, gzip', 'gzip'],
      ['*', 'br'],
      ['identity', undefined],
      ['br;q=0, gzip;q=0', undefined],
      [undefined, undefined],
    ];
    const etags = new Set<string>();
    for (const [accept, encoding] of cases) {
      const res = await rawGet(url, accept === undefined ? {} : { 'accept-encoding': accept });
      const label = `Accept-Encoding: ${accept ?? '(none)'}`;
      assert.equal(res.status, 200, label);
      assert.equal(res.headers['content-encoding'], encoding, label);
      assert.equal(res.headers.vary, 'Accept-Encoding', label);
      assert.equal(res.headers['cache-control'], IMMUTABLE, label);
      assert.equal(Number(res.headers['content-length']), res.body.length, label);
      const decoded = encoding === 'br' ? zlib.brotliDecompressSync(res.body) : encoding === 'gzip' ? zlib.gunzipSync(res.body) : res.body;
      assert.deepEqual(decoded, SITE_CSS, label);
      if (encoding) assert.ok(res.body.length < SITE_CSS.length / 2, `${label}: compressed`);
      // not Caddy's own mark ("-gzip", "-zstd"), which its encode strips from
      // If-None-Match before passing a revalidation on (deploy/Caddyfile)
      assert.doesNotMatch(res.headers.etag ?? '', /-(gzip|zstd|br)"$/, label);
      etags.add(`${encoding}:${res.headers.etag}`);
    }
    // one ETag per form: a cache never answers a gzip request with brotli
    assert.equal(new Set([...etags].map((entry) => entry.split(':')[1])).size, 3);
  });

  it('are never compressed per request: only the forms made ahead of time, with their length', async () => {
    for (const path of ['/css/site.css', await linkedStylesheet()]) {
      // deflate is one a per-request compressor offers; nothing here has it
      const deflate = await rawGet(`${fixture.app.baseUrl}${path}`, { 'accept-encoding': 'deflate' });
      assert.equal(deflate.status, 200, path);
      assert.equal(deflate.headers['content-encoding'], undefined, `${path}: deflate`);
      assert.deepEqual(deflate.body, SITE_CSS, path);
      // the gzip form: the same bytes every time, sent with their length
      // rather than streamed from a compressor
      const [one, two] = [await rawGet(`${fixture.app.baseUrl}${path}`, { 'accept-encoding': 'gzip' }), await rawGet(`${fixture.app.baseUrl}${path}`, { 'accept-encoding': 'gzip' })];
      assert.equal(one.headers['content-encoding'], 'gzip', path);
      assert.equal(one.headers['content-length'], String(one.body.length), `${path}: Content-Length`);
      assert.deepEqual(one.body, two.body, path);
    }
  });
});

describe('static assets in development', () => {
  const webauthnDir = path.dirname(fileURLToPath(import.meta.resolve('@simplewebauthn/browser')));
  let dir = '';
  let server: http.Server;
  let baseUrl = '';
  let assets: staticAssetsModule.StaticAssets;

  before(async () => {
    // a copy of public/ and of the passkey library, to change
    dir = mkdtempSync(path.join(os.tmpdir(), 'cloakroom-assets-'));
    cpSync(PUBLIC_DIR, path.join(dir, 'public'), { recursive: true });
    cpSync(webauthnDir, path.join(dir, 'webauthn'), { recursive: true });
    assets = staticAssetsModule.staticAssets({ isProduction: false, sources: { publicDir: path.join(dir, 'public'), webauthnDir: path.join(dir, 'webauthn') } });
    server = express().use(assets).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  /** Rewrites a file, its modification time moved on so the change is seen whatever the clock's resolution. */
  function change(file: string, text: string, step: number) {
    writeFileSync(file, text);
    const later = new Date(Date.now() + step * 10_000);
    utimesSync(file, later, later);
  }

  it('a changed file gets a new hash on the next page, and its old URL is gone', async () => {
    const css = path.join(dir, 'public', 'css', 'site.css');
    const before = assets.asset('/css/site.css');
    assert.equal((await rawGet(`${baseUrl}${before}`)).status, 200);
    change(css, `${readFileSync(css, 'utf8')}\n.changed { color: red; }\n`, 1);
    const after = assets.asset('/css/site.css');
    assert.notEqual(after, before);
    const res = await rawGet(`${baseUrl}${after}`);
    assert.equal(res.status, 200);
    assert.match(res.body.toString(), /\.changed \{ color: red; \}/);
    assert.equal((await rawGet(`${baseUrl}${before}`)).status, 404);
  });

  it('a new version of the passkey library gives it, and the script that imports it, new URLs', async () => {
    const script = assets.asset('/js/passkeys.js');
    const library = assets.asset('/js/simplewebauthn-browser/index.js');
    const index = path.join(dir, 'webauthn', 'index.js');
    change(index, `${readFileSync(index, 'utf8')}\n// a new version\n`, 2);
    assert.notEqual(assets.asset('/js/simplewebauthn-browser/index.js'), library);
    assert.notEqual(assets.asset('/js/passkeys.js'), script);
    const served = await rawGet(`${baseUrl}${assets.asset('/js/passkeys.js')}`);
    assert.ok(served.body.toString().includes(`from '${assets.asset('/js/simplewebauthn-browser/index.js')}'`));
  });
});
