// The lab's login CSRF (src/features/oidc/lab-login-csrf.ts), against the
// local provider the app starts in development: the attacker's callback,
// opened in another browser, signs that browser in to the attacker's
// account the wrong way, and is refused the right way.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useTestApp } from '../../helpers/app.js';
import { Client, testIdText } from '../../helpers/client.js';
import { signInAtProvider } from '../../helpers/oidc.js';

const PAGE = '/lab/login-csrf';
const fixture = useTestApp({ env: { NODE_ENV: 'development', FEATURES: 'oidc', LOCAL_DB_DIR: '' } });

/** A trip to the local provider from the lab's form, logged in there as `login`: the callback it comes back to. */
async function tripAs(browser: Client, form: string, login: string, atProvider?: Client): Promise<string> {
  const start = await browser.post(`${PAGE}/${form}`, {}, { formPage: PAGE });
  assert.equal(start.status, 303, `${form}: to the provider`);
  return signInAtProvider(start.headers.get('location') ?? '', login, atProvider);
}

/** The attacker's part: a trip as mallory, stopped at the callback. The link they keep. */
async function attackersLink(way: 'wrong' | 'right'): Promise<string> {
  const attacker = new Client(fixture.app.baseUrl);
  const callback = await tripAs(attacker, `${way}/attacker`, 'mallory');
  const trap = await attacker.get(callback);
  assert.equal(trap.status, 200);
  const html = await trap.text();
  const href = /<a class="button" href="([^"]+)"/.exec(html)?.[1]?.replaceAll('&amp;', '&');
  assert.equal(href, callback, 'the page shows the callback as the attacker\'s link');
  return callback;
}

async function signedInAs(browser: Client): Promise<string | undefined> {
  const html = await (await browser.get(PAGE)).text();
  return html.includes('data-testid="lab-signed-in"') ? testIdText(html, 'lab-signed-in') : undefined;
}

describe('the lab\'s login CSRF', () => {
  it('is on the lab\'s list where the local provider runs', async () => {
    assert.match(await (await new Client(fixture.app.baseUrl).get('/lab')).text(), /href="\/lab\/login-csrf"/);
  });

  it('the wrong way: the attacker\'s link signs the victim in to the attacker\'s account', async () => {
    const trap = await attackersLink('wrong');
    const victim = new Client(fixture.app.baseUrl);
    assert.equal(await signedInAs(victim), undefined);
    const opened = await victim.get(trap);
    assert.equal(opened.status, 303);
    assert.match((await signedInAs(victim)) ?? '', /signed in as mallory@example\.test, by the wrong way/);
  });

  it('the right way: the attacker\'s link is refused in every other browser, three at once', async () => {
    const trap = await attackersLink('right');
    const victims = [0, 1, 2].map(() => new Client(fixture.app.baseUrl));
    const answers = await Promise.all(victims.map(async (victim) => {
      // each has a lab session of its own, as a real visitor would
      await victim.get(PAGE);
      return victim.get(trap);
    }));
    for (const [i, res] of answers.entries()) {
      assert.equal(res.status, 400, `victim ${i}`);
      assert.match(testIdText(await res.text(), 'lab-refused'), /did not start that sign-in/);
    }
    for (const victim of victims) assert.equal(await signedInAs(victim), undefined);
  });

  it('the right way still signs in the browser that started, once', async () => {
    const me = new Client(fixture.app.baseUrl);
    const callback = await tripAs(me, 'right/sign-in', 'alice');
    assert.equal((await me.get(callback)).status, 303);
    assert.match((await signedInAs(me)) ?? '', /signed in as alice@example\.test, by the right way/);
    // the same callback again: its state was taken out at the first
    await me.post(`${PAGE}/sign-out`, {}, { formPage: PAGE });
    assert.equal((await me.get(callback)).status, 400);
    assert.equal(await signedInAs(me), undefined);
  });

  it('leaves the app\'s own sign-in alone: the attacker\'s login at the lab\'s provider does not sign this browser in there', async () => {
    const browser = new Client(fixture.app.baseUrl);
    // one browser's cookies at 127.0.0.1, whatever the port, as a browser keeps them
    const atProviders = new Client('http://127.0.0.1');
    const callback = await tripAs(browser, 'wrong/attacker', 'mallory', atProviders);
    assert.equal((await browser.get(callback)).status, 200, 'the trap');
    // now the app's own "Sign in with …", in the same browser, as alice
    const start = await browser.post('/login/oidc/start', {}, { formPage: '/login' });
    assert.equal(start.status, 303);
    assert.equal((await browser.get(await signInAtProvider(start.headers.get('location') ?? '', 'alice', atProviders))).status, 303);
    assert.equal(await fixture.app.users.countDocuments({ email: 'mallory@example.test' }), 0, 'no account for the lab\'s attacker');
    assert.match(await (await browser.get('/dashboard')).text(), /alice/);
  });

  it('its forms need the lab\'s CSRF token, like any other', async () => {
    const res = await new Client(fixture.app.baseUrl).post(`${PAGE}/wrong/attacker`, { _csrf: 'forged' });
    assert.equal(res.status, 403);
  });
});
