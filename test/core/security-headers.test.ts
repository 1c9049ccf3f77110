// Headers and pages (ASVS V3.4, V13.4, V14.3): a strict Content-Security-Policy,
// helmet's defaults, HSTS in production, a Permissions-Policy, no caching of
// a logged-in session's pages, cookies cleared when a session ends, and
// nothing that names the stack.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PRODUCTION_TEST_ENV, useTestApp } from '../helpers/app.js';
import { Client, uniqueUsername } from '../helpers/client.js';

const dev = useTestApp();
const prod = useTestApp({ env: PRODUCTION_TEST_ENV });

function directives(csp: string | null): Map<string, string> {
  const map = new Map<string, string>();
  for (const part of (csp ?? '').split(';')) {
    const [name = '', ...values] = part.trim().split(/\s+/);
    if (name) map.set(name, values.join(' '));
  }
  return map;
}

describe('Content-Security-Policy', () => {
  it('allows only this origin and no inline script or style', async () => {
    const csp = directives((await new Client(dev.app.baseUrl).get('/')).headers.get('content-security-policy'));
    assert.equal(csp.get('default-src'), "'self'");
    assert.equal(csp.get('script-src'), "'self'");
    assert.equal(csp.get('style-src'), "'self'");
    assert.equal(csp.get('form-action'), "'self'");
    assert.equal(csp.get('frame-ancestors'), "'none'");
    assert.equal(csp.get('object-src'), "'none'");
    for (const [name, value] of csp) assert.doesNotMatch(value, /unsafe-inline|unsafe-eval|https:|\*/, name);
  });

  it('is not contradicted by the pages: no inline script, style or event handler', async () => {
    const client = new Client(dev.app.baseUrl);
    const pages = [await client.get('/'), await client.get('/login'), await client.get('/register'), await client.get('/nowhere')];
    await client.register(uniqueUsername('csp'));
    pages.push(await client.get('/dashboard'));
    for (const res of pages) {
      const html = await res.text();
      assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/i, 'inline script');
      assert.doesNotMatch(html, /<style|\sstyle=/i, 'inline style');
      assert.doesNotMatch(html, /\son[a-z]+=/i, 'event handler attribute');
    }
  });
});

describe('other headers', () => {
  it("helmet's defaults, a same-origin referrer policy, and no X-Powered-By", async () => {
    const headers = (await new Client(dev.app.baseUrl).get('/')).headers;
    assert.equal(headers.get('x-content-type-options'), 'nosniff');
    assert.equal(headers.get('x-frame-options'), 'SAMEORIGIN');
    assert.equal(headers.get('referrer-policy'), 'same-origin');
    assert.equal(headers.get('cross-origin-opener-policy'), 'same-origin');
    assert.equal(headers.get('x-powered-by'), null);
    assert.equal(headers.get('strict-transport-security'), null, 'no HSTS over plain HTTP in development');
  });

  it('Permissions-Policy on every response refuses the features this site never uses, and allows passkeys to itself only', async () => {
    const client = new Client(dev.app.baseUrl);
    const passkeys = ['publickey-credentials-create', 'publickey-credentials-get'];
    for (const path of ['/', '/login', '/nowhere', '/healthz', '/css/site.css']) {
      const policy = (await client.get(path)).headers.get('permissions-policy') ?? '';
      const features = new Map(policy.split(',').map((entry) => entry.trim().split('=') as [string, string]));
      for (const feature of ['camera', 'microphone', 'geolocation', 'payment', 'usb', 'serial', 'hid', 'display-capture']) {
        assert.equal(features.get(feature), '()', `${feature} on ${path}`);
      }
      // WebAuthn: this site's own pages, never a frame from another
      for (const feature of passkeys) assert.equal(features.get(feature), '(self)', `${feature} on ${path}`);
      for (const [feature, allowlist] of features) {
        if (!passkeys.includes(feature)) assert.equal(allowlist, '()', `${feature} on ${path}: nothing allowed`);
      }
    }
  });

  it('a logout drops the session cookie, and only that one: the browser stays known to the sign-in alerts', async () => {
    const client = new Client(dev.app.baseUrl);
    const username = uniqueUsername('clear');
    await client.register(username);
    await client.post('/logout');
    assert.equal((await client.login(username)).status, 303);
    const browserCookie = [...client.cookies.keys()].find((name) => name.endsWith('cloakroom.browser'));
    assert.ok(browserCookie, 'a known-browser cookie after a login');
    const logout = await client.post('/logout');
    assert.equal(logout.status, 303);
    assert.equal(logout.headers.get('clear-site-data'), null, 'Clear-Site-Data would drop the known-browser cookie too');
    const dropped = logout.headers.getSetCookie().map((raw) => raw.split('=')[0]);
    assert.deepEqual(dropped, [dev.app.config.session.cookieName]);
    assert.ok(client.cookies.has(browserCookie));
  });

  it('HSTS in production', async () => {
    const res = await new Client(prod.app.baseUrl, { 'x-forwarded-proto': 'https' }).get('/');
    assert.match(res.headers.get('strict-transport-security') ?? '', /max-age=\d{7,}/);
    assert.match(res.headers.get('content-security-policy') ?? '', /upgrade-insecure-requests/);
  });
});

describe('Cache-Control for a logged-in session', () => {
  it('is no-store on every page: the home page, a 404 and an error page included', async () => {
    const username = uniqueUsername('cache');
    const client = new Client(dev.app.baseUrl);
    await client.register(username);
    for (const [what, res] of [
      ['the home page', await client.get('/')],
      ['a 404', await client.get('/nowhere')],
    ] as const) {
      // the navigation carries the username and the logout form's token
      assert.match(await res.text(), new RegExp(`Signed in as <strong>${username}</strong>`), what);
      assert.equal(res.headers.get('cache-control'), 'no-store', what);
    }
    const refused = await client.post('/logout', {}, { csrf: false });
    assert.equal(refused.status, 403);
    assert.equal(refused.headers.get('cache-control'), 'no-store', 'an error page');
  });

  it('leaves pages for anonymous visitors cacheable', async () => {
    assert.equal((await new Client(dev.app.baseUrl).get('/')).headers.get('cache-control'), null);
  });
});

describe('production pages', () => {
  it('name no library and show no stack, whatever goes wrong', async () => {
    const client = new Client(prod.app.baseUrl, { 'x-forwarded-proto': 'https' });
    const responses = [
      await client.get('/nowhere'),
      await client.request('/login', { method: 'POST', body: '{"a":1}', headers: { 'content-type': 'application/json' } }),
      await client.request('/login', { method: 'POST', body: `a=${'x'.repeat(20_000)}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
      await client.post('/login', { username: 'x' }, { csrf: false }),
    ];
    for (const res of responses) {
      assert.ok(res.status >= 400 && res.status < 500, String(res.status));
      const html = await res.text();
      assert.doesNotMatch(html, /express|mongoose|mongodb|pug|csrf-sync|node_modules|\sat \S+ \(/i);
    }
  });
});
