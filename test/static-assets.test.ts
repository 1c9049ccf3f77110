// Static assets: served from their folders only, compressed, cached in
// production, and never a reason to look up or set a session.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PRODUCTION_TEST_ENV, useTestApp } from './helpers/app.js';

const fixture = useTestApp({ env: PRODUCTION_TEST_ENV });
const HTTPS = { 'x-forwarded-proto': 'https' };

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
});
