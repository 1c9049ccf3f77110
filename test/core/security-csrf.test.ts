// CSRF (ASVS V3.5, OWASP CSRF cheat sheet): every state-changing form needs
// the synchronizer token of its own session, and requests that say they come
// from another site are refused outright.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useTestApp } from '../helpers/app.js';
import { Client, uniqueUsername } from '../helpers/client.js';

const fixture = useTestApp();
const password = 'a sturdy old lantern';

async function expectRefused(res: Response, label: string, message = /This form has expired/) {
  assert.equal(res.status, 403, label);
  assert.match(await res.text(), message, label);
}

const FROM_ANOTHER_SITE = /This form was sent from another site/;

describe('the CSRF token', () => {
  it('is a hidden _csrf field in every form', async () => {
    const client = new Client(fixture.app.baseUrl);
    for (const page of ['/login', '/register']) {
      assert.match(await (await client.get(page)).text(), /<input type="hidden" name="_csrf" value="[0-9a-f]{64,}"/, page);
    }
    await client.register(uniqueUsername('forms'), password);
    // the logout button in the navigation
    assert.match(await (await client.get('/dashboard')).text(), /action="\/logout"><input type="hidden" name="_csrf"/);
  });

  for (const path of ['/login', '/register']) {
    it(`is required on ${path}: missing, wrong, or from another session`, async () => {
      const username = uniqueUsername('csrf');
      const form = { username, password, confirmPassword: password };
      const client = new Client(fixture.app.baseUrl);
      await client.csrfToken(path);
      await expectRefused(await client.post(path, form, { csrf: false }), 'missing');
      await expectRefused(await client.post(path, { ...form, _csrf: 'f'.repeat(256) }), 'wrong');
      const foreign = await new Client(fixture.app.baseUrl).csrfToken(path);
      await expectRefused(await client.post(path, { ...form, _csrf: foreign }), "another session's");
      // and without any session at all
      await expectRefused(await new Client(fixture.app.baseUrl).post(path, { ...form, _csrf: foreign }), 'no session');
      assert.equal(await fixture.app.users.exists({ usernameKey: username.toLowerCase() }), null, 'no account was made');
    });
  }

  it('is required to log out, so another site cannot log you out', async () => {
    const client = new Client(fixture.app.baseUrl);
    await client.register(uniqueUsername('stay'), password);
    await expectRefused(await client.post('/logout', {}, { csrf: false }), 'missing');
    await expectRefused(await client.post('/logout', { _csrf: 'nope' }), 'wrong');
    assert.equal((await client.get('/dashboard')).status, 200, 'still logged in');
    assert.equal((await client.post('/logout')).status, 303, 'with the token it works');
  });

  it('from before login does not work after login', async () => {
    const client = new Client(fixture.app.baseUrl);
    const before = await client.csrfToken('/register');
    await client.post('/register', { username: uniqueUsername('rotate'), password, confirmPassword: password, _csrf: before });
    await expectRefused(await client.post('/logout', { _csrf: before }), 'pre-login token');
  });
});

describe('the same-origin check', () => {
  it('refuses a form posted from another origin, even with a valid token', async () => {
    const username = uniqueUsername('origin');
    await new Client(fixture.app.baseUrl).register(username, password);
    const client = new Client(fixture.app.baseUrl, { origin: 'https://evil.example' });
    const _csrf = await client.csrfToken('/login');
    await expectRefused(await client.post('/login', { username, password, _csrf }), 'foreign Origin', FROM_ANOTHER_SITE);
  });

  it('refuses requests the browser marks as cross-site', async () => {
    const username = uniqueUsername('fetchsite');
    await new Client(fixture.app.baseUrl).register(username, password);
    const client = new Client(fixture.app.baseUrl, { 'sec-fetch-site': 'cross-site' });
    const _csrf = await client.csrfToken('/login');
    await expectRefused(await client.post('/login', { username, password, _csrf }), 'Sec-Fetch-Site', FROM_ANOTHER_SITE);
  });

  it('accepts the site itself', async () => {
    const username = uniqueUsername('sameorigin');
    await new Client(fixture.app.baseUrl).register(username, password);
    const client = new Client(fixture.app.baseUrl, { origin: fixture.app.baseUrl, 'sec-fetch-site': 'same-origin' });
    assert.equal((await client.login(username, password)).status, 303);
  });
});
