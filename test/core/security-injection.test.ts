// Injection and bad input (ASVS V1, V2): only strings reach database queries;
// everything else gets a clear message and a 4xx, never a 500, a stack trace,
// a login, or a half-created user.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useTestApp } from '../helpers/app.js';
import { Client, uniqueUsername } from '../helpers/client.js';

const password = 'a perfectly good password';
let username: string;

const fixture = useTestApp({
  setUp: async (app) => {
    username = uniqueUsername('victim');
    await new Client(app.baseUrl).register(username, password);
  },
});

// a real form token is sent along, so what is tested is the input handling, not CSRF
async function send(path: string, body: string, contentType = 'application/x-www-form-urlencoded') {
  const client = new Client(fixture.app.baseUrl);
  const token = await client.csrfToken(path);
  const res = await client.request(path, {
    method: 'POST',
    body: `${body}${body ? '&' : ''}_csrf=${token}`,
    headers: { 'content-type': contentType },
  });
  return { status: res.status, html: await res.text(), cookies: res.headers.getSetCookie() };
}

function assertRefused(result: { status: number; html: string; cookies: string[] }, label: string) {
  assert.ok(result.status >= 400 && result.status < 500, `${label}: status ${result.status}`);
  assert.doesNotMatch(result.html, /\sat \S+ \(|node_modules|\.[jt]s:\d+/, `${label}: no stack trace`);
  assert.equal(result.cookies.length, 0, `${label}: no session`);
}

describe('login refuses crafted input', () => {
  const cases: [string, string, string?][] = [
    ['operator as JSON', JSON.stringify({ username: { $ne: null }, password: { $ne: null } }), 'application/json'],
    ['operator in a form key', `username[$ne]=x&password[$ne]=x`],
    ['repeated fields (arrays)', `username=${username}&username=other&password=${encodeURIComponent(password)}`],
    ['__proto__ key', `__proto__[username]=${username}&password=x`],
    ['regex-looking username', `username=${encodeURIComponent('.*')}&password=x`],
    ['empty body', ''],
    ['text body', 'hello', 'text/plain'],
    ['unknown charset', `username=${username}&password=x`, 'application/x-www-form-urlencoded; charset=koi8-r'],
    ['too many fields', Array.from({ length: 50 }, (_, i) => `f${i}=1`).join('&')],
    ['huge body', `username=${'a'.repeat(20_000)}&password=x`],
    ['huge username within the limit', `username=${'a'.repeat(5000)}&password=x`],
    ['null byte', `username=${username}%00&password=${encodeURIComponent(password)}`],
  ];
  for (const [label, body, type] of cases) {
    it(label, async () => {
      assertRefused(await send('/login', body, type), label);
    });
  }
});

describe('registration refuses crafted input and creates nothing', () => {
  const cases: [string, string, string?][] = [
    ['arrays', 'username=a1b2c3&username=x&password=lantern-sofa-91&confirmPassword=lantern-sofa-91'],
    ['operators', 'username[$gt]=&password=lantern-sofa-91&confirmPassword=lantern-sofa-91'],
    ['JSON', JSON.stringify({ username: 'jsonuser', password: 'lantern-sofa-91', confirmPassword: 'lantern-sofa-91' }), 'application/json'],
    ['password over 128 characters', `username=longpw&password=${'p'.repeat(129)}&confirmPassword=${'p'.repeat(129)}`],
    ['unicode lookalike username', `username=${encodeURIComponent('аdmin')}&password=lantern-sofa-91&confirmPassword=lantern-sofa-91`],
  ];
  for (const [label, body, type] of cases) {
    it(label, async () => {
      const before = await fixture.app.users.estimatedDocumentCount();
      assertRefused(await send('/register', body, type), label);
      assert.equal(await fixture.app.users.estimatedDocumentCount(), before);
    });
  }
});

describe('form routes', () => {
  for (const [type, body] of [
    ['application/json', JSON.stringify({ username: { $ne: null }, password: { $ne: null } })],
    ['text/plain', 'username=a&password=b'],
    ['multipart/form-data; boundary=x', '--x--'],
  ] as const) {
    it(`accept HTML form posts only, not ${type}`, async () => {
      const res = await new Client(fixture.app.baseUrl).request('/login', {
        method: 'POST',
        body,
        headers: { 'content-type': type },
      });
      assert.equal(res.status, 415);
      assert.match(await res.text(), /accepts HTML form posts only/);
    });
  }
});

describe('session cookies that the server never issued', () => {
  for (const [label, value] of [
    ['garbage', 'garbage'],
    ['unsigned id', 'abcdefghijklmnopqrstuvwxyz012345'],
    ['forged signature', 's:abcdefghijklmnopqrstuvwxyz012345.forgedsignature'],
    ['very long', 'x'.repeat(4000)],
  ] as const) {
    it(`are anonymous: ${label}`, async () => {
      const client = new Client(fixture.app.baseUrl);
      client.cookies.set(fixture.app.config.session.cookieName, value);
      const res = await client.get('/dashboard');
      assert.equal(res.status, 302);
      assert.equal(res.headers.get('location'), '/login?next=/dashboard');
    });
  }
});
