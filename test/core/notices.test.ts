// Notices true to the state they describe: shown only to a visitor in that
// state, and a browser signed out from elsewhere told why, once.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useTestApp } from '../helpers/app.js';
import { Client, signedCookieValue, uniqueUsername } from '../helpers/client.js';

const fixture = useTestApp();

const SIGNED_OUT_ELSEWHERE = 'You were signed out (on another device, or your session ended).';
const sessions = () => fixture.app.connection.getClient().db(fixture.app.connection.name).collection('sessions');

async function loggedIn(): Promise<{ client: Client; username: string }> {
  const client = new Client(fixture.app.baseUrl);
  const username = uniqueUsername('notice');
  assert.equal((await client.register(username)).status, 303);
  return { client, username };
}

/** Two browsers logged in as one user; the first signs the second out from "Your sessions". */
async function signedOutFromElsewhere(): Promise<Client> {
  const { client: here, username } = await loggedIn();
  const there = new Client(fixture.app.baseUrl);
  assert.equal((await there.login(username)).status, 303);
  assert.equal((await here.post('/sessions/end-others', {}, { formPage: '/sessions' })).status, 303);
  return there;
}

describe('notices', () => {
  it('"signed out" and "account deleted" show to a visitor who is logged out, not to one logged in', async () => {
    const anonymous = new Client(fixture.app.baseUrl);
    assert.match(await (await anonymous.get('/?notice=signed-out')).text(), /You have signed out/);
    assert.match(await (await anonymous.get('/?notice=account-deleted')).text(), /Nothing of it is left here/);

    const { client, username } = await loggedIn();
    for (const notice of ['signed-out', 'account-deleted', 'account-gone', 'session-ended-elsewhere']) {
      const html = await (await client.get(`/?notice=${notice}`)).text();
      assert.match(html, new RegExp(`Signed in as <strong>${username}</strong>`));
      assert.doesNotMatch(html, /class="notice"/, notice);
    }
  });

  it('"others ended" shows to a visitor who is logged in, not to one logged out', async () => {
    const { client } = await loggedIn();
    assert.match(await (await client.get('/sessions?notice=others-ended')).text(), /Every other session of yours has been signed out/);
    const anonymous = new Client(fixture.app.baseUrl);
    for (const notice of ['others-ended', 'session-ended', 'session-gone']) {
      assert.doesNotMatch(await (await anonymous.get(`/?notice=${notice}`)).text(), /class="notice"/, notice);
    }
  });

  it('a notice key that is not in the list shows nothing', async () => {
    const html = await (await new Client(fixture.app.baseUrl).get('/?notice=%3Cscript%3E')).text();
    assert.doesNotMatch(html, /class="notice"/);
  });
});

describe('the home page', () => {
  it('speaks of anonymous visitors "like you are now" only to one', async () => {
    assert.match(await (await new Client(fixture.app.baseUrl).get('/')).text(), /for anonymous visitors like you are now/);
    const { client } = await loggedIn();
    const html = await (await client.get('/')).text();
    assert.doesNotMatch(html, /like you are now/);
    assert.match(html, /you have both only since you logged in/);
  });
});

describe('a browser signed out from elsewhere', () => {
  it('is sent to the login page, which says why, once', async () => {
    const there = await signedOutFromElsewhere();
    const dashboard = await there.get('/dashboard');
    assert.equal(dashboard.status, 302);
    assert.equal(dashboard.headers.get('location'), '/login?next=/dashboard');
    const login = await there.get('/login?next=/dashboard');
    assert.equal(login.status, 200);
    assert.ok((await login.text()).includes(SIGNED_OUT_ELSEWHERE));
    // the login form's new session replaced the old cookie: said once
    assert.ok(login.headers.getSetCookie().some((c) => c.startsWith(`${fixture.app.config.session.cookieName}=s%3A`)));
    assert.ok(!(await (await there.get('/login')).text()).includes(SIGNED_OUT_ELSEWHERE));
    assert.equal((await there.get('/')).status, 200);
  });

  it('is told on any page, and on a form post, and nothing is stored until the login form', async () => {
    for (const request of [(c: Client) => c.get('/'), (c: Client) => c.post('/logout', { _csrf: 'old' })]) {
      const there = await signedOutFromElsewhere();
      const before = await sessions().countDocuments();
      const res = await request(there);
      assert.ok([302, 303].includes(res.status), `answered ${res.status}`);
      assert.match(res.headers.get('location') ?? '', /^\/login/);
      assert.equal(res.headers.getSetCookie().length, 0, 'no cookie set or cleared');
      assert.equal(await sessions().countDocuments(), before, 'nothing stored');
      assert.ok((await (await there.get(res.headers.get('location') ?? '')).text()).includes(SIGNED_OUT_ELSEWHERE));
    }
  });

  it('is not said to a visitor with no cookie, or with a cookie this server did not sign', async () => {
    assert.ok(!(await (await new Client(fixture.app.baseUrl).get('/login')).text()).includes(SIGNED_OUT_ELSEWHERE));
    const forged = new Client(fixture.app.baseUrl);
    forged.cookies.set(fixture.app.config.session.cookieName, signedCookieValue('made-up-id', 'not the secret'));
    assert.equal((await forged.get('/')).status, 200);
    assert.ok(!(await (await forged.get('/login')).text()).includes(SIGNED_OUT_ELSEWHERE));
  });
});
