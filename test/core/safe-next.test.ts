import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loginUrlFor, safeNextPath } from '../../src/safe-next.js';
import { useTestApp } from '../helpers/app.js';
import { Client, uniqueUsername } from '../helpers/client.js';

// each of these would send the browser to another site if it reached the
// Location header as it is, or as a URL parser normalises it
const LEAVES_THE_SITE = [
  'https://evil.example/',
  'http://evil.example',
  '//evil.example',
  '///evil.example',
  '/\\evil.example',
  '\\\\evil.example',
  'javascript:alert(1)',
  '/\tevil',
  '/\nevil',
  '/\t/evil.example',
  '/\n/evil.example',
  '/\r\n/evil.example',
  // dot segments: resolving them leaves "//evil.example"
  '/.//evil.example',
  '/..//evil.example',
  '/%2e//evil.example',
  '/%2E%2E//evil.example',
  '/.%2e//evil.example',
  '/dashboard/..//evil.example',
  '/dashboard/%2e%2e//evil.example',
  '/./\\evil.example',
  '/%2E%2E//x',
  '/./\\x',
  // encoded separators: a proxy or server that decodes them sees "//" or "/\"
  '/%2f/evil.example',
  '/%5cevil',
  '/%5c%5cevil.example',
];

describe('safeNextPath', () => {
  it('keeps paths on this site', () => {
    assert.equal(safeNextPath('/dashboard'), '/dashboard');
    assert.equal(safeNextPath('/dashboard?tab=a#b'), '/dashboard?tab=a#b');
    assert.equal(safeNextPath('/sessions?back=/dashboard/..//x'), '/sessions?back=/dashboard/..//x', 'a query may hold anything');
    assert.equal(safeNextPath('/a.b/..c/...'), '/a.b/..c/...', 'dots inside a segment are not dot segments');
  });

  it('refuses anything that could leave the site', () => {
    for (const next of [
      ...LEAVES_THE_SITE,
      'dashboard',
      '',
      '/'.padEnd(600, 'a'),
      undefined,
      ['/dashboard'],
      { path: '/dashboard' },
    ]) {
      assert.equal(safeNextPath(next), '/dashboard', JSON.stringify(next));
    }
  });

  it('refuses dot segments even where they would stay on the site', () => {
    for (const next of ['/./dashboard', '/sessions/../dashboard', '/%2e/dashboard', '/x/%2E%2e']) {
      assert.equal(safeNextPath(next), '/dashboard', next);
    }
  });

  it('builds a readable login URL', () => {
    assert.equal(loginUrlFor('/dashboard'), '/login?next=/dashboard');
    assert.equal(loginUrlFor('/a?b=c&d=e'), '/login?next=/a%3Fb%3Dc%26d%3De');
  });

  it('leaves out a query that holds a mailed link\'s token', () => {
    assert.equal(loginUrlFor('/reset-password?token=secret'), '/login?next=/reset-password');
    assert.equal(loginUrlFor('/verify-email?a=1&token=secret'), '/login?next=/verify-email');
    assert.equal(loginUrlFor('/a?tokens=1'), '/login?next=/a%3Ftokens%3D1');
  });
});

describe('the login redirect', () => {
  const fixture = useTestApp();
  const password = 'a redirect passphrase';
  const username = uniqueUsername('next');

  // a Location that leaves the site: another scheme, or "//" / "/\" (scheme-relative)
  const offSite = (location: string | null) => location === null || /^(?:[a-z][a-z0-9+.-]*:|[/\\]{2}|\/\\)/i.test(location);

  it('from the login form, never leaves the site', async () => {
    await new Client(fixture.app.baseUrl).register(username, password);
    for (const next of LEAVES_THE_SITE) {
      const res = await new Client(fixture.app.baseUrl).login(username, password, next);
      assert.equal(res.status, 303, JSON.stringify(next));
      const location = res.headers.get('location');
      assert.ok(!offSite(location), `${JSON.stringify(next)} -> ${location}`);
      assert.equal(location, '/dashboard', JSON.stringify(next));
    }
  });

  it('from GET /login when already logged in, never leaves the site', async () => {
    const client = new Client(fixture.app.baseUrl);
    assert.equal((await client.login(username, password)).status, 303);
    for (const next of LEAVES_THE_SITE) {
      const res = await client.get(`/login?next=${encodeURIComponent(next)}`);
      assert.equal(res.status, 302, JSON.stringify(next));
      const location = res.headers.get('location');
      assert.ok(!offSite(location), `${JSON.stringify(next)} -> ${location}`);
      assert.equal(location, '/dashboard', JSON.stringify(next));
    }
  });
});
