// The favicon: the layout links it and the static middleware serves it, so
// browsers stop asking for /favicon.ico and logging a 404.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import { staticAssets } from '../../src/middleware/static-assets.js';
import { VIEWS_DIR } from '../../src/paths.js';

describe('the favicon', () => {
  let server: ReturnType<ReturnType<typeof express>['listen']>;
  let baseUrl = '';

  before(async () => {
    server = express().use(staticAssets({ isProduction: true })).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise((resolve) => server.close(resolve)));

  it('is linked from every page, as an SVG served from the static folders', async () => {
    const layout = readFileSync(path.join(VIEWS_DIR, 'layout.pug'), 'utf8');
    const href = /link\(rel="icon" type="image\/svg\+xml" href="([^"]+)"\)/.exec(layout)?.[1];
    assert.ok(href, 'the layout links an SVG icon');
    const res = await fetch(`${baseUrl}${href}`);
    assert.equal(res.status, 200, href);
    assert.match(res.headers.get('content-type') ?? '', /^image\/svg\+xml/);
    assert.match(await res.text(), /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  });
});
