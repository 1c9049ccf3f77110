// The dashboard's session inspector and "Your sessions": every session of the
// user visible and revocable, and never a whole session ID on a page.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redactedDocument } from '../../src/session/inspector.js';
import { redactPasskeySession } from '../../src/features/passkeys/session-data.js';
import { redactTwoFactorSession } from '../../src/features/two-factor/session-data.js';
import { redactMailSession } from '../../src/features/mail/session-data.js';
import { storageId } from '../../src/session/race-safe-store.js';
import { useTestApp } from '../helpers/app.js';
import { Client, sessionIdFromCookie, testIdText, uniqueUsername } from '../helpers/client.js';

const fixture = useTestApp();
const CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36';
const FIREFOX = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:140.0) Gecko/20100101 Firefox/140.0';

function browser(userAgent: string) {
  return new Client(fixture.app.baseUrl, { 'user-agent': userAgent });
}

function sessionIdOf(client: Client): string {
  return sessionIdFromCookie(client.cookies.get(fixture.app.config.session.cookieName));
}

describe('the session inspector', () => {
  it('shows the cookie and a short prefix of the ID, never the ID or the signed value', async () => {
    const client = browser(CHROME);
    await client.register(uniqueUsername('inspect'));
    const html = await (await client.get('/dashboard')).text();
    const id = sessionIdOf(client);
    const cookieValue = client.cookies.get(fixture.app.config.session.cookieName) ?? '';
    assert.ok(id.length >= 24 && cookieValue.length > id.length);
    assert.ok(!html.includes(id), 'the whole session ID is in the page');
    assert.ok(!html.includes(cookieValue) && !html.includes(decodeURIComponent(cookieValue)), 'the cookie value is in the page');
    assert.ok(!html.includes(id.slice(0, 12)), 'more than a short prefix is in the page');
    assert.equal(testIdText(html, 'session-id-prefix'), `${id.slice(0, 6)}…`);
    assert.ok(html.includes(fixture.app.config.session.cookieName));
    assert.match(html, /HttpOnly<\/dt><dd>yes/);
    assert.match(html, /SameSite<\/dt><dd>lax/);
  });

  it('serves the stored document with its secrets cut short', async () => {
    const client = browser(CHROME);
    const username = uniqueUsername('document');
    await client.register(username);
    await client.get('/dashboard');
    await client.get('/dashboard');
    const res = await client.get('/dashboard/session.json');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const text = await res.text();
    const doc = JSON.parse(text) as { _id: string; expires: string; session: Record<string, unknown> };
    const id = sessionIdOf(client);
    assert.ok(!text.includes(id), 'the whole session ID is in the document');
    assert.equal(doc._id, storageId(id), 'the _id is the hash of the ticket, shown whole');
    assert.match(String(doc.session.csrfToken), /^.{6}…$/);
    assert.equal(doc.session.username, username);
    assert.equal(doc.session.dashboardVisits, 2, 'the save of the last dashboard view is in it');
    assert.ok(typeof doc.session.userId === 'string' && typeof doc.session.loginAt === 'number');
    assert.ok(!Number.isNaN(Date.parse(doc.expires)));
  });

  it('cuts short the two-factor setup secret, a reset token hash and the passkey challenges too', async () => {
    const client = browser(CHROME);
    await client.register(uniqueUsername('secrets'));
    // the setup page keeps its secret, sealed, in the session
    assert.equal((await client.get('/account/two-factor')).status, 200);
    const text = await (await client.get('/dashboard/session.json')).text();
    const doc = JSON.parse(text) as { session: { twoFactorSetup?: { sealedSecret: string; startedAt: number } } };
    assert.match(String(doc.session.twoFactorSetup?.sealedSecret), /^.{6}…$/);
    assert.equal(typeof doc.session.twoFactorSetup?.startedAt, 'number');

    // the fields no page of a logged-in user puts in the session at once: straight through the function
    const redacted = redactedDocument({
      _id: 'hash',
      session: {
        passwordResetTokenHash: 'a'.repeat(64),
        passkeyChallenges: { register: { challenge: 'c'.repeat(43), expiresAt: 1, userHandle: 'handle' } },
        twoFactorSetup: { sealedSecret: `v1.${'s'.repeat(80)}`, startedAt: 1 },
      },
    }, [{ redactSession: redactTwoFactorSession }, { redactSession: redactPasskeySession }, { redactSession: redactMailSession }]);
    assert.deepEqual(redacted.session, {
      passwordResetTokenHash: 'aaaaaa…',
      passkeyChallenges: { register: { challenge: 'cccccc…', expiresAt: 1, userHandle: 'handle' } },
      twoFactorSetup: { sealedSecret: 'v1.sss…', startedAt: 1 },
    });
  });

  it('is for logged-in users only', async () => {
    const res = await new Client(fixture.app.baseUrl).get('/dashboard/session.json');
    assert.equal(res.status, 302);
    assert.match(res.headers.get('location') ?? '', /^\/login/);
  });
});

describe('your sessions', () => {
  async function twoBrowsers() {
    const username = uniqueUsername('sessions');
    const chrome = browser(CHROME);
    await chrome.register(username);
    const firefox = browser(FIREFOX);
    await firefox.login(username);
    return { chrome, firefox, username };
  }

  /** The rows of the sessions page: browser label, and whether it is "this session". */
  async function rows(client: Client) {
    const res = await client.get('/sessions');
    assert.equal(res.status, 200);
    const html = await res.text();
    const found = [...html.matchAll(/data-testid="session-row"( data-current="true")?><h2 class="session-browser">([^<]+)/g)];
    return { html, rows: found.map((m) => ({ browser: m[2]?.trim(), current: m[1] !== undefined })) };
  }

  function handles(html: string): string[] {
    return [...html.matchAll(/name="handle" value="([^"]+)"/g)].map((m) => m[1] ?? '');
  }

  it('lists every browser the user is logged in with, this one marked, and no session IDs', async () => {
    const { chrome, firefox } = await twoBrowsers();
    const { html, rows: list } = await rows(chrome);
    // this browser first, though Firefox was seen more recently
    assert.deepEqual(list[0], { browser: 'Chrome 156 on Linux', current: true });
    assert.deepEqual(
      list.sort((a, b) => String(a.browser).localeCompare(String(b.browser))),
      [
        { browser: 'Chrome 156 on Linux', current: true },
        { browser: 'Firefox 140 on Windows', current: false },
      ],
    );
    for (const client of [chrome, firefox]) assert.ok(!html.includes(sessionIdOf(client).slice(0, 12)), 'a session ID is on the page');
  });

  it('signs out another session: it is anonymous at its next request', async () => {
    const { chrome, firefox } = await twoBrowsers();
    const { html } = await rows(chrome);
    // the row that is not current belongs to Firefox
    const firefoxHandle = [...html.matchAll(/data-testid="session-row"><h2 class="session-browser">Firefox[\s\S]*?name="handle" value="([^"]+)"/g)][0]?.[1];
    assert.ok(firefoxHandle);
    const res = await chrome.post('/sessions/end', { handle: firefoxHandle }, { formPage: '/sessions' });
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/sessions?notice=session-ended');
    assert.equal((await firefox.get('/dashboard')).status, 302, 'Firefox is logged out');
    assert.equal((await chrome.get('/dashboard')).status, 200, 'Chrome is still logged in');
    assert.equal((await rows(chrome)).rows.length, 1);
  });

  it('signs out everywhere else in one go', async () => {
    const { chrome, firefox, username } = await twoBrowsers();
    const third = browser(FIREFOX);
    await third.login(username);
    assert.equal((await rows(chrome)).rows.length, 3);
    const res = await chrome.post('/sessions/end-others', {}, { formPage: '/sessions' });
    assert.equal(res.headers.get('location'), '/sessions?notice=others-ended');
    assert.equal((await firefox.get('/dashboard')).status, 302);
    assert.equal((await third.get('/dashboard')).status, 302);
    assert.deepEqual((await rows(chrome)).rows, [{ browser: 'Chrome 156 on Linux', current: true }]);
  });

  it('signing out this session is logging out', async () => {
    const { chrome } = await twoBrowsers();
    const { html } = await rows(chrome);
    const own = [...html.matchAll(/data-current="true"><h2[\s\S]*?name="handle" value="([^"]+)"/g)][0]?.[1];
    assert.ok(own);
    const res = await chrome.post('/sessions/end', { handle: own }, { formPage: '/sessions' });
    assert.equal(res.headers.get('location'), '/?notice=signed-out');
    assert.equal((await chrome.get('/dashboard')).status, 302);
  });

  it("cannot end someone else's session, and refuses a malformed handle", async () => {
    const victim = await twoBrowsers();
    const victimHandle = handles((await rows(victim.chrome)).html)[0] ?? '';
    const attacker = browser(CHROME);
    await attacker.register(uniqueUsername('attacker'));
    const res = await attacker.post('/sessions/end', { handle: victimHandle }, { formPage: '/sessions' });
    assert.equal(res.headers.get('location'), '/sessions?notice=session-gone');
    assert.equal((await victim.chrome.get('/dashboard')).status, 200);
    assert.equal((await victim.firefox.get('/dashboard')).status, 200);
    for (const handle of ['', 'x', '{"$ne":null}', 'a'.repeat(200)]) {
      assert.equal((await attacker.post('/sessions/end', { handle }, { formPage: '/sessions' })).status, 400, handle);
    }
    assert.equal((await attacker.post('/sessions/end', { handle: ['a', 'b'] }, { formPage: '/sessions' })).status, 400);
  });

  it('needs a CSRF token to sign anything out', async () => {
    const { chrome, firefox } = await twoBrowsers();
    assert.equal((await chrome.post('/sessions/end-others', {}, { csrf: false })).status, 403);
    assert.equal((await firefox.get('/dashboard')).status, 200);
  });
});
