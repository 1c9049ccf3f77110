// The lesson at the heart of Cloakroom: respond only after the asynchronous
// work is done. With a session store that takes a while to save, the redirect
// after login must still leave only once the session is in the store.
//
// The assertions are about the order of events (save finished, response
// arrived), never about how many milliseconds something took.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import { useTestApp } from '../helpers/app.js';
import { Client, uniqueUsername } from '../helpers/client.js';
import { regenerateSession } from '../../src/session/promises.js';
import { createSessionMiddleware } from '../../src/session/middleware.js';
import { SlowStore } from '../../src/lab/slow-store.js';

const SAVE_DELAY_MS = 300;

const events: string[] = [];
const logSave = () => void events.push('save finished');

const fixture = useTestApp({ wrapStore: (store) => new SlowStore(store, SAVE_DELAY_MS, logSave) });

/**
 * Sends a request and logs when its response (status and headers) arrived.
 * Then reads the body to its end: express-session holds back the last byte
 * until any save it does at the end of the response has finished, so by
 * then every save this request caused is in the log.
 */
async function timed(send: () => Promise<Response>): Promise<Response> {
  events.length = 0;
  const res = await send();
  events.push('response arrived');
  await res.arrayBuffer();
  return res;
}

describe('with a slow session store', () => {
  it('registration redirects only after the session is saved', async () => {
    const client = new Client(fixture.app.baseUrl);
    // loading the form saves a session (for its CSRF token) before the timed part
    const _csrf = await client.csrfToken('/register');
    const password = 'slow and steady wins';
    const form = { username: uniqueUsername('slowreg'), password, confirmPassword: password, _csrf };
    const res = await timed(() => client.post('/register', form));
    assert.equal(res.status, 303);
    assert.deepEqual(events, ['save finished', 'response arrived']);
    // and the browser, following the redirect at once, is logged in
    assert.equal((await client.get('/dashboard')).status, 200);
  });

  it('login redirects only after the session is saved, every time', async () => {
    const username = uniqueUsername('slowlogin');
    await new Client(fixture.app.baseUrl).register(username);
    for (let i = 0; i < 3; i += 1) {
      const client = new Client(fixture.app.baseUrl);
      const _csrf = await client.csrfToken('/login');
      const res = await timed(() => client.post('/login', { username, password: 'correct horse battery', _csrf }));
      assert.equal(res.status, 303);
      assert.deepEqual(events, ['save finished', 'response arrived']);
      const dashboard = await client.get('/dashboard');
      assert.equal(dashboard.status, 200);
    }
  });

  it('the dashboard renders only after its counter is saved', async () => {
    const client = new Client(fixture.app.baseUrl);
    await client.register(uniqueUsername('slowdash'));
    const res = await timed(() => client.get('/dashboard'));
    assert.equal(res.status, 200);
    assert.deepEqual(events, ['save finished', 'response arrived']);
  });
});

// The check above must be able to fail. Here the classic tutorial mistake:
// redirect right after setting the user, leaving express-session to save
// when the response ends. The response starts before the save is done.
describe('the same check on the classic mistake', () => {
  let wrongUrl: string;
  let server: http.Server;

  before(async () => {
    const wrong = express();
    wrong.use(createSessionMiddleware(fixture.app.config.session, new SlowStore(fixture.app.store, SAVE_DELAY_MS, logSave)));
    wrong.post('/login', async (req, res) => {
      await regenerateSession(req);
      // (a name, not a userId: a userId is checked against a real account when saved)
      req.session.username = 'someone';
      res.redirect(303, '/dashboard'); // no await saveSession(req)
    });
    wrong.get('/dashboard', (req, res) => {
      res.status(req.session.username ? 200 : 401).end();
    });
    server = http.createServer(wrong);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    wrongUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('sees the response arrive before the save has finished', async () => {
    events.length = 0;
    const client = new Client(wrongUrl);
    const res = await client.post('/login', {}, { csrf: false });
    events.push('response arrived');
    assert.equal(res.status, 303);
    // a browser following the redirect at once is not logged in yet
    assert.equal((await client.get('/dashboard')).status, 401);
    await res.arrayBuffer();
    assert.deepEqual(events, ['response arrived', 'save finished']);
  });
});
