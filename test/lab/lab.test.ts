// The lab: each experiment shows its failure the wrong way and none the right
// way, and the lab does not exist in production.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SLOW_REQUEST_MS } from '../../src/lab/resurrection.js';
import { LAB_CODE } from '../../src/lab/two-factor.js';
import { PRODUCTION_TEST_ENV, useTestApp } from '../helpers/app.js';
import { Client, testIdText, uniqueUsername } from '../helpers/client.js';

const fixture = useTestApp();

describe('the lab index', () => {
  it('is linked from the home page', async () => {
    assert.match(await (await new Client(fixture.app.baseUrl).get('/')).text(), /href="\/lab"/);
  });

  it('lists the experiments', async () => {
    const res = await new Client(fixture.app.baseUrl).get('/lab');
    assert.equal(res.status, 200);
    const html = await res.text();
    for (const path of ['/lab/redirect-race', '/lab/lost-updates', '/lab/save-uninitialized', '/lab/resurrection/wrong', '/lab/two-factor']) assert.ok(html.includes(`href="${path}"`), path);
  });
  it('gives each session its own cookie path: the lab\'s /lab, each experiment\'s its own', async () => {
    const cookiePath = async (page: string) => {
      const res = await new Client(fixture.app.baseUrl).get(page);
      const cookie = res.headers.getSetCookie().find((c) => c.startsWith('cloakroom.lab'));
      return /^([^=]+)=.*; Path=([^;]+)/.exec(cookie ?? '')?.slice(1).join(' ');
    };
    // a browser sends a cookie only below its path: the lab's own forms need theirs at /lab
    assert.equal(await cookiePath('/lab/save-uninitialized'), 'cloakroom.lab /lab');
    assert.equal(await cookiePath('/lab/lost-updates'), 'cloakroom.lab /lab');
    assert.equal(await cookiePath('/lab/redirect-race'), 'cloakroom.lab-race /lab/redirect-race');
    assert.equal(await cookiePath('/lab/two-factor'), 'cloakroom.lab-2fa /lab/two-factor');
  });
});

describe('the lab header', () => {
  const PAGES = ['/lab', '/lab/redirect-race', '/lab/redirect-race/landing?way=right', '/lab/lost-updates', '/lab/save-uninitialized', '/lab/resurrection/wrong', '/lab/resurrection/right', '/lab/two-factor', '/lab/two-factor/code?way=right', '/lab/two-factor/dashboard?way=wrong'];

  it('offers to log in to a visitor who is not logged in', async () => {
    const client = new Client(fixture.app.baseUrl);
    for (const path of PAGES) {
      const html = await (await client.get(path)).text();
      assert.match(html, /<a href="\/login"[^>]*>Log in<\/a>/, path);
      assert.doesNotMatch(html, /Signed in as/, path);
    }
  });

  it('shows who is logged in to the app, with a logout button that works', async () => {
    const client = new Client(fixture.app.baseUrl);
    const username = uniqueUsername('lab');
    assert.equal((await client.register(username)).status, 303);
    for (const path of PAGES) {
      const html = await (await client.get(path)).text();
      assert.match(html, new RegExp(`Signed in as <strong>${username}</strong>`), path);
      assert.match(html, /<form[^>]*action="\/logout"/, path);
    }
    // the logout form carries the app session's token, not the lab session's
    const lab = await (await client.get('/lab/lost-updates')).text();
    const token = /action="\/logout"[\s\S]*?name="_csrf" value="([^"]+)"/.exec(lab)?.[1] ?? '';
    const logout = await client.post('/logout', { _csrf: token });
    assert.equal(logout.status, 303);
    assert.equal(logout.headers.get('location'), '/?notice=signed-out');
    assert.doesNotMatch(await (await client.get('/lab')).text(), /Signed in as/);
  });

  it('leaves the experiments their own sessions while logged in', async () => {
    const client = new Client(fixture.app.baseUrl);
    assert.equal((await client.register(uniqueUsername('lab'))).status, 303);
    // the experiment's form, not the header's logout form (which comes first)
    const page = await (await client.get('/lab/redirect-race')).text();
    const token = /action="\/lab\/redirect-race\/right"[\s\S]*?name="_csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';
    const res = await client.post('/lab/redirect-race/right', { _csrf: token, name: 'Ada' });
    assert.equal(res.status, 303);
    const landing = await (await client.get(res.headers.get('location') ?? '')).text();
    assert.equal(testIdText(landing, 'race-result'), 'This page knows you: welcome, Ada.');
  });
});

describe('an address the lab does not have', () => {
  it('is the 404 page for a logged-in browser, not a redirect to the login page and back', async () => {
    const client = new Client(fixture.app.baseUrl);
    assert.equal((await client.register(uniqueUsername('lab404'))).status, 303);
    for (const path of ['/lab/nope', '/lab/two-factor/nope', '/lab/redirect-race/nope']) {
      const res = await client.get(path);
      assert.equal(res.status, 404, path);
      assert.equal(res.headers.get('location'), null, path);
      assert.match(await res.text(), /Page not found/, path);
    }
  });

  it('is the 404 page for a visitor who is not logged in', async () => {
    const res = await new Client(fixture.app.baseUrl).get('/lab/nope');
    assert.equal(res.status, 404);
    await res.arrayBuffer();
  });
});

describe('the redirect race', () => {
  async function logIn(way: 'wrong' | 'right') {
    const client = new Client(fixture.app.baseUrl);
    const token = await client.csrfToken('/lab/redirect-race');
    // fetch() resolves as soon as the headers arrive, as a browser follows a redirect
    const res = await client.post(`/lab/redirect-race/${way}`, { _csrf: token, name: 'Ada' });
    assert.equal(res.status, 303);
    const landing = await client.get(res.headers.get('location') ?? '');
    const html = await landing.text();
    await res.arrayBuffer();
    return { client, result: testIdText(html, 'race-result') };
  }

  it('the wrong way lands on a page that does not know you', async () => {
    const { client, result } = await logIn('wrong');
    assert.equal(result, 'This page does not know you.');
    // the save lands a moment later
    await new Promise((resolve) => setTimeout(resolve, 1200));
    const again = await (await client.get('/lab/redirect-race/landing?way=wrong')).text();
    assert.match(testIdText(again, 'race-result'), /This page knows you/);
  });

  it('the right way always lands known', async () => {
    for (let i = 0; i < 3; i += 1) {
      assert.equal((await logIn('right')).result, 'This page knows you: welcome, Ada.');
    }
  });

  it('refuses a post without the CSRF token', async () => {
    const client = new Client(fixture.app.baseUrl);
    await client.get('/lab/redirect-race');
    assert.equal((await client.post('/lab/redirect-race/right', { name: 'Ada' }, { csrf: false })).status, 403);
  });
});

describe('the two-factor shortcut', () => {
  // the password step, then straight to the dashboard: the code page skipped
  async function skipTheCode(way: 'wrong' | 'right') {
    const client = new Client(fixture.app.baseUrl);
    const token = await client.csrfToken('/lab/two-factor');
    const res = await client.post(`/lab/two-factor/${way}/password`, { _csrf: token });
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), `/lab/two-factor/code?way=${way}`);
    const dashboard = await (await client.get(`/lab/two-factor/dashboard?way=${way}`)).text();
    return { client, result: testIdText(dashboard, 'two-factor-result') };
  }

  it('the wrong way: the password alone reaches the dashboard', async () => {
    assert.equal((await skipTheCode('wrong')).result, 'This page knows you: welcome, lab visitor.');
  });

  it('the right way: without the code the dashboard does not know you, with it it does', async () => {
    const { client, result } = await skipTheCode('right');
    assert.equal(result, 'This page does not know you.');
    const token = await client.csrfToken('/lab/two-factor/code?way=right');
    assert.equal((await client.post('/lab/two-factor/code', { _csrf: token, way: 'right', code: '000000' })).status, 401);
    const res = await client.post('/lab/two-factor/code', { _csrf: token, way: 'right', code: LAB_CODE });
    assert.equal(res.status, 303);
    const dashboard = await (await client.get(res.headers.get('location') ?? '')).text();
    assert.equal(testIdText(dashboard, 'two-factor-result'), 'This page knows you: welcome, lab visitor.');
  });
});

describe('the resurrection race', () => {
  // log in, start the slow request, log out while it runs (as the page's button does)
  async function race(way: 'wrong' | 'right') {
    const base = `/lab/resurrection/${way}`;
    const client = new Client(fixture.app.baseUrl);
    // the page's button carries the token
    const token = /data-csrf="([^"]+)"/.exec(await (await client.get(base)).text())?.[1] ?? '';
    const login = await client.post(`${base}/login`, { _csrf: token });
    assert.equal(login.status, 200);
    const { csrfToken } = (await login.json()) as { csrfToken: string };
    // a copy of the ticket, as a second tab or a thief would hold it
    const copy = new Client(fixture.app.baseUrl);
    for (const [name, value] of client.cookies) copy.cookies.set(name, value);
    const slow = client.get(`${base}/slow`).then(async (res) => (await res.json()) as { loggedIn: boolean; saved: boolean });
    await new Promise((resolve) => setTimeout(resolve, SLOW_REQUEST_MS / 4));
    assert.equal((await client.post(`${base}/logout`, { _csrf: csrfToken })).status, 200);
    const slowResult = await slow;
    assert.equal(slowResult.loggedIn, true, 'the slow request started logged in');
    const status = async (c: Client) => ((await (await c.get(`${base}/status`)).json()) as { loggedIn: boolean }).loggedIn;
    return { slowResult, browser: await status(client), copy: await status(copy) };
  }

  it('the wrong way: the session comes back after logout', async () => {
    const { slowResult, browser, copy } = await race('wrong');
    assert.equal(slowResult.saved, true);
    assert.equal(browser, true, 'the slow response handed the cookie back');
    assert.equal(copy, true, 'a copied cookie works again');
  });

  it('the right way: the session stays gone', async () => {
    const { slowResult, browser, copy } = await race('right');
    assert.equal(slowResult.saved, false);
    assert.equal(browser, false);
    assert.equal(copy, false);
  });
});

describe('lost updates', () => {
  it('concurrent requests lose session increments, never database ones', async () => {
    const client = new Client(fixture.app.baseUrl);
    const token = await client.csrfToken('/lab/lost-updates');
    const burst = 20;
    const statuses = await Promise.all(
      Array.from({ length: burst }, async () => (await client.post('/lab/lost-updates/hit', { _csrf: token })).status),
    );
    assert.deepEqual(new Set(statuses), new Set([204]));
    const counts = (await (await client.get('/lab/lost-updates/counts')).json()) as { session: number; database: number };
    assert.equal(counts.database, burst, 'every $inc counted');
    assert.ok(counts.session < burst, `the session counter kept ${counts.session} of ${burst}`);
    assert.ok(counts.session >= 1);
  });

  it('one request at a time loses nothing, in either counter', async () => {
    const client = new Client(fixture.app.baseUrl);
    const token = await client.csrfToken('/lab/lost-updates');
    for (let i = 0; i < 5; i += 1) await client.post('/lab/lost-updates/hit', { _csrf: token });
    assert.deepEqual(await (await client.get('/lab/lost-updates/counts')).json(), { session: 5, database: 5 });
    await client.post('/lab/lost-updates/reset', { _csrf: token });
    assert.deepEqual(await (await client.get('/lab/lost-updates/counts')).json(), { session: 0, database: 0 });
  });
});

describe('saveUninitialized', () => {
  async function stored(client: Client): Promise<number> {
    return ((await (await client.get('/lab/save-uninitialized/count')).json()) as { stored: number }).stored;
  }

  it('true stores a session per anonymous visit; false stores none', async () => {
    const client = new Client(fixture.app.baseUrl);
    for (const [setting, expected] of [['true', 5], ['false', 0]] as const) {
      const before = await stored(client);
      for (let i = 0; i < 5; i += 1) {
        // a new visitor each time: no cookies
        const res = await new Client(fixture.app.baseUrl).get(`/lab/save-uninitialized/visit/${setting}`);
        assert.equal(res.status, 200);
        await res.arrayBuffer();
      }
      assert.equal((await stored(client)) - before, expected, `saveUninitialized: ${setting}`);
    }
  });
});

describe('in production', () => {
  const prod = useTestApp({ env: PRODUCTION_TEST_ENV });

  it('the lab is not there at all', async () => {
    const client = new Client(prod.app.baseUrl, { 'x-forwarded-proto': 'https' });
    assert.doesNotMatch(await (await client.get('/')).text(), /href="\/lab"/, 'no link to the lab');
    for (const path of ['/lab', '/lab/redirect-race', '/lab/lost-updates', '/lab/save-uninitialized/visit/true', '/lab/save-uninitialized/count', '/lab/two-factor']) {
      const res = await client.get(path);
      assert.equal(res.status, 404, path);
      await res.arrayBuffer();
    }
  });
});
